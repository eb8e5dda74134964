// Micro-benchmarks of the mount's hot paths (DESIGN.md §6: "the daemon's
// per-operation claim check with 10k claims: <= 1 us median, no lock, no
// reparse unless state changed").
//
//   PolicyIndex::decide   10 / 1,000 / 10,000 claims of two live instances,
//                         mixed files, directories and glob patterns; an
//                         allowed path (nothing covers it: every pattern is
//                         tried) and a refused one (inside a claimed directory)
//   PolicyIndex::decide   for a project nested in the claims' one (outer
//                         claims rebased)
//   PolicyIndex build     what every reload of the state pays
//   fs::IdentityCache::who  identity on a cache hit (same thread again) and on
//                           a miss (a new thread: its id is not cached yet)
//   fs::Guard::check        the whole choke point for an allowed write; as the
//                           daemon builds it (an IgnoreCache behind it) for an
//                           instance's write with --auto-claim off, and with it
//                           on: on a file the writer holds (every write after
//                           the first) and on a file git ignores
//   fs::StateWatch::refresh nothing changed, and after a store update
//   Store (FileStore)       with 1,000 instances and 10,000 claims: load() from
//                           the cache, load_focused() on one path (aio check),
//                           a load that replays the journal without a cache, an
//                           update_focused() that grants one claim (aio claim,
//                           on tmpfs so fsync does not dominate), and the codecs
//                           under them (state.json parse/encode, journal lines)
//
// The mount benchmarks run over a FileStore in a temporary $AIO_HOME holding
// 10,000 claims and a temporary source directory; both are removed at exit.
// The calling process is made a registered instance through its terminal
// session (sid), as `aio register` in a terminal would.
//
// Not a test: nothing here asserts a time. ctest runs it once, briefly
// (bench.micro_smoke), so it keeps building and running.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/policy.h"
#include "core/procinfo.h"
#include "core/store.h"
#include "core/timeutil.h"
#include "fs/guard.h"
#include "fs/identity.h"
#include "fs/ignore_cache.h"
#include "fs/state_watch.h"

