#include "core/procinfo.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/fileio.h"

namespace aio {
namespace {

// Reads a small /proc file whole (procfs files report size 0).
bool slurp_proc(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Fd f(fd);
  out->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > (1u << 20)) return true;  // environ can be large; 1 MiB is plenty
  }
}

}  // namespace

std::optional<pid_t> proc_tgid(pid_t tid) {
  std::string text;
  if (!slurp_proc("/proc/" + std::to_string(tid) + "/status", &text)) return std::nullopt;
  size_t p = text.find("\nTgid:");
  if (p == std::string::npos) return std::nullopt;
  return static_cast<pid_t>(strtol(text.c_str() + p + 6, nullptr, 10));
}

std::optional<bool> proc_has_capability(pid_t tid, int cap) {
  std::string text;
  if (cap < 0 || cap > 63) return std::nullopt;
  if (!slurp_proc("/proc/" + std::to_string(tid) + "/status", &text)) return std::nullopt;
  size_t p = text.find("\nCapEff:");
  if (p == std::string::npos) return std::nullopt;
  uint64_t eff = strtoull(text.c_str() + p + 8, nullptr, 16);
  return ((eff >> cap) & 1) != 0;
}

bool proc_stat(pid_t pid, int64_t* start, int64_t* sid, std::string* comm, char* state) {
  std::string text;
  if (!slurp_proc("/proc/" + std::to_string(pid) + "/stat", &text)) return false;
  size_t lp = text.find('('), rp = text.rfind(')');
  if (lp == std::string::npos || rp == std::string::npos || rp < lp) return false;
  if (comm) *comm = text.substr(lp + 1, rp - lp - 1);
  // Fields after "(comm)": state(3) ppid(4) pgrp(5) session(6) ... starttime(22).
  const char* p = text.c_str() + rp + 2;
  if (state) *state = *p;
  for (int field = 3; field <= 22; ++field) {
    while (*p == ' ') ++p;
    if (!*p) return false;
    if (field == 6 && sid) *sid = strtoll(p, nullptr, 10);
    if (field == 22 && start) *start = strtoll(p, nullptr, 10);
    while (*p && *p != ' ') ++p;
  }
  return true;
}

bool proc_running(pid_t pid, int64_t start) {
  int64_t got = 0, sid = 0;
  char state = 0;
  return pid > 0 && proc_stat(pid, &got, &sid, nullptr, &state) && got == start && state != 'Z' &&
         state != 'X';
}

std::optional<std::string> proc_environ_var(pid_t pid, const std::string& name) {
  std::string env;
  if (!slurp_proc("/proc/" + std::to_string(pid) + "/environ", &env)) return std::nullopt;
  std::string key = name + "=";
  for (size_t pos = 0; pos < env.size();) {
    size_t end = env.find('\0', pos);
    if (end == std::string::npos) end = env.size();
    std::string_view var(env.data() + pos, end - pos);
    if (var.substr(0, key.size()) == key) return std::string(var.substr(key.size()));
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<ProcFacts> read_proc_facts(pid_t tid) {
  auto tgid = proc_tgid(tid);
  if (!tgid) return std::nullopt;
  ProcFacts f;
  f.tgid = *tgid;
  if (!proc_stat(f.tgid, &f.start, &f.sid, &f.comm)) return std::nullopt;
  if (f.sid > 0) {
    int64_t leader_start = 0, ignored = 0;
    if (proc_stat(static_cast<pid_t>(f.sid), &leader_start, &ignored)) f.sid_start = leader_start;
  }
  auto v = proc_environ_var(f.tgid, "AIO_INSTANCE");
  if (v && !v->empty()) f.aio_instance = *v;
  return f;
}

}  // namespace aio
