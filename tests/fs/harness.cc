#include "tests/fs/harness.h"

#include "fs/daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace aio::test {
namespace {

constexpr const char* kTmpPrefix = "/tmp/aio-fs-test.";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Lazily detaches every aio mount at or beneath `dir` (stacked ones too).
void detach_under(const std::string& dir) {
  for (int round = 0; round < 8; ++round) {
    bool any = false;
    for (const auto& [mp, type] : aio::fs::mount_table()) {
      if (type != "fuse.aio" || (mp != dir && mp.rfind(dir + "/", 0) != 0)) continue;
      umount2(mp.c_str(), MNT_DETACH);
      any = true;
    }
    if (!any) return;
  }
}

bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t rp = all.rfind(')');
  return rp == std::string::npos || rp + 2 >= all.size() || all[rp + 2] == 'Z';
}

std::string xattrs_of(const std::string& path) {
  char names[8192];
  ssize_t n = llistxattr(path.c_str(), names, sizeof names);
  if (n <= 0) return "";
  std::vector<std::string> list;
  for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(strlen(names + i)) + 1) {
    std::string name(names + i);
    if (name.rfind("user.", 0) != 0) continue;  // security.* etc. vary by system
    char val[4096];
    ssize_t v = lgetxattr(path.c_str(), name.c_str(), val, sizeof val);
    list.push_back(name + "=" + (v >= 0 ? std::string(val, static_cast<size_t>(v)) : "?"));
  }
  std::sort(list.begin(), list.end());
  std::string out;
  for (const auto& s : list) out += " " + s;
  return out;
}

uint64_t fnv_file(const std::string& path) {
  uint64_t h = 1469598103934665603ull;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return 0;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ull;
  }
  close(fd);
  return h;
}

// One line for a path: everything a write could change, but atime.
std::string describe_path(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return std::string("missing (") + strerrorname_np(errno) + ")";
  std::ostringstream o;
  o << (S_ISREG(st.st_mode)    ? "file"
        : S_ISDIR(st.st_mode)  ? "dir"
        : S_ISLNK(st.st_mode)  ? "symlink"
        : S_ISFIFO(st.st_mode) ? "fifo"
                               : "other")
    << " " << std::oct << (st.st_mode & 07777) << std::dec << " size=" << st.st_size
    << " links=" << st.st_nlink << " " << st.st_uid << ":" << st.st_gid
    << " mtime=" << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec;
  if (S_ISREG(st.st_mode)) o << " fnv=" << std::hex << fnv_file(path) << std::dec;
  if (S_ISLNK(st.st_mode)) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf);
    o << " -> " << std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  }
  if (!S_ISLNK(st.st_mode) && !S_ISFIFO(st.st_mode)) o << xattrs_of(path);
  return o.str();
}

void digest_walk(const std::string& base, const std::string& rel, std::string& out) {
  std::string path = rel.empty() ? base : base + "/" + rel;
  out += (rel.empty() ? "." : rel) + " " + describe_path(path) + "\n";
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  DIR* d = opendir(path.c_str());
  if (!d) {
    out += "  unreadable: " + std::string(strerror(errno)) + "\n";
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == ".." || (rel.empty() && n == ".aio")) continue;
    names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) digest_walk(base, rel.empty() ? n : rel + "/" + n, out);
}

// "pid starttime" of a process, "" when it is gone.
std::string process_identity(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t rp = all.rfind(')');
  if (rp == std::string::npos) return "";
  std::istringstream in(all.substr(rp + 2));
  std::string field;
  for (int k = 3; k <= 22 && in >> field; ++k) {
  }
  return std::to_string(pid) + " " + field;
}

// Cleans up after earlier runs of these tests that died before TearDown
// (killed by a timeout, say): their mounts are detached (the daemons then
// exit on their own) and their scratch directories removed. A run that
// still lives (its `owner` file names a running process) is left alone.
class Leftovers : public testing::Environment {
 public:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // a closed stdout must not skip TearDown
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/tmp", ec)) {
      std::string root = e.path().string();
      if (root.rfind(kTmpPrefix, 0) != 0) continue;
      std::ifstream f(root + "/owner");
      std::string owner;
      std::getline(f, owner);
      size_t sp = owner.find(' ');
      if (sp != std::string::npos && sp > 0 &&
          process_identity(static_cast<pid_t>(std::stol(owner.substr(0, sp)))) == owner)
        continue;
      struct stat st;  // a run between mkdtemp and writing its owner file
      if (owner.empty() && stat(root.c_str(), &st) == 0 && time(nullptr) - st.st_mtime < 60)
        continue;
      detach_under(root);
      std::filesystem::remove_all(root, ec);
    }
  }
};
[[maybe_unused]] testing::Environment* const kLeftovers =
    testing::AddGlobalTestEnvironment(new Leftovers);

}  // namespace

