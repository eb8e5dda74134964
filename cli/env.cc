#include "cli/env.h"

#include "core/codec.h"
#include "core/path.h"
#include "core/timeutil.h"

namespace aio::cli {

void Env::print_json(const Json& j) const {
  std::string s = j.dump(2, ' ', false, Json::error_handler_t::replace);
  s.push_back('\n');
  fputs(s.c_str(), stdout);
}

Result<State> load_state(Env& env) { return env.store->load(); }

std::string project_for_path(const State& s, const std::string& abs) {
  std::string best;
  for (const auto& [id, inst] : s.instances) {
    const std::string& p = inst.project;
    bool inside = p == "/" || is_within(p, abs);
    if (inside && p.size() > best.size()) best = p;
  }
  return best.empty() ? abs : best;
}

std::string current_project(const State& s, const Instance* me, const Env& env) {
  if (me) return me->project;
  return project_for_path(s, env.cwd);
}

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

Json note_json(const Note& n) { return Json::parse(encode_note_line(n)); }

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, const Env& env) {
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
  auto line = [&](const std::vector<std::string>& r, bool head) {
    std::string s = "  ";
    for (size_t k = 0; k < r.size(); ++k) {
      std::string cell = r[k];
      if (k + 1 < r.size()) cell += std::string(width[k] - cells(r[k]) + 2, ' ');
      s += head ? env.paint(cell, "1") : cell;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(header, true);
  for (const auto& r : rows) out += line(r, false);
  return out;
}

}  // namespace aio::cli
