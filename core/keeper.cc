#include "core/keeper.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

namespace aio {

Result<KeeperRound> keep_leases(Store& store, const Clock& c) {
  KeeperRound round;
  std::vector<std::string> live;
  Status s = store.update([&](Txn& t) {
    round = KeeperRound{};
    live.clear();
    std::vector<std::string> dead;
    for (const auto& [id, i] : t.state().instances) {
      if (i.machine_id != c.machine_id) continue;
      ++round.mine;
      (is_live(i, c) ? live : dead).push_back(id);
    }
    for (const auto& id : dead) {
      round.ended.push_back(t.state().instances.at(id));
      auto released = unregister_instance(t, id);
      round.released.insert(round.released.end(), released.begin(), released.end());
    }
    return Status::ok();
  });
  if (!s) return s;
  auto lost = store.renew_leases(live);
  if (!lost) return lost.status();
  round.lost = *lost;
  round.renewed = live.size() - lost->size();
  return round;
}

int keeper_interval_ms(int64_t ttl) {
  return static_cast<int>(std::max<int64_t>(500, ttl * 1000 / 3));
}

namespace {
std::string lock_path(const std::string& home, const std::string& store) {
  char hex[17];
  snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(store));
  return home + "/keeper-" + hex + ".lock";
}
}  // namespace

std::optional<KeeperLock> KeeperLock::try_take(const std::string& home, const std::string& store) {
  int fd = open(lock_path(home, store).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::nullopt;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return std::nullopt;
  }
  return KeeperLock(fd);
}

bool KeeperLock::held(const std::string& home, const std::string& store) {
  return !try_take(home, store).has_value();
}

KeeperLock::~KeeperLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace aio
