// The .aio control files (claims, release, context/<category>) through the
// real mount: bytes gathered per open handle and acted on per complete line,
// whatever the write boundaries; limits on lines; what a refusal keeps; and
// that a flood of bad writes neither grows the daemon's record nor pushes
// earlier refusals out of .aio/denials or mount.log.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fs/mount_test.h"

namespace aio::test {
namespace {

class Control : public Mount {
 protected:
  // The targets of the active claims `who` holds.
  std::set<std::string> held(As who) {
    std::set<std::string> out;
    for (const auto& c : claims())
      if (c.at("instanceId") == id(who)) out.insert(c.at("target"));
    return out;
  }
  std::string denials() { return sh(As::kAnon, "cat .aio/denials").out; }
  // Releases arrive after close(2) returns: waits (a few seconds at most)
  // for `text` to show in .aio/denials.
  bool denial_shows(const std::string& text) {
    for (int k = 0; k < 100; ++k) {
      if (contains(denials(), text)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

struct WritesCase {
  const char* name;
  std::string steps;  // probe `writes` steps
  std::string want;   // its report
  std::set<std::string> claimed;
  std::set<std::string> not_claimed;
};

// Each writes to .aio/claims as A; the README's .aio section says the same.
const std::string k5000(5000, 'x');
const WritesCase kWrites[] = {
    {"LineSplitOverTwoWrites", "1:file spl|1:it.txt\n", "OK OK close1:OK", {"split.txt"}, {"spl"}},
    {"LineSplitOverThreeWrites",
     "1:fi|1:le t|1:hree.txt\n",
     "OK OK OK close1:OK",
     {"three.txt"},
     {}},
    {"TwoHandlesInterleaved",
     "1:file x|2:file y|1:1.txt\n|2:2.txt\n",
     "OK OK OK OK close1:OK close2:OK",
     {"x1.txt", "y2.txt"},
     {"x", "y", "xy2.txt"}},
    // The lines one write completes are applied together or not at all.
    {"BadLineInAWriteRefusesItsGoodLines",
     "1:file g1.txt\nfrob\nfile g2.txt\n",
     "EINVAL close1:OK",
     {},
     {"g1.txt", "g2.txt"}},
    // Lines of earlier writes stand; after a refused line, lines count again.
    {"EarlierWritesStand",
     "1:file e1.txt\n|1:frob\n|1:file e2.txt\n",
     "OK EINVAL OK close1:OK",
     {"e1.txt", "e2.txt"},
     {}},
    {"BadLineCompletedByALaterWrite",
     "1:fr|1:ob x\nfile c1.txt\n|1:file c2.txt\n",
     "OK EINVAL OK close1:OK",
     {"c2.txt"},
     {"c1.txt"}},
    // Without O_APPEND, writes must follow one another (pwrite at the file
    // position); a write elsewhere is refused and changes nothing.
    {"PwriteInOrder", "1@0:file o|1@6:4.txt\n", "OK OK close1:OK", {"o4.txt"}, {"o"}},
    {"PwriteOutOfOrder",
     "1@0:file o1.txt\n|1@0:file o2.txt\n|1@12:file o3.txt\n",
     "OK EINVAL OK close1:OK",
     {"o1.txt", "o3.txt"},
     {"o2.txt"}},
    // A line past the limit fails the write that makes it too long and every
    // write that continues it, up to and including its newline.
    {"LongLineOverWrites",
     "1:file " + k5000 + "|1:" + k5000 + "|1:yy\nfile l1.txt\n|1:file l2.txt\n",
     "OK EINVAL EINVAL OK close1:OK",
     {"l2.txt"},
     {"l1.txt"}},
    // A line without its newline at close: close(2) fails, nothing changes.
    {"UnfinishedLineAtClose", "1:file p.txt", "OK close1:EINVAL", {}, {"p.txt"}},
};

class ControlWrites : public Control, public testing::WithParamInterface<WritesCase> {};

TEST_P(ControlWrites, ActOnCompleteLines) {
  const auto& c = GetParam();
  ASSERT_NO_FATAL_FAILURE(mount());
  Proc r = probe(As::kA, {"writes", ".aio/claims", c.steps});
  ASSERT_EQ(r.code, 0) << r.show();
  EXPECT_EQ(r.first_line(), c.want) << r.show();
  auto got = held(As::kA);
  for (const auto& t : c.claimed) EXPECT_TRUE(got.count(t)) << t << " not claimed";
  for (const auto& t : c.not_claimed) EXPECT_FALSE(got.count(t)) << t << " claimed";
  for (const auto& t : got) EXPECT_LE(t.size(), 64u) << "a claim on part of a line";
}

INSTANTIATE_TEST_SUITE_P(Table, ControlWrites, testing::ValuesIn(kWrites),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(Control, UnfinishedLineAtCloseIsRecordedAsRefused) {
  ASSERT_NO_FATAL_FAILURE(mount());
  Proc r = probe(As::kA, {"writes", ".aio/claims", "1:file p.txt"});
  EXPECT_EQ(r.first_line(), "OK close1:EINVAL") << r.show();
  EXPECT_TRUE(denial_shows("line without a newline when the file was closed: 'file p.txt'"))
      << denials();
  EXPECT_TRUE(held(As::kA).empty());
  // The other control files gather lines the same way.
  r = probe(As::kA, {"writes", ".aio/context/handoff", "1:half a |1:note\n|1:and half"});
  EXPECT_EQ(r.first_line(), "OK OK OK close1:EINVAL") << r.show();
  Proc ctx = aio(As::kA, {"context", "get", "handoff"});
  EXPECT_TRUE(contains(ctx.out, "half a note")) << ctx.show();
  EXPECT_FALSE(contains(ctx.out, "and half")) << ctx.show();
  EXPECT_TRUE(denial_shows("'and half'")) << denials();
  std::string rel = claim(As::kA, "file", "rel.txt");
  r = probe(As::kA,
            {"writes", ".aio/release", "1:" + rel.substr(0, 4) + "|1:" + rel.substr(4) + "\n"});
  EXPECT_EQ(r.first_line(), "OK OK close1:OK") << r.show();
  EXPECT_TRUE(held(As::kA).empty());
}

TEST_F(Control, OneMiBLineIsRefusedWhole) {
  ASSERT_NO_FATAL_FAILURE(mount());
  Proc r = probe(As::kA, {"append-long", ".aio/claims", "file big-", "1048576"});
  EXPECT_EQ(outcome(r), "EINVAL") << r.show();
  EXPECT_TRUE(held(As::kA).empty());
  std::string d = denials();
  EXPECT_TRUE(contains(d, "line longer than 8192 bytes: 'file big-xxx")) << d.substr(0, 400);
  EXPECT_LT(d.size(), 4096u);
}

// What a flood leaves: the daemon's memory (reported, not asserted), the
// size of .aio/denials and of mount.log with its rotated files.
struct Figures {
  long rss_kb = 0, hwm_kb = 0;
  size_t denials = 0, log = 0;
  int rotated = 0;
};

long status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return -1;
}

TEST_F(Control, FloodOfLongLinesStaysBoundedAndKeepsEarlierRefusals) {
  put("a.txt", "a\n");
  ASSERT_NO_FATAL_FAILURE(mount());
  ASSERT_FALSE(claim(As::kA, "file", "a.txt").empty());
  ASSERT_EQ(outcome(probe(As::kB, {"open-w", "a.txt"})), "EACCES");
  auto figures = [&] {
    Figures f;
    f.rss_kb = status_kb(daemon_, "VmRSS");
    f.hwm_kb = status_kb(daemon_, "VmHWM");
    f.denials = denials().size();
    for (const auto& e : std::filesystem::directory_iterator(home_ + "/logs"))
      if (e.path().filename().string().rfind("mount", 0) == 0) {
        f.log += e.file_size();
        f.rotated += e.path().filename() != "mount.log";
      }
    return f;
  };
  Figures before = figures();
  for (int i = 0; i < 40; ++i) {
    Proc r = probe(
        As::kA, {"append-long", ".aio/claims", "file flood" + std::to_string(i) + "-", "1048576"});
    EXPECT_EQ(outcome(r), "EINVAL") << r.show();
  }
  // Then 700 bad lines just under the line limit, each quoting different
  // input: more refusals than the record holds, more bytes than a log file.
  Proc many = probe(As::kA, {"append-lines", ".aio/claims", "frob", "8000", "700"});
  EXPECT_EQ(many.first_line(), "EINVAL=700") << many.show();
  Figures after = figures();
  for (auto [what, f] : {std::pair{"before", before}, std::pair{"after", after}})
    std::cout << "[ figures  ] " << what << " 40 x 1 MiB + 700 x 8 KB bad lines: daemon VmRSS "
              << f.rss_kb << " kB (VmHWM " << f.hwm_kb << " kB), .aio/denials " << f.denials
              << " bytes, mount*.log " << f.log << " bytes (" << f.rotated << " rotated)\n";

  EXPECT_EQ(held(As::kA), std::set<std::string>{"a.txt"});
  // The stored record is bounded (DenialLog::kMaxBytes, 64 KiB; rendered
  // with padding, within 4x that) and still lists the earlier refusal.
  EXPECT_LT(after.denials, 256u * 1024);
  std::string d = denials();
  bool earlier = false;
  std::istringstream rows(d);
  for (std::string row; std::getline(rows, row);)
    earlier |= contains(row, "open-for-write") && contains(row, "a.txt") && contains(row, id_b_);
  EXPECT_TRUE(earlier) << d.substr(0, 2000);
  // mount.log was not rotated, and still holds the earlier refusal.
  EXPECT_EQ(after.rotated, 0);
  EXPECT_TRUE(contains(mount_log(), "refused open-for-write a.txt")) << mount_log().substr(0, 2000);
}

}  // namespace
}  // namespace aio::test
