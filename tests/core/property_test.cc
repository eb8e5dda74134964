// A property test of claiming against a reference model (property_model.h):
// seeded random sequences of register, claim (file, directory, pattern,
// task), release, crash (a bound instance's process dies, through the
// Clock's ProcessOracle), time passing (unbound instances going stale),
// heartbeat, cleanup, unregister and reopening the store, run against the
// real engine through the file store in a scratch $AIO_HOME (focused
// updates, as `aio claim` makes them). After every step:
//  - the store holds exactly the instances and claims the model does, and
//    judges each instance live exactly when the model does;
//  - no two live instances hold claims whose coverage meets;
//  - every grant was allowed by the model, and the engine grants whenever
//    the model says the target is free (no false refusals);
//  - every refusal names a claim of another live instance that really
//    overlaps in the model; bad input is refused as such.
// A failure prints the seed and the shortest failing sequence found.
//   AIO_PROPERTY_SEED=N AIO_PROPERTY_SEEDS=K AIO_PROPERTY_STEPS=S
// run seeds N..N+K-1 with S steps each (default: a fixed list of seeds).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <set>

#include "core/engine.h"
#include "core/requests.h"
#include "core/store.h"
#include "tests/core/fake_processes.h"
#include "tests/core/property_model.h"

namespace aio {
namespace {

using test::model::Cover;
using test::model::Universe;
namespace fs = std::filesystem;

const std::string kMono = "/mono", kPkg = "/mono/pkg", kMonox = "/monox";
const std::vector<std::string> kProjects = {kMono, kPkg, kMonox};
constexpr int64_t kStale = 300;

struct Target {
  ClaimType type;
  std::string typed;
};

// What the instances claim, as they would type it, relative to their
// project: globs and directories meeting (src/ vs src/**/*.ts vs
// src/a/b.ts), dot files, classes, names holding glob syntax, spellings
// that are the same claim, targets outside the project or of the wrong kind.
const std::vector<Target>& candidates() {
  using enum ClaimType;
  static const std::vector<Target> all = {{kFile, "a.ts"},
                                          {kFile, "src/a.ts"},
                                          {kFile, "./src//a.ts"},
                                          {kFile, "src/a/b.ts"},
                                          {kFile, "src/.hidden.ts"},
                                          {kFile, "src/.ts"},
                                          {kFile, "lib/a[1].ts"},
                                          {kFile, "lib/a1.ts"},
                                          {kFile, "lib/a?.ts"},
                                          {kFile, "build/x.ts"},
                                          {kFile, "docs/x.ts/readme"},
                                          {kFile, "README.md"},
                                          {kFile, ".env"},
                                          {kFile, "pkg/a.ts"},
                                          {kFile, "pkg/src/a.ts"},
                                          {kFile, "src/new.ts"},
                                          {kFile, "src"},
                                          {kFile, "/mono/src/a.ts"},
                                          {kFile, "/mono/pkg/a.ts"},
                                          {kFile, "../a.ts"},
                                          {kFile, "src/a/../b.js"},
                                          {kDirectory, "."},
                                          {kDirectory, "src"},
                                          {kDirectory, "src/a"},
                                          {kDirectory, "src/a/c"},
                                          {kDirectory, "src/.cache"},
                                          {kDirectory, "lib"},
                                          {kDirectory, "build"},
                                          {kDirectory, "docs/x.ts"},
                                          {kDirectory, "pkg"},
                                          {kDirectory, "pkg/src"},
                                          {kDirectory, "newdir"},
                                          {kDirectory, "src/a.ts"},
                                          {kDirectory, "/mono/pkg/src"},
                                          {kPattern, "*.ts"},
                                          {kPattern, "**/*.ts"},
                                          {kPattern, "src/**/*.ts"},
                                          {kPattern, "src/**"},
                                          {kPattern, "src/*"},
                                          {kPattern, "src/*.ts"},
                                          {kPattern, "*.md"},
                                          {kPattern, "/build"},
                                          {kPattern, "build"},
                                          {kPattern, "**/build/**"},
                                          {kPattern, "lib/a[0-9].ts"},
                                          {kPattern, "lib/a?.ts"},
                                          {kPattern, "lib/a\\[1\\].ts"},
                                          {kPattern, "src/[!.]*"},
                                          {kPattern, ".*"},
                                          {kPattern, "**/.*"},
                                          {kPattern, "src/a/**"},
                                          {kPattern, "docs/*.ts"},
                                          {kPattern, "x.ts"},
                                          {kPattern, "**"},
                                          {kPattern, "pkg/**"},
                                          {kPattern, "*.js"},
                                          {kPattern, "src/a/*/d.ts"},
                                          {kPattern, "**/c/**"},
                                          {kPattern, "[!a]*.ts"},
                                          {kPattern, "lib/a[!0-9].ts"},
                                          {kPattern, "src/**/c"},
                                          {kTask, "T-1"},
                                          {kTask, "T-2"},
                                          {kTask, "T-3"}};
  return all;
}

// The tree that exists (for the kind check), with every candidate path
// target of every project and its witnesses (property_model.h).
const Universe& universe() {
  static const Universe u = [] {
    std::vector<std::string> dirs = {
        "/mono/src",       "/mono/src/a",   "/mono/src/a/c",   "/mono/src/.cache", "/mono/lib",
        "/mono/build",     "/mono/docs",    "/mono/docs/x.ts", "/mono/pkg",        "/mono/pkg/src",
        "/mono/pkg/build", "/mono/pkg/lib", "/monox/src"};
    std::vector<std::string> files = {"/mono/README.md",
                                      "/mono/.env",
                                      "/mono/a.ts",
                                      "/mono/x.js",
                                      "/mono/src/a.ts",
                                      "/mono/src/b.js",
                                      "/mono/src/.hidden.ts",
                                      "/mono/src/.ts",
                                      "/mono/src/a/b.ts",
                                      "/mono/src/a/b.js",
                                      "/mono/src/a/c/d.ts",
                                      "/mono/src/a/c/e.md",
                                      "/mono/src/.cache/x.ts",
                                      "/mono/lib/a1.ts",
                                      "/mono/lib/a2.js",
                                      "/mono/lib/a[1].ts",
                                      "/mono/lib/ab.ts",
                                      "/mono/lib/a?.ts",
                                      "/mono/build/out.js",
                                      "/mono/build/x.ts",
                                      "/mono/docs/x.ts/readme",
                                      "/mono/docs/y.md",
                                      "/mono/pkg/a.ts",
                                      "/mono/pkg/README.md",
                                      "/mono/pkg/src/a.ts",
                                      "/mono/pkg/src/z.js",
                                      "/mono/pkg/build/x",
                                      "/mono/pkg/lib/a1.ts",
                                      "/mono/pkg/.env",
                                      "/monox/a.ts",
                                      "/monox/src/a.ts"};
    // The tree's shape in the other projects too, and every path target.
    std::vector<std::string> extra;
    for (const auto& p : {kPkg, kMonox})
      for (const auto* list : {&dirs, &files})
        for (const auto& path : *list)
          if (test::model::within(kMono, path) && !test::model::within(kPkg, path))
            extra.push_back(p + path.substr(kMono.size()));
    for (const auto& p : kProjects)
      for (const auto& t : candidates()) {
        if (t.type != ClaimType::kFile && t.type != ClaimType::kDirectory) continue;
        std::string abs = test::model::normalise(t.typed[0] == '/' ? t.typed : p + "/" + t.typed);
        if (test::model::within(p, abs)) extra.push_back(abs);
      }
    return Universe(kProjects, files, dirs, extra);
  }();
  return u;
}

bool model_conflict(const std::string& pa, ClaimType ta, const std::string& a, const Cover& ca,
                    const std::string& pb, ClaimType tb, const std::string& b, const Cover& cb) {
  if (ta == ClaimType::kTask || tb == ClaimType::kTask) return ta == tb && pa == pb && a == b;
  return (ca & cb).any();
}

std::string show(const std::string& project, ClaimType type, const std::string& typed) {
  return std::string(to_string(type)) + " '" + typed + "' in " + project;
}

TEST(PropertyModel, UniverseFits) {
  EXPECT_LT(universe().size(), test::model::kMaxPaths);
}

// The model and the engine agree on which candidates are bad input and on
// every pair of the rest, across the three projects: so the universe has a
// witness for every overlap the engine finds, and the sequences below test
// the store, liveness and focus around an agreed table.
TEST(PropertyModel, AgreesWithTheConflictTableOnEveryPair) {
  struct One {
    std::string project;
    Target t;
    Claim claim;
    Cover cover;
  };
  std::vector<One> ones;
  for (const auto& p : kProjects)
    for (const auto& t : candidates()) {
      auto cover = universe().cover(p, t.type, t.typed);
      auto target = canonical_target(t.type, t.typed, p, p);
      bool engine_ok = target.is_ok();
      if (engine_ok) {
        auto kind = universe().kind(target->empty() ? p : p + "/" + *target);
        engine_ok = check_target_kind(t.type, *target, kind).is_ok();
      }
      EXPECT_EQ(engine_ok, cover.has_value()) << show(p, t.type, t.typed) << ": engine says "
                                              << (target ? "'" + *target + "'" : "bad input");
      if (!engine_ok || !cover) continue;
      Claim c;
      c.type = t.type;
      c.target = *target;
      c.project = p;
      ones.push_back({p, t, c, *cover});
    }
  int pairs = 0, conflicts = 0, mismatches = 0;
  for (const auto& a : ones)
    for (const auto& b : ones) {
      bool want = model_conflict(a.project, a.t.type, a.t.typed, a.cover, b.project, b.t.type,
                                 b.t.typed, b.cover);
      bool got = claims_conflict(a.claim, b.claim);
      ++pairs;
      conflicts += want;
      if (want != got && ++mismatches <= 400)
        ADD_FAILURE() << show(a.project, a.t.type, a.t.typed) << " vs "
                      << show(b.project, b.t.type, b.t.typed) << ": model "
                      << (want ? "conflict" : "free") << ", engine " << (got ? "conflict" : "free");
    }
  std::cout << "property model: " << universe().size() << " paths, " << ones.size() << " claims, "
            << pairs << " pairs, " << conflicts << " of them conflicting\n";
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(conflicts, 0);
  EXPECT_LT(conflicts, pairs);
}

// ---------------------------------------------------------------- sequences

struct Step {
  enum Kind {
    kRegister,
    kClaim,
    kRelease,
    kCrash,
    kTime,
    kHeartbeat,
    kCleanup,
    kUnregister,
    kReopen
  };
  Kind kind;
  uint32_t a, b, c;  // choices, read modulo what the state offers when the step runs
};

std::vector<Step> generate(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  // Weights per kind, in the order of Step::Kind.
  std::discrete_distribution<int> kind({8, 45, 12, 5, 8, 8, 4, 3, 3});
  std::vector<Step> out;
  for (size_t k = 0; k < n; ++k)
    out.push_back({static_cast<Step::Kind>(kind(rng)), static_cast<uint32_t>(rng()),
                   static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())});
  return out;
}

using test::FakeProcesses;

struct Stats {
  size_t steps = 0, granted = 0, existed = 0, refused = 0, invalid = 0, released = 0,
         release_refused = 0, crashes = 0, stale_jumps = 0, cleaned = 0, checks = 0;
};

// Runs one sequence against a fresh store and the model side by side.
class Runner {
 public:
  Runner(std::string home, FileStoreOptions opts, Stats* stats)
      : home_(std::move(home)), opts_(opts), stats_(stats ? stats : &own_stats_) {}

