#include "core/autoclaim.h"

namespace aio {

namespace {

// The operation writes a regular file's content, or puts one at the path.
bool writes_file(const AutoClaimCase& c) {
  if (!c.regular_file) return false;
  switch (c.op) {
    case WriteOp::kOpen:
    case WriteOp::kCreate:
    case WriteOp::kRename:
      return true;
    case WriteOp::kSetattr:
      return c.truncates;
    default:
      return false;
  }
}

}  // namespace

bool should_auto_claim(const AutoClaimCase& c, const IgnoredProbe& ignored) {
  if (!c.writer || c.writer->project != c.project) return false;
  if (!c.mount_auto_claim && !c.writer->auto_claim) return false;
  if (c.covered || !writes_file(c)) return false;
  return !ignored();
}

const Claim* own_auto_claim(const State& s, const Instance& me, std::string_view target) {
  for (const auto& id : me.claims) {
    auto it = s.claims.find(id);
    if (it == s.claims.end()) continue;
    const Claim& c = it->second;
    if (c.auto_claimed && c.instance_id == me.id && c.type == ClaimType::kFile &&
        c.target == target && c.project == me.project)
      return &c;
  }
  return nullptr;
}

}  // namespace aio
