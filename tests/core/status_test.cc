// Status: exit codes and the errno each code becomes at the FUSE boundary.
#include "core/status.h"

#include <gtest/gtest.h>

namespace aio {
namespace {

struct ErrnoCase {
  const char* what;
  Status status;
  int exit_code;
  int err;
  friend void PrintTo(const ErrnoCase& c, std::ostream* os) { *os << c.what; }
};

class StatusErrno : public ::testing::TestWithParam<ErrnoCase> {};

TEST_P(StatusErrno, MapsToOneExitCodeAndOneErrno) {
  const auto& c = GetParam();
  EXPECT_EQ(c.status.exit_code(), c.exit_code) << c.what;
  EXPECT_EQ(c.status.to_errno(), c.err) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Table, StatusErrno,
    ::testing::Values(ErrnoCase{"ok", Status::ok(), 0, 0},
                      ErrnoCase{"refused", Status::refused("x"), 1, EACCES},
                      ErrnoCase{"invalid", Status::invalid("x"), 2, EINVAL},
                      ErrnoCase{"state", Status::state("x"), 3, EIO},
                      // A full disk says so through .aio/ (a shell prints "No space
                      // left on device", not "I/O error"); other failed calls are EIO.
                      ErrnoCase{"disk full", Status::sys("cannot write x", ENOSPC), 3, ENOSPC},
                      ErrnoCase{"quota", Status::sys("cannot write x", EDQUOT), 3, EDQUOT},
                      ErrnoCase{"read-only", Status::sys("cannot create x", EROFS), 3, EROFS},
                      ErrnoCase{"other call", Status::sys("cannot open x", EACCES), 3, EIO},
                      ErrnoCase{"io", Status::sys("cannot fsync x", EIO), 3, EIO}));

TEST(Status, SysNamesTheCallAndTheReason) {
  EXPECT_EQ(Status::sys("cannot write /h/state.json.tmp", ENOSPC).message(),
            "cannot write /h/state.json.tmp (No space left on device)");
}

TEST(Status, ResultKeepsTheErrno) {
  Result<int> r = Status::sys("cannot write x", ENOSPC);
  EXPECT_EQ(r.status().to_errno(), ENOSPC);
}

}  // namespace
}  // namespace aio