  // "" when every step and check passed; else what failed, at *failed.
  std::string run(const std::vector<Step>& steps, size_t* failed) {
    fs::remove_all(home_);
    fs::create_directories(home_);
    if (std::string e = reopen(); !e.empty()) return *failed = 0, e;
    for (size_t k = 0; k < steps.size(); ++k) {
      std::string e = step(steps[k]);
      if (e.empty()) e = check();
      if (!e.empty()) {
        *failed = k;
        return e;
      }
      if (stats_) ++stats_->steps;
    }
    return "";
  }
  const std::vector<std::string>& trace() const { return trace_; }

 private:
  // Choices are made over instances and claims in the order they were
  // made (their ids are random), so a sequence replays the same.
  struct MInst {
    int seq = 0;
    std::string id, label, project;
    bool bound = false;
    ProcRef proc;
    int64_t last_hb = 0;
  };
  struct MClaim {
    int seq = 0;
    std::string id, inst, project, typed;
    ClaimType type;
    Cover cover;
  };

  Clock clock() const {
    Clock c = Clock::at(now_, kStale);
    c.machine_id = "m1";
    c.procs = &procs_;
    return c;
  }
  bool live(const MInst& i) const {
    return i.bound ? procs_.running(i.proc.pid, i.proc.start) : now_ - i.last_hb <= kStale;
  }
  std::vector<MInst*> instances(const std::function<bool(const MInst&)>& keep) {
    std::vector<MInst*> out;
    for (auto& [id, i] : insts_)
      if (keep(i)) out.push_back(&i);
    std::sort(out.begin(), out.end(), [](auto* x, auto* y) { return x->seq < y->seq; });
    return out;
  }
  std::vector<MInst*> live_instances() {
    return instances([this](const MInst& i) { return live(i); });
  }
  std::string reopen() {
    store_.reset();
    auto s = open_file_store(home_, opts_);
    if (!s) return "open_file_store: " + s.status().message();
    store_ = std::move(s).value();
    return "";
  }
  void log(std::string line) { trace_.push_back(std::move(line)); }
  std::string label(const std::string& id) const {
    auto it = insts_.find(id);
    return it == insts_.end() ? id : it->second.label;
  }

