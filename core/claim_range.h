// Claims ordered by what they are about: (project, group, target), the group
// putting file and directory claims together (0), then patterns (1), then
// tasks (2); the claim id breaks ties. state.cache keeps its claims' order
// under this key (cache_image.h) so that a command about one target reads
// only the ranges of claims that can matter to it (claim_ranges(),
// engine.h) instead of testing every claim.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"

namespace aio {

constexpr uint8_t claim_group(ClaimType t) {
  return t == ClaimType::kPattern ? 1 : t == ClaimType::kTask ? 2 : 0;
}

// A claim's place in that order (views into the claim or an image).
struct ClaimKey {
  std::string_view project;
  uint8_t group = 0;
  std::string_view target;
  std::string_view id;
  std::strong_ordering operator<=>(const ClaimKey&) const = default;
  bool operator==(const ClaimKey&) const = default;
};

inline ClaimKey key_of(const Claim& c) {
  return {c.project, claim_group(c.type), c.target, c.id};
}

// A bound of a range: the claims whose (project, group, target) sort before
// it lie below it, whatever their ids.
struct ClaimBound {
  std::string project;
  uint8_t group = 0;
  std::string target;
};

inline bool below(const ClaimKey& k, const ClaimBound& b) {
  if (auto c = k.project <=> std::string_view(b.project); c != 0) return c < 0;
  if (k.group != b.group) return k.group < b.group;
  return k.target < std::string_view(b.target);
}

// The claims k with lo <= k < hi (no hi: every claim from lo on).
struct ClaimRange {
  ClaimBound lo;
  std::optional<ClaimBound> hi;
  bool contains(const ClaimKey& k) const { return !below(k, lo) && (!hi || below(k, *hi)); }
};

}  // namespace aio
