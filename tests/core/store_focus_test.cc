// Focused loads and updates (Store::load_focused, Store::update_focused) must
// give what load() and update() give: a differential test drives two stores
// with the same transactions, one focused and one not, and compares them
// after every step, through every write path (checkpoint, journal, cache
// patched in place, cache rebuilt, fallback to the whole state).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/codec.h"
#include "core/engine.h"
#include "core/fileio.h"
#include "core/project.h"
#include "core/store.h"

namespace aio {
namespace {

namespace fs = std::filesystem;

class StoreFocusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string* h : {&a_, &b_}) {
      char tmpl[] = "/tmp/aio-focus-test-XXXXXX";
      ASSERT_NE(mkdtemp(tmpl), nullptr);
      *h = tmpl;
    }
  }
  void TearDown() override {
    fs::remove_all(a_);
    fs::remove_all(b_);
  }
  static std::unique_ptr<Store> open(const std::string& home, FileStoreOptions o) {
    auto s = open_file_store(home, o);
    EXPECT_TRUE(s) << s.status().message();
    return std::move(s).value();
  }
  static std::string dump(const State& s) { return encode_state_json(s); }
  std::string a_, b_;
};

Instance inst(const std::string& id, const std::string& project, int64_t t) {
  Instance i;
  i.id = id;
  i.tool = "t";
  i.project = project;
  i.started_at = t;
  i.last_heartbeat = t;
  return i;
}

Claim claim(const std::string& id, const std::string& owner, ClaimType type,
            const std::string& target, const std::string& project) {
  Claim c;
  c.id = id;
  c.instance_id = owner;
  c.type = type;
  c.target = target;
  c.project = project;
  c.claimed_at = 7;
  return c;
}

Focus focus_on_prefix(const std::string& project, const std::string& prefix,
                      std::vector<std::string> whole) {
  Focus f;
  f.keep = [project, prefix](std::string_view p, ClaimType t, std::string_view target) {
    return p == project && (t == ClaimType::kPattern || target.starts_with(prefix));
  };
  f.whole_instances = std::move(whole);
  return f;
}

// What the focused state must hold: every instance, the kept claims, and the
// claims lists of the whole instances.
bool named_whole(const Focus& f, const std::string& id) {
  return std::find(f.whole_instances.begin(), f.whole_instances.end(), id) !=
         f.whole_instances.end();
}

// An instance of a focused state is the whole state's, its claims list
// too when the focus names it whole.
void expect_same_instance(const State& whole, const Instance& got, const Focus& f) {
  ASSERT_TRUE(whole.instances.count(got.id)) << "an instance the state lacks: " << got.id;
  Instance want = whole.instances.at(got.id);
  if (named_whole(f, got.id)) {
    EXPECT_EQ(got.claims, want.claims) << got.id;
  }
  want.claims = got.claims;
  std::string a, b;
  append_instance_json(&a, want);
  append_instance_json(&b, got);
  EXPECT_EQ(a, b);
}

void expect_kept_claims(const State& whole, const State& focused, const Focus& f);

void expect_focused_view(const State& whole, const State& focused, const Focus& f) {
  ASSERT_EQ(focused.instances.size(), whole.instances.size());
  EXPECT_FALSE(focused.partial);
  EXPECT_EQ(focused.seq, whole.seq);
  for (const auto& [id, i] : focused.instances) expect_same_instance(whole, i, f);
  expect_kept_claims(whole, focused, f);
}

// What a partial state (a focused load given a pick) must hold: the
// instances the pick wants and the focus names, the holder of each of its
// claims, every registered project; or, when the store could not leave
// instances out, all of them.
void expect_partial_view(const State& whole, const State& part, const Focus& f,
                         const InstancePick& p) {
  EXPECT_EQ(registered_projects(part), registered_projects(whole));
  if (!part.partial) return expect_focused_view(whole, part, f);
  EXPECT_EQ(part.seq, whole.seq);
  for (const auto& [id, i] : part.instances) expect_same_instance(whole, i, f);
  for (const auto& [id, i] : whole.instances)
    if (p.wants(id, i.bound_pid, i.sid) || named_whole(f, id))
      EXPECT_TRUE(part.instances.count(id)) << "picked or named instance " << id << " missing";
  for (const auto& [id, c] : part.claims)
    if (whole.instances.count(c.instance_id))
      EXPECT_TRUE(part.instances.count(c.instance_id)) << "holder of " << id << " missing";
  expect_kept_claims(whole, part, f);
}

