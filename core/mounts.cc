#include "core/mounts.h"

#include <nlohmann/json.hpp>

#include "core/fileio.h"
#include "core/procinfo.h"

namespace aio {
namespace {

using Json = nlohmann::json;

std::string path_of(const std::string& home) {
  return home + "/mounts.json";
}

Result<std::vector<MountRecord>> read_locked(const std::string& home) {
  std::vector<MountRecord> out;
  std::string text;
  Status rs = read_file(path_of(home), &text);
  if (!rs) {
    if (rs.code() == Code::kInvalid) return out;  // none yet
    return rs;
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("mounts") || !j["mounts"].is_array())
    return Status::state(path_of(home) + ": not a mounts file");
  for (const auto& m : j["mounts"]) {
    if (!m.is_object()) continue;
    MountRecord r;
    r.source = m.value("source", "");
    r.mountpoint = m.value("mountpoint", "");
    r.project = m.value("project", r.source);
    r.pid = m.value("pid", 0);
    r.pid_start = m.value("pidStart", int64_t{0});
    r.mode = m.value("mode", "enforce");
    r.allow_other = m.value("allowOther", false);
    r.auto_claim = m.value("autoClaim", false);
    r.started_at = m.value("startedAt", int64_t{0});
    if (!r.mountpoint.empty()) out.push_back(std::move(r));
  }
  return out;
}

Status write_locked(const std::string& home, const std::vector<MountRecord>& ms) {
  Json arr = Json::array();
  for (const auto& m : ms)
    arr.push_back({{"source", m.source},
                   {"mountpoint", m.mountpoint},
                   {"project", m.project.empty() ? m.source : m.project},
                   {"pid", m.pid},
                   {"pidStart", m.pid_start},
                   {"mode", m.mode},
                   {"allowOther", m.allow_other},
                   {"autoClaim", m.auto_claim},
                   {"startedAt", m.started_at}});
  return write_file_atomic(path_of(home), Json{{"mounts", arr}}.dump(2) + "\n", 0600);
}

}  // namespace

bool mount_daemon_alive(const MountRecord& m) {
  return proc_running(m.pid, m.pid_start);
}

Result<std::vector<MountRecord>> list_mounts(const std::string& home) {
  auto lock = FileLock::acquire(home + "/mounts.lock", false);
  if (!lock) return lock.status();
  return read_locked(home);
}

Status add_mount(const std::string& home, const MountRecord& m) {
  auto lock = FileLock::acquire(home + "/mounts.lock", true);
  if (!lock) return lock.status();
  auto ms = read_locked(home);
  if (!ms) return ms.status();
  std::erase_if(*ms, [&](const MountRecord& r) { return r.mountpoint == m.mountpoint; });
  ms->push_back(m);
  return write_locked(home, *ms);
}

Status remove_mount(const std::string& home, const std::string& mountpoint, pid_t pid) {
  auto lock = FileLock::acquire(home + "/mounts.lock", true);
  if (!lock) return lock.status();
  auto ms = read_locked(home);
  if (!ms) return ms.status();
  size_t before = ms->size();
  std::erase_if(*ms, [&](const MountRecord& r) {
    return r.mountpoint == mountpoint && (pid == 0 || r.pid == pid);
  });
  if (ms->size() == before) return Status::ok();
  return write_locked(home, *ms);
}

}  // namespace aio
