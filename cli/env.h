// What every command needs: the store, the clock, who is calling, where, and
// how to print. Built once by main; commands call core through it and return
// a Status (main alone turns it into an exit code and the error line).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "core/bd.h"
#include "core/engine.h"
#include "core/identity.h"
#include "core/procinfo.h"
#include "core/project.h"
#include "core/report.h"
#include "core/store.h"
#include "core/store_open.h"
#include "core/store_url.h"

namespace aio::cli {

struct Env {
  // Global options (main registers them).
  bool json = false;
  int verbose = 0;
  std::string instance_flag;
  std::optional<std::string> store_flag;  // --store URL
  // The command can run without the state (aio-init): a store that cannot
  // be chosen or opened is a warning, and `store` stays empty.
  bool store_optional = false;

  // Filled in by main before a command runs.
  std::string home;
  std::string cwd;
  Clock clock;
  SystemProcesses procs;  // clock.procs
  Caller caller;
  std::unique_ptr<Store> store;
  StoreUrl store_url;      // which store `store` is (store_select.cc)
  StoreSetup store_setup;  // what it was opened with
  bool color = false;

  // The selected command's body, and the exit code it chose when it
  // succeeded with one of its own (aio exec: the child's status).
  std::function<Status()> run;
  std::optional<int> exit_code;

  // Output: stdout for results, one JSON document when --json.
  void out(const std::string& s) const { fputs(s.c_str(), stdout); }
  void print_json(const Json& j) const;
  std::string paint(const std::string& s, const char* ansi) const {
    return color ? std::string("\033[") + ansi + "m" + s + "\033[0m" : s;
  }
};

// ---- the store (store_select.cc; core/store_url.h) ----
// The store URL this command uses: --store, else $AIO_STORE, else `git
// config aio.store` of the repository holding env.cwd, else the file store;
// `source` says which. A bad URL: kInvalid naming the source.
Result<StoreUrl> select_store_url(const Env& env);
// Selects and opens the store (core/store_open.h) into env.store and
// env.store_url.
Status open_selected_store(Env& env);

// Loads the state and resolves the caller.
Result<State> load_state(Env& env);
// What core/project.h's rules see from this command: this machine's live
// aio mounts, the projects registered in `s` (when given), git facts
// through the cache in $AIO_HOME; `project`, a project given ("" none).
Hints project_hints(const Env& env, const State* s, const std::string& project = "",
                    bool worktree_local = false);
// The same with the registered projects already found (Looked::projects):
// finding them reads every instance.
Hints project_hints(const Env& env, std::vector<std::string> projects,
                    const std::string& project = "");
// Where `path` (absolute) belongs (locate() with project_hints).
Result<Location> locate_path(const Env& env, const State& s, const std::string& path);
Result<Location> locate_path(const Env& env, const std::vector<std::string>& projects,
                             const std::string& path);
// What is on disk at `path`: nullopt when nothing is there yet.
std::optional<bool> kind_at(const std::string& path);
// Where a claim target typed in the working directory lands in `project`:
// the stored target, and for a path, where it is on disk (in the checkout
// it was typed in).
struct Landing {
  std::string target;
  std::string path;
};
Result<Landing> land(const Env& env, const State& s, const std::string& project, ClaimType type,
                     const std::string& input);
Result<Landing> land(const Env& env, const std::vector<std::string>& projects,
                     const std::string& project, ClaimType type, const std::string& input);
// ---- looking before the store is locked (core/store.h) ----
// What core/project's rules read on disk (realpath, libgit2) and what is at
// a claimed path (kind_at) must be read while the store is not locked: a
// lookup through an aio mount can wait for a directory the kernel holds
// locked while the mount's daemon waits for the store's lock. So a command
// loads the state first (load_instances), places its paths and looks at
// them with it, and only then runs its transaction, which first asks
// Looked::fits whether the state under the lock still places paths as the
// loaded one did (the rules read a state only for its registered
// projects). When it does not, the transaction changes nothing and the
// command looks again (until_fits).

// Every instance (whole but for the `claims` lists), no claims: what a
// command needs to place paths and resolve the caller before it locks.
Result<State> load_instances(Env& env);
// load_instances for a command that needs only the caller's instance and
// the registered projects (aio claim, check, a hook's judgement): the
// instances the caller's identity can rest on (identity_pick), a partial
// state (State::partial). Its focused load or update after it passes the
// same pick (caller_pick) to start from it.
Result<State> load_caller_instances(Env& env);
InstancePick caller_pick(const Env& env);

// Keeps `s` allocated until the process exits: freeing a large state (every
// instance and its strings) at the end of a command costs a good part of
// what loading it did, for nothing. It stays reachable (no leak to report).
// In a long-lived process (arena.h long_lived) it is freed at once.
void keep_until_exit(State s);

class Looked {
 public:
  // What was found is from `loaded` (a state read without the lock).
  void from(const State& loaded);
  // Hands `loaded` (the state given to `from`) back to the store
  // (Store::recall): when the store then says its next load started from
  // it (Store::used_recalled), fits knows the projects are the same.
  void recall(Store& store, State loaded);
  // Does `locked` place paths as the loaded state did, and does the rest of
  // what the caller found still hold (`same`)? When not, the transaction
  // must change nothing (return the Status this returns as false) and the
  // command look again.
  bool fits(const State& locked, bool same = true);
  bool stale() const { return stale_; }
  // The registered projects `from` found (sorted).
  const std::vector<std::string>& projects() const { return projects_; }
  static Status changed();