namespace aio {
namespace {

constexpr const char* kInstA = "claude-1700000000-0000000a";
constexpr const char* kInstB = "codex-1700000000-0000000b";

pid_t this_tid() {
  return static_cast<pid_t>(syscall(SYS_gettid));
}

Instance make_instance(const std::string& id, const std::string& project, int64_t now) {
  Instance i;
  i.id = id;
  i.tool = id.substr(0, id.find('-'));
  i.project = project;
  i.pid = 1;
  i.started_at = now - 60;
  i.last_heartbeat = now;
  return i;
}

// Claim k of a benchmark state: 60% files, 20% directories, 20% patterns,
// alternating between the two instances. None covers "w/..." (the allowed
// path); directory claim k covers "lib/d<k>/...".
Claim make_claim(size_t k, const std::string& project, int64_t now) {
  Claim c;
  c.id = "claim-" + std::to_string(now) + "-" + std::to_string(k);
  c.instance_id = k % 2 ? kInstB : kInstA;
  c.project = project;
  c.claimed_at = now;
  size_t r = k % 10;
  if (r < 6) {
    c.type = ClaimType::kFile;
    c.target = "src/m" + std::to_string(k % 211) + "/f" + std::to_string(k) + ".ts";
  } else if (r < 8) {
    c.type = ClaimType::kDirectory;
    c.target = "lib/d" + std::to_string(k);
  } else {
    c.type = ClaimType::kPattern;
    switch ((k / 10) % 4) {
      case 0:
        c.target = "src/g" + std::to_string(k) + "/**/*.ts";
        break;
      case 1:
        c.target = "**/*.gen" + std::to_string(k) + ".go";
        break;
      case 2:
        c.target = "docs/s" + std::to_string(k) + "/*.md";
        break;
      default:
        c.target = "test/t" + std::to_string(k) + "/**";
        break;
    }
  }
  return c;
}

std::shared_ptr<const State> make_state(size_t n_claims, const std::string& project, int64_t now) {
  auto s = std::make_shared<State>();
  s->instances[kInstA] = make_instance(kInstA, project, now);
  s->instances[kInstB] = make_instance(kInstB, project, now);
  for (size_t k = 0; k < n_claims; ++k) {
    Claim c = make_claim(k, project, now);
    s->instances[c.instance_id].claims.push_back(c.id);
    s->claims[c.id] = std::move(c);
  }
  return s;
}

constexpr const char* kProject = "/bench/project";
constexpr const char* kAllowed = "w/small/d07/f0012.txt";
constexpr const char* kRefused = "lib/d6/sub/file.c";  // directory claim 6 (every size has it)

// ---- PolicyIndex::decide ----

void BM_Decide(benchmark::State& st, const char* path, bool want_allowed) {
  int64_t now = now_seconds();
  PolicyIndex index(make_state(static_cast<size_t>(st.range(0)), kProject, now), kProject);
  Clock clock = Clock::at(now, 300);
  size_t wrong = 0;
  for (auto _ : st) {
    Decision d = index.decide("", path, false, MountMode::kEnforce, clock);
    benchmark::DoNotOptimize(d);
    wrong += d.allowed != want_allowed;
  }
  if (wrong) st.SkipWithError("decide() did not give the expected answer");
  st.counters["claims"] = static_cast<double>(index.claim_count());
}
BENCHMARK_CAPTURE(BM_Decide, allowed, kAllowed, true)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK_CAPTURE(BM_Decide, refused, kRefused, false)->Arg(10)->Arg(1000)->Arg(10000);

// A mount of a project nested in the one holding the claims (kProject/src):
// the outer project's file claims beneath src are indexed with the prefix
// stripped, its patterns that can reach inside src are tried on rebased paths.
void BM_DecideNested(benchmark::State& st, const char* path, bool want_allowed) {
  int64_t now = now_seconds();
  std::string inner = std::string(kProject) + "/src";
  PolicyIndex index(make_state(static_cast<size_t>(st.range(0)), kProject, now), inner);
  Clock clock = Clock::at(now, 300);
  size_t wrong = 0;
  for (auto _ : st) {
    Decision d = index.decide("", path, false, MountMode::kEnforce, clock);
    benchmark::DoNotOptimize(d);
    wrong += d.allowed != want_allowed;
  }
  if (wrong) st.SkipWithError("decide() did not give the expected answer");
  st.counters["claims"] = static_cast<double>(index.claim_count());
}
// m0/f0.ts: file claim 0 (src/m0/f0.ts in kProject).
BENCHMARK_CAPTURE(BM_DecideNested, allowed, kAllowed, true)->Arg(10000);
BENCHMARK_CAPTURE(BM_DecideNested, refused, "m0/f0.ts", false)->Arg(10000);

void BM_PolicyIndexBuild(benchmark::State& st) {
  int64_t now = now_seconds();
  auto state = make_state(static_cast<size_t>(st.range(0)), kProject, now);
  for (auto _ : st) {
    PolicyIndex index(state, kProject);
    benchmark::DoNotOptimize(index.claim_count());
  }
}
BENCHMARK(BM_PolicyIndexBuild)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// ---- the mount's state watch, identity cache and guard over a FileStore ----

// A temporary $AIO_HOME with 10,000 claims and a source directory, shared by
// the mount benchmarks (built on first use, removed at exit).
struct GuardWorld {
  std::string root, home, source;
  std::unique_ptr<Store> store;
  std::unique_ptr<fs::StateWatch> watch;
  std::unique_ptr<fs::SourceTree> tree;
  fs::DenialLog denials;
  std::unique_ptr<fs::Guard> guard;
  fs::Heartbeats heartbeats;
  std::unique_ptr<fs::IgnoreCache> ignores;
  std::unique_ptr<fs::Guard> guard_auto_off, guard_auto_on;  // as the daemon builds them
  std::unique_ptr<fs::IdentityCache> ids;
  int source_fd = -1;
  std::string error;

