// The Store contract: the tests of store_conformance.h, for every backend
// instantiated with it (file_store_conformance_test.cc: the file store).
#include "tests/core/store_conformance.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace aio::test {
namespace {

// ---- what every snapshot of the generation test must look like

// Transaction g replaces instance i1's two claims by claims "c<g>a" and
// "c<g>b" on "g<g>/a" and "g<g>/b" and sets its task to "g<g>".
Status move_generation(Txn& t, int g) {
  const State& s = t.state();
  auto it = s.instances.find("i1");
  if (it == s.instances.end()) return Status::state("i1 is missing");
  Instance me = it->second;
  for (const auto& id : me.claims) t.del_claim(id);
  me.claims.clear();
  for (const char* half : {"a", "b"}) {
    std::string id = "c" + std::to_string(g) + half;
    t.put_claim(claim(id, "i1", "g" + std::to_string(g) + "/" + half));
    me.claims.push_back(id);
  }
  me.current_task = "g" + std::to_string(g);
  t.put_instance(me);
  return Status::ok();
}

// "" when s is whole generation *g (set), else what is wrong.
std::string half_transaction(const State& s, int* g) {
  auto it = s.instances.find("i1");
  if (it == s.instances.end()) return "i1 missing";
  const Instance& me = it->second;
  if (!me.current_task || me.current_task->size() < 2) return "no task";
  *g = std::stoi(me.current_task->substr(1));
  std::string gen = std::to_string(*g);
  std::vector<std::string> want = {"c" + gen + "a", "c" + gen + "b"};
  if (me.claims != want) return "task " + *me.current_task + " with claims list of another txn";
  if (s.claims.size() != 2) return std::to_string(s.claims.size()) + " claims";
  for (const auto& id : want) {
    auto c = s.claims.find(id);
    if (c == s.claims.end()) return "claim " + id + " missing";
    if (!c->second.target.starts_with("g" + gen + "/")) return "claim " + id + " target";
  }
  return "";
}

// Loads (whole and focused) until *stop, checking every snapshot.
void read_generations(Store& st, const std::atomic<bool>& stop, std::set<int>* seen,
                      std::string* problem) {
  while (!stop && problem->empty()) {
    auto whole = st.load();
    auto focused = st.load_focused(plan(keep_all({"i1"})));
    for (const auto* r : {&whole, &focused}) {
      if (!*r) {
        *problem = r->status().message();
        return;
      }
      int g = -1;
      std::string why = half_transaction(**r, &g);
      if (!why.empty()) {
        *problem = (r == &whole ? "load: " : "load_focused: ") + why;
        return;
      }
      seen->insert(g);
    }
    usleep(200);  // flock favours readers: leave the writer a gap
  }
}

TEST_P(StoreConformance, EmptyLocationLoadsEmptyState) {
  auto s = store_->load();
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_TRUE(s->instances.empty());
  EXPECT_TRUE(s->claims.empty());
  EXPECT_EQ(s->seq, 0u);
  auto f = store_->load_focused(plan(keep_all({})));
  ASSERT_TRUE(f);
  EXPECT_EQ(dump(*f), dump(*s));
  auto n = store_->notes({});
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->empty());
}