  std::string step(const Step& s) {
    switch (s.kind) {
      case Step::kRegister:
        return do_register(s);
      case Step::kClaim:
        return do_claim(s);
      case Step::kRelease:
        return do_release(s);
      case Step::kCrash:
        return do_crash(s);
      case Step::kTime:
        return do_time(s);
      case Step::kHeartbeat:
        return do_heartbeat(s);
      case Step::kCleanup:
        return do_cleanup();
      case Step::kUnregister:
        return do_unregister(s);
      case Step::kReopen:
        log("reopen the store");
        return reopen();
    }
    return "unknown step";
  }

  std::string do_register(const Step& s) {
    if (insts_.size() >= 8) return do_unregister(s);
    MInst m;
    static const int kWhere[] = {0, 0, 0, 1, 1, 1, 2};
    m.project = kProjects[kWhere[s.a % 7]];
    m.bound = s.b % 2 == 0;
    if (m.bound) {
      // Now and then the pid of a dead process again, started later.
      if (s.c % 4 == 0 && !dead_.empty()) {
        m.proc = {dead_[s.c / 4 % dead_.size()].pid, next_start_ += 1000};
      } else {
        m.proc = {next_pid_++, 100};
      }
      procs_.alive.insert({m.proc.pid, m.proc.start});
    }
    RegisterRequest r;
    r.tool = "t";
    r.project = m.project;
    r.pid = m.proc.pid;
    r.bind = m.proc;
    r.machine_id = m.bound ? "m1" : "";
    Status st = store_->update([&](Txn& t) {
      auto i = register_instance(t, r, clock());
      if (!i) return i.status();
      m.id = i->id;
      return Status::ok();
    });
    if (!st) return "register failed: " + st.message();
    m.seq = ++registered_;
    m.label = "i" + std::to_string(m.seq);
    m.last_hb = now_;
    log("register " + m.label + " in " + m.project +
        (m.bound
             ? " bound to pid " + std::to_string(m.proc.pid) + "/" + std::to_string(m.proc.start)
             : " unbound"));
    insts_[m.id] = m;
    return "";
  }