  GuardWorld() {
    char tmpl[] = "/tmp/aio-micro.XXXXXX";
    if (!mkdtemp(tmpl)) {
      error = "mkdtemp failed";
      return;
    }
    root = tmpl;
    home = root + "/home";
    source = root + "/project";
    std::filesystem::create_directories(source + "/w");
    std::filesystem::create_directories(source + "/build");
    std::ofstream(source + "/.gitignore") << "*.log\nbuild/\n";
    auto st = open_file_store(home);
    if (!st) {
      error = st.status().message();
      return;
    }
    store = std::move(st).value();
    // Instance A is this process's terminal session, as `aio register` makes it.
    int64_t now = now_seconds();
    pid_t leader = getsid(0);
    int64_t sid_start = 0;
    if (auto st = proc_stat(leader)) sid_start = st->start;
    auto state = make_state(10000, source, now);
    Status s = store->update([&](Txn& t) {
      for (const auto& [id, inst] : state->instances) {
        Instance i = inst;
        if (id == kInstA) {
          i.sid = leader;
          i.sid_start = sid_start;
        }
        t.put_instance(i);
      }
      for (const auto& [id, c] : state->claims) t.put_claim(c);
      return Status::ok();
    });
    if (!s) {
      error = s.message();
      return;
    }
    source_fd = open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    fs::WatchOptions o;
    o.home = home;
    o.project = source;
    watch = std::make_unique<fs::StateWatch>(*store, o);
    tree = std::make_unique<fs::SourceTree>(source_fd);
    guard = std::make_unique<fs::Guard>(*watch, *tree, denials, MountMode::kEnforce);
    fs::IgnoreOptions io;
    io.git_dir = ".git";
    ignores = std::make_unique<fs::IgnoreCache>(source_fd, io);
    guard_auto_off = std::make_unique<fs::Guard>(*watch, *tree, denials, MountMode::kEnforce,
                                                 fs::AutoClaimSetup{false, ignores.get()});
    guard_auto_on = std::make_unique<fs::Guard>(*watch, *tree, denials, MountMode::kEnforce,
                                                fs::AutoClaimSetup{true, ignores.get()});
    ids = std::make_unique<fs::IdentityCache>(*watch, heartbeats);
    if (Status g = watch->start(); !g) error = g.message();
  }
  ~GuardWorld() {
    ids.reset();
    guard_auto_on.reset();
    guard_auto_off.reset();
    guard.reset();
    watch.reset();
    store.reset();
    if (source_fd >= 0) close(source_fd);
    if (!root.empty()) std::filesystem::remove_all(root);
  }
};

// The world a group of benchmarks shares (built on first use).
template <typename World>
World* the() {
  static World w;
  return &w;
}

template <typename World>
bool usable(benchmark::State& st) {
  if (!the<World>()->error.empty()) {
    st.SkipWithError(the<World>()->error.c_str());
    return false;
  }
  return true;
}

void BM_IdentityWhoHit(benchmark::State& st) {
  if (!usable<GuardWorld>(st)) return;
  fs::IdentityCache& g = *the<GuardWorld>()->ids;
  pid_t tid = this_tid();
  g.who(tid);  // cache it
  bool resolved = true;
  for (auto _ : st) {
    fs::Who w = g.who(tid);
    resolved = resolved && w.instance == kInstA;
    benchmark::DoNotOptimize(w);
  }
  st.SetLabel(resolved ? "resolved to instance A" : "NOT resolved (no terminal session?)");
}
BENCHMARK(BM_IdentityWhoHit);

// A miss: each iteration asks from a new thread, whose id the cache has not
// seen. Only the who() call is timed (manual time), not the thread's start.
void BM_IdentityWhoMiss(benchmark::State& st) {
  if (!usable<GuardWorld>(st)) return;
  fs::IdentityCache& g = *the<GuardWorld>()->ids;
  bool resolved = true;
  for (auto _ : st) {
    double seconds = 0;
    std::thread t([&] {
      pid_t tid = this_tid();
      auto t0 = std::chrono::steady_clock::now();
      fs::Who w = g.who(tid);
      auto t1 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(w);
      resolved = resolved && w.instance == kInstA;
      seconds = std::chrono::duration<double>(t1 - t0).count();
    });
    t.join();
    st.SetIterationTime(seconds);
  }
  st.SetLabel(resolved ? "resolved to instance A" : "NOT resolved (no terminal session?)");
}
BENCHMARK(BM_IdentityWhoMiss)->UseManualTime();

void BM_GuardCheckAllowed(benchmark::State& st) {
  if (!usable<GuardWorld>(st)) return;
  fs::Guard& g = *the<GuardWorld>()->guard;
  fs::Who who;  // anonymous
  who.pid = getpid();
  size_t refused = 0;
  for (auto _ : st) refused += g.check(who, WriteOp::kCreate, kAllowed, false) != 0;
  if (refused) st.SkipWithError("check() refused an unclaimed path");
}
BENCHMARK(BM_GuardCheckAllowed);

// Instance A opens `path` for writing through `guard`, as op_open asks.
void BM_GuardOpen(benchmark::State& st, std::unique_ptr<fs::Guard> GuardWorld::*which,
                  const char* path) {
  if (!usable<GuardWorld>(st)) return;
  fs::Guard& g = *(the<GuardWorld>()->*which);
  fs::Who who;
  who.pid = getpid();
  who.instance = kInstA;
  fs::FileWrite fw;
  fw.regular = true;
  size_t refused = 0;
  for (auto _ : st) refused += g.check(who, WriteOp::kOpen, path, false, nullptr, fw) != 0;
  if (refused) st.SkipWithError("check() refused the write");
}
constexpr const char* kOwnFile = "src/m0/f0.ts";  // claim 0: a file claim of instance A
constexpr const char* kIgnored = "build/obj/x.o";
BENCHMARK_CAPTURE(BM_GuardOpen, auto_claim_off, &GuardWorld::guard_auto_off, kAllowed);
BENCHMARK_CAPTURE(BM_GuardOpen, auto_claim_on_own_file, &GuardWorld::guard_auto_on, kOwnFile);
BENCHMARK_CAPTURE(BM_GuardOpen, auto_claim_on_ignored, &GuardWorld::guard_auto_on, kIgnored);

// Instance A opens an existing file with one link for writing, as
// guard_inode asks: by the name it was last reached by, taken as known
// (check, as before issue 12) or checked still to be one (check_inode).
void BM_GuardOpenInode(benchmark::State& st, bool check_name) {
  if (!usable<GuardWorld>(st)) return;
  GuardWorld& w = *the<GuardWorld>();
  const std::string rel = "w/one.txt";
  std::ofstream(w.source + "/" + rel) << "x\n";
  struct stat sb;
  if (stat((w.source + "/" + rel).c_str(), &sb) != 0) return st.SkipWithError("no file");
  fs::Who who;
  who.pid = getpid();
  who.instance = kInstA;
  fs::FileWrite fw;
  fw.regular = true;
  size_t refused = 0;
  for (auto _ : st)
    refused +=
        (check_name ? w.guard_auto_off->check_inode(who, WriteOp::kOpen, rel, sb, fw)
                    : w.guard_auto_off->check(who, WriteOp::kOpen, rel, false, &sb, fw)) != 0;
  if (refused) st.SkipWithError("refused the write");
}
BENCHMARK_CAPTURE(BM_GuardOpenInode, name_taken_as_known, false);
BENCHMARK_CAPTURE(BM_GuardOpenInode, name_checked, true);

void BM_StateRefreshUnchanged(benchmark::State& st) {
  if (!usable<GuardWorld>(st)) return;
  fs::StateWatch& g = *the<GuardWorld>()->watch;
  g.refresh();
  for (auto _ : st) benchmark::DoNotOptimize(g.refresh());
}
BENCHMARK(BM_StateRefreshUnchanged);

// After each (untimed) store update — a heartbeat, as `aio heartbeat` makes —
// the timed refresh() notices the change and reloads the state.
void BM_StateRefreshAfterUpdate(benchmark::State& st) {
  if (!usable<GuardWorld>(st)) return;
  GuardWorld& w = *the<GuardWorld>();
  uint64_t first = w.watch->refresh()->generation;
  for (auto _ : st) {
    st.PauseTiming();
    Status s = w.store->update([&](Txn& t) {
      t.heartbeat(kInstB, now_seconds());
      return Status::ok();
    });
    if (!s) {
      st.SkipWithError(s.message().c_str());
      break;
    }
    st.ResumeTiming();
    benchmark::DoNotOptimize(w.watch->refresh());
  }
  uint64_t reloads = w.watch->refresh()->generation - first;
  st.counters["reloads"] = static_cast<double>(reloads);
}
BENCHMARK(BM_StateRefreshAfterUpdate)->Unit(benchmark::kMillisecond);

// ---- Store: whole and focused loads, journal replay, a focused claim ----

// 1,000 instances over 4 projects and 10,000 claims (make_claim's mix), each
// claim listed by its instance, as `aio claim` leaves them.
State big_state(const std::string& root, int64_t now) {
  State s;
  for (size_t k = 0; k < 1000; ++k) {
    Instance i = make_instance("claude-" + std::to_string(now) + "-i" + std::to_string(k),
                               root + "/p" + std::to_string(k % 4), now);
    s.instances[i.id] = i;
  }
  auto inst = s.instances.begin();
  for (size_t k = 0; k < 10000; ++k, ++inst) {
    if (inst == s.instances.end()) inst = s.instances.begin();
    Claim c = make_claim(k, inst->second.project, now);
    c.instance_id = inst->first;
    inst->second.claims.push_back(c.id);
    s.claims[c.id] = std::move(c);
  }
  return s;
}

// A $AIO_HOME (on tmpfs when there is one) holding big_state, written with
// the journaled options so every later write goes through the journal.
struct StoreWorld {
  std::string root, error;
  State state;
  std::string state_text;
  std::vector<std::string> journal_lines;  // 200 lines of put claim + put instance
  static FileStoreOptions journaled() {
    FileStoreOptions o;
    o.checkpoint_every_write_bytes = 0;
    o.min_journal_bytes = 1 << 30;
    return o;
  }
  StoreWorld() {
    char tmpl[] = "/dev/shm/aio-micro-store.XXXXXX";
    char tmpl2[] = "/tmp/aio-micro-store.XXXXXX";
    char* r = mkdtemp(tmpl);
    if (!r) r = mkdtemp(tmpl2);
    if (!r) {
      error = "mkdtemp failed";
      return;
    }
    root = r;
    int64_t now = now_seconds();
    state = big_state(root, now);
    state_text = encode_state_json(state);
    Instance me = state.instances.begin()->second;
    for (int k = 0; k < 200; ++k) {
      std::vector<Op> ops(2);
      ops[0].kind = Op::kPutClaim;
      ops[0].claim = make_claim(20000 + k, me.project, now);
      ops[0].claim.instance_id = me.id;
      me.claims.push_back(ops[0].claim.id);
      ops[1].kind = Op::kPutInstance;
      ops[1].instance = me;
      journal_lines.push_back(encode_journal_line(2 + k, ops));
    }
  }
  ~StoreWorld() {
    if (!root.empty()) std::filesystem::remove_all(root);
  }
  // A fresh home holding `state` as a checkpoint (and a cache).
  std::string make_home(const std::string& name) {
    std::string home = root + "/" + name;
    std::filesystem::remove_all(home);
    auto st = open_file_store(home, journaled());
    if (!st) {
      error = st.status().message();
      return home;
    }
    Status s = (*st)->update([&](Txn& t) {
      for (const auto& [id, i] : state.instances) t.put_instance(i);
      for (const auto& [id, c] : state.claims) t.put_claim(c);
      return Status::ok();
    });
    if (!s) error = s.message();
    if (!(*st)->load()) error = "load failed";  // builds state.cache
    return home;
  }
};

void BM_StateJsonParse(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  const std::string& text = the<StoreWorld>()->state_text;
  for (auto _ : st) benchmark::DoNotOptimize(parse_state_json(text));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK(BM_StateJsonParse)->Unit(benchmark::kMillisecond);

void BM_StateJsonEncode(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  for (auto _ : st) benchmark::DoNotOptimize(encode_state_json(the<StoreWorld>()->state));
}
BENCHMARK(BM_StateJsonEncode)->Unit(benchmark::kMillisecond);

void BM_JournalDecode(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  size_t bad = 0;
  for (auto _ : st) {
    for (const auto& line : the<StoreWorld>()->journal_lines) {
      uint64_t seq = 0;
      std::vector<Op> ops;
      bad += !decode_journal_line(std::string_view(line).substr(0, line.size() - 1), &seq, &ops);
      benchmark::DoNotOptimize(ops);
    }
  }
  if (bad) st.SkipWithError("a journal line did not decode");
  st.counters["lines"] = 200;
}
BENCHMARK(BM_JournalDecode)->Unit(benchmark::kMicrosecond);

void BM_StoreLoad(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  std::string home = the<StoreWorld>()->make_home("load");
  auto store = open_file_store(home, StoreWorld::journaled());
  size_t claims = 0;
  for (auto _ : st) {
    auto s = (*store)->load();
    claims = s ? s->claims.size() : 0;
    benchmark::DoNotOptimize(s);
  }
  if (claims != 10000) st.SkipWithError("load() lost claims");
}
BENCHMARK(BM_StoreLoad)->Unit(benchmark::kMillisecond);

// What `aio check <path>` loads: the claims that may cover one path.
void BM_StoreLoadFocused(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  std::string home = the<StoreWorld>()->make_home("focused");
  auto store = open_file_store(home, StoreWorld::journaled());
  std::string project = the<StoreWorld>()->root + "/p0";
  std::string whole = the<StoreWorld>()->state.instances.begin()->first;
  size_t kept = 0;
  for (auto _ : st) {
    auto s = (*store)->load_focused([&](const State&) {
      Focus f;
      f.keep = [&](std::string_view p, ClaimType t, std::string_view target) {
        return p == project && (t == ClaimType::kPattern || target.starts_with("lib/d6"));
      };
      f.whole_instances = {whole};
      return f;
    });
    kept = s ? s->claims.size() : 0;
    benchmark::DoNotOptimize(s);
  }
  st.counters["kept"] = static_cast<double>(kept);
}
BENCHMARK(BM_StoreLoadFocused)->Unit(benchmark::kMicrosecond);

// load() after 200 journaled transactions, without a cache: parse state.json,
// replay the journal, write the cache again.
void BM_StoreLoadReplay(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  std::string home = the<StoreWorld>()->make_home("replay");
  {
    std::string journal;
    for (const auto& l : the<StoreWorld>()->journal_lines) journal += l;
    FILE* f = fopen((home + "/journal.jsonl").c_str(), "w");
    if (f) fwrite(journal.data(), 1, journal.size(), f), fclose(f);
  }
  auto store = open_file_store(home, StoreWorld::journaled());
  size_t claims = 0;
  for (auto _ : st) {
    st.PauseTiming();
    unlink((home + "/state.cache").c_str());
    st.ResumeTiming();
    auto s = (*store)->load();
    claims = s ? s->claims.size() : 0;
  }
  if (claims != 10200) st.SkipWithError("replay lost claims");
}
BENCHMARK(BM_StoreLoadReplay)->Unit(benchmark::kMillisecond);

// What `aio claim file <new path>` commits: one claim and its instance, put
// through update_focused (journal append, cache patched every few writes).
void BM_StoreClaimFocused(benchmark::State& st) {
  if (!usable<StoreWorld>(st)) return;
  std::string home = the<StoreWorld>()->make_home("claim");
  FileStoreOptions o = StoreWorld::journaled();
  o.cache_lag_bytes = 16 * 1024;
  auto store = open_file_store(home, o);
  std::string me = the<StoreWorld>()->state.instances.begin()->first;
  std::string project = the<StoreWorld>()->state.instances.begin()->second.project;
  size_t k = 0;
  for (auto _ : st) {
    std::string target = "bench/new/" + std::to_string(k++) + ".ts";
    Status s = (*store)->update_focused(
        [&](const State&) {
          Focus f;
          f.keep = [&](std::string_view p, ClaimType, std::string_view t) {
            return p == project && t == target;
          };
          f.whole_instances = {me};
          return f;
        },
        [&](Txn& t) {
          Claim c;
          c.id = "claim-bench-" + std::to_string(k);
          c.instance_id = me;
          c.target = target;
          c.project = project;
          t.put_claim(c);
          Instance i = t.state().instances.at(me);
          i.claims.push_back(c.id);
          t.put_instance(i);
          return Status::ok();
        });
    if (!s) {
      st.SkipWithError(s.message().c_str());
      break;
    }
  }
}
BENCHMARK(BM_StoreClaimFocused)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace aio

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