void expect_kept_claims(const State& whole, const State& focused, const Focus& f) {
  for (const auto& [id, c] : whole.claims) {
    bool kept = !f.keep || f.keep(c.project, c.type, c.target);
    if (!kept) continue;
    ASSERT_TRUE(focused.claims.count(id)) << "kept claim " << id << " missing";
    std::string a, b;
    append_claim_json(&a, c);
    append_claim_json(&b, focused.claims.at(id));
    EXPECT_EQ(a, b);
  }
  for (const auto& [id, c] : focused.claims)
    EXPECT_TRUE(whole.claims.count(id)) << "focused state has a claim the state lacks: " << id;
}

TEST_F(StoreFocusTest, MatchesWholeStateThroughEveryWritePath) {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 4 * 1024;  // small states checkpoint, then the journal
  o.min_journal_bytes = 24 * 1024;            // checkpoints now and then
  o.cache_lag_bytes = 2 * 1024;               // cache patched every few writes
  auto sa = open(a_, o), sb = open(b_, o);
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> projects = {"/p", "/q"};
  const std::vector<std::string> prefixes = {"a", "b", "c/d", ""};
  std::vector<std::string> insts;
  // A third of the focuses are a command's (focus_on: its keep() and the
  // ranges the claim index looks in, nested projects and the root among
  // them), a third a hook's about several paths at once (focus_on_any), a
  // third a plain keep() with no ranges (every claim tested).
  auto some_probe = [&] {
    static const std::vector<std::string> probe_projects = {"/p", "/q", "/p/n", "/"};
    Claim probe;
    probe.type = static_cast<ClaimType>(pick(4));
    probe.project = probe_projects[pick(4)];
    probe.target = pick(5) == 0 ? "" : prefixes[pick(3)] + "/f" + std::to_string(pick(50));
    if (probe.project == "/") probe.target = probe.target.empty() ? "p" : "p/" + probe.target;
    return probe;
  };
  auto some_focus = [&](const std::string& project, const std::string& prefix,
                        std::vector<std::string> whole) {
    int how = pick(3);
    if (how == 0) return focus_on_prefix(project, prefix, std::move(whole));
    if (how == 1) return focus_on(some_probe(), whole.empty() ? "" : whole.front());
    std::vector<Claim> probes(2 + pick(3));
    for (Claim& probe : probes) probe = some_probe();
    Focus f = focus_on_any(probes);
    f.whole_instances = std::move(whole);
    return f;
  };
  // A command's pick: its caller by id, or by its process and session.
  auto some_pick = [&](const std::string& id) {
    InstancePick p;
    p.every = false;
    if (pick(2) == 0 && !id.empty()) {
      p.id = id;
    } else {
      for (int k = pick(3); k > 0; --k) p.bound_pids.push_back(50 + pick(4));
      p.sid = pick(2) == 0 ? 0 : 70 + pick(2);
    }
    return p;
  };
  int partial_loads = 0;
  size_t left_out = 0;
  int next_id = 0;
  for (int step = 0; step < 400; ++step) {
    // Choose the transaction up front: fn must do the same when run again.
    int kind = pick(10);
    std::string project = projects[pick(2)];
    std::string prefix = prefixes[pick(4)];
    std::string owner = insts.empty() ? "" : insts[pick(static_cast<int>(insts.size()))];
    // Mostly files under a prefix, now and then the prefix itself (a
    // directory above the files a probe names).
    std::string target =
        pick(6) == 0 ? prefixes[pick(3)] : prefixes[pick(3)] + "/f" + std::to_string(pick(50));
    ClaimType type = static_cast<ClaimType>(pick(4));
    // (A pattern is kept as written only when canonical: "b" would read
    // back from state.json as "**/b".)
    if (type == ClaimType::kPattern && target.find('/') == std::string::npos) target += "/f0";
    std::string cid = "c" + std::to_string(pick(3) == 0 ? pick(next_id + 1) : next_id);
    ++next_id;
    bool whole_owner = pick(4) != 0;
    bool refuse = pick(12) == 0;
    // A new instance is bound to a process, or registered from a session,
    // or neither (what InstancePick chooses by).
    int64_t bound = pick(3) == 0 ? 0 : 50 + pick(4), sid = pick(2) == 0 ? 0 : 70 + pick(2);
    // Half the updates are a command's that picks its caller (the owner,
    // found here by its id, whatever else the pick wants).
    InstancePick upick;
    if (pick(2) == 0 && !owner.empty()) {
      upick = some_pick("");
      upick.id = owner;
    }
    Focus f = some_focus(project, prefix,
                         whole_owner && !owner.empty() ? std::vector<std::string>{owner}
                                                       : std::vector<std::string>{});
    // fn may only depend on the claims f keeps (the focus contract).
    auto fn = [&](Txn& t) -> Status {
      if (refuse) return Status::refused("no");
      const State& s = t.state();
      if (kind <= 1 || owner.empty()) {  // register
        Instance i = inst("i" + std::to_string(step), project, 100 + step);
        i.bound_pid = bound;
        i.sid = sid;
        t.put_instance(i);
        return Status::ok();
      }
      auto it = s.instances.find(owner);
      if (it == s.instances.end()) return Status::refused("gone");
      if (kind <= 5) {  // claim, as grant_claim does
        Claim c = claim(cid, owner, type, target, it->second.project);
        t.put_claim(c);
        Instance me = it->second;
        me.claims.push_back(cid);
        me.last_heartbeat = 1000 + step;
        t.put_instance(me);
        return Status::ok();
      }
      if (kind == 6) {  // release some claim we can see
        for (const auto& [id, c] : s.claims) {
          if (c.instance_id != owner || !f.keep(c.project, c.type, c.target)) continue;
          const std::string gone = id;  // id is the key of the entry erased
          t.del_claim(gone);
          Instance me = it->second;
          std::erase(me.claims, gone);
          t.put_instance(me);
          return Status::ok();
        }
        return Status::ok();
      }
      if (kind == 7) {
        t.heartbeat(owner, 2000 + step);
        return Status::ok();
      }
      if (kind == 8) {  // unregister: needs the whole state
        std::vector<std::string> mine;
        for (const auto& [id, c] : s.claims)
          if (c.instance_id == owner) mine.push_back(id);
        for (const auto& id : mine) t.del_claim(id);
        t.del_instance(owner);
        return Status::ok();
      }
      return Status::ok();  // nothing to do
    };
    Status ra = sa->update_focused([&](const State&) { return f; }, fn, upick);
    Status rb = sb->update(fn);
    ASSERT_EQ(ra.code(), rb.code())
        << "step " << step << ": " << ra.message() << " / " << rb.message();
    if (ra && (kind <= 1 || owner.empty())) insts.push_back("i" + std::to_string(step));

    auto whole_a = open(a_, o)->load();
    auto whole_b = open(b_, o)->load();
    ASSERT_TRUE(whole_a && whole_b);
    ASSERT_EQ(dump(*whole_a), dump(*whole_b)) << "step " << step;
    // Every way of loading A agrees: focused, and whole without its cache.
    std::vector<std::string> named;
    if (!insts.empty()) named.push_back(insts[0]);
    Focus g = some_focus(projects[pick(2)], prefixes[pick(4)], named);
    auto focused = open(a_, o)->load_focused([&](const State&) { return g; });
    ASSERT_TRUE(focused) << focused.status().message();
    expect_focused_view(*whole_a, *focused, g);
    // Given a pick, it may leave instances out.
    InstancePick p = some_pick(insts.empty() ? "" : insts[pick(static_cast<int>(insts.size()))]);
    auto part = open(a_, o)->load_focused([&](const State&) { return g; }, p);
    ASSERT_TRUE(part) << part.status().message();
    expect_partial_view(*whole_a, *part, g, p);
    partial_loads += part->partial;
    left_out += whole_a->instances.size() - part->instances.size();
    if (step % 25 == 0) {
      unlink((a_ + "/state.cache").c_str());
      auto rebuilt = open(a_, o)->load();
      ASSERT_TRUE(rebuilt);
      ASSERT_EQ(dump(*rebuilt), dump(*whole_a)) << "step " << step;
    }
    // The same through a store given back the instances it loaded first (as
    // aio check does), sometimes with another writer in between.
    auto reader = open(a_, o);
    bool picking = pick(2) == 0;
    InstancePick rp = picking ? p : InstancePick{};
    auto first = reader->load_focused([](const State&) { return Focus::none(); }, rp);
    ASSERT_TRUE(first) << first.status().message();
    bool other_writer = pick(3) == 0 && !insts.empty();
    if (other_writer) {
      ASSERT_TRUE(open(a_, o)->update([&](Txn& t) {
        t.heartbeat(insts[0], 5000 + step);
        return Status::ok();
      }));
      ASSERT_TRUE(open(b_, o)->update([&](Txn& t) {
        t.heartbeat(insts[0], 5000 + step);
        return Status::ok();
      }));
    }
    reader->recall(std::move(first).value());
    // Mostly with the same pick (what the CLI does), now and then another
    // (or none): the recalled state must not stand in for it.
    InstancePick rp2 = rp;
    if (pick(4) == 0) rp2 = pick(2) == 0 ? InstancePick{} : some_pick("");
    auto again = reader->load_focused([&](const State&) { return g; }, rp2);
    ASSERT_TRUE(again) << again.status().message();
    auto now_whole = open(a_, o)->load();
    ASSERT_TRUE(now_whole);
    expect_partial_view(*now_whole, *again, g, rp2);
  }
  // Partial loads happened and left instances out.
  EXPECT_GT(partial_loads, 50);
  EXPECT_GT(left_out, 1000u);
  // The run went through the journal and through checkpoints.
  struct stat st;
  ASSERT_EQ(stat((a_ + "/state.json").c_str(), &st), 0);
  EXPECT_GT(st.st_size, 4 * 1024);
}

