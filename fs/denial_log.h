// The record of refusals the mount made (and advisory-mode refusals it would
// have made), shown in .aio/denials.
//
// Contract: bounded: it keeps the last kMax refusals, oldest dropped first,
// so no flood of refused writes can grow memory.
//
// Lock order: mu_ is a leaf.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace aio::fs {

struct Denial {
  int64_t time = 0;
  std::string op;
  std::string path;
  pid_t pid = 0;
  std::string comm;
  std::string instance;  // "" = anonymous
  std::string as;        // who the writer was taken for, and by which rule (or why nobody)
  std::string claim_id;
  std::string holder;
  std::string reason;
};

class DenialLog {
 public:
  static constexpr size_t kMax = 200;

  void record(Denial d);
  // Oldest first.
  std::vector<Denial> list() const;

 private:
  mutable std::mutex mu_;  // guards denials_
  std::deque<Denial> denials_;
};

}  // namespace aio::fs
