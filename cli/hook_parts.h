// What `aio hook` does beyond speaking the protocols (core/hook.h), shared
// by the agent hooks (cmd_hook.cc) and the git guard (cmd_hook_git.cc):
// judging the paths a call or a commit would write, and the agent's
// instance at session start and end (hook_session.cc).
#pragma once

#include <string>
#include <vector>

#include "cli/env.h"
#include "core/hook.h"

namespace aio::cli {

// The paths a call would write, judged as `aio check` judges them (a path
// is relative to env.cwd unless absolute; one outside the caller's project
// is not aio's to judge). `auto_claim`: a free file is claimed for the
// caller's instance first (refused if another instance got it meanwhile).
struct Verdict {
  std::vector<RefusedPath> refused;
  std::vector<std::string> claimed;  // claim ids auto-claimed
};
Result<Verdict> judge_writes(Env& env, const std::vector<WriteTarget>& targets, bool auto_claim);

// The agent's instance at session start: the live one it already has (a
// live AIO_INSTANCE, or one bound to a process of its lineage), else one
// registered for the project of env.cwd, bound to the agent's process (the
// hook's nearest ancestor that is not a shell) and marked as the hook's.
// `problem`: an AIO_INSTANCE that is not live (nothing is registered then:
// the agent's writes would still name that id).
struct HookInstance {
  Instance instance;  // id "" when none
  bool adopted = false;
  std::string problem;
};
Result<HookInstance> adopt_or_register(Env& env, Agent agent);
// What the model is told at session start: who it is, who holds what,
// the latest handoffs, the etiquette.
Result<std::string> session_summary(Env& env, const HookInstance& mine);
// At session end: releases and unregisters the caller's instance when this
// agent's hook registered it for this very process; returns its id ("" when
// there was none to end: one adopted is left to its owner).
Result<std::string> end_hook_instance(Env& env, Agent agent);

// `aio hook git EVENT` (pre-commit).
Status run_git_hook(Env& env, const std::string& event);

}  // namespace aio::cli