// Store::recall: the state given back is what the next focused load starts
// from while the checkpoint, cache and journal are those it was loaded
// from, and never once another command wrote.
TEST_F(StoreFocusTest, RecalledInstancesOnlyWhileNothingChanged) {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 1024;  // the writes below go through the journal
  auto seed = open(a_, o);
  ASSERT_TRUE(seed->update([](Txn& t) {
    for (int k = 0; k < 40; ++k) t.put_instance(inst("i" + std::to_string(k), "/p", 100));
    for (int k = 0; k < 40; ++k)
      t.put_claim(
          claim("c" + std::to_string(k), "i1", ClaimType::kFile, "f" + std::to_string(k), "/p"));
    return Status::ok();
  }));
  ASSERT_TRUE(seed->load());  // builds the cache the focused loads read
  auto none = [](const State&) { return Focus::none(); };
  auto all = [](const State&) { return Focus{}; };

  // Nothing changed: the recalled instances are used (marked here, which a
  // caller must not do, to see it), and the claims are read afresh.
  auto store = open(a_, o);
  auto first = store->load_focused(none);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->claims.empty());
  first->instances.at("i0").tool = "recalled";
  store->recall(std::move(first).value());
  EXPECT_FALSE(store->used_recalled());
  auto next = store->load_focused(all);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->instances.at("i0").tool, "recalled");
  EXPECT_TRUE(store->used_recalled());
  EXPECT_EQ(next->claims.size(), 40u);
  EXPECT_EQ(next->instances.size(), 40u);
  // Used once: the load after it reads the files again.
  auto after = store->load_focused(all);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->instances.at("i0").tool, "t");
  EXPECT_FALSE(store->used_recalled());
  // A focused update starts from it too (the transaction sees it), and
  // any other load after says it did not.
  first = store->load_focused(none);
  ASSERT_TRUE(first);
  first->instances.at("i0").tool = "recalled";
  store->recall(std::move(first).value());
  ASSERT_TRUE(store->update_focused(all, [&](Txn& t) {
    EXPECT_EQ(t.state().instances.at("i0").tool, "recalled");
    EXPECT_TRUE(store->used_recalled());
    return Status::ok();
  }));
  ASSERT_TRUE(store->load());
  EXPECT_FALSE(store->used_recalled());

  // Another command wrote in between (a journal line, then a checkpoint):
  // the files are read again.
  for (size_t bytes : {size_t{1024}, size_t{1} << 30}) {
    first = store->load_focused(none);
    ASSERT_TRUE(first);
    first->instances.at("i0").tool = "recalled";
    FileStoreOptions w = o;
    w.checkpoint_every_write_bytes = bytes;  // 1 GiB: checkpoint (a new state.json)
    int64_t beat = 700 + static_cast<int64_t>(bytes % 1000);
    ASSERT_TRUE(open(a_, w)->update([&](Txn& t) {
      t.heartbeat("i2", beat);
      return Status::ok();
    }));
    store->recall(std::move(first).value());
    next = store->load_focused(all);
    ASSERT_TRUE(next);
    EXPECT_FALSE(store->used_recalled()) << bytes;
    EXPECT_EQ(next->instances.at("i0").tool, "t") << bytes;
    EXPECT_EQ(next->instances.at("i2").last_heartbeat, beat) << bytes;
  }

  // A state that is not the last load's is dropped.
  first = store->load_focused(none);
  ASSERT_TRUE(first);
  State other = *first;
  other.instances.erase("i3");
  other.instances.at("i0").tool = "recalled";
  store->recall(std::move(other));
  next = store->load_focused(all);
  ASSERT_TRUE(next);
  EXPECT_FALSE(store->used_recalled());
  EXPECT_EQ(next->instances.count("i3"), 1u);
  EXPECT_EQ(next->instances.at("i0").tool, "t");
}