  std::vector<const MClaim*> model_blockers(const MInst& me, ClaimType type,
                                            const std::string& typed, const Cover& cover) {
    std::vector<const MClaim*> out;
    for (const auto& [id, c] : claims_)
      if (c.inst != me.id && live(insts_.at(c.inst)) &&
          model_conflict(me.project, type, typed, cover, c.project, c.type, c.typed, c.cover))
        out.push_back(&c);
    return out;
  }

  // Asks the engine as `aio claim` does: a focused update running
  // claim_stored, which checks the kind and grants or refuses.
  Result<ClaimOutcome> engine_claim(const MInst& me, ClaimType type, const std::string& target) {
    Claim probe;
    probe.type = type;
    probe.target = target;
    probe.project = me.project;
    std::optional<Result<ClaimOutcome>> got;
    Clock c = clock();
    Status st = store_->update_focused(
        [&](const State&) { return focus_on(probe, me.id); },
        [&](Txn& t) -> Status {
          auto it = t.state().instances.find(me.id);
          if (it == t.state().instances.end()) return Status::state("caller not in the state");
          Instance self = it->second;
          auto kind = [&](const std::string& rel) {
            return universe().kind(rel.empty() ? me.project : me.project + "/" + rel);
          };
          got = claim_stored(t, self, type, target, kind, c);
          return got->status();
        });
    if (!st) return st;
    return *got;
  }

