// Test harness for the mount tests: runs programs as a chosen caller, mounts
// the real aio binary over a scratch project, and inspects the project
// underneath the mount. Used by the mount tests (mount_*_test.cc,
// passthrough_test.cc) only.
//
// Callers: instance A (tool claude) and instance B (tool codex), both
// registered for the scratch project from sessions that no longer exist, and
// an anonymous process. Every program is started in a new session (setsid),
// so only AIO_INSTANCE in its environment at exec can give it an identity.
#pragma once

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace aio::test {

// The result of running a program to completion.
struct Proc {
  int code = -1;  // exit status; 128 + signal when killed; -1 when not started
  std::string out, err;
  // The first line of stdout (the probe's errno name), without the newline.
  std::string first_line() const;
  std::string show() const;  // for failure messages
};

// Runs argv in cwd with the inherited environment changed by `env` (an empty
// value removes the variable; AIO_INSTANCE is always removed unless given),
// in a new session, stdin from /dev/null, killed after timeout_s seconds.
Proc run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
         const std::string& cwd, int timeout_s = 120);

const std::string& aio_bin();
const std::string& probe_bin();

// Can this process mount with FUSE ($AIO_TEST_FUSE_DEV, default /dev/fuse,
// can be opened)? If not, *why says so. MountFixture::SetUp skips the test
// then, or fails it under CI=true.
bool fuse_available(std::string* why);

// Can a test run? `missing` names what it lacks ("" = nothing). A lack is a
// failure under CI=true (where every test must run, recorded here); elsewhere
// the caller skips: `if (!can_run(missing)) GTEST_SKIP() << missing;`
bool can_run(const std::string& missing);

enum class As { kA, kB, kAnon };
const char* to_string(As who);
inline constexpr As kCallers[] = {As::kA, As::kB, As::kAnon};

// errno name ("EACCES") or "OK" for a probe result.
std::string outcome(const Proc& p);

// A scratch project with a registered A and B, mountable once at a time.
class MountFixture : public testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Mounts the project (mode enforce|strict|advisory), in place or at
  // root_/mnt. Opens the source directory first, so source_describe() sees
  // the project underneath an in-place mount.
  void mount(const std::string& mode = "enforce", bool in_place = true,
             const std::vector<std::string>& extra = {});
  // The daemon's log ($AIO_HOME/logs/mount.log).
  std::string mount_log() const;
  void unmount();
  bool mounted() const { return mounted_; }

  // Paths: in the project directory (before mounting, or beside an --at
  // mount) and through the mount.
  std::string src(const std::string& rel = "") const;
  std::string mnt(const std::string& rel = "") const;

  const std::string& id(As who) const;
  std::map<std::string, std::string> env_for(As who) const;
  Proc aio(As who, const std::vector<std::string>& args);
  Proc aio_in(As who, const std::string& cwd, const std::vector<std::string>& args);
  Proc probe(As who, const std::vector<std::string>& args);
  // /bin/sh -c script in the mount, with $M (mount), $S (project), $A, $B,
  // $AIO and $PROBE set.
  Proc sh(As who, const std::string& script);
  // Claims through the CLI as `who`; returns the claim id ("" on failure,
  // with a test failure recorded).
  std::string claim(As who, const std::string& type, const std::string& target);
  // The claims of the state as `aio status --json` reports them.
  std::vector<std::map<std::string, std::string>> claims();

  // Writes a file in the project before mounting (parents created).
  void put(const std::string& rel, const std::string& content);
  // One line describing rel in the project underneath the mount: type, mode,
  // size, links, owner, mtime, content or link target digest, xattrs.
  std::string source_describe(const std::string& rel) const;
  // A digest of a whole tree (skipping a top-level .aio), for before/after.
  static std::string tree_digest(const std::string& dir);

  // Waits out the kernel's attribute cache (attr_timeout, 1 s with --at:
  // Fs::timeout in fs/session.h). Under libfuse's path API every name of a
  // hard-linked file is its own kernel inode, so the other names of a file
  // written through the mount show their old size until their cached
  // attributes expire.
  static void settle_attrs();

  // Descriptors the daemon holds, by what they point to, other than
  // /dev/fuse (one per worker thread with clone_fd, so their number follows
  // the load) and the pidfds of its identity cache (counted apart).
  std::multiset<std::string> daemon_fds(size_t* pidfds = nullptr) const;
  // Waits (up to a few seconds: releases are asynchronous) for the daemon's
  // descriptors to come back to `baseline`; records a failure otherwise.
  // pidfds pin callers in the identity cache (fs/identity.h), which sweeps
  // exited callers once it holds IdentityCache::kSweep (32) of them: they
  // must stay within that bound however many processes called, or they leak.
  void expect_no_fd_leak(const std::multiset<std::string>& baseline) const;
  static constexpr size_t kMaxCachedPidfds = 64;

  // A program (and its arguments) that `aio mount` runs under, as in
  // {"setpriv", ...}; empty: run directly.
  std::vector<std::string> mount_launcher_;

  std::string root_, home_, src_, mnt_;
  int src_fd_ = -1;
  pid_t daemon_ = 0;
  bool mounted_ = false;
  std::string id_a_, id_b_;
};

}  // namespace aio::test