// A focused transaction that puts a claim under the id of a claim its focus
// left out runs again on the whole state (where fn can see that id taken),
// whether the focus tested claims or looked at none.
TEST_F(StoreFocusTest, ANewIdOfAClaimLeftOutRunsOnTheWholeState) {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 512;  // focused updates append to the journal
  auto seed = open(a_, o);
  ASSERT_TRUE(seed->update([](Txn& t) {
    t.put_instance(inst("i", "/p", 100));
    for (int k = 0; k < 20; ++k)
      t.put_claim(claim("c" + std::to_string(k), "i", ClaimType::kFile, "f" + std::to_string(k),
                        k == 7 ? "/q" : "/p"));
    return Status::ok();
  }));
  ASSERT_TRUE(seed->load());
  for (bool none : {false, true}) {
    for (std::string id : {std::string("c7"), std::string(none ? "c-new2" : "c-new1")}) {
      int runs = 0;
      bool saw = false;
      std::vector<bool> used_recalled;  // per run: the second is on the whole state
      Focus f = none ? Focus::none() : focus_on_prefix("/p", "", {"i"});
      auto store = open(a_, o);
      auto first = store->load_focused([](const State&) { return Focus::none(); });
      ASSERT_TRUE(first);
      store->recall(std::move(first).value());
      Status st =
          store->update_focused([&](const State&) { return f; },
                                [&](Txn& t) {
                                  ++runs;
                                  used_recalled.push_back(store->used_recalled());
                                  saw = t.state().claims.count(id) != 0;
                                  t.heartbeat("i", 200);
                                  if (!saw)
                                    t.put_claim(claim(id, "i", ClaimType::kFile, "g", "/p"));
                                  return Status::ok();
                                });
      ASSERT_TRUE(st) << st.message();
      bool taken = id == "c7";
      EXPECT_EQ(saw, taken) << id << (none ? " (no claims looked at)" : "");
      EXPECT_EQ(runs, taken || none ? 2 : 1) << id << (none ? " (no claims looked at)" : "");
      std::vector<bool> want = {true};
      if (runs == 2) want.push_back(false);
      EXPECT_EQ(used_recalled, want) << id << (none ? " (no claims looked at)" : "");
    }
  }
}