bool can_run(const std::string& missing) {
  if (missing.empty()) return true;
  const char* ci = getenv("CI");
  // A fatal failure, so that a fixture's SetUp calling this skips the body.
  if (ci && std::string(ci) == "true")
    [&] { FAIL() << "needs " << missing << "; with CI=true this test must run"; }();
  return false;
}

// ---------------------------------------------------------------- fixture

void MountFixture::SetUp() {
  std::string why;
  if (!fuse_available(&why) && !can_run(why + "; the mount tests need FUSE"))
    GTEST_SKIP() << why << "; the mount tests need FUSE";
  char tmpl[] = "/tmp/aio-fs-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr) << strerror(errno);
  root_ = tmpl;
  std::ofstream(root_ + "/owner") << process_identity(getpid()) << "\n";
  home_ = root_ + "/home";
  src_ = root_ + "/proj";
  mnt_ = src_;
  ASSERT_EQ(mkdir(home_.c_str(), 0700), 0);
  ASSERT_EQ(mkdir(src_.c_str(), 0755), 0);
  // Registered unbound (else they would be bound to this test, the agent
  // running `aio register`, and every process it starts would act as them)
  // from sessions that end at once: only AIO_INSTANCE names them.
  for (auto [who, tool] : {std::pair{As::kA, "claude"}, std::pair{As::kB, "codex"}}) {
    Proc p =
        run({aio_bin(), "register", tool, src_, "-q", "--pid", "0"}, {{"AIO_HOME", home_}}, root_);
    ASSERT_EQ(p.code, 0) << p.show();
    (who == As::kA ? id_a_ : id_b_) = trim(p.out);
  }
  ASSERT_FALSE(id_a_.empty());
  ASSERT_FALSE(id_b_.empty());
}

