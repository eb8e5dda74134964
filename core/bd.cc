#include "core/bd.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "core/subprocess.h"

namespace aio {
namespace {

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int timeout_ms() {
  const char* t = getenv("AIO_BD_TIMEOUT");
  if (!t || !*t) return 30000;
  char* end = nullptr;
  double s = strtod(t, &end);
  return *end == '\0' && s > 0 && s < 3600 ? static_cast<int>(s * 1000) : 30000;
}

std::string command_line(const std::vector<std::string>& args) {
  std::string out = "bd";
  for (const auto& a : args) out += " " + (a.empty() ? std::string("\"\"") : a);
  return out;
}

}  // namespace

Result<BeadsSite> find_beads(const std::string& checkout, const std::string& project) {
  std::string dir;
  for (const std::string* d : {&checkout, &project})
    if (!d->empty() && is_dir(*d + "/.beads")) {
      dir = *d;
      break;
    }
  if (dir.empty())
    return Status::invalid(
        "Beads is not in use here: no .beads/ in " +
        (checkout.empty() || checkout == project ? project : checkout + " or " + project));
  const char* path = getenv("PATH");
  std::string bd = find_program("bd", path ? path : "");
  if (bd.empty())
    return Status::invalid("Beads is not in use here: " + dir +
                           "/.beads exists but bd is not on PATH");
  return BeadsSite{dir, bd};
}

Bd::Bd(BeadsSite site, std::string actor) : site_(std::move(site)), actor_(std::move(actor)) {}

Result<RunResult> Bd::run(std::vector<std::string> args) {
  RunSpec spec;
  spec.argv = {site_.bd};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = site_.dir;
  spec.env = {"BEADS_ACTOR=" + actor_};
  spec.timeout_ms = timeout_ms();
  auto r = run_program(spec);
  if (!r) return Status::state(command_line(args) + ": " + r.status().message());
  spdlog::debug("{} as {} in {}: exit {}{}", command_line(args), actor_, site_.dir, r->exit_code,
                r->timed_out ? " (timed out)" : "");
  return r;
}

Result<std::vector<beads::Issue>> Bd::show(const std::string& id) {
  auto r = run({"show", id, "--json"});
  if (!r) return r.status();
  if (r->exit_code != 0)
    return Status::state("bd show " + id + " failed: " + beads::failure_line(*r));
  return beads::parse_issues(r->out);
}

Status Bd::reopen(const std::string& id) {
  auto r = run({"update", id, "--status", "open", "--assignee", "", "--json"});
  if (!r) return r.status();
  if (r->exit_code != 0)
    return Status::state("bd update " + id + " --status open failed: " + beads::failure_line(*r));
  return Status::ok();
}

Status Bd::claim(const std::string& id) {
  auto update = run({"update", id, "--claim", "--json"});
  if (!update) return update.status();
  Result<std::vector<beads::Issue>> shown = Status::state("not read");
  if (!update->timed_out && update->exit_code == 0) shown = show(id);
  beads::ClaimVerdict v = beads::judge_claim(id, actor_, *update, shown);
  if (v.undo == beads::ClaimVerdict::kAlways) {
    if (Status s = reopen(id); !s) spdlog::warn("undoing the claim of {}: {}", id, s.message());
  } else if (v.undo == beads::ClaimVerdict::kIfMine) {
    auto u = unclaim(id);
    if (!u) spdlog::warn("undoing the claim of {}: {}", id, u.status().message());
  }
  return v.status;
}

Result<std::string> Bd::unclaim(const std::string& id) {
  auto shown = show(id);
  if (!shown) return shown.status();
  const beads::Issue* i = beads::find_issue(*shown, id);
  if (!i) return Status::state("bd show " + id + " does not list it");
  if (!beads::should_reopen(*i, actor_))
    return std::string(i->status == "closed" ? "left: closed"
                       : i->assignee.empty() ? "left: not assigned"
                                             : "left: assigned to " + i->assignee);
  AIO_RETURN_IF_ERROR(reopen(id));
  return std::string("reopened");
}

Status Bd::close(const std::string& id, const std::string& reason) {
  std::vector<std::string> args = {"close", id};
  if (!reason.empty()) args.insert(args.end(), {"--reason", reason});
  args.push_back("--json");
  auto r = run(args);
  if (!r) return r.status();
  if (r->exit_code != 0 || r->timed_out)
    return Status::state("bd close " + id + " failed: " + beads::failure_line(*r));
  return Status::ok();
}

Result<std::vector<beads::Issue>> Bd::ready() {
  auto r = run({"ready", "--json", "--limit", "0"});
  if (!r) return r.status();
  if (r->exit_code != 0 || r->timed_out)
    return Status::state("bd ready failed: " + beads::failure_line(*r));
  return beads::parse_issues(r->out);
}

void reopen_released_tasks(const std::vector<Claim>& released, const std::string& project,
                           const std::string& checkout, bool to_stderr) {
  for (const Claim& c : released) {
    if (c.type != ClaimType::kTask) continue;
    auto site = find_beads(c.project == project ? checkout : "", c.project);
    if (!site) continue;  // no Beads there: nothing to tell
    Bd bd(*site, c.instance_id);
    auto done = bd.unclaim(c.target);
    if (done) {
      spdlog::info("beads: released task {} of {}: {}", c.target, c.instance_id, *done);
      continue;
    }
    std::string msg = "task " + c.target +
                      " released in aio but not reopened in Beads: " + done.status().message();
    spdlog::warn("{}", msg);
    if (to_stderr) fprintf(stderr, "aio: warning: %s\n", msg.c_str());
  }
}

}  // namespace aio
