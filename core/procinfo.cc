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

std::optional<ProcStat> proc_stat(pid_t pid) {
  std::string text;
  if (pid <= 0 || !slurp_proc("/proc/" + std::to_string(pid) + "/stat", &text)) return std::nullopt;
  size_t lp = text.find('('), rp = text.rfind(')');
  if (lp == std::string::npos || rp == std::string::npos || rp < lp || rp + 2 >= text.size())
    return std::nullopt;
  ProcStat st;
  st.comm = text.substr(lp + 1, rp - lp - 1);
  // Fields after "(comm)": state(3) ppid(4) pgrp(5) session(6) tty_nr(7) ... starttime(22).
  const char* p = text.c_str() + rp + 2;
  st.state = *p;
  for (int field = 3; field <= 22; ++field) {
    while (*p == ' ') ++p;
    if (!*p) return std::nullopt;
    int64_t v = strtoll(p, nullptr, 10);
    if (field == 4) st.ppid = v;
    if (field == 5) st.pgrp = v;
    if (field == 6) st.sid = v;
    if (field == 7) st.tty = v;
    if (field == 22) st.start = v;
    while (*p && *p != ' ') ++p;
  }
  return st;
}

bool proc_running(pid_t pid, int64_t start) {
  auto st = proc_stat(pid);
  return st && st->start == start && st->state != 'Z' && st->state != 'X';
}

std::vector<ProcRef> proc_lineage(pid_t pid, size_t max) {
  std::vector<ProcRef> out;
  while (pid > 1 && out.size() < max) {
    auto st = proc_stat(pid);
    if (!st) break;
    out.push_back({pid, st->start});
    pid = static_cast<pid_t>(st->ppid);
  }
  return out;
}

std::string proc_exe(pid_t pid) {
  char buf[4096];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string this_machine_id() {
  if (const char* m = getenv("AIO_MACHINE_ID"); m && *m) return m;
  std::string id;
  if (!slurp_proc("/proc/sys/kernel/random/boot_id", &id)) return "";
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

bool SystemProcesses::running(int64_t pid, int64_t start) const {
  auto [it, fresh] = seen_.try_emplace({pid, start}, false);
  if (fresh) it->second = proc_running(static_cast<pid_t>(pid), start);
  return it->second;
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

std::optional<ProcFacts> read_proc_facts(pid_t tid, bool with_lineage) {
  auto tgid = proc_tgid(tid);
  if (!tgid) return std::nullopt;
  auto st = proc_stat(*tgid);
  if (!st) return std::nullopt;
  ProcFacts f;
  f.tgid = *tgid;
  f.start = st->start;
  f.sid = st->sid;
  f.comm = st->comm;
  f.ppid = st->ppid;
  if (f.sid > 0)
    if (auto leader = proc_stat(static_cast<pid_t>(f.sid))) f.sid_start = leader->start;
  auto v = proc_environ_var(f.tgid, "AIO_INSTANCE");
  if (v && !v->empty()) f.aio_instance = *v;
  f.lineage.push_back({f.tgid, f.start});
  if (with_lineage && st->ppid > 1)
    for (const auto& r : proc_lineage(static_cast<pid_t>(st->ppid))) f.lineage.push_back(r);
  return f;
}

}  // namespace aio
