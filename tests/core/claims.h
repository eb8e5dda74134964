// Shorthands for building claims in core tests.
#pragma once

#include <string>

#include "core/model.h"

namespace aio::test {

inline constexpr auto F = ClaimType::kFile;
inline constexpr auto D = ClaimType::kDirectory;
inline constexpr auto P = ClaimType::kPattern;
inline constexpr auto T = ClaimType::kTask;

// A claim of `type` on `target` in `project`; every other field default.
inline Claim mk(ClaimType type, const std::string& target, const std::string& project = "/p") {
  Claim c;
  c.type = type;
  c.target = target;
  c.project = project;
  return c;
}

}  // namespace aio::test
