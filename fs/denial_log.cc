#include "fs/denial_log.h"

#include <algorithm>
#include <map>

#include "core/text.h"

namespace aio::fs {
namespace {

// What one record counts for: its strings and a fixed overhead.
size_t size_of(const Denial& d) {
  return 64 + d.op.size() + d.path.size() + d.comm.size() + d.instance.size() + d.as.size() +
         d.claim_id.size() + d.holder.size() + d.reason.size();
}

bool same(const Denial& a, const Denial& b) {
  return a.op == b.op && a.path == b.path && a.instance == b.instance && a.claim_id == b.claim_id &&
         a.holder == b.holder && a.reason == b.reason;
}

void cut(Denial* d) {
  d->op = excerpt(d->op, 32);
  d->path = excerpt(d->path, 160);
  d->comm = excerpt(d->comm, 32);
  d->instance = excerpt(d->instance, 80);
  d->as = excerpt(d->as, 200);
  d->claim_id = excerpt(d->claim_id, 80);
  d->holder = excerpt(d->holder, 80);
  d->reason = excerpt(d->reason, 240);
}

bool power_of_ten(uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

}  // namespace

std::string log_tail(const LogVerdict& v) {
  std::string out;
  if (v.count > 1) out += " (seen " + std::to_string(v.count) + " times)";
  if (v.unlogged > 0)
    out += " (" + std::to_string(v.unlogged) + " refusal(s) not logged before it)";
  return out;
}

LogVerdict DenialLog::record(Denial* d) {
  cut(d);
  std::lock_guard lock(mu_);
  LogVerdict v;
  auto it =
      std::find_if(denials_.begin(), denials_.end(), [&](const Denial& r) { return same(r, *d); });
  if (it != denials_.end()) {
    d->first = it->first;
    d->count = it->count + 1;
    bytes_ -= size_of(*it);
    denials_.erase(it);
  } else {
    d->first = d->time;
    d->count = 1;
  }
  v.count = d->count;
  v.log = (d->count == 1 || power_of_ten(d->count)) && may_log(d->time);
  if (v.log) {
    v.unlogged = unlogged_;
    unlogged_ = 0;
  } else {
    ++unlogged_;
  }
  bytes_ += size_of(*d);
  denials_.push_back(*d);
  trim();
  return v;
}

bool DenialLog::may_log(int64_t now) {
  if (now > refilled_) {
    tokens_ = std::min<double>(kLogBurst, tokens_ + static_cast<double>(now - refilled_));
    refilled_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void DenialLog::trim() {
  while (bytes_ > kMaxBytes || denials_.size() > kMaxRecords) {
    std::map<std::string, size_t> by_writer;
    for (const auto& r : denials_) by_writer[r.instance] += size_of(r);
    auto most = std::max_element(by_writer.begin(), by_writer.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    auto it = std::find_if(denials_.begin(), denials_.end(),
                           [&](const Denial& r) { return r.instance == most->first; });
    bytes_ -= size_of(*it);
    denials_.erase(it);
  }
}

std::vector<Denial> DenialLog::list() const {
  std::lock_guard lock(mu_);
  return {denials_.begin(), denials_.end()};
}

size_t DenialLog::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace aio::fs
