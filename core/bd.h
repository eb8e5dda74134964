// Running `bd` for the Beads bridge (core/beads.h parses what it says).
//
// A project uses Beads when a `.beads/` directory is in the caller's
// checkout root or in the project directory and `bd` is on PATH; without
// both aio never runs bd. bd runs in the directory that holds `.beads/`,
// with BEADS_ACTOR set to the aio instance id it acts for, argv never
// through a shell, output bounded, killed after a timeout (AIO_BD_TIMEOUT
// seconds, default 30).
//
// Never call these with the store locked (core/store.h): bd reads and
// writes `.beads/`, which may lie beneath an aio mount whose daemon can be
// waiting for the store's lock; nor from a FUSE worker thread. bd's writes
// through a mount are judged as any write of the process that ran it.
#pragma once

#include <string>
#include <vector>

#include "core/beads.h"
#include "core/model.h"
#include "core/status.h"

namespace aio {

struct BeadsSite {
  std::string dir;  // where bd runs: the directory holding .beads/
  std::string bd;   // bd's absolute path
};

// The Beads of `checkout` (tried first; "" none) or `project`; kInvalid
// saying why not ("no .beads/ in ...", "bd is not on PATH") otherwise.
// Looks at the file system: never with the store locked.
Result<BeadsSite> find_beads(const std::string& checkout, const std::string& project);

class Bd {
 public:
  // bd at `site`, acting as `actor` (BEADS_ACTOR).
  Bd(BeadsSite site, std::string actor);

  // `bd update ID --claim --json`, then `bd show ID --json` to read the
  // assignee back. Ok when bd holds the issue for the actor; refused naming
  // bd's assignee otherwise. On any failure what this call may have
  // claimed in bd is undone (undo_claim), as far as bd answers.
  Status claim(const std::string& id);
  // Reopens the issue with the assignee cleared (`bd update ID --status
  // open --assignee "" --json`) when bd reads it back assigned to the actor
  // and not closed; an issue someone else holds in bd is left alone.
  // Returns what was done ("reopened", "left: assigned to X", ...) or why
  // it failed.
  Result<std::string> unclaim(const std::string& id);
  // `bd close ID [--reason R] --json`.
  Status close(const std::string& id, const std::string& reason);
  // `bd ready --json --limit 0`.
  Result<std::vector<beads::Issue>> ready();
  // `bd show ID --json`.
  Result<std::vector<beads::Issue>> show(const std::string& id);

 private:
  Result<RunResult> run(std::vector<std::string> args);
  Status reopen(const std::string& id);

  BeadsSite site_;
  std::string actor_;
};

// After task claims were released in aio (by `aio release`, unregister,
// the end of `aio exec`, cleanup, the daemon's janitor): reopens each task
// claim of `released` in its project's Beads, acting as its holder
// (Bd::unclaim). The caller's checkout root `checkout` is tried first for
// claims of `project` (the caller's; "" none), every other claim in its own
// project directory. Never fails: what bd could not do is logged as a
// warning (and printed on stderr when `to_stderr`).
void reopen_released_tasks(const std::vector<Claim>& released, const std::string& project,
                           const std::string& checkout, bool to_stderr);

}  // namespace aio
