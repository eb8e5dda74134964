#include "cli/env.h"

#include <sys/stat.h>

#include <algorithm>

#include "cli/arena.h"
#include "core/gitrepo_cache.h"
#include "core/mounts.h"
#include "core/path.h"
#include "core/timeutil.h"

namespace aio::cli {

void Env::print_json(const Json& j) const {
  std::string s = j.dump(2, ' ', false, Json::error_handler_t::replace);
  s.push_back('\n');
  fputs(s.c_str(), stdout);
}

Result<State> load_state(Env& env) {
  return env.store->load();
}

namespace {

// This machine's live mounts, read once per command.
const std::vector<MountRecord>& live_mounts(const std::string& home) {
  static std::optional<std::vector<MountRecord>> memo;
  if (!memo) {
    memo.emplace();
    if (auto ms = list_mounts(home))
      for (auto& m : *ms)
        if (mount_daemon_alive(m)) memo->push_back(std::move(m));
  }
  return *memo;
}

}  // namespace

Hints project_hints(const Env& env, const State* s, const std::string& project,
                    bool worktree_local) {
  Hints h = project_hints(env, s ? registered_projects(*s) : std::vector<std::string>{}, project);
  h.worktree_local = worktree_local;
  return h;
}

Hints project_hints(const Env& env, std::vector<std::string> projects, const std::string& project) {
  Hints h;
  h.mounts = live_mounts(env.home);
  h.projects = std::move(projects);
  h.project = project;
  h.git = [cache = env.home + "/gitfacts.json"](const std::string& dir) {
    return repo_facts(dir, cache);
  };
  return h;
}

Result<Location> locate_path(const Env& env, const State& s, const std::string& path) {
  return locate(path, project_hints(env, &s));
}

Result<Location> locate_path(const Env& env, const std::vector<std::string>& projects,
                             const std::string& path) {
  return locate(path, project_hints(env, projects));
}

std::string current_project(const State& s, const Instance* me, const Env& env) {
  if (me) return me->project;
  auto here = locate_path(env, s, env.cwd);
  return here ? here->project : env.cwd;
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, const Env& env) {
  return aio::render_table(header, rows,
                           [&env](const std::string& cell) { return env.paint(cell, "1"); });
}

// What is on disk at `path`: nullopt when nothing is there yet.
std::optional<bool> kind_at(const std::string& path) {
  struct stat st;
  if (path.empty() || stat(path.c_str(), &st) != 0) return std::nullopt;
  return S_ISDIR(st.st_mode);
}

Result<Landing> land(const Env& env, const State& s, const std::string& project, ClaimType type,
                     const std::string& input) {
  return land(env, registered_projects(s), project, type, input);
}

Result<Landing> land(const Env& env, const std::vector<std::string>& projects,
                     const std::string& project, ClaimType type, const std::string& input) {
  Hints h = project_hints(env, projects, project);
  if (type != ClaimType::kFile && type != ClaimType::kDirectory) {
    auto t = claim_target(type, input, env.cwd, h);
    if (!t) return t.status();
    return Landing{*t, ""};
  }
  if (input.empty()) return Status::invalid("empty " + std::string(to_string(type)));
  auto l = locate_typed(input, env.cwd, h);
  if (!l) return l.status();
  return Landing{l->rel, join_root(l->checkout.empty() ? l->project : l->checkout, l->rel)};
}

Result<State> load_instances(Env& env) {
  return env.store->load_focused([](const State&) { return Focus::none(); });
}

InstancePick caller_pick(const Env& env) {
  return identity_pick(env.caller);
}

Result<State> load_caller_instances(Env& env) {
  return env.store->load_focused([](const State&) { return Focus::none(); }, caller_pick(env));
}

void keep_until_exit(State s) {
  if (long_lived()) return;  // freed here: a process that lives on must not grow
  static auto* kept = new std::vector<State>();  // never freed: the process ends first
  try {
    kept->push_back(std::move(s));
  } catch (...) {  // not kept: freed here after all
  }
}

namespace {

std::vector<std::string> sorted_projects(const State& s) {
  auto p = registered_projects(s);
  std::sort(p.begin(), p.end());
  return p;
}

}  // namespace

void Looked::from(const State& loaded) {
  projects_ = sorted_projects(loaded);
  stale_ = false;
}

void Looked::recall(Store& store, State loaded) {
  recalled_to_ = &store;
  store.recall(std::move(loaded));
}

bool Looked::fits(const State& locked, bool same) {
  // Finding the projects reads every instance; a locked state that started
  // from the recalled one has its instances.
  bool unchanged = recalled_to_ && recalled_to_->used_recalled();
  stale_ = !same || (!unchanged && sorted_projects(locked) != projects_);
  return !stale_;
}

Status Looked::changed() {
  return Status::state("the state changed while aio looked at the project's files");
}

Status until_fits(const std::function<Status(Looked&)>& round) {
  constexpr int kRounds = 5;
  for (int k = 1;; ++k) {
    Looked looked;
    Status s = round(looked);
    if (!looked.stale() || k == kRounds) return s;
    spdlog::debug("the registered projects changed while looking; looking again");
  }
}

}  // namespace aio::cli