 private:
  std::vector<std::string> projects_;  // registered projects, sorted
  bool stale_ = false;
  const Store* recalled_to_ = nullptr;  // recall()
};

// Runs `round` (load, look, lock and transact with a fresh Looked) again
// while its transaction finds that what it looked at no longer fits; a
// few times at most, then it fails (kState) saying so.
Status until_fits(const std::function<Status(Looked&)>& round);

// The project a command works on: the caller's instance project, else the
// project of the working directory (core/project.h), else, when that cannot
// be read (a broken repository), the directory itself.
std::string current_project(const State& s, const Instance* me, const Env& env);

// core/report.h's table with the header painted bold on a terminal.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, const Env& env);

// ---- the Beads bridge (cmd_beads.cc; core/bd.h): never with the store locked ----
// bd's half of a task claim by the caller: when the caller's project uses
// Beads, `bd update TASK --claim` as the caller's instance and the assignee
// read back (refused naming bd's assignee); nullopt without Beads (no bd
// call). Run it before the aio transaction; if that then refuses, give it
// back (beads_give_back) so that neither side holds what the other does not.
struct BeadsTaken {
  BeadsSite site;
  std::string actor;
  std::string task;
};
Result<std::optional<BeadsTaken>> beads_take_task(Env& env, const std::string& task);
void beads_give_back(const std::optional<BeadsTaken>& taken);
// After a transaction released `released`: reopens their task claims in
// Beads (the caller's checkout first for `project`, the caller's, "" none);
// a bd failure is a warning on stderr, never an error.
void beads_reopen(Env& env, const std::vector<Claim>& released, const std::string& project);

// One register function per command group.
void register_instance_commands(CLI::App& app, Env& env);
// claim, check and release are set up one at a time: each is run often.
void register_claim_command(CLI::App& app, Env& env);
void register_check_command(CLI::App& app, Env& env);
void register_release_command(CLI::App& app, Env& env);
void register_context_commands(CLI::App& app, Env& env);
void register_init_command(CLI::App& app, Env& env);
void register_mount_commands(CLI::App& app, Env& env);
void register_exec_command(CLI::App& app, Env& env);
void register_beads_commands(CLI::App& app, Env& env);
void register_hook_command(CLI::App& app, Env& env);
void register_keepalive_command(CLI::App& app, Env& env);
// Starts `aio --store URL keepalive` detached unless this machine's keeper
// for the store already runs (cmd_keepalive.cc; core/keeper.h).
void spawn_keeper(const Env& env, const std::string& store_url);

// `aio claim TYPE INPUT` as the caller (what cmd_claim.cc does for the
// command, for the hooks' --auto-claim): granted, or refused naming the holder.
Result<ClaimOutcome> claim_as_caller(Env& env, ClaimType type, const std::string& input);
// CLI11 hands what follows `--` back to aio itself: drop the `--` that ends
// aio exec's options (argv as main holds it, program name first).
void strip_exec_separator(std::vector<std::string>& args);

}  // namespace aio::cli
