#include "core/etcd_store.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/etcd_feed.h"
#include "core/text.h"
#include "core/timeutil.h"

namespace aio {

using etcd::RequestOp;

// ---------------------------------------------------------------- ProjectNames

namespace {
constexpr std::string_view kRepo = "repo:";
}

ProjectNames::ProjectNames(std::function<std::string(const std::string&)> project_id,
                           std::vector<std::string> local_projects)
    : project_id_(std::move(project_id)), local_(std::move(local_projects)) {}

std::string ProjectNames::stored(const std::string& root) {
  if (root.empty() || root.front() != '/' || !project_id_) return root;
  auto it = ids_.find(root);
  if (it == ids_.end()) it = ids_.emplace(root, project_id_(root)).first;
  return it->second.empty() ? root : std::string(kRepo) + it->second;
}

std::string ProjectNames::shown(const std::string& stored_name, const std::string& fallback) {
  if (!stored_name.starts_with(kRepo)) return stored_name;
  for (const auto& root : local_)
    if (stored(root) == stored_name) return root;
  return fallback.empty() ? stored_name : fallback;
}

// ---------------------------------------------------------------- the store

namespace {

constexpr int kMaxAttempts = 64;
constexpr size_t kOpsPerBatch = 100;  // etcd's --max-txn-ops is 128 by default

std::string pad_hex(uint64_t v, int width) {
  std::string s(width, '0');
  for (int k = width - 1; k >= 0 && v; --k, v >>= 4) s[k] = "0123456789abcdef"[v & 15];
  return s;
}

void backoff(int attempt) {
  uint32_t r = 0;
  if (getrandom(&r, sizeof r, 0) != sizeof r) r = static_cast<uint32_t>(getpid());
  int cap = 1000 << std::min(attempt, 7);  // microseconds: 1 ms .. 128 ms
  std::this_thread::sleep_for(std::chrono::microseconds(200 + r % cap));
}

class EtcdStore final : public Store {
 public:
  EtcdStore(std::shared_ptr<etcd::Client> client, EtcdStoreOptions o)
      : client_(std::move(client)),
        o_(std::move(o)),
        names_(o_.setup.project_id, o_.setup.local_projects),
        p_(o_.prefix + "/"),
        seq_key_(p_ + "seq"),
        i_(p_ + "i/"),
        c_(p_ + "c/"),
        n_(p_ + "n/") {}

  std::string where() const override { return o_.describe; }
  int64_t lease_seconds() const override { return o_.setup.lease_seconds; }

  Result<State> load() override {
    auto l = load_snapshot();
    if (!l) return l.status();
    return std::move(l->state);
  }
  Status update(const std::function<Status(Txn&)>& fn) override;
  Status add_notes(const std::vector<Note>& notes) override;
  Result<std::vector<Note>> notes(const NoteQuery& q) override;
  Result<size_t> prune_notes(int64_t cutoff, int64_t now) override;
  Result<std::unique_ptr<ChangeFeed>> watch() override { return make_etcd_feed(client_, p_, n_); }
  Result<std::vector<std::string>> renew_leases(const std::vector<std::string>& ids) override;
  Result<std::map<std::string, int64_t>> lease_left(const std::vector<std::string>& ids) override;

 private:
  struct Loaded {
    State state;
    int64_t seq_mod = 0;  // mod revision of seq (0: none yet)
  };
  struct Note2 {
    int64_t rev;
    std::string key;
    Note note;
  };

