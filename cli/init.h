// aio-init's plan: every change it will make, worked out (and every file it
// touches read and checked) before the first change is made, so a file it
// cannot merge means nothing at all is written. cmd_init.cc plans the
// instruction and settings files and applies the plan; init_git_hook.cc
// plans the git pre-commit hook.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace aio::cli {

struct InitOp {
  enum Kind { kWrite, kUnlink, kRename } kind = kWrite;
  std::string path;        // absolute
  std::string from;        // kRename: the file moved onto `path`
  std::string text;        // kWrite: crash-safe, parent directories made
  int mode = 0644;         // kWrite: the mode of a new file
  bool prune_dir = false;  // kUnlink: remove the directory holding it if left empty
};

// A key of the repository's local git config set (or, nullopt, removed).
struct InitConfig {
  std::string dir;  // a directory in the repository
  std::string key;
  std::optional<std::string> value;
};

struct InitPlan {
  struct Line {
    std::string file;    // as shown: relative to the project when inside it
    std::string action;  // created, updated, up to date, removed
    std::string note;    // said instead of the action in the text report, when set
  };
  std::vector<InitOp> ops;
  std::vector<InitConfig> config;  // applied after ops
  std::vector<Line> report;
};

// The pre-commit hook's part of the plan, in the hooks directory git uses
// for the work tree holding `project` (core/gitrepo.h git_hooks_dir): add
// aio's hook (chaining one that is there) or, with `remove`, take it out
// (putting the chained one back). Not in a git repository: kInvalid when
// `required`, else nothing to do.
Status plan_git_hook(const std::string& project, bool remove, bool required, InitPlan* plan);

// The store part of the plan (init_store.cc), in the repository holding
// `project`: `store` (--store URL) validated and written as aio.store ("file"
// or "" removes it), `project_id` (--project-id) as aio.project; a repository
// that would share an etcd store under no identity (no remote, no
// aio.project) is given a new random id. With `remove`, aio.store and
// aio.project are taken out (nothing to do outside a repository). --store
// outside a repository: kInvalid.
struct InitStore {
  std::optional<std::string> store;
  std::optional<std::string> project_id;
  bool remove = false;
};
Status plan_store(const std::string& project, const InitStore& o, InitPlan* plan);

}  // namespace aio::cli
