// core/autoclaim: who may claim what by writing it (DESIGN.md §5, --auto-claim).
#include "core/autoclaim.h"

#include <gtest/gtest.h>

namespace aio {
namespace {

enum Writer { kAnon, kPlain, kAuto, kElsewhere };
enum Ignore { kNo, kYes };

struct AutoCase {
  const char* what;
  bool mount;  // --auto-claim on the mount
  Writer writer;
  WriteOp op;
  bool regular;
  bool truncates;
  bool covered;
  Ignore ignored;
  bool claims;
  bool asks_ignore;  // the .gitignore probe is asked (it is asked last)
};

class AutoClaimRule : public ::testing::TestWithParam<AutoCase> {};

TEST_P(AutoClaimRule, Table) {
  const AutoCase& t = GetParam();
  Instance plain, autoc, elsewhere;
  plain.id = "plain";
  plain.project = "/p";
  autoc = plain;
  autoc.id = "auto";
  autoc.auto_claim = true;
  elsewhere = autoc;
  elsewhere.project = "/q";
  const Instance* who[] = {nullptr, &plain, &autoc, &elsewhere};
  AutoClaimCase c;
  c.mount_auto_claim = t.mount;
  c.writer = who[t.writer];
  c.project = "/p";
  c.op = t.op;
  c.regular_file = t.regular;
  c.truncates = t.truncates;
  c.covered = t.covered;
  bool asked = false;
  bool got = should_auto_claim(c, [&] {
    asked = true;
    return t.ignored == kYes;
  });
  EXPECT_EQ(got, t.claims) << t.what;
  EXPECT_EQ(asked, t.asks_ignore) << t.what;
}

using W = WriteOp;
INSTANTIATE_TEST_SUITE_P(
    Table, AutoClaimRule,
    ::testing::Values(
        // Who: a live instance, through the mount's flag or its own autoClaim.
        AutoCase{"mount flag, plain instance", true, kPlain, W::kOpen, true, false, false, kNo,
                 true, true},
        AutoCase{"instance flag, plain mount", false, kAuto, W::kOpen, true, false, false, kNo,
                 true, true},
        AutoCase{"neither flag", false, kPlain, W::kOpen, true, false, false, kNo, false, false},
        AutoCase{"anonymous never", true, kAnon, W::kCreate, true, false, false, kNo, false, false},
        AutoCase{"instance of another project", true, kElsewhere, W::kOpen, true, false, false, kNo,
                 false, false},
        // What: writing, creating, truncating or renaming onto a regular file.
        AutoCase{"create", true, kPlain, W::kCreate, true, false, false, kNo, true, true},
        AutoCase{"rename onto", true, kPlain, W::kRename, true, false, false, kNo, true, true},
        AutoCase{"truncate", true, kPlain, W::kSetattr, true, true, false, kNo, true, true},
        AutoCase{"chmod/utimens", true, kPlain, W::kSetattr, true, false, false, kNo, false, false},
        AutoCase{"not a regular file", true, kPlain, W::kOpen, false, false, false, kNo, false,
                 false},
        AutoCase{"unlink", true, kPlain, W::kUnlink, true, false, false, kNo, false, false},
        AutoCase{"link", true, kPlain, W::kLink, true, false, false, kNo, false, false},
        AutoCase{"mknod", true, kPlain, W::kMknod, true, false, false, kNo, false, false},
        AutoCase{"mkdir", true, kPlain, W::kMkdir, false, false, false, kNo, false, false},
        AutoCase{"setxattr", true, kPlain, W::kSetxattr, true, false, false, kNo, false, false},
        // Only what nobody holds, and what git does not ignore.
        AutoCase{"covered already", true, kAuto, W::kOpen, true, false, true, kNo, false, false},
        AutoCase{"git ignores it", true, kAuto, W::kOpen, true, false, false, kYes, false, true}));

// An auto-claim follows its file: own_auto_claim finds the one a rename or
// an unlink takes along, and never a claim made by `aio claim` or another's.
TEST(AutoClaim, OwnAutoClaimIsTheWritersAutoClaimedFileClaimOnThatPath) {
  State s;
  Instance a;
  a.id = "A";
  a.project = "/p";
  auto add = [&](const char* id, const char* who, ClaimType type, const char* target, bool autoc,
                 const char* project = "/p") {
    Claim c;
    c.id = id;
    c.instance_id = who;
    c.type = type;
    c.target = target;
    c.project = project;
    c.auto_claimed = autoc;
    s.claims[id] = c;
    if (std::string(who) == "A") a.claims.push_back(id);
  };
  add("c1", "A", ClaimType::kFile, "tmp.x", true);
  add("c2", "A", ClaimType::kFile, "kept.x", false);      // claimed by hand
  add("c3", "B", ClaimType::kFile, "theirs.x", true);     // not A's
  add("c4", "A", ClaimType::kPattern, "pat.x", true);     // not a file claim
  add("c5", "A", ClaimType::kFile, "far.x", true, "/q");  // another project
  s.instances["A"] = a;
  auto id_of = [&](const char* target) {
    const Claim* c = own_auto_claim(s, a, target);
    return c ? c->id : std::string("-");
  };
  EXPECT_EQ(id_of("tmp.x"), "c1");
  EXPECT_EQ(id_of("kept.x"), "-");
  EXPECT_EQ(id_of("theirs.x"), "-");
  EXPECT_EQ(id_of("pat.x"), "-");
  EXPECT_EQ(id_of("far.x"), "-");
  EXPECT_EQ(id_of("none.x"), "-");
}

}  // namespace
}  // namespace aio
