#include "fs/denial_log.h"

namespace aio::fs {

void DenialLog::record(Denial d) {
  std::lock_guard lock(mu_);
  denials_.push_back(std::move(d));
  if (denials_.size() > kMax) denials_.pop_front();
}

std::vector<Denial> DenialLog::list() const {
  std::lock_guard lock(mu_);
  return {denials_.begin(), denials_.end()};
}

}  // namespace aio::fs
