#include "fs/vfiles.h"

#include <errno.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "core/report.h"
#include "core/requests.h"
#include "core/text.h"
#include "core/timeutil.h"

namespace aio::fs {

namespace {

constexpr std::string_view kPrefix = "/.aio";

// The lines that are not blank, without blanks around them.
std::vector<std::string> trimmed(const std::vector<std::string>& raw) {
  std::vector<std::string> lines;
  for (std::string_view line : raw) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    size_t lead = line.find_first_not_of(" \t");
    if (lead != std::string_view::npos) lines.emplace_back(line.substr(lead));
  }
  return lines;
}

std::string file_name(const VNode& n) {
  return std::string(".aio/") + (n.kind == VNode::kClaims    ? "claims"
                                 : n.kind == VNode::kRelease ? "release"
                                                             : "context/" + n.category);
}

// The project's active claims as a table ("" when there are none).
std::string claims_table(const State& s, const std::string& project, const Clock& c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [id, cl] : s.claims) {
    if (cl.project != project || !claim_active(s, cl, c)) continue;
    const Instance& h = s.instances.at(cl.instance_id);
    rows.push_back({id, std::string(to_string(cl.type)), cl.target.empty() ? "." : cl.target, h.id,
                    h.tool, cl.auto_claimed ? "auto-claimed" : ""});
  }
  if (rows.empty()) return "";
  return render_table({"ID", "TYPE", "TARGET", "HOLDER", "TOOL", ""}, rows);
}

// "/.aio" and everything beneath it.
bool in_aio_dir(std::string_view p) {
  return p.substr(0, kPrefix.size()) == kPrefix &&
         (p.size() == kPrefix.size() || p[kPrefix.size()] == '/');
}

}  // namespace

std::optional<VNode> vnode_of(const char* p) {
  if (!in_aio_dir(p)) return std::nullopt;
  std::string_view rest = std::string_view(p).substr(kPrefix.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  VNode n;
  if (rest.empty()) return n;
  if (rest == "/status")
    n.kind = VNode::kStatus;
  else if (rest == "/status.json")
    n.kind = VNode::kStatusJson;
  else if (rest == "/whoami")
    n.kind = VNode::kWhoami;
  else if (rest == "/claims")
    n.kind = VNode::kClaims;
  else if (rest == "/release")
    n.kind = VNode::kRelease;
  else if (rest == "/denials")
    n.kind = VNode::kDenials;
  else if (rest == "/context")
    n.kind = VNode::kContextDir;
  else if (rest == "/context/export.md")
    n.kind = VNode::kExport;
  else if (rest.substr(0, 9) == "/context/" && is_category(rest.substr(9))) {
    n.kind = VNode::kContext;
    n.category = std::string(rest.substr(9));
  } else {
    return std::nullopt;
  }
  return n;
}

std::vector<std::string> VFiles::list(const VNode& n) const {
  if (n.kind == VNode::kRoot)
    return {"status", "status.json", "whoami", "claims", "release", "context", "denials"};
  std::vector<std::string> out(std::begin(kCategories), std::end(kCategories));
  out.push_back("export.md");
  return out;
}

void VFiles::stat(const VNode& n, struct stat* st) {
  memset(st, 0, sizeof *st);
  st->st_uid = getuid();
  st->st_gid = getgid();
  st->st_nlink = n.is_dir() ? 2 : 1;
  st->st_ino = kVirtualInoBase + static_cast<ino_t>(n.kind) * 16 +
               (n.kind == VNode::kContext ? 1 + static_cast<ino_t>(n.category[0] % 15) : 0);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  st->st_atim = st->st_mtim = st->st_ctim = now;
  if (n.is_dir()) {
    st->st_mode = S_IFDIR | 0755;
    return;
  }
  st->st_mode = S_IFREG | (n.writable() ? 0666 : 0444);
  st->st_size = 0;
  st->st_blksize = 4096;
}

std::string VFiles::render_status_json(const State& s, const Clock& c, const Who& who) {
  const std::string& project = state_.options().project;
  Json j = state_json(s, c, project);
  j["project"] = project;
  j["mode"] = std::string(to_string(mode_));
  j["autoClaim"] = auto_claim_;
  j["you"] = who.instance.empty() ? Json(nullptr) : Json(who.instance);
  j["store"] = state_.store().where();
  std::string trouble = state_.trouble();
  j["storeTrouble"] = trouble.empty() ? Json(nullptr) : Json(trouble);
  return j.dump(2) + "\n";
}

std::string VFiles::render_status(const State& s, const Clock& c, const Who& who) {
  const std::string& project = state_.options().project;
  std::string out = "aio mount of " + project + " (mode " + std::string(to_string(mode_)) +
                    (auto_claim_ ? ", auto-claim" : "") + ")\n";
  out += "store: " + state_.store().where() + "\n";
  if (std::string trouble = state_.trouble(); !trouble.empty())
    out += "WARNING: enforcing the claims last read; " + trouble + "\n";
  out += "you: " +
         (who.instance.empty() ? "anonymous (" + who.why + ")"
                               : who.instance + " (via " + who.rule + ")") +
         "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [id, i] : s.instances) {
    if (i.project != project) continue;
    size_t claims = 0;
    for (const auto& cid : i.claims) claims += s.claims.count(cid);
    rows.push_back(
        {id, i.tool,
         std::string(is_live(i, c) ? "live" : "stale") + (i.auto_claim ? ", auto-claim" : ""),
         live_by(i, c), std::to_string(claims), i.current_task.value_or("")});
  }
  out += "INSTANCES " + std::to_string(rows.size()) + "\n";
  if (!rows.empty())
    out += render_table({"ID", "TOOL", "STATE", "LIVE BY", "CLAIMS", "TASK"}, rows);
  std::string claims = claims_table(s, project, c);
  return out + "\nCLAIMS\n" + (claims.empty() ? "  none\n" : claims);
}