// focus_on() for a claim in /m/pkg keeps the claims of /m that name the
// same files (nested projects conflict by absolute path), through the cache.
TEST_F(StoreFocusTest, FocusKeepsNestedProjectsClaims) {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 1024;  // the claims below go through the journal
  auto st = open(a_, o);
  ASSERT_TRUE(st->update([](Txn& t) {
    for (auto [id, project] :
         {std::pair{"outer", "/m"}, std::pair{"inner", "/m/pkg"}, std::pair{"beside", "/mx"}})
      t.put_instance(inst(id, project, 100));
    for (int k = 0; k < 200; ++k)
      t.put_claim(claim("f" + std::to_string(k), "beside", ClaimType::kFile,
                        "pkg/a" + std::to_string(k), "/mx"));
    t.put_claim(claim("file", "outer", ClaimType::kFile, "pkg/src/a.ts", "/m"));
    t.put_claim(claim("dir", "outer", ClaimType::kDirectory, "pkg", "/m"));
    t.put_claim(claim("glob", "outer", ClaimType::kPattern, "**/*.ts", "/m"));
    t.put_claim(claim("elsewhere", "outer", ClaimType::kFile, "lib/a.ts", "/m"));
    return Status::ok();
  }));
  ASSERT_TRUE(st->load());  // builds the cache the focused load reads
  Claim probe = claim("", "inner", ClaimType::kFile, "src/a.ts", "/m/pkg");
  auto focused = open(a_, o)->load_focused([&](const State&) { return focus_on(probe); });
  ASSERT_TRUE(focused) << focused.status().message();
  for (const char* id : {"file", "dir", "glob"}) EXPECT_TRUE(focused->claims.count(id)) << id;
  EXPECT_FALSE(focused->claims.count("elsewhere"));
  EXPECT_FALSE(focused->claims.count("f0"));
  EXPECT_EQ(blockers(*focused, probe, "inner", Clock::at(100)).size(), 3u);
}