  std::string do_claim(const Step& s) {
    auto live = live_instances();
    if (live.empty()) return do_register(s);
    MInst& me = *live[s.a % live.size()];
    static const ClaimType kTypes[] = {
        ClaimType::kFile,      ClaimType::kFile,      ClaimType::kFile,
        ClaimType::kDirectory, ClaimType::kDirectory, ClaimType::kPattern,
        ClaimType::kPattern,   ClaimType::kPattern,   ClaimType::kTask};
    ClaimType type = kTypes[s.b % 9];
    std::vector<const Target*> of_type;
    for (const auto& t : candidates())
      if (t.type == type) of_type.push_back(&t);
    const std::string& typed = of_type[s.c % of_type.size()]->typed;
    std::string what = "claim " + me.label + " " + show(me.project, type, typed);
    auto cover = universe().cover(me.project, type, typed);
    auto target = canonical_target(type, typed, me.project, me.project);
    Result<ClaimOutcome> got = target ? engine_claim(me, type, *target) : target.status();
    if (!cover) {
      log(what + " -> " + (got ? "granted" : got.status().message()));
      if (got || got.status().code() != Code::kInvalid)
        return what + ": bad input, but the engine said " +
               (got ? "granted " + got->claim.id : got.status().message());
      ++stats_->invalid;
      return "";
    }
    auto blocking = model_blockers(me, type, typed, *cover);
    if (got) return granted(me, type, typed, *cover, *got, blocking, what);
    log(what + " -> " + got.status().message());
    if (got.status().code() != Code::kRefused)
      return what + ": the engine failed: " + got.status().message();
    return refused(me, type, typed, *cover, got.status().message(), blocking, what);
  }

  std::string granted(MInst& me, ClaimType type, const std::string& typed, const Cover& cover,
                      const ClaimOutcome& got, const std::vector<const MClaim*>& blocking,
                      const std::string& what) {
    log(what + " -> " + (got.existed ? "already held " : "granted ") + got.claim.id);
    if (!blocking.empty())
      return what + ": granted, but the model has it held by " + label(blocking[0]->inst) +
             " via " + show(blocking[0]->project, blocking[0]->type, blocking[0]->typed);
    me.last_hb = now_;
    auto it = claims_.find(got.claim.id);
    if (got.existed) {
      ++stats_->existed;
      if (it == claims_.end() || it->second.inst != me.id || it->second.type != type ||
          it->second.cover != cover)
        return what + ": the engine returned " + got.claim.id +
               " as already held, which the model does not have as the same claim of " + me.label;
      return "";
    }
    ++stats_->granted;
    if (it != claims_.end()) return what + ": a new claim reused the id " + got.claim.id;
    claims_[got.claim.id] = {++granted_, got.claim.id, me.id, me.project, typed, type, cover};
    return "";
  }

  std::string refused(const MInst& me, ClaimType type, const std::string& typed, const Cover& cover,
                      const std::string& msg, const std::vector<const MClaim*>& blocking,
                      const std::string& what) {
    ++stats_->refused;
    if (blocking.empty()) return what + ": refused (" + msg + "), but the model says it is free";
    // "<target> is claimed by <holder> (<tool>...) via <type> claim <claim id> on ..."
    size_t by = msg.find(" is claimed by "), via = msg.find(" via ");
    size_t cl = via == std::string::npos ? via : msg.find(" claim ", via);
    if (by == std::string::npos || cl == std::string::npos)
      return what + ": a refusal that names no holder: " + msg;
    std::string holder = msg.substr(by + 15, msg.find(' ', by + 15) - by - 15);
    std::string id = msg.substr(cl + 7, msg.find(' ', cl + 7) - cl - 7);
    auto it = claims_.find(id);
    if (it == claims_.end()) return what + ": the refusal names " + id + ", unknown to the model";
    const MClaim& c = it->second;
    if (c.inst != holder)
      return what + ": the refusal names " + holder + " for " + c.inst + "'s claim";
    if (c.inst == me.id) return what + ": refused by its own claim " + id;
    if (!live(insts_.at(c.inst)))
      return what + ": refused by " + id + " of " + label(c.inst) + ", who is not live";
    if (!model_conflict(me.project, type, typed, cover, c.project, c.type, c.typed, c.cover))
      return what + ": refused by " + id + " (" + show(c.project, c.type, c.typed) +
             "), which does not overlap in the model";
    return "";
  }

