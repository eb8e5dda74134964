#include "core/procinfo.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace aio {
namespace {

TEST(ProcInfo, ThreadIdMapsToItsProcess) {
  pid_t tid = 0;
  std::thread t([&] { tid = static_cast<pid_t>(syscall(SYS_gettid)); });
  t.join();
  // The thread has exited; a live one must map to us.
  pid_t live_tid = 0;
  std::optional<pid_t> tgid;
  std::thread t2([&] {
    live_tid = static_cast<pid_t>(syscall(SYS_gettid));
    tgid = proc_tgid(live_tid);
  });
  t2.join();
  ASSERT_TRUE(tgid);
  EXPECT_EQ(*tgid, getpid());
  EXPECT_NE(live_tid, getpid());
}

TEST(ProcInfo, CapabilitiesOfThisProcessAndOfNoProcess) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  ASSERT_EQ(syscall(SYS_capget, &hdr, data), 0);
  for (int cap : {CAP_CHOWN, CAP_FSETID, CAP_SYS_ADMIN, CAP_NET_RAW}) {
    bool want = (data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap)) != 0;
    EXPECT_EQ(proc_has_capability(getpid(), cap), std::optional<bool>(want)) << "cap " << cap;
  }
  EXPECT_EQ(proc_has_capability(getpid(), 64), std::nullopt);
  EXPECT_EQ(proc_has_capability(-1, CAP_FSETID), std::nullopt);
}

TEST(ProcInfo, FactsOfThisProcess) {
  setenv("AIO_INSTANCE", "ignored-after-exec", 1);  // environ is the one at exec
  auto f = read_proc_facts(getpid());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tgid, getpid());
  EXPECT_EQ(f->sid, getsid(0));
  EXPECT_GT(f->start, 0);
  EXPECT_FALSE(f->comm.empty());
  EXPECT_TRUE(proc_running(getpid(), f->start));
  EXPECT_FALSE(proc_running(getpid(), f->start + 1));  // another start time: another process
}

TEST(ProcInfo, EnvironmentAtExecOfAChild) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipefd[1]);
    char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("5"), nullptr};
    char* envp[] = {const_cast<char*>("AIO_INSTANCE=codex-1-deadbeef"), nullptr};
    execve("/bin/sleep", argv, envp);
    _exit(127);
  }
  close(pipefd[0]);
  close(pipefd[1]);
  std::optional<std::string> v;
  for (int k = 0; k < 200 && !(v = proc_environ_var(child, "AIO_INSTANCE")); ++k) usleep(5000);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "codex-1-deadbeef");
  EXPECT_FALSE(proc_environ_var(child, "HOME"));
  auto f = read_proc_facts(child);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->aio_instance, std::optional<std::string>("codex-1-deadbeef"));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(read_proc_facts(child));  // reaped: gone
}

}  // namespace
}  // namespace aio