// FileStoreOptions::spent takes the state of every transaction once it is
// done (committed or refused, focused or whole), as the transaction left it.
// A partial load (a pick) counts the registered projects over the image's
// instances as the journal past it leaves them, and never reads back from
// the image an instance the journal deleted, even one a claim still names.
TEST_F(StoreFocusTest, PartialLoadsFollowTheJournalsInstances) {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 1024;  // the writes below go through the journal
  auto seed = open(a_, o);
  ASSERT_TRUE(seed->update([](Txn& t) {
    for (int k = 0; k < 30; ++k) t.put_instance(inst("i" + std::to_string(k + 10), "/a", 100));
    t.put_instance(inst("i50", "/c", 100));  // the only instance of /c
    t.put_instance(inst("i60", "/b", 100));  // the only instance of /b
    t.put_claim(claim("c1", "i50", ClaimType::kFile, "f", "/c"));
    return Status::ok();
  }));
  ASSERT_TRUE(seed->load());  // builds the cache the partial loads read
  // Past the cache: /c's instance deleted (its claim left behind, as a
  // playbook could), /b's moved to /e, a new one in /d after every id,
  // another in /0 before every id.
  ASSERT_TRUE(open(a_, o)->update([](Txn& t) {
    t.del_instance("i50");
    t.put_instance(inst("i60", "/e", 200));
    t.put_instance(inst("i99", "/d", 200));
    t.put_instance(inst("i00", "/0", 200));
    return Status::ok();
  }));
  auto whole = open(a_, o)->load();
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->claims.count("c1"), 1u);
  InstancePick p;
  p.every = false;
  p.id = "i11";
  Focus f;  // every claim
  f.whole_instances = {"i50"};
  auto part = open(a_, o)->load_focused([&](const State&) { return f; }, p);
  ASSERT_TRUE(part) << part.status().message();
  ASSERT_TRUE(part->partial);
  EXPECT_EQ(registered_projects(*part), registered_projects(*whole));
  EXPECT_EQ(registered_projects(*part), (std::vector<std::string>{"/0", "/a", "/e", "/d"}));
  EXPECT_EQ(part->instances.count("i50"), 0u);  // deleted: neither named nor holder brings it back
  EXPECT_EQ(part->instances.count("i11"), 1u);
  EXPECT_LT(part->instances.size(), whole->instances.size());
  expect_partial_view(*whole, *part, f, p);
}

TEST_F(StoreFocusTest, SpentStatesGoToTheSink) {
  std::vector<size_t> claims_seen;
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 512;  // the focused updates below append to the journal
  o.spent = [&](State s) { claims_seen.push_back(s.claims.size()); };
  auto store = open(a_, o);
  ASSERT_TRUE(store->update([](Txn& t) {
    t.put_instance(inst("i", "/p", 100));
    for (int k = 0; k < 20; ++k)
      t.put_claim(
          claim("c" + std::to_string(k), "i", ClaimType::kFile, "f" + std::to_string(k), "/p"));
    return Status::ok();
  }));
  EXPECT_EQ(claims_seen, std::vector<size_t>{20});
  ASSERT_TRUE(store->load());  // the cache the focused update reads
  auto one = [](const State&) { return focus_on_prefix("/p", "f3", {"i"}); };
  ASSERT_TRUE(store->update_focused(one, [](Txn& t) {
    t.put_claim(claim("new", "i", ClaimType::kFile, "g", "/p"));
    return Status::ok();
  }));
  ASSERT_EQ(claims_seen.size(), 2u);
  EXPECT_LT(claims_seen[1], 20u);  // focused: only what the focus kept, and the new claim
  EXPECT_GE(claims_seen[1], 1u);
  Status refused = store->update_focused(one, [](Txn&) { return Status::refused("no"); });
  EXPECT_FALSE(refused);
  EXPECT_EQ(claims_seen.size(), 3u);
}

}  // namespace
}  // namespace aio