  std::string do_release(const Step& s) {
    auto live = live_instances();
    if (live.empty()) return do_register(s);
    MInst& me = *live[s.a % live.size()];
    std::vector<const MClaim*> by_seq;
    for (const auto& [id, c] : claims_) by_seq.push_back(&c);
    std::sort(by_seq.begin(), by_seq.end(), [](auto* x, auto* y) { return x->seq < y->seq; });
    std::vector<std::string> mine, theirs;
    for (const auto* c : by_seq) (c->inst == me.id ? mine : theirs).push_back(c->id);
    std::string what_arg = "all";
    bool foreign = false;
    if (s.b % 6 == 4 && !theirs.empty()) {
      what_arg = theirs[s.c % theirs.size()];
      foreign = true;
    } else if (s.b % 6 < 4 && !mine.empty()) {
      what_arg = mine[s.c % mine.size()];
    }
    std::set<std::string> want;
    if (!foreign) {
      if (what_arg == "all")
        want.insert(mine.begin(), mine.end());
      else
        want.insert(what_arg);
    }
    std::vector<Claim> got;
    Clock c = clock();
    Status st = store_->update([&](Txn& t) -> Status {
      Instance self = t.state().instances.at(me.id);
      auto r = release(t, &self, what_arg, false, me.project, me.project, c);
      if (!r) return r.status();
      got = *r;
      return Status::ok();
    });
    std::string what = "release " + me.label + " " + what_arg;
    log(what + " -> " + (st ? std::to_string(got.size()) + " released" : st.message()));
    if (foreign) {
      ++stats_->release_refused;
      return st.code() == Code::kRefused ? "" : what + ": another's claim, but " + st.message();
    }
    if (!st) return what + ": failed: " + st.message();
    std::set<std::string> ids;
    for (const auto& cl : got) ids.insert(cl.id);
    if (ids != want)
      return what + ": released " + std::to_string(ids.size()) + " claims, want " +
             std::to_string(want.size());
    for (const auto& id : ids) claims_.erase(id);
    stats_->released += ids.size();
    me.last_hb = now_;
    return "";
  }

  std::string do_crash(const Step& s) {
    auto running = instances(
        [this](const MInst& i) { return i.bound && procs_.running(i.proc.pid, i.proc.start); });
    if (running.empty()) return do_time(s);
    MInst& m = *running[s.a % running.size()];
    procs_.alive.erase({m.proc.pid, m.proc.start});
    dead_.push_back(m.proc);
    ++stats_->crashes;
    log("crash: the process of " + m.label + " dies");
    return "";
  }

  std::string do_time(const Step& s) {
    int64_t by = 1 + s.c % 60;
    if (s.b % 4 == 0) {
      by += kStale;
      ++stats_->stale_jumps;
    }
    now_ += by;
    log("time passes: " + std::to_string(by) + "s");
    return "";
  }

  std::string do_heartbeat(const Step& s) {
    // As `aio heartbeat`: only a live instance may (a stale id is anonymous).
    auto live = live_instances();
    if (live.empty()) return do_register(s);
    MInst& me = *live[s.a % live.size()];
    Status st = store_->update([&](Txn& t) {
      t.heartbeat(me.id, now_);
      return Status::ok();
    });
    log("heartbeat " + me.label);
    if (!st) return "heartbeat failed: " + st.message();
    me.last_hb = now_;
    return "";
  }

