#include "core/beads.h"

#include <algorithm>

namespace aio::beads {
namespace {

// Text from bd as one short line for a message.
std::string one_line(std::string_view s, size_t max = 300) {
  std::string out;
  for (char ch : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(ch);
    out.push_back(c < ' ' || c == 0x7f ? ' ' : ch);
  }
  size_t b = out.find_first_not_of(' ');
  size_t e = out.find_last_not_of(' ');
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

// The payload of an envelope {schema_version, data}, else the document.
const Json& unwrap(const Json& j) {
  if (j.is_object() && j.contains("data") && j.contains("schema_version")) return j["data"];
  return j;
}

// A string field: "" when absent or null; false when of another type.
bool string_field(const Json& o, const char* key, std::string* to) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  *to = it->get<std::string>();
  return true;
}

Result<Issue> parse_issue(const Json& o, size_t index) {
  std::string where = "bd's issue #" + std::to_string(index + 1);
  if (!o.is_object()) return Status::state(where + " is not a JSON object");
  Issue i;
  if (!string_field(o, "id", &i.id) || i.id.empty())
    return Status::state(where + " has no string \"id\"");
  for (auto [key, to] : {std::pair{"title", &i.title}, std::pair{"status", &i.status},
                         std::pair{"assignee", &i.assignee}})
    if (!string_field(o, key, to))
      return Status::state("bd's issue " + i.id + ": \"" + key + "\" is not a string");
  if (auto p = o.find("priority"); p != o.end() && !p->is_null()) {
    if (!p->is_number_integer())
      return Status::state("bd's issue " + i.id + ": \"priority\" is not an integer");
    i.priority = p->get<int64_t>();
  }
  i.raw = o;
  return i;
}

// bd's {"error": "..."} under --json (in an envelope or not), if that is what `out` is.
std::optional<std::string> json_error(std::string_view out) {
  Json j = Json::parse(out, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  const Json& e = unwrap(j);
  if (e.is_object() && e.contains("error") && e["error"].is_string())
    return e["error"].get<std::string>();
  return std::nullopt;
}

std::vector<std::string> lines_of(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string l = one_line(s.substr(start, end - start), 1000);
    if (!l.empty()) out.push_back(l);
    start = end + 1;
  }
  return out;
}

// What follows `marker` on the first line of bd's stderr that has it.
std::optional<std::string> after(const RunResult& r, std::string_view marker) {
  for (const auto& l : lines_of(r.err))
    if (size_t at = l.find(marker); at != std::string::npos)
      return one_line(std::string_view(l).substr(at + marker.size()));
  return std::nullopt;
}

}  // namespace

Result<std::vector<Issue>> parse_issues(std::string_view out) {
  Json j = Json::parse(out, nullptr, false);
  if (j.is_discarded()) {
    std::string shown = one_line(out, 80);
    return Status::state(shown.empty() ? "bd printed nothing" : "bd printed no JSON: " + shown);
  }
  const Json& d = unwrap(j);
  if (d.is_object() && d.contains("error"))
    return Status::state("bd: " + (d["error"].is_string() ? d["error"].get<std::string>()
                                                          : one_line(d["error"].dump(), 200)));
  std::vector<Issue> issues;
  if (d.is_object()) {
    auto i = parse_issue(d, 0);
    if (!i) return i.status();
    issues.push_back(std::move(i).value());
    return issues;
  }
  if (!d.is_array())
    return Status::state("bd printed JSON that is no issue list: " + one_line(d.dump(), 80));
  for (size_t k = 0; k < d.size(); ++k) {
    auto i = parse_issue(d[k], k);
    if (!i) return i.status();
    issues.push_back(std::move(i).value());
  }
  return issues;
}

std::string failure_line(const RunResult& r) {
  if (auto e = json_error(r.out)) return one_line(*e);
  auto lines = lines_of(r.err);
  if (!lines.empty()) {
    std::string l = lines.back();
    if (l.rfind("Error: ", 0) == 0) l = l.substr(7);
    return one_line(l);
  }
  if (r.timed_out) return "it did not finish in time and was killed";
  if (r.signal) return "killed by signal " + std::to_string(r.signal);
  return "exit " + std::to_string(r.exit_code) + " without a message";
}

ClaimFailure classify_claim_failure(const RunResult& r) {
  if (auto who = after(r, "already claimed by ")) return {ClaimFailure::kClaimed, *who};
  if (auto st = after(r, "not claimable: status ")) return {ClaimFailure::kNotClaimable, *st};
  std::string line = failure_line(r);
  if (line.find("not found") != std::string::npos) return {ClaimFailure::kNotFound, line};
  return {ClaimFailure::kOther, line};
}

ClaimVerdict judge_claim(const std::string& id, const std::string& actor, const RunResult& update,
                         const Result<std::vector<Issue>>& shown) {
  const std::string more = " (see `bd show " + id + "`)";
  if (update.timed_out || update.signal)
    return {Status::state("bd update " + id + " --claim: " + failure_line(update)),
            ClaimVerdict::kIfMine};
  if (update.exit_code != 0) {
    ClaimFailure f = classify_claim_failure(update);
    switch (f.kind) {
      case ClaimFailure::kClaimed:
        return {Status::refused("task " + id + " is claimed in Beads by " + f.detail + more)};
      case ClaimFailure::kNotClaimable:
        return {Status::refused("task " + id + " cannot be claimed in Beads: its status is " +
                                f.detail + more)};
      case ClaimFailure::kNotFound:
        return {Status::invalid("no issue " + id + " in Beads (bd: " + f.detail + ")")};
      case ClaimFailure::kOther:
        break;
    }
    return {Status::state("bd update " + id + " --claim failed (exit " +
                          std::to_string(update.exit_code) + "): " + f.detail)};
  }
  if (!shown)
    return {Status::state("bd granted " + id +
                          " but reading it back failed: " + shown.status().message()),
            ClaimVerdict::kAlways};
  const Issue* i = find_issue(*shown, id);
  if (!i)
    return {Status::state("bd granted " + id + " but `bd show " + id + "` does not list it"),
            ClaimVerdict::kAlways};
  if (i->assignee == actor) return {Status::ok()};
  if (i->assignee.empty())
    return {Status::state("bd granted " + id + " but reads it back unassigned" + more),
            ClaimVerdict::kNone};
  // bd's claims have raced: the one it reads back won.
  return {Status::refused("task " + id + " is claimed in Beads by " + i->assignee + more)};
}

bool should_reopen(const Issue& issue, const std::string& holder) {
  return !holder.empty() && issue.assignee == holder && issue.status != "closed";
}

const Issue* find_issue(const std::vector<Issue>& issues, const std::string& id) {
  for (const auto& i : issues)
    if (i.id == id) return &i;
  return nullptr;
}

std::vector<Issue> ready_minus_held(const std::vector<Issue>& ready,
                                    const std::set<std::string>& held) {
  std::vector<Issue> out;
  std::copy_if(ready.begin(), ready.end(), std::back_inserter(out),
               [&](const Issue& i) { return !held.count(i.id); });
  return out;
}

}  // namespace aio::beads
