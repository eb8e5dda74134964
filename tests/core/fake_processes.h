// A ProcessOracle for core tests: the (pid, start time) pairs in `alive` run.
#pragma once

#include <cstdint>
#include <set>
#include <utility>

#include "core/engine.h"

namespace aio::test {

class FakeProcesses : public ProcessOracle {
 public:
  bool running(int64_t pid, int64_t start) const override { return alive.count({pid, start}) > 0; }
  std::set<std::pair<int64_t, int64_t>> alive;
};

}  // namespace aio::test