TEST_P(StoreConformance, CommittedRecordsComeBackWholeEverywhere) {
  Instance i = inst("i1");
  i.pid = 4242;
  i.sid = 77;
  i.sid_start = 123456;
  i.status = "busy";
  i.current_task = "task \"one\"\n";
  i.beads_issue = "AI-1";
  i.extra = {{"editor", "vim"}, {"nested", {{"k", Json::array({1, 2})}}}};
  std::vector<Claim> claims = {claim("c1", "i1", "src/a.ts"),
                               claim("c2", "i1", "src", "/p", ClaimType::kDirectory),
                               claim("c3", "i1", "**/*.ts", "/p", ClaimType::kPattern),
                               claim("c4", "i1", "AI-7", "/p", ClaimType::kTask)};
  claims[1].exclusive = false;
  claims[2].expires_at = 999999;
  claims[3].extra = {{"reason", "because"}};
  for (const auto& c : claims) i.claims.push_back(c.id);
  for (int round = 0; round < 2; ++round) {  // a first and a later write
    ASSERT_TRUE(store_->update([&](Txn& t) {
      t.put_instance(i);
      for (const auto& c : claims) t.put_claim(c);
      t.put_instance(inst("i" + std::to_string(round + 2), "/q"));
      return Status::ok();
    }));
  }
  auto want = store_->load();
  ASSERT_TRUE(want);
  EXPECT_EQ(want->seq, 2u);
  std::string a, b;
  append_instance_json(&a, i);
  append_instance_json(&b, want->instances.at("i1"));
  EXPECT_EQ(a, b);
  for (const auto& c : claims) {
    std::string x, y;
    append_claim_json(&x, c);
    append_claim_json(&y, want->claims.at(c.id));
    EXPECT_EQ(x, y);
  }
  auto other = open()->load();
  ASSERT_TRUE(other);
  EXPECT_EQ(dump(*other), dump(*want));
  auto focused = open()->load_focused(plan(keep_all({"i1", "i2", "i3"})));
  ASSERT_TRUE(focused);
  EXPECT_EQ(dump(*focused), dump(*want));
  std::string expected = dump(*want);
  pid_t child = spawn([&] {
    auto st = kit().open(loc_);
    if (!st) return 2;
    auto s = (*st)->load();
    return s && dump(*s) == expected ? 0 : 1;
  });
  EXPECT_EQ(exit_status(child), 0) << "another process sees another state";
}

// Claims put and deleted without putting their instance (as aio claim and
// aio release do): every load, whole or focused, in this process or a fresh
// one, shows the instances' `claims` lists following them.
TEST_P(StoreConformance, ClaimOpsKeepTheInstancesListsEverywhere) {
  ASSERT_TRUE(store_->update([&](Txn& t) {
    t.put_instance(inst("i1"));
    t.put_instance(inst("i2"));
    return Status::ok();
  }));
  ASSERT_TRUE(store_->update([&](Txn& t) {
    for (const char* id : {"c1", "c2", "c3"}) t.put_claim(claim(id, "i1", std::string("f/") + id));
    t.put_claim(claim("c4", "i2", "g/c4"));
    return Status::ok();
  }));
  ASSERT_TRUE(store_->update([&](Txn& t) {
    t.del_claim("c2");
    t.put_claim(claim("c5", "i1", "f/c5"));
    t.heartbeat("i1", 77);
    return Status::ok();
  }));
  const std::vector<std::string> i1 = {"c1", "c3", "c5"}, i2 = {"c4"};
  auto mine = store_->load();
  auto fresh = open()->load();
  auto focused = open()->load_focused(plan(keep_all({"i1", "i2"})));
  for (const auto* r : {&mine, &fresh, &focused}) {
    ASSERT_TRUE(*r) << r->status().message();
    EXPECT_EQ((*r)->instances.at("i1").claims, i1);
    EXPECT_EQ((*r)->instances.at("i2").claims, i2);
    EXPECT_EQ((*r)->instances.at("i1").last_heartbeat, 77);
  }
}

TEST_P(StoreConformance, SnapshotIsNeverHalfATransaction) {
  constexpr int kGenerations = 120;
  ASSERT_TRUE(store_->update([](Txn& t) {
    t.put_instance(inst("i1"));
    return move_generation(t, 0);
  }));
  // The writer starts once the readers run, and leaves them time to look
  // between its transactions, so that they see many generations.
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  pid_t writer = spawn([&] {
    close(gate[1]);
    auto st = kit().open(loc_);
    char c;
    if (read(gate[0], &c, 1) != 0 || !st) return 2;
    for (int g = 1; g <= kGenerations; ++g) {
      auto fn = [g](Txn& t) { return move_generation(t, g); };
      Status s = g % 2 ? (*st)->update(fn) : (*st)->update_focused(plan(keep_all({"i1"})), fn);
      if (!s) return 3;
      usleep(200);
    }
    return 0;
  });
  close(gate[0]);
  std::atomic<bool> stop{false};
  std::set<int> seen_here, seen_there;
  std::string problem_here, problem_there;
  auto other_handle = open();
  std::thread other([&] { read_generations(*other_handle, stop, &seen_there, &problem_there); });
  std::thread stopper([&] {
    EXPECT_EQ(exit_status(writer), 0) << "the writer failed";
    stop = true;
  });
  close(gate[1]);  // go
  read_generations(*store_, stop, &seen_here, &problem_here);
  stopper.join();
  other.join();
  EXPECT_EQ(problem_here, "");
  EXPECT_EQ(problem_there, "");
  auto last = store_->load();
  ASSERT_TRUE(last);
  int g = -1;
  EXPECT_EQ(half_transaction(*last, &g), "");
  EXPECT_EQ(g, kGenerations);
  // The readers ran beside the writer, not only before or after it.
  seen_here.insert(seen_there.begin(), seen_there.end());
  EXPECT_GT(seen_here.size(), 2u);
}

