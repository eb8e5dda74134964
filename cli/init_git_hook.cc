// aio-init --git-hook: a pre-commit hook running `aio hook git pre-commit`
// in the hooks directory git uses. A hook already there is chained, never
// replaced: it is moved to pre-commit.aio-chained and run by ours after
// aio's check, with the same arguments and standard input (so a hook in
// any language keeps working). Ours is known by its marker line; a second
// run leaves it alone. --remove puts the chained hook back.
#include <sys/stat.h>

#include "cli/init.h"
#include "core/fileio.h"
#include "core/gitrepo.h"

namespace aio::cli {
namespace {

constexpr const char* kMarker = "# aio-init pre-commit hook";
constexpr const char* kChained = ".aio-chained";

// aio's check reads nothing from standard input, which is left whole for
// the chained hook. Without aio on PATH the commit goes on, with a warning
// (a hook that blocked every commit would be taken out by hand, check and all).
std::string hook_script() {
  return std::string("#!/bin/sh\n") + kMarker +
         " (aio-init --remove --git-hook takes it out).\n"
         "# Refuses a commit that stages paths another live aio instance claims,\n"
         "# then runs the hook that was here before, kept as pre-commit.aio-chained.\n"
         "if command -v aio >/dev/null 2>&1; then\n"
         "  aio hook git pre-commit </dev/null || exit $?\n"
         "else\n"
         "  echo \"aio pre-commit hook: aio is not on PATH; claims were not checked\" >&2\n"
         "fi\n"
         "chained=\"$(dirname \"$0\")/pre-commit.aio-chained\"\n"
         "if [ -x \"$chained\" ]; then exec \"$chained\" \"$@\"; fi\n"
         "exit 0\n";
}

bool exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Is the file at `path` aio's hook (a regular file holding the marker)?
Result<bool> is_ours(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::string text;
  AIO_RETURN_IF_ERROR(read_file(path, &text));
  return text.find(kMarker) != std::string::npos;
}

std::string shown(const std::string& project, const std::string& path) {
  return path.rfind(project + "/", 0) == 0 ? path.substr(project.size() + 1) : path;
}

}  // namespace

Status plan_git_hook(const std::string& project, bool remove, bool required, InitPlan* plan) {
  auto dir = git_hooks_dir(project);
  if (!dir) return dir.status();
  if (!*dir) {
    if (!required) return Status::ok();
    return Status::invalid(project + " is not in a git repository (--git-hook needs one)");
  }
  std::string hook = **dir + "/pre-commit";
  std::string chained = hook + kChained;
  std::string name = shown(project, hook);
  auto ours = is_ours(hook);
  if (!ours) return ours.status();
  if (remove) {
    if (!*ours) {
      plan->report.push_back({name, "up to date", exists(hook) ? "not aio's, left as it is" : ""});
    } else if (exists(chained)) {
      plan->ops.push_back({InitOp::kRename, hook, chained, "", 0, false});
      plan->report.push_back({name, "updated", "put back the hook aio's chained"});
    } else {
      plan->ops.push_back({InitOp::kUnlink, hook, "", "", 0, true});
      plan->report.push_back({name, "removed", ""});
    }
    return Status::ok();
  }
  if (*ours) {
    plan->report.push_back({name, "up to date", ""});
    return Status::ok();
  }
  if (!exists(hook)) {
    plan->ops.push_back({InitOp::kWrite, hook, "", hook_script(), 0755, false});
    plan->report.push_back(
        {name, "created", exists(chained) ? "created; it chains " + shown(project, chained) : ""});
    return Status::ok();
  }
  if (exists(chained))
    return Status::invalid(name + " and " + shown(project, chained) +
                           " both exist; aio-init chains only one hook (merge them first)");
  // Ours is written beside it first, so the two moves are all that can be
  // cut short: a rerun then finds the old hook chained and adds ours.
  // (A stale one from such a run goes first: a new file gets the mode asked for.)
  std::string fresh = hook + ".aio-new";
  plan->ops.push_back({InitOp::kUnlink, fresh, "", "", 0, false});
  plan->ops.push_back({InitOp::kWrite, fresh, "", hook_script(), 0755, false});
  plan->ops.push_back({InitOp::kRename, chained, hook, "", 0, false});
  plan->ops.push_back({InitOp::kRename, hook, fresh, "", 0, false});
  plan->report.push_back(
      {name, "updated",
       "added aio's hook; the one that was here runs after it, as " + shown(project, chained)});
  return Status::ok();
}

}  // namespace aio::cli
