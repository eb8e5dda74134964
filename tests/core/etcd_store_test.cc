// How the etcd store names a project shared by clones on several machines
// (core/etcd_store.h ProjectNames): stored as "repo:<identity>", shown as
// this machine's checkout. The store itself is tested by the Store contract
// (etcd_store_conformance_test.cc) and across machines by
// tests/cli/etcd_machines_test.sh.
#include <gtest/gtest.h>

#include "core/etcd_store.h"

namespace aio {
namespace {

TEST(ProjectNames, SharedIdentityStoredAndShownAsTheLocalCheckout) {
  auto ids = [](const std::string& root) -> std::string {
    if (root == "/home/a/repo" || root == "/srv/clone") return "github.com/org/repo";
    if (root == "/home/a/repo/pkg") return "github.com/org/repo:pkg";
    return "";
  };
  ProjectNames here(ids, {"/home/a/repo"});
  struct {
    const char* root;
    const char* stored;
  } stored[] = {
      {"/home/a/repo", "repo:github.com/org/repo"},
      {"/srv/clone", "repo:github.com/org/repo"},
      {"/home/a/repo/pkg", "repo:github.com/org/repo:pkg"},
      {"/tmp/scratch", "/tmp/scratch"},  // no shared identity: its path
      {"", ""},
      {"repo:x", "repo:x"},  // already a stored name
  };
  for (const auto& r : stored) EXPECT_EQ(here.stored(r.root), r.stored) << r.root;
  struct {
    const char* stored;
    const char* fallback;
    const char* shown;
  } shown[] = {
      {"repo:github.com/org/repo", "", "/home/a/repo"},                // this process's checkout
      {"repo:github.com/org/repo", "/srv/clone", "/home/a/repo"},      // local projects first
      {"repo:github.com/org/other", "", "repo:github.com/org/other"},  // no checkout here
      {"repo:github.com/org/repo:pkg", "/home/a/repo/pkg", "/home/a/repo/pkg"},
      {"repo:github.com/org/other", "/srv/other", "/srv/other"},  // a checkout of this machine
      {"/tmp/scratch", "", "/tmp/scratch"},
  };
  for (const auto& r : shown)
    EXPECT_EQ(here.shown(r.stored, r.fallback), r.shown) << r.stored << " / " << r.fallback;
}

}  // namespace
}  // namespace aio