TEST_P(StoreConformance, CheckAndGrantIsAtomicAcrossProcesses) {
  constexpr int kProcs = 6, kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    std::string target = "race/" + std::to_string(round);
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<pid_t> kids;
    for (int k = 0; k < kProcs; ++k) {
      kids.push_back(spawn([&, k] {
        close(gate[1]);
        auto st = kit().open(loc_);
        char c;
        if (read(gate[0], &c, 1) != 0 || !st) return 2;  // wait until the gate opens
        auto fn = [&](Txn& t) -> Status {
          for (const auto& [id, held] : t.state().claims)
            if (held.target == target) return Status::refused("held by " + held.instance_id);
          t.put_claim(claim("c" + std::to_string(round) + "-" + std::to_string(k),
                            "i" + std::to_string(k), target));
          return Status::ok();
        };
        auto on_target =
            keep_if([&](std::string_view, ClaimType, std::string_view t) { return t == target; });
        Status s = k % 2 ? (*st)->update(fn) : (*st)->update_focused(plan(on_target), fn);
        return s ? 0 : s.code() == Code::kRefused ? 1 : 3;
      }));
    }
    close(gate[0]);
    close(gate[1]);  // all of them go at once
    int granted = 0, refused = 0;
    for (pid_t pid : kids) {
      int rc = exit_status(pid);
      granted += rc == 0;
      refused += rc == 1;
    }
    EXPECT_EQ(granted, 1) << "round " << round;
    EXPECT_EQ(refused, kProcs - 1) << "round " << round;
  }
  auto s = store_->load();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->claims.size(), static_cast<size_t>(kRounds));
  std::set<std::string> targets;
  for (const auto& [id, c] : s->claims) targets.insert(c.target);
  EXPECT_EQ(targets.size(), static_cast<size_t>(kRounds));
}

TEST_P(StoreConformance, FailedTransactionChangesNothing) {
  ASSERT_TRUE(store_->update([](Txn& t) {
    Instance me = inst("i1");
    me.claims = {"c1"};
    t.put_instance(me);
    t.put_claim(claim("c1", "i1", "a"));
    return Status::ok();
  }));
  ASSERT_TRUE(store_->add_notes({note("n1", "/p", "decision", 1)}));
  std::string before = dump(*store_->load());
  std::string raw = kit().raw(loc_);
  auto everything = [](Txn& t) {
    t.del_claim("c1");
    t.put_claim(claim("c2", "i1", "b"));
    t.put_instance(inst("i2"));
    t.heartbeat("i1", 5000);
    t.del_instance("i1");
    t.add_note(note("n2", "/p", "warning", 2));
  };
  Status refused = store_->update([&](Txn& t) {
    everything(t);
    return Status::refused("no");
  });
  EXPECT_EQ(refused.code(), Code::kRefused);
  Status refused_focused = store_->update_focused(plan(keep_all({"i1"})), [&](Txn& t) {
    everything(t);
    return Status::refused("no");
  });
  EXPECT_EQ(refused_focused.code(), Code::kRefused);
  Status bad_text = store_->update([&](Txn& t) {
    everything(t);
    t.put_claim(claim("c3", "i1", "bad\xff"));
    return Status::ok();
  });
  EXPECT_EQ(bad_text.code(), Code::kInvalid);
  EXPECT_EQ(kit().raw(loc_), raw);
  EXPECT_EQ(dump(*open()->load()), before);
  auto notes = open()->notes({});
  ASSERT_TRUE(notes);
  EXPECT_EQ(notes->size(), 1u);
}