  Result<Loaded> load_snapshot();
  // Records as stored; checkouts learns where this machine's instances
  // have the shared projects they are in (their projectPath).
  Status decode_instance(const etcd::KeyValue& kv, State* s,
                         std::map<std::string, std::string>* checkouts);
  Status decode_claim(const etcd::KeyValue& kv, State* s);
  // Shows the stored project names of a loaded state as this process sees them.
  void show_projects(State* s, const std::map<std::string, std::string>& checkouts);
  Status bad(const std::string& key, const std::string& why) const {
    return Status::state(o_.describe + ": key " + key + " does not hold a record (" + why +
                         "); fix or delete it with etcdctl");
  }
  // The etcd transaction that commits `t` over `l`; leases of new instances
  // come from (and go into) `granted`.
  Result<etcd::TxnRequest> commit_request(const Loaded& l, const Txn& t,
                                          std::map<std::string, int64_t>* granted);
  Result<int64_t> lease_of(const Instance& i, const Loaded& l,
                           std::map<std::string, int64_t>* granted);
  void after_commit(const Loaded& before, const Txn& t);
  std::string encode(Instance i);
  std::string encode(Claim c);
  std::string encode(Note n);
  Result<std::vector<Note2>> all_notes();

  std::shared_ptr<etcd::Client> client_;
  EtcdStoreOptions o_;
  std::mutex names_mu_;  // leaf
  ProjectNames names_;
  const std::string p_, seq_key_, i_, c_, n_;
  // The lease of an instance as the last load read it (0: none).
  int64_t lease_read(const std::string& id) {
    std::lock_guard lock(leases_mu_);
    auto it = leases_.find(id);
    return it == leases_.end() ? 0 : it->second;
  }
  std::mutex leases_mu_;                   // leaf
  std::map<std::string, int64_t> leases_;  // instance -> lease, as last read
};

// ---- loading

Status EtcdStore::decode_instance(const etcd::KeyValue& kv, State* s,
                                  std::map<std::string, std::string>* checkouts) {
  Json j = Json::parse(kv.value, nullptr, false);
  Instance i;
  if (j.is_discarded()) return bad(kv.key, "not JSON");
  if (Status st = instance_from_json(j, &i); !st) return bad(kv.key, st.message());
  if (i.id != kv.key.substr(i_.size())) return bad(kv.key, "its id is " + i.id);
  if (i.project.starts_with(kRepo) && i.extra.is_object() && i.extra.contains("projectPath") &&
      i.extra["projectPath"].is_string() && i.machine_id == o_.setup.machine_id)
    checkouts->emplace(i.project, i.extra["projectPath"].get<std::string>());  // first wins
  i.lease = kv.lease;
  s->instances[i.id] = std::move(i);
  return Status::ok();
}

Status EtcdStore::decode_claim(const etcd::KeyValue& kv, State* s) {
  Json j = Json::parse(kv.value, nullptr, false);
  Claim c;
  if (j.is_discarded()) return bad(kv.key, "not JSON");
  if (Status st = claim_from_json(j, &c); !st) return bad(kv.key, st.message());
  if (c.id != kv.key.substr(c_.size())) return bad(kv.key, "its id is " + c.id);
  s->claims[c.id] = std::move(c);
  return Status::ok();
}

void EtcdStore::show_projects(State* s, const std::map<std::string, std::string>& checkouts) {
  std::lock_guard lock(names_mu_);
  auto show = [&](std::string* project) {
    if (!project->starts_with(kRepo)) return;
    auto it = checkouts.find(*project);
    *project = names_.shown(*project, it == checkouts.end() ? "" : it->second);
  };
  for (auto& [id, i] : s->instances) show(&i.project);
  for (auto& [id, c] : s->claims) show(&c.project);
}

Result<EtcdStore::Loaded> EtcdStore::load_snapshot() {
  etcd::TxnRequest req;  // no compare: the three reads at one revision
  req.success = {RequestOp::get(i_, etcd::prefix_end(i_)), RequestOp::get(c_, etcd::prefix_end(c_)),
                 RequestOp::get(seq_key_)};
  auto r = client_->txn(req);
  if (!r) return r.status();
  if (r->ranges.size() != 3)
    return Status::state(o_.describe + ": etcd answered 3 reads with " +
                         std::to_string(r->ranges.size()));
  Loaded l;
  std::map<std::string, std::string> checkouts;
  for (const auto& kv : r->ranges[0].kvs)
    AIO_RETURN_IF_ERROR(decode_instance(kv, &l.state, &checkouts));
  for (const auto& kv : r->ranges[1].kvs) AIO_RETURN_IF_ERROR(decode_claim(kv, &l.state));
  show_projects(&l.state, checkouts);
  if (!r->ranges[2].kvs.empty()) {
    const auto& kv = r->ranges[2].kvs[0];
    auto n = json_int(Json(kv.value));
    if (!n || *n < 0) return bad(kv.key, "not a transaction number: '" + kv.value + "'");
    l.state.seq = static_cast<uint64_t>(*n);
    l.seq_mod = kv.mod_revision;
  }
  std::lock_guard lock(leases_mu_);
  leases_.clear();
  for (const auto& [id, i] : l.state.instances)
    if (i.lease) leases_[id] = i.lease;
  return l;
}

// ---- encoding (the stored project names)

std::string EtcdStore::encode(Instance i) {
  std::lock_guard lock(names_mu_);
  std::string stored = names_.stored(i.project);
  if (stored != i.project && (i.machine_id.empty() || i.machine_id == o_.setup.machine_id)) {
    if (!i.extra.is_object()) i.extra = Json::object();
    i.extra["projectPath"] = i.project;
  }
  i.project = stored;
  std::string out;
  append_instance_json(&out, i);
  return out;
}

std::string EtcdStore::encode(Claim c) {
  {
    std::lock_guard lock(names_mu_);
    c.project = names_.stored(c.project);
  }
  std::string out;
  append_claim_json(&out, c);
  return out;
}

std::string EtcdStore::encode(Note n) {
  {
    std::lock_guard lock(names_mu_);
    n.project = names_.stored(n.project);
  }
  std::string line = encode_note_line(n);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

// ---- transactions

Result<int64_t> EtcdStore::lease_of(const Instance& i, const Loaded& l,
                                    std::map<std::string, int64_t>* granted) {
  if (auto it = l.state.instances.find(i.id); it != l.state.instances.end() && it->second.lease)
    return it->second.lease;
  if (auto it = granted->find(i.id); it != granted->end()) return it->second;
  auto id = client_->lease_grant(o_.setup.lease_seconds);
  if (!id) return id.status();
  (*granted)[i.id] = *id;
  return *id;
}

Result<etcd::TxnRequest> EtcdStore::commit_request(const Loaded& l, const Txn& t,
                                                   std::map<std::string, int64_t>* granted) {
  Touched touched;  // in key order (one op per key)
  for (const auto& op : t.ops()) touched.add(op);
  const std::set<std::string>&instances = touched.instances, &claims = touched.claims;
  // A claim op changed its instances' `claims` lists (apply_op): the ones
  // there are put again, from the whole state the transaction ran on.
  for (const auto& id : claims)
    if (auto it = l.state.claims.find(id); it != l.state.claims.end())
      touched.owners.insert(it->second.instance_id);
  for (const auto& id : touched.owners)
    if (t.state().instances.count(id) || l.state.instances.count(id)) touched.instances.insert(id);
  etcd::TxnRequest req;
  req.compare.push_back({etcd::CompareResult::kEqual, etcd::CompareTarget::kModRevision, seq_key_,
                         "", l.seq_mod, ""});
  req.success.push_back(RequestOp::put(seq_key_, std::to_string(l.state.seq + 1)));
  const State& s = t.state();
  std::map<std::string, int64_t> lease;  // instance -> its lease after the commit
  for (const auto& id : instances) {
    auto it = s.instances.find(id);
    if (it == s.instances.end()) {
      req.success.push_back(RequestOp::del(i_ + id));
      continue;
    }
    auto l_id = lease_of(it->second, l, granted);
    if (!l_id) return l_id.status();
    lease[id] = *l_id;
    req.success.push_back(RequestOp::put(i_ + id, encode(it->second), *l_id));
  }
  for (const auto& id : claims) {
    auto it = s.claims.find(id);
    if (it == s.claims.end()) {
      req.success.push_back(RequestOp::del(c_ + id));
      continue;
    }
    int64_t l_id = 0;  // a claim lives under its instance's lease
    if (auto li = lease.find(it->second.instance_id); li != lease.end())
      l_id = li->second;
    else if (auto oi = l.state.instances.find(it->second.instance_id);
             oi != l.state.instances.end() && s.instances.count(oi->first))
      l_id = oi->second.lease;
    req.success.push_back(RequestOp::put(c_ + id, encode(it->second), l_id));
  }
  return req;
}

void EtcdStore::after_commit(const Loaded& before, const Txn& t) {
  bool mine = false;
  std::vector<std::string> beat;
  for (const auto& op : t.ops()) {
    if (op.kind == Op::kDelInstance && !t.state().instances.count(op.id)) {
      auto it = before.state.instances.find(op.id);
      if (it != before.state.instances.end() && it->second.lease)
        (void)client_->lease_revoke(it->second.lease);  // gone: nothing to keep
    }
    if (op.kind == Op::kHeartbeat) {  // e.g. a claim's: an instance of this machine at work?
      beat.push_back(op.id);
      auto it = t.state().instances.find(op.id);
      if (it != t.state().instances.end() &&
          (it->second.machine_id.empty() || it->second.machine_id == o_.setup.machine_id))
        mine = true;
    }
    if (op.kind == Op::kPutInstance &&
        (op.instance.machine_id.empty() || op.instance.machine_id == o_.setup.machine_id))
      mine = true;
  }
  if (!beat.empty()) {
    // A heartbeat renews the lease at once: the keeper may not run yet.
    for (const auto& id : beat) {
      auto it = before.state.instances.find(id);
      if (it != before.state.instances.end() && it->second.lease)
        (void)client_->lease_keepalive(it->second.lease);
    }
  }
  if (mine && o_.setup.ensure_keeper) o_.setup.ensure_keeper();
}

// Leases granted for new instances while transactions are tried: those the
// committed one did not use are revoked on the way out.
class GrantedLeases {
 public:
  explicit GrantedLeases(etcd::Client& c) : client_(c) {}
  ~GrantedLeases() {
    for (const auto& [id, l] : map)
      if (!used.count(l)) (void)client_.lease_revoke(l);
  }
  std::map<std::string, int64_t> map;  // instance -> lease
  std::set<int64_t> used;

 private:
  etcd::Client& client_;
};

Status EtcdStore::update(const std::function<Status(Txn&)>& fn) {
  GrantedLeases granted(*client_);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto l = load_snapshot();
    if (!l) return l.status();
    Loaded before = *l;
    Txn t(&l->state);
    AIO_RETURN_IF_ERROR(fn(t));
    AIO_RETURN_IF_ERROR(check_ops_text(t.ops()));  // JSON holds text: refused whole
    AIO_RETURN_IF_ERROR(check_notes_text(t.notes()));
    if (t.ops().empty()) return t.notes().empty() ? Status::ok() : add_notes(t.notes());
    auto req = commit_request(before, t, &granted.map);
    if (!req) return req.status();
    auto r = client_->txn(*req);
    if (!r) {
      // A lease that expired since the read: read again (the instance is gone).
      if (r.status().message().find("lease not found") != std::string::npos) continue;
      return r.status();
    }
    if (!r->succeeded) {
      backoff(attempt);
      continue;
    }
    for (const auto& op : req->success) granted.used.insert(op.lease);
    after_commit(before, t);
    return t.notes().empty() ? Status::ok() : add_notes(t.notes());
  }
  return Status::state(o_.describe + ": gave up after " + std::to_string(kMaxAttempts) +
                       " transactions lost races with other writers; try again");
}

// ---- notes

Status EtcdStore::add_notes(const std::vector<Note>& notes) {
  AIO_RETURN_IF_ERROR(check_notes_text(notes));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  for (size_t from = 0; from < notes.size(); from += kOpsPerBatch) {
    etcd::TxnRequest req;
    for (size_t k = from; k < std::min(notes.size(), from + kOpsPerBatch); ++k)
      req.success.push_back(RequestOp::put(n_ + pad_hex(us, 14) + pad_hex(k, 4) + "-" + notes[k].id,
                                           encode(notes[k])));
    auto r = client_->txn(req);
    if (!r) return r.status();
  }
  return Status::ok();
}

Result<std::vector<EtcdStore::Note2>> EtcdStore::all_notes() {
  std::vector<Note2> out;
  etcd::RangeRequest rq;
  rq.key = n_;
  rq.range_end = etcd::prefix_end(n_);
  rq.limit = 2000;
  for (;;) {
    auto r = client_->range(rq);
    if (!r) return r.status();
    for (const auto& kv : r->kvs) {
      Json j = Json::parse(kv.value, nullptr, false);
      Note n;
      if (j.is_discarded() || !note_from_json(j, &n)) return bad(kv.key, "not a note");
      {
        std::lock_guard lock(names_mu_);
        n.project = names_.shown(n.project);
      }
      out.push_back({kv.create_revision, kv.key, std::move(n)});
    }
    if (!r->more || r->kvs.empty()) break;
    rq.key = r->kvs.back().key + std::string(1, '\0');
    rq.revision = r->revision;  // every page at the first page's revision
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Note2& a, const Note2& b) { return a.rev < b.rev; });
  return out;
}

Result<std::vector<Note>> EtcdStore::notes(const NoteQuery& q) {
  auto all = all_notes();
  if (!all) return all.status();
  std::vector<Note> out;
  for (auto& n : *all) {
    if (!q.project.empty() && n.note.project != q.project) continue;
    if (!q.category.empty() && n.note.category != q.category) continue;
    if (q.now && n.note.expires_at && *n.note.expires_at <= q.now) continue;
    out.push_back(std::move(n.note));
  }
  return out;
}

Result<size_t> EtcdStore::prune_notes(int64_t cutoff, int64_t now) {
  if (auto l = load_snapshot(); !l) return l.status();  // never next to a corrupt state
  auto all = all_notes();
  if (!all) return all.status();
  std::vector<std::string> doomed;
  for (const auto& n : *all)
    if (n.note.created_at < cutoff || (n.note.expires_at && *n.note.expires_at <= now))
      doomed.push_back(n.key);
  for (size_t from = 0; from < doomed.size(); from += kOpsPerBatch) {
    etcd::TxnRequest req;
    for (size_t k = from; k < std::min(doomed.size(), from + kOpsPerBatch); ++k)
      req.success.push_back(RequestOp::del(doomed[k]));
    auto r = client_->txn(req);
    if (!r) return r.status();
  }
  return doomed.size();
}

// ---- leases

Result<std::vector<std::string>> EtcdStore::renew_leases(const std::vector<std::string>& ids) {
  std::vector<std::string> gone;
  for (const auto& id : ids) {
    int64_t lease = lease_read(id);
    if (!lease) continue;  // not leased (or not read yet): nothing to renew
    auto ttl = client_->lease_keepalive(lease);
    if (!ttl) return ttl.status();
    if (*ttl <= 0) gone.push_back(id);
  }
  return gone;
}

Result<std::map<std::string, int64_t>> EtcdStore::lease_left(const std::vector<std::string>& ids) {
  std::map<std::string, int64_t> out;
  for (const auto& id : ids) {
    int64_t lease = lease_read(id);
    if (!lease) continue;
    auto left = client_->lease_time_to_live(lease);
    if (!left) return left.status();
    out[id] = *left;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Store>> open_etcd_store(std::unique_ptr<etcd::Client> client,
                                               EtcdStoreOptions opts) {
  if (opts.prefix.empty()) return Status::invalid("an etcd store needs a key prefix");
  if (opts.setup.lease_seconds < 2) opts.setup.lease_seconds = 2;
  return std::unique_ptr<Store>(
      std::make_unique<EtcdStore>(std::shared_ptr<etcd::Client>(std::move(client)), opts));
}

}  // namespace aio