  std::string do_cleanup() {
    CleanupReport rep;
    Clock c = clock();
    Status st = store_->update([&](Txn& t) {
      rep = cleanup(t, c);
      return Status::ok();
    });
    if (!st) return "cleanup failed: " + st.message();
    std::set<std::string> want_i, want_c, got_i, got_c;
    for (const auto& [id, i] : insts_)
      if (!live(i)) want_i.insert(id);
    for (const auto& [id, cl] : claims_)
      if (want_i.count(cl.inst)) want_c.insert(id);
    for (const auto& i : rep.instances) got_i.insert(i.id);
    for (const auto& cl : rep.claims) got_c.insert(cl.id);
    log("cleanup -> " + std::to_string(got_i.size()) + " instances, " +
        std::to_string(got_c.size()) + " claims");
    if (got_i != want_i || got_c != want_c)
      return "cleanup removed " + std::to_string(got_i.size()) + " instances and " +
             std::to_string(got_c.size()) + " claims, the model " + std::to_string(want_i.size()) +
             " and " + std::to_string(want_c.size());
    for (const auto& id : want_c) claims_.erase(id);
    for (const auto& id : want_i) insts_.erase(id);
    stats_->cleaned += want_i.size();
    return "";
  }

  std::string do_unregister(const Step& s) {
    auto all = instances([](const MInst&) { return true; });
    if (all.empty()) return do_time(s);
    auto it = insts_.find(all[s.a % all.size()]->id);
    std::string id = it->first;
    std::vector<Claim> got;
    Status st = store_->update([&](Txn& t) {
      got = unregister_instance(t, id);
      return Status::ok();
    });
    log("unregister " + it->second.label);
    if (!st) return "unregister failed: " + st.message();
    std::set<std::string> want, ids;
    for (const auto& [cid, cl] : claims_)
      if (cl.inst == id) want.insert(cid);
    for (const auto& cl : got) ids.insert(cl.id);
    if (ids != want)
      return "unregister " + it->second.label + " released other claims than its own";
    for (const auto& cid : want) claims_.erase(cid);
    insts_.erase(it);
    return "";
  }

  // The store against the model, then the invariant over the store's claims.
  std::string check() {
    ++stats_->checks;
    auto loaded = store_->load();
    if (!loaded) return "load failed: " + loaded.status().message();
    const State& st = *loaded;
    if (st.instances.size() != insts_.size())
      return "the store has " + std::to_string(st.instances.size()) + " instances, the model " +
             std::to_string(insts_.size());
    Clock c = clock();
    for (const auto& [id, m] : insts_) {
      auto it = st.instances.find(id);
      if (it == st.instances.end()) return m.label + " is missing from the store";
      if (is_live(it->second, c) != live(m))
        return m.label + ": the engine judges it " + (live(m) ? "not live" : "live") +
               ", the model the opposite";
    }
    if (st.claims.size() != claims_.size())
      return "the store has " + std::to_string(st.claims.size()) + " claims, the model " +
             std::to_string(claims_.size());
    std::map<std::string, std::vector<std::string>> held;  // instance -> its claims' ids
    for (const auto& [id, cl] : st.claims) {
      auto it = claims_.find(id);
      if (it == claims_.end() || it->second.inst != cl.instance_id || it->second.type != cl.type)
        return "the store's claim " + id + " (" + cl.target + ") is not the model's";
      held[cl.instance_id].push_back(id);
    }
    // Each instance's `claims` list (the playbook's schema) names its claims, once each.
    for (const auto& [id, inst] : st.instances) {
      std::vector<std::string> listed = inst.claims;
      std::sort(listed.begin(), listed.end());
      if (listed != held[id])
        return label(id) + "'s claims list has " + std::to_string(listed.size()) +
               " ids, the store " + std::to_string(held[id].size()) + " claims of it";
    }
    for (const auto& [ia, a] : claims_)
      for (const auto& [ib, b] : claims_) {
        if (ia >= ib || a.inst == b.inst) continue;
        if (!live(insts_.at(a.inst)) || !live(insts_.at(b.inst))) continue;
        if (model_conflict(a.project, a.type, a.typed, a.cover, b.project, b.type, b.typed,
                           b.cover))
          return "live instances " + label(a.inst) + " and " + label(b.inst) +
                 " hold overlapping claims: " + show(a.project, a.type, a.typed) + " and " +
                 show(b.project, b.type, b.typed);
      }
    return "";
  }

