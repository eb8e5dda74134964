#include "core/report.h"

#include <algorithm>

#include "core/codec.h"
#include "core/timeutil.h"

namespace aio {

Json instance_json(const Instance& i, const Clock& c) {
  std::string text;
  append_instance_json(&text, i);
  Json j = Json::parse(text);
  j["live"] = is_live(i, c);
  return j;
}

Json claim_json(const Claim& c) {
  std::string text;
  append_claim_json(&text, c);
  return Json::parse(text);
}

Json note_json(const Note& n) {
  return Json::parse(encode_note_line(n));
}

Json state_json(const State& s, const Clock& c, const std::string& project) {
  Json j = {{"instances", Json::array()}, {"claims", Json::array()}};
  for (const auto& [id, i] : s.instances)
    if (project.empty() || i.project == project) j["instances"].push_back(instance_json(i, c));
  for (const auto& [id, cl] : s.claims) {
    if (!project.empty() && cl.project != project) continue;
    Json cj = claim_json(cl);
    cj["active"] = claim_active(s, cl, c);
    j["claims"].push_back(std::move(cj));
  }
  return j;
}

std::string note_source(const Note& n) {
  if (n.source_instance.empty()) return n.source_tool.empty() ? "unknown" : n.source_tool;
  return (n.source_tool.empty() ? std::string("?") : n.source_tool) + " (" + n.source_instance +
         ")";
}

std::string note_when(int64_t t) {
  std::string iso = format_iso(t);  // 2026-11-24T02:34:14Z -> 2026-11-24 02:34 UTC
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

std::string note_line(const Note& n) {
  return "[" + n.category + "] " + note_when(n.created_at) + " " + note_source(n) + ": " +
         n.content + "\n";
}

std::string notes_markdown(const std::string& project, const std::vector<Note>& notes,
                           int64_t now) {
  std::string md = "# Shared context: " + project + "\n\n";
  md += "_Exported " + format_iso(now) + " by aio: " + std::to_string(notes.size()) +
        (notes.size() == 1 ? " note._\n" : " notes._\n");
  static const std::pair<const char*, const char*> kTitles[] = {{"decision", "Decisions"},
                                                                {"pattern", "Patterns"},
                                                                {"warning", "Warnings"},
                                                                {"learning", "Learnings"},
                                                                {"handoff", "Handoffs"}};
  for (const auto& [cat, title] : kTitles) {
    std::string section;
    for (const auto& n : notes) {
      if (n.category != cat) continue;
      std::string content = n.content;
      for (size_t p = 0; (p = content.find('\n', p)) != std::string::npos; p += 3)
        content.replace(p, 1, "\n  ");
      section +=
          "- " + content + "  \n  _" + note_source(n) + ", " + note_when(n.created_at) + "_\n";
    }
    if (!section.empty()) md += "\n## " + std::string(title) + "\n\n" + section;
  }
  return md;
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::function<std::string(const std::string&)>& head) {
  std::vector<size_t> width(header.size());
  auto cells = [](const std::string& s) {
    size_t n = 0;  // display width: count UTF-8 lead bytes
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  for (size_t k = 0; k < header.size(); ++k) width[k] = cells(header[k]);
  for (const auto& r : rows)
    for (size_t k = 0; k < r.size() && k < width.size(); ++k)
      width[k] = std::max(width[k], cells(r[k]));
  auto line = [&](const std::vector<std::string>& r, bool is_head) {
    std::string s = "  ";
    for (size_t k = 0; k < r.size(); ++k) {
      std::string cell = r[k];
      if (k + 1 < r.size() && k < width.size())
        cell += std::string(width[k] - cells(r[k]) + 2, ' ');
      s += is_head && head ? head(cell) : cell;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(header, true);
  for (const auto& r : rows) out += line(r, false);
  return out;
}

}  // namespace aio