void MountFixture::TearDown() {
  if (root_.empty()) return;
  if (mounted_) unmount();
  detach_under(root_);  // never leave a mount behind
  if (src_fd_ >= 0) close(src_fd_);
  src_fd_ = -1;
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void MountFixture::mount(const std::string& mode, bool in_place,
                         const std::vector<std::string>& extra) {
  ASSERT_FALSE(mounted_);
  mnt_ = in_place ? src_ : root_ + "/mnt";
  if (!in_place) mkdir(mnt_.c_str(), 0755);
  if (src_fd_ < 0) src_fd_ = open(src_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(src_fd_, 0) << strerror(errno);
  std::vector<std::string> args{"mount", src_, "--mode", mode};
  if (!in_place) args.insert(args.end(), {"--at", mnt_});
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<std::string> argv = mount_launcher_;
  argv.push_back(aio_bin());
  argv.insert(argv.end(), args.begin(), args.end());
  Proc p = run(argv, env_for(As::kAnon), root_);
  ASSERT_EQ(p.code, 0) << p.show();
  mounted_ = true;
  Proc m = aio_in(As::kAnon, root_, {"mounts", "--json"});
  ASSERT_EQ(m.code, 0) << m.show();
  nlohmann::json list = nlohmann::json::parse(m.out);
  for (const auto& rec : list.at("mounts"))
    if (rec.at("mountpoint") == mnt_) daemon_ = rec.at("pid").get<pid_t>();
  ASSERT_GT(daemon_, 0) << "no daemon recorded for " << mnt_ << ": " << m.out;
}

void MountFixture::unmount() {
  if (!mounted_) return;
  mounted_ = false;
  Proc p = aio_in(As::kAnon, root_, {"unmount", mnt_});
  EXPECT_EQ(p.code, 0) << p.show();
  if (p.code != 0) aio_in(As::kAnon, root_, {"unmount", "--lazy", mnt_});
  detach_under(mnt_);
  if (daemon_ > 0) {
    for (int k = 0; k < 200 && !process_gone(daemon_); ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!process_gone(daemon_)) {
      ADD_FAILURE() << "daemon " << daemon_ << " still runs after unmount";
      kill(daemon_, SIGKILL);
    }
  }
  daemon_ = 0;
}

std::string MountFixture::mount_log() const {
  std::ifstream in(home_ + "/logs/mount.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string MountFixture::src(const std::string& rel) const {
  return rel.empty() ? src_ : src_ + "/" + rel;
}
std::string MountFixture::mnt(const std::string& rel) const {
  return rel.empty() ? mnt_ : mnt_ + "/" + rel;
}

const std::string& MountFixture::id(As who) const {
  static const std::string none;
  return who == As::kA ? id_a_ : who == As::kB ? id_b_ : none;
}

std::map<std::string, std::string> MountFixture::env_for(As who) const {
  std::map<std::string, std::string> env{{"AIO_HOME", home_}};
  if (who != As::kAnon) env["AIO_INSTANCE"] = id(who);
  return env;
}

Proc MountFixture::aio(As who, const std::vector<std::string>& args) {
  return aio_in(who, src_, args);
}

Proc MountFixture::aio_in(As who, const std::string& cwd, const std::vector<std::string>& args) {
  std::vector<std::string> argv{aio_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env_for(who), cwd);
}

Proc MountFixture::probe(As who, const std::vector<std::string>& args) {
  std::vector<std::string> argv{probe_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env_for(who), mnt_);
}

Proc MountFixture::sh(As who, const std::string& script) {
  auto env = env_for(who);
  env["M"] = mnt_;
  env["S"] = src_;
  env["A"] = id_a_;
  env["B"] = id_b_;
  env["AIO"] = aio_bin();
  env["PROBE"] = probe_bin();
  return run({"/bin/sh", "-c", script}, env, mnt_);
}

std::string MountFixture::claim(As who, const std::string& type, const std::string& target) {
  Proc p = aio(who, {"claim", type, target, "--json"});
  EXPECT_EQ(p.code, 0) << "claim " << type << " " << target << " as " << to_string(who) << ": "
                       << p.show();
  if (p.code != 0) return "";
  return nlohmann::json::parse(p.out).at("id").get<std::string>();
}

std::vector<std::map<std::string, std::string>> MountFixture::claims() {
  Proc p = aio(As::kAnon, {"status", "--json"});
  EXPECT_EQ(p.code, 0) << p.show();
  std::vector<std::map<std::string, std::string>> out;
  if (p.code != 0) return out;
  nlohmann::json status = nlohmann::json::parse(p.out);
  for (const auto& c : status.at("claims")) {
    std::map<std::string, std::string> m;
    for (const char* k : {"id", "instanceId", "type", "target"})
      m[k] = c.contains(k) && c.at(k).is_string() ? c.at(k).get<std::string>() : "";
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void MountFixture::put(const std::string& rel, const std::string& content) {
  std::filesystem::path p(src(rel));
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << content;
  ASSERT_TRUE(f.good()) << p;
}

std::string MountFixture::source_describe(const std::string& rel) const {
  // /proc/self/fd/N resolves to the directory itself, beneath any mount on it.
  if (src_fd_ < 0) return describe_path(src(rel));
  return describe_path("/proc/self/fd/" + std::to_string(src_fd_) + "/" + rel);
}

std::string MountFixture::tree_digest(const std::string& dir) {
  std::string out;
  digest_walk(dir, "", out);
  return out;
}

void MountFixture::settle_attrs() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
}

// Lets the kernel forget the inodes it caches (as root), so the daemon
// closes the O_PATH descriptor it holds for each; false when not allowed.
static bool drop_kernel_caches() {
  sync();
  int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, "2", 1) == 1;
  close(fd);
  if (ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // forgets arrive
  return ok;
}

std::multiset<std::string> MountFixture::daemon_fds(size_t* pidfds) const {
  // Descriptors of inodes the kernel still caches are not leaks; without
  // the right to drop the kernel's caches, leave them out of the count.
  bool dropped = drop_kernel_caches();
  std::multiset<std::string> out;
  size_t pipes = 0;
  if (pidfds) *pidfds = 0;
  std::string dir = "/proc/" + std::to_string(daemon_) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char buf[4096];
    ssize_t n = readlink((dir + "/" + e->d_name).c_str(), buf, sizeof buf);
    if (n <= 0) continue;  // closed while we looked
    std::string target(buf, static_cast<size_t>(n));
    if (target == "anon_inode:[pidfd]") {
      if (pidfds) ++*pidfds;
    } else if (target.compare(0, 5, "pipe:") == 0) {
      ++pipes;  // libfuse's splice pipes: one pair per worker thread
    } else if (target != "/dev/fuse" && (dropped || target.compare(0, src_.size(), src_) != 0)) {
      out.insert(target);
    }
  }
  closedir(d);
  size_t threads = 0;
  if (DIR* t = opendir(("/proc/" + std::to_string(daemon_) + "/task").c_str())) {
    while (struct dirent* e = readdir(t)) threads += e->d_name[0] != '.';
    closedir(t);
  }
  for (size_t k = 2 * threads; k < pipes; ++k) out.insert("pipe beyond one pair per thread");
  return out;
}

void MountFixture::expect_no_fd_leak(const std::multiset<std::string>& baseline) const {
  std::multiset<std::string> now;
  size_t pidfds = 0;
  for (int k = 0; k < 100; ++k) {
    now = daemon_fds(&pidfds);
    if (now.size() <= baseline.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LE(pidfds, kMaxCachedPidfds) << "the daemon's pidfds grow with its callers";
  if (now.size() <= baseline.size()) return;
  std::string extra;
  for (const auto& f : now)
    if (now.count(f) > baseline.count(f)) extra += "\n  " + f;
  ADD_FAILURE() << "the daemon holds " << now.size() << " descriptors besides /dev/fuse, "
                << baseline.size() << " after warm-up; extra:" << extra;
}

}  // namespace aio::test
