// Shared by the mount tests (tests/fs/mount_*_test.cc): the Mount fixture,
// which runs probe steps as a chosen caller, and small helpers.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/fs/harness.h"

namespace aio::test {

using Json = nlohmann::json;
using Argv = std::vector<std::string>;

// One probe run and its expected outcome ("OK" or an errno name).
struct Step {
  As who;
  Argv argv;
  std::string want;
};

class Mount : public MountFixture {
 protected:
  // Runs the steps in order, each as its caller, and checks each outcome.
  void steps(const std::vector<Step>& list) {
    for (const auto& s : list) {
      std::string line;
      for (const auto& a : s.argv) line += " " + a;
      SCOPED_TRACE(std::string(to_string(s.who)) + ":" + line);
      Proc r = probe(s.who, s.argv);
      EXPECT_EQ(outcome(r), s.want) << r.show();
    }
  }
};

// Replaces {P} and {U} in a probe command line.
inline Argv subst(const Argv& argv, const std::string& p, const std::string& u) {
  Argv out;
  for (const auto& a : argv) out.push_back(a == "{P}" ? p : a == "{U}" ? u : a);
  return out;
}

inline std::string short_name(As who) {
  return who == As::kA ? "a" : who == As::kB ? "b" : "anon";
}

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace aio::test