TEST_P(StoreConformance, CorruptStateIsNeverOverwritten) {
  ASSERT_TRUE(store_->update([](Txn& t) {
    t.put_instance(inst("i1"));
    t.put_claim(claim("c1", "i1", "a"));
    return Status::ok();
  }));
  kit().corrupt(loc_);
  std::string raw = kit().raw(loc_);
  auto is_state_error = [&](const Status& s, const char* what) {
    EXPECT_EQ(s.code(), Code::kState) << what << ": " << s.message();
    EXPECT_NE(s.message().find(store_->where()), std::string::npos)
        << what << " does not name " << store_->where() << ": " << s.message();
  };
  auto put = [](Txn& t) {
    t.put_claim(claim("c2", "i1", "b"));
    return Status::ok();
  };
  auto second = open();
  for (Store* st : {store_.get(), second.get()}) {
    is_state_error(st->load().status(), "load");
    is_state_error(st->load_focused(plan(keep_all({"i1"}))).status(), "load_focused");
    is_state_error(st->update(put), "update");
    is_state_error(st->update_focused(plan(keep_all({"i1"})), put), "update_focused");
    is_state_error(st->prune_notes(0, 0).status(), "prune_notes");
  }
  pid_t child = spawn([&] {
    auto st = kit().open(loc_);
    return st ? static_cast<int>((*st)->update(put).code()) : 9;
  });
  EXPECT_EQ(exit_status(child), static_cast<int>(Code::kState));
  EXPECT_EQ(kit().raw(loc_), raw) << "corrupt state was rewritten";
}

TEST_P(StoreConformance, NotesAreDurableAndShared) {
  Note expiring = note("n3", "/q", "warning", 30);
  expiring.expires_at = 50;
  ASSERT_TRUE(store_->add_notes(
      {note("n1", "/p", "decision", 10), note("n2", "/p", "handoff", 20), expiring}));
  ASSERT_TRUE(store_->update([](Txn& t) {  // notes riding on a transaction
    t.put_instance(inst("i1"));
    t.add_note(note("n4", "/p", "learning", 40));
    return Status::ok();
  }));
  auto all = open()->notes({});
  ASSERT_TRUE(all) << all.status().message();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(encode_note_line((*all)[0]), encode_note_line(note("n1", "/p", "decision", 10)));
  EXPECT_EQ((*all)[3].id, "n4");
  NoteQuery q;
  q.project = "/p";
  EXPECT_EQ(open()->notes(q)->size(), 3u);
  q.category = "handoff";
  EXPECT_EQ(open()->notes(q)->size(), 1u);
  q = NoteQuery{};
  q.now = 60;
  EXPECT_EQ(open()->notes(q)->size(), 3u);  // n3 has expired

  // Other processes, at once: each adds its notes one call at a time.
  constexpr int kProcs = 4, kEach = 15;
  std::vector<pid_t> kids;
  for (int k = 0; k < kProcs; ++k) {
    kids.push_back(spawn([&, k] {
      auto st = kit().open(loc_);
      if (!st) return 2;
      for (int m = 0; m < kEach; ++m) {
        std::string id = "p" + std::to_string(k) + "-" + std::to_string(m);
        if (!(*st)->add_notes({note(id, "/r", "pattern", 100 + m)})) return 1;
      }
      return 0;
    }));
  }
  for (pid_t pid : kids) EXPECT_EQ(exit_status(pid), 0);
  q = NoteQuery{};
  q.project = "/r";
  auto theirs = store_->notes(q);
  ASSERT_TRUE(theirs) << theirs.status().message();
  EXPECT_EQ(theirs->size(), static_cast<size_t>(kProcs * kEach));
  pid_t reader = spawn([&] {
    auto st = kit().open(loc_);
    auto n = st ? (*st)->notes({}) : Result<std::vector<Note>>(Status::state("open"));
    return n && n->size() == 4u + kProcs * kEach ? 0 : 1;
  });
  EXPECT_EQ(exit_status(reader), 0) << "another process sees other notes";
}

