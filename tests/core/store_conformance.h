// The Store contract (core/store.h) as a test suite every backend must pass.
//
// A backend joins with a StoreKit (how to make a location, open handles on
// it — also from a forked child process —, corrupt it and read its raw bytes)
// and one line:
//   INSTANTIATE_TEST_SUITE_P(MyStore, StoreConformance, ::testing::Values(my_kit()),
//                            StoreKitName);
// The tests (store_conformance_test.cc) check what store.h promises: a
// snapshot is never half a transaction, check-and-grant is atomic across
// processes, a failed transaction changes nothing, corrupt state is never
// overwritten, notes are durable and shared, focused loads and updates agree
// with whole ones, prune removes what it should. The file store's kit is in
// file_store_conformance_test.cc; backend specifics (files, journal, cache)
// are tested beside each backend (store_test.cc, store_cache_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "core/codec.h"
#include "core/store.h"
#include "tests/core/claims.h"

namespace aio::test {

// ---- shorthands for the tests and for kits

inline Instance inst(const std::string& id, const std::string& project = "/p") {
  Instance i;
  i.id = id;
  i.tool = "t";
  i.project = project;
  i.started_at = 100;
  i.last_heartbeat = 100;
  return i;
}

inline Claim claim(const std::string& id, const std::string& owner, const std::string& target,
                   const std::string& project = "/p", ClaimType type = ClaimType::kFile) {
  Claim c = mk(type, target, project);
  c.id = id;
  c.instance_id = owner;
  c.claimed_at = 200;
  return c;
}

inline Note note(const std::string& id, const std::string& project, const std::string& category,
                 int64_t at) {
  Note n;
  n.id = id;
  n.project = project;
  n.category = category;
  n.content = "content of " + id + " \"quoted\"\nsecond line";
  n.source_instance = "t-1-aaaaaaaa";
  n.source_tool = "t";
  n.created_at = at;
  return n;
}

inline std::string dump(const State& s) {
  return encode_state_json(s);
}

inline FocusPlanner plan(Focus f) {
  return [f](const State&) { return f; };
}

inline Focus keep_if(std::function<bool(std::string_view, ClaimType, std::string_view)> keep,
                     std::vector<std::string> whole = {}) {
  Focus f;
  f.keep = std::move(keep);
  f.whole_instances = std::move(whole);
  return f;
}

inline Focus keep_all(std::vector<std::string> whole) {
  return keep_if([](std::string_view, ClaimType, std::string_view) { return true; },
                 std::move(whole));
}

// Runs fn in a forked child process; its result is the child's exit status.
inline pid_t spawn(const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  return pid;
}

inline int exit_status(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct StoreKit {
  std::string name;  // for test names: letters, digits and '_'
  // A new, empty location (a directory, a key prefix, ...), and its removal.
  std::function<std::string()> make_location;
  std::function<void(const std::string& location)> remove_location;
  // A new handle on a location. Called once per handle, in the test process
  // and in forked children alike.
  std::function<Result<std::unique_ptr<Store>>(const std::string& location)> open;
  // Makes the hot state at a location unparseable, as a bad hand edit does.
  std::function<void(const std::string& location)> corrupt;
  // Every byte the backend keeps for a location, in a fixed order.
  std::function<std::string(const std::string& location)> raw;
  // Why the backend cannot be tested here ("" or empty: it can), e.g. no
  // etcd installed: the tests skip, except under CI=true, where they fail.
  std::function<std::string()> unavailable;
};

inline std::ostream& operator<<(std::ostream& o, const StoreKit& k) {
  return o << k.name;
}

inline std::string StoreKitName(const ::testing::TestParamInfo<StoreKit>& info) {
  return info.param.name;
}

class StoreConformance : public ::testing::TestWithParam<StoreKit> {
 protected:
  void SetUp() override {
    if (std::string why = kit().unavailable ? kit().unavailable() : ""; !why.empty()) {
      const char* ci = getenv("CI");
      if (ci && std::string(ci) == "true") FAIL() << why << " (CI=true: every backend must run)";
      GTEST_SKIP() << why;
    }
    loc_ = kit().make_location();
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    if (!loc_.empty()) kit().remove_location(loc_);
  }
  const StoreKit& kit() const { return GetParam(); }
  // Another handle on this test's location (nullptr on failure).
  std::unique_ptr<Store> open() const { return open_at(loc_); }
  std::unique_ptr<Store> open_at(const std::string& loc) const {
    auto s = kit().open(loc);
    EXPECT_TRUE(s) << s.status().message();
    return s ? std::move(s).value() : nullptr;
  }

  std::string loc_;
  std::unique_ptr<Store> store_;
};

}  // namespace aio::test
