// The choke point of the mount: every write-class FUSE operation asks
// Guard::check() before it touches the source directory; nothing else in
// fs/ decides anything. The rules themselves are core's (PolicyIndex).
//
// State: the current Snapshot (state + policy index) is published through an
// atomic shared_ptr, so deciding takes no lock. Before a decision, refresh()
// drains an inotify descriptor on $AIO_HOME and reloads only when state.json
// or journal.jsonl changed; any CLI command that returned before the caller's
// operation began has queued its event by then, so the decision sees it.
//
// Identity: resolved only for write-class operations (reading /proc while the
// caller execs a binary from the mount could deadlock), cached per thread id
// and pinned by a pidfd of that thread, so a reused id never inherits an
// identity (a pidfd never names another thread). Exited threads are swept
// from the cache and their pidfds closed as it grows.
//
// Lock order: refresh_mu_ before nothing; ids_mu_ and denials_mu_ are leaves.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/policy.h"
#include "core/procinfo.h"
#include "core/store.h"

namespace aio::fs {

struct Snapshot {
  std::shared_ptr<const State> state;
  PolicyIndex index;
  uint64_t generation = 0;
};

// Who makes a request: the process (tgid), its command, and the live
// instance it acts as ("" = anonymous).
struct Who {
  pid_t pid = 0;
  std::string comm;
  std::string instance;
  std::string tool;
};

struct Denial {
  int64_t time = 0;
  std::string op;
  std::string path;
  pid_t pid = 0;
  std::string comm;
  std::string instance;  // "" = anonymous
  std::string claim_id;
  std::string holder;
  std::string reason;
};

struct GuardOptions {
  std::string home;     // $AIO_HOME
  std::string project;  // absolute source directory (the project root)
  MountMode mode = MountMode::kEnforce;
  int64_t stale_seconds = 300;
};

class Guard {
 public:
  Guard(Store& store, GuardOptions opts, int source_fd);
  ~Guard();
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // Loads the state and starts watching $AIO_HOME.
  Status start();

  // The current snapshot, reloaded first if the state changed.
  std::shared_ptr<const Snapshot> refresh();
  // Reload unconditionally (after our own store writes).
  void reload();

  Clock clock() const;
  // Who is calling: FUSE's thread id -> process -> AIO_INSTANCE or session.
  Who who(pid_t tid);

  // 0 when `who` may perform `op` on `rel` (canonical relative path), else
  // -EACCES (logged, recorded in denials()). `subtree`: the operation also
  // changes everything beneath rel. For a regular file with other hard
  // links, pass its stat: the other names are judged too.
  int check(const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const struct stat* st = nullptr);

  // What is at `rel` in the project (through the source descriptor, never
  // the mount): nullopt when nothing is there.
  std::optional<bool> is_directory(const std::string& rel) const;

  std::vector<Denial> denials() const;
  // Adds a refusal made elsewhere (a bad .aio/ write) to denials().
  void record_denial(Denial d);
  Store& store() { return store_; }
  const GuardOptions& options() const { return opts_; }

 private:
  // A caller thread pinned by a pidfd, with what /proc said about it.
  struct CachedId {
    CachedId() = default;
    CachedId(const CachedId&) = delete;
    CachedId& operator=(const CachedId&) = delete;
    ~CachedId();
    int pidfd = -1;
    ProcFacts facts;
  };
  std::optional<ProcFacts> facts_of(pid_t tid);
  std::shared_ptr<const Snapshot> load_snapshot(uint64_t generation);
  int judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const std::string& shown_path);
  // Other names of the inode `st` inside the project (bounded walk).
  std::vector<std::string> other_names(const struct stat& st, const std::string& rel);
  // Every path beneath `dir` (bounded walk).
  std::vector<std::string> entries_beneath(const std::string& dir);
  // Depth-first walk of the source tree from `top` through *at() calls;
  // visit(path, dirfd, entry) returns false to stop.
  void walk(const std::string& top,
            const std::function<bool(const std::string&, int, const struct dirent*)>& visit);

  Store& store_;
  GuardOptions opts_;
  int source_fd_;
  int inotify_fd_ = -1;

  std::mutex refresh_mu_;          // serialises draining inotify + reloading
  std::atomic<int> reloading_{0};  // 1 while a thread holds refresh_mu_ in refresh()
  std::atomic<std::shared_ptr<const Snapshot>> snap_;

  std::shared_mutex ids_mu_;  // guards ids_
  std::unordered_map<pid_t, std::unique_ptr<CachedId>> ids_;

  mutable std::mutex denials_mu_;  // guards denials_
  std::deque<Denial> denials_;
};

// "/a/b" (FUSE path) -> "a/b"; "/" -> "".
std::string rel_of(const char* fuse_path);

}  // namespace aio::fs