TEST_P(StoreConformance, PruneRemovesWhatItShould) {
  Note expired = note("n3", "/p", "warning", 1800);
  expired.expires_at = 1500;
  Note later = note("n5", "/p", "warning", 1800);
  later.expires_at = 1700;
  ASSERT_TRUE(
      store_->add_notes({note("n1", "/p", "decision", 1000), note("n2", "/q", "handoff", 2000),
                         expired, note("n4", "/p", "learning", 3000), later}));
  auto removed = store_->prune_notes(/*cutoff=*/1500, /*now=*/1600);
  ASSERT_TRUE(removed) << removed.status().message();
  EXPECT_EQ(*removed, 2u);  // n1: created before the cutoff; n3: expired
  auto left = open()->notes({});
  ASSERT_TRUE(left);
  std::vector<std::string> ids;
  for (const auto& n : *left) ids.push_back(n.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"n2", "n4", "n5"}));
  EXPECT_EQ(*open()->prune_notes(1500, 1600), 0u);
  EXPECT_EQ(*open()->prune_notes(0, 1700), 1u);  // n5 expires at 1700
}

// Twin locations take the same transactions, one through update_focused and
// the other through update; after each step both agree, and load_focused
// holds what load holds for what the focus keeps.
TEST_P(StoreConformance, FocusedLoadsAndUpdatesAgreeWithWholeOnes) {
  std::string twin_loc = kit().make_location();
  auto twin = open_at(twin_loc);
  ASSERT_NE(twin, nullptr);
  const std::vector<std::string> projects = {"/p", "/q"};
  for (int step = 0; step < 90; ++step) {
    std::string owner = "i" + std::to_string(step % 4);
    std::string project = projects[(step / 4) % 2];
    std::string dir = "d" + std::to_string(step % 3);
    Focus f = keep_if(
        [project, dir](std::string_view p, ClaimType t, std::string_view target) {
          return p == project && (t == ClaimType::kPattern || target.starts_with(dir));
        },
        step % 5 ? std::vector<std::string>{owner} : std::vector<std::string>{});
    // fn depends only on what f keeps (the focus contract).
    auto fn = [&](Txn& t) -> Status {
      const State& s = t.state();
      auto me = s.instances.find(owner);
      if (me == s.instances.end() || step % 11 == 0) {
        t.put_instance(inst(owner, project));
        return Status::ok();
      }
      if (step % 13 == 0) return Status::refused("no");
      Instance i = me->second;
      switch (step % 4) {
        case 0:
        case 1: {
          std::string id = "c" + std::to_string(step);
          ClaimType type = step % 3 == 0 ? ClaimType::kPattern : ClaimType::kFile;
          t.put_claim(claim(id, owner, dir + "/f" + std::to_string(step), i.project, type));
          i.claims.push_back(id);
          break;
        }
        case 2:
          for (const auto& [id, c] : s.claims) {
            if (c.instance_id != owner || !f.keep(c.project, c.type, c.target)) continue;
            t.del_claim(id);
            std::erase(i.claims, id);
            break;
          }
          break;
        default:
          t.heartbeat(owner, 1000 + step);
          return Status::ok();
      }
      // A claim op keeps the instance's list by itself (as aio claim does);
      // every third step also puts the instance whole (as older aio did).
      if (step % 3 != 0) {
        t.heartbeat(owner, 1000 + step);
        return Status::ok();
      }
      i.last_heartbeat = 1000 + step;
      t.put_instance(i);
      return Status::ok();
    };
    Status a = store_->update_focused(plan(f), fn);
    Status b = twin->update(fn);
    ASSERT_EQ(a.code(), b.code()) << "step " << step << ": " << a.message() << " / " << b.message();
    auto whole = open()->load();
    auto twin_whole = open_at(twin_loc)->load();
    ASSERT_TRUE(whole && twin_whole);
    ASSERT_EQ(dump(*whole), dump(*twin_whole)) << "step " << step;
    auto focused = open()->load_focused(plan(f));
    ASSERT_TRUE(focused) << focused.status().message();
    // Every kept claim, and possibly others (a superset is fine), as they are.
    State want = *whole;
    std::erase_if(want.claims, [&](const auto& e) {
      return !f.keep(e.second.project, e.second.type, e.second.target) &&
             !focused->claims.count(e.first);
    });
    for (auto& [id, i] : want.instances)
      if (std::find(f.whole_instances.begin(), f.whole_instances.end(), id) ==
          f.whole_instances.end())
        i.claims = focused->instances.count(id) ? focused->instances.at(id).claims
                                                : std::vector<std::string>{};
    ASSERT_EQ(dump(*focused), dump(want)) << "step " << step;
  }
  twin.reset();
  kit().remove_location(twin_loc);
}

}  // namespace
}  // namespace aio::test