std::string VFiles::render(const VNode& n, const Who& who) {
  auto snap = state_.refresh();
  const State& s = *snap->state;
  const std::string& project = state_.options().project;
  Clock c = state_.clock();
  switch (n.kind) {
    case VNode::kRoot:
    case VNode::kContextDir:
    case VNode::kRelease:
      return "";
    case VNode::kWhoami: {
      if (who.instance.empty()) return "anonymous (" + who.why + ")\n";
      return who.instance + " " + who.tool + " (via " + who.rule + ")\n";
    }
    case VNode::kStatusJson:
      return render_status_json(s, c, who);
    case VNode::kStatus:
      return render_status(s, c, who);
    case VNode::kClaims: {
      std::string claims = claims_table(s, project, c);
      return claims.empty() ? "no active claims\n" : claims;
    }
    case VNode::kContext:
    case VNode::kExport: {
      NoteQuery q;
      q.project = project;
      q.category = n.category;
      q.now = c.now;
      auto notes = state_.store().notes(q);
      if (!notes) return "aio: " + notes.status().message() + "\n";
      if (n.kind == VNode::kExport) return notes_markdown(project, *notes, c.now);
      std::string out;
      for (const auto& note : *notes) out += note_line(note);
      return out;
    }
    case VNode::kDenials: {
      std::vector<std::vector<std::string>> rows;
      for (const auto& d : denials_.list())
        rows.push_back({format_iso(d.time), d.op, d.path, std::to_string(d.pid) + " " + d.comm,
                        d.as.empty() ? (d.instance.empty() ? "anonymous" : d.instance) : d.as,
                        d.holder.empty() ? "-" : d.holder,
                        d.count < 2 ? d.reason
                                    : d.reason + " (" + std::to_string(d.count) + " times since " +
                                          format_iso(d.first) + ")"});
      if (rows.empty()) return "no refusals\n";
      return render_table({"TIME", "OP", "PATH", "PID", "AS", "HOLDER", "WHY"}, rows);
    }
  }
  return "";
}

int VFiles::fail(const VNode& n, const Who& who, const Status& s) {
  Denial d{now_seconds(), "append",       file_name(n), who.pid, who.comm,
           who.instance,  who.describe(), "",           "",      s.message()};
  LogVerdict v = denials_.record(&d);
  if (v.log)
    spdlog::warn(".aio write by pid {} ({}) as {} refused: {}{}", d.pid, d.comm, d.as, d.reason,
                 log_tail(v));
  return -s.to_errno();
}

int VFiles::write(const VNode& n, const Who& who, LineStream& lines, std::string_view data,
                  int64_t offset, bool append) {
  auto complete = lines.feed(data, offset, append);
  if (!complete) return fail(n, who, complete.status());
  if (complete->empty()) {
    lines.accept();
    return 0;
  }
  int rv = act(n, who, *complete);
  if (rv == 0)
    lines.accept();
  else
    lines.refuse();
  return rv;
}

void VFiles::release(const VNode& n, const Who& who, const LineStream& lines) {
  if (lines.unfinished().empty()) return;
  (void)fail(n, who,
             Status::invalid("line without a newline when the file was closed: '" +
                             excerpt(lines.unfinished()) + "' (nothing done)"));
}

int VFiles::act(const VNode& n, const Who& who, const std::vector<std::string>& raw) {
  std::vector<std::string> lines = trimmed(raw);
  if (lines.empty()) return fail(n, who, Status::invalid("empty line"));
  auto snap = state_.refresh();
  Clock c = state_.clock();
  const std::string& project = state_.options().project;
  if (who.instance.empty())
    return fail(n, who,
                Status::invalid("the writer is not a registered instance "
                                "(run `aio register <tool>` or set AIO_INSTANCE)"));

  if (n.kind == VNode::kContext) {
    Instance source;
    source.id = who.instance;
    source.tool = who.tool;
    std::vector<Note> notes;
    for (const auto& l : lines) notes.push_back(make_note(project, n.category, l, &source, c.now));
    if (Status s = state_.store().add_notes(notes); !s) return fail(n, who, s);
    spdlog::info("{} {} note(s) by {} through .aio", notes.size(), n.category, who.instance);
    return 0;
  }

  Status s = state_.store().update([&](Txn& t) -> Status {
    auto it = t.state().instances.find(who.instance);
    if (it == t.state().instances.end() || !is_live(it->second, c))
      return Status::invalid("instance " + who.instance + " is not registered or is stale");
    const Instance me = it->second;
    if (me.project != project)
      return Status::invalid("instance " + me.id + " is registered for " + me.project + ", not " +
                             project);
    for (const auto& l : lines) {
      if (n.kind == VNode::kRelease) {
        auto r = aio::release(t, &me, l, false, project, project, c);
        if (!r) return r.status();
        continue;
      }
      auto words = parse_claim_line(l);
      if (!words) return words.status();
      auto g = claim_input(
          t, t.state().instances.at(me.id), words->type, words->target, project,
          [this](const std::string& rel) { return tree_.is_directory(rel); }, c);
      if (!g) return g.status();
    }
    return Status::ok();
  });
  if (!s) return fail(n, who, s);
  state_.reload();
  spdlog::info("{} line(s) applied to .aio/{} by {}", lines.size(),
               n.kind == VNode::kClaims ? "claims" : "release", who.instance);
  return 0;
}

}  // namespace aio::fs