  std::string home_;
  FileStoreOptions opts_;
  Stats own_stats_;
  Stats* stats_;
  std::unique_ptr<Store> store_;
  FakeProcesses procs_;
  std::vector<ProcRef> dead_;
  std::map<std::string, MInst> insts_;
  std::map<std::string, MClaim> claims_;
  std::vector<std::string> trace_;
  int64_t now_ = 1700000000;
  int64_t next_pid_ = 1000;
  int64_t next_start_ = 100;
  int registered_ = 0, granted_ = 0;
};

// The smallest sequence found that still fails: chunks of steps removed
// while it does (within a budget of runs).
std::vector<Step> shrink(std::vector<Step> steps,
                         const std::function<bool(const std::vector<Step>&, size_t*)>& fails) {
  int budget = 400;
  for (size_t chunk = std::max<size_t>(1, steps.size() / 2); budget > 0; chunk /= 2) {
    for (size_t start = 0; start + chunk <= steps.size() && budget > 0; --budget) {
      std::vector<Step> shorter(steps.begin(), steps.begin() + static_cast<long>(start));
      shorter.insert(shorter.end(), steps.begin() + static_cast<long>(start + chunk), steps.end());
      size_t at = 0;
      if (fails(shorter, &at))
        steps.assign(shorter.begin(), shorter.begin() + static_cast<long>(at + 1));
      else
        start += chunk;
    }
    if (chunk == 1) break;
  }
  return steps;
}

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string scratch_home() {
  std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  std::string tmpl = base + "/aio-property-XXXXXX";
  if (!mkdtemp(tmpl.data())) return "";
  return tmpl;
}

// Odd seeds: the default store (state.json rewritten on each commit); even
// seeds: journal appends, focused updates through the cache, checkpoints.
FileStoreOptions options_for(uint64_t seed) {
  FileStoreOptions o;
  if (seed % 2 == 0) {
    o.checkpoint_every_write_bytes = 0;
    o.min_journal_bytes = 6 * 1024;
    o.cache_lag_bytes = 0;
  }
  return o;
}

TEST(Property, ClaimsAgreeWithTheModel) {
  std::vector<uint64_t> seeds;
  if (getenv("AIO_PROPERTY_SEED")) {
    uint64_t first = env_number("AIO_PROPERTY_SEED", 1);
    for (uint64_t k = 0; k < env_number("AIO_PROPERTY_SEEDS", 1); ++k) seeds.push_back(first + k);
  } else {
    for (uint64_t k = 1; k <= 16; ++k) seeds.push_back(k * 7919);
  }
  size_t n = env_number("AIO_PROPERTY_STEPS", 250);
  std::string home = scratch_home();
  ASSERT_FALSE(home.empty());
  Stats stats;
  for (uint64_t seed : seeds) {
    auto steps = generate(seed, n);
    Runner r(home, options_for(seed), &stats);
    size_t at = 0;
    std::string e = r.run(steps, &at);
    if (e.empty()) continue;
    auto fails = [&](const std::vector<Step>& s, size_t* where) {
      Runner again(home, options_for(seed), nullptr);
      return !again.run(s, where).empty();
    };
    std::vector<Step> prefix(steps.begin(), steps.begin() + static_cast<long>(at + 1));
    auto small = shrink(prefix, fails);
    Stats ignored;
    Runner last(home, options_for(seed), &ignored);
    size_t last_at = 0;
    std::string last_e = last.run(small, &last_at);
    std::string trace;
    for (const auto& line : last.trace()) trace += "  " + line + "\n";
    ADD_FAILURE() << "seed " << seed << " fails at step " << at + 1 << " of " << n << ": " << e
                  << "\nshortest failing sequence found (" << small.size() << " steps): " << last_e
                  << "\n"
                  << trace << "replay: AIO_PROPERTY_SEED=" << seed
                  << " AIO_PROPERTY_STEPS=" << at + 1;
  }
  fs::remove_all(home);
  std::cout << "property: " << seeds.size() << " seeds, " << stats.steps << " steps, "
            << stats.checks << " checks: " << stats.granted << " granted, " << stats.existed
            << " already held, " << stats.refused << " refused, " << stats.invalid << " bad input, "
            << stats.released << " released (" << stats.release_refused << " refused), "
            << stats.crashes << " crashes, " << stats.stale_jumps << " stale jumps, "
            << stats.cleaned << " instances cleaned up\n";
  // The sequences reached both sides of every decision.
  EXPECT_GT(stats.granted, 0u);
  EXPECT_GT(stats.refused, 0u);
  EXPECT_GT(stats.invalid, 0u);
  EXPECT_GT(stats.cleaned, 0u);
}

}  // namespace
}  // namespace aio
