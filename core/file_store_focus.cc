// FileStore's focused paths (Store::load_focused, Store::update_focused):
// the state read from the mapped cache, only as far as the focus needs it,
// and a focused transaction committed by one journal line (file_store.h).
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/file_store.h"
#include "core/fileio.h"
#include "core/text.h"

namespace aio {
namespace {

// Whether f keeps a claim (its focus fields read in place).
bool keeps(const FocusView<Claim>& v, const Focus& f) {
  return !f.keep ||
         f.keep(v.get<&Claim::project>(), v.get<&Claim::type>(), v.get<&Claim::target>());
}

// The instance at sp but its claims list, read in place into its node at
// the end of st's (for_each hands ids in increasing order and checks it).
bool read_last_instance(const CacheImage& img, const RecordSpan& sp, State* st) {
  auto it = st->instances.emplace_hint(st->instances.end(), std::piecewise_construct,
                                       std::forward_as_tuple(sp.key), std::forward_as_tuple());
  return img.read(sp, &it->second, ImagePart::kAllButOnDemand);
}

// Every instance of the image but its claims list; *spans: where each lies.
bool read_instances(const CacheImage& img, State* st, std::vector<RecordSpan>* spans) {
  spans->reserve(std::min<size_t>(img.sections().instances.count, img.bytes().size() / 8));
  return img.for_each(Records::kInstances, [&](const RecordSpan& sp) {
    spans->push_back(sp);
    return read_last_instance(img, sp, st);
  });
}

// The record of instance `id` among spans (in id order), or null.
const RecordSpan* span_of(const std::vector<RecordSpan>& spans, std::string_view id) {
  auto sp = std::lower_bound(spans.begin(), spans.end(), id,
                             [](const RecordSpan& s, std::string_view v) { return s.key < v; });
  return sp == spans.end() || sp->key != id ? nullptr : &*sp;
}

// An instance's id and project, read in place from the image.
using IdProject = std::pair<std::string_view, std::string_view>;

// The instances `pick` wants (but for their claims lists), where every
// instance lies (*spans), and every instance's project (*census). Only the
// picked records are decoded; the others are read in place for their focus
// fields (State::partial).
bool read_picked_instances(const CacheImage& img, const InstancePick& pick, State* st,
                           std::vector<RecordSpan>* spans, std::vector<IdProject>* census) {
  size_t n = std::min<size_t>(img.sections().instances.count, img.bytes().size() / 8);
  spans->reserve(n);
  census->reserve(n);
  st->partial = true;
  return img.for_each(Records::kInstances, [&](const RecordSpan& sp) {
    FocusView<Instance> v;
    if (!img.read_focus(sp, &v)) return false;
    spans->push_back(sp);
    census->emplace_back(sp.key, v.get<&Instance::project>());
    return !pick.wants(sp.key, v.get<&Instance::bound_pid>(), v.get<&Instance::sid>()) ||
           read_last_instance(img, sp, st);
  });
}

// What the journal past the image last did to each instance it put or
// deleted: its project, or nullopt when deleted (in id order).
using JournalInstances = std::map<std::string_view, std::optional<std::string_view>>;
JournalInstances journal_instances(const std::vector<const JournalEntry*>& applied) {
  JournalInstances last;
  for (const JournalEntry* e : applied)
    for (const Op& op : e->ops) {
      if (op.kind == Op::kPutInstance) last[op.instance.id] = op.instance.project;
      if (op.kind == Op::kDelInstance) last[op.id] = std::nullopt;
    }
  return last;
}

// Every registered project of a partial state, in the order
// registered_projects gives them over the whole one: the image's instances
// (in id order) as the journal leaves them, merged in id order with the
// ones it put, each project once.
std::vector<std::string> partial_projects(const std::vector<IdProject>& census,
                                          const JournalInstances& journal) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  auto add = [&](std::string_view project) {
    if (!project.empty() && seen.insert(project).second) out.emplace_back(project);
  };
  auto j = journal.begin();
  auto add_journal = [&] {  // *j, put or deleted
    if (j->second) add(*j->second);
    ++j;
  };
  for (const auto& [id, project] : census) {
    while (j != journal.end() && j->first < id) add_journal();
    if (j != journal.end() && j->first == id) {
      add_journal();  // put again or deleted: the journal's
      continue;
    }
    add(project);
  }
  while (j != journal.end()) add_journal();
  return out;
}

// Adds to a partial state the instances of `ids` it lacks, from the image
// (an id in no span is in no state), with the journal's heartbeats for
// them. One the journal put is in the state already (apply_instances); one
// it deleted last is in no state.
bool add_instances(const CacheImage& img, const std::vector<RecordSpan>& spans,
                   const std::vector<std::string_view>& ids, const JournalInstances& journal,
                   const std::vector<const JournalEntry*>& applied, State* st) {
  std::unordered_set<std::string_view> added;
  for (std::string_view id : ids) {
    std::string key(id);
    if (added.count(id) || st->instances.count(key) || journal.count(id)) continue;
    const RecordSpan* sp = span_of(spans, id);
    if (!sp) continue;
    Instance i;
    if (!img.read(*sp, &i, ImagePart::kAllButOnDemand)) return false;
    st->instances.emplace(std::move(key), std::move(i));
    added.insert(sp->key);
  }
  if (added.empty()) return true;
  for (const JournalEntry* e : applied)
    for (const Op& op : e->ops)
      if (op.kind == Op::kHeartbeat && added.count(op.id)) apply_op(st, op);
  return true;
}

// The holders of a state's claims.
std::vector<std::string_view> holders(const State& st) {
  std::vector<std::string_view> out;
  out.reserve(st.claims.size());
  for (const auto& [id, c] : st.claims) out.push_back(c.instance_id);
  return out;
}

// The claims lists of the instances the focus names, from the image (the
// ones in *whole came whole from the journal); adds them to *whole.
bool read_claims_lists(const CacheImage& img, const std::vector<RecordSpan>& spans, const Focus& f,
                       State* st, std::unordered_set<std::string>* whole) {
  for (const auto& id : f.whole_instances) {
    auto inst = st->instances.find(id);
    if (whole->count(id) || inst == st->instances.end()) continue;
    const RecordSpan* sp = span_of(spans, id);
    if (!sp) continue;  // put by the journal, then deleted
    Instance full;
    if (!img.read(*sp, &full, ImagePart::kWhole)) return false;
    inst->second.claims = std::move(full.claims);
    whole->insert(id);
  }
  return true;
}

// The claims the focus keeps: each one is tested in place before anything
// of it is copied; only the claims in the focus's ranges are looked at when
// it has some (the image's claim index finds them). *kept: their ids, in
// order (views into the image).
bool read_kept_claims(const CacheImage& img, const Focus& f, State* st,
                      std::vector<std::string_view>* kept) {
  if (f.no_claims) return true;
  auto take = [&](const RecordSpan& sp, const FocusView<Claim>& v) {
    if (!keeps(v, f)) return true;
    Claim c;
    if (!img.read(sp, &c, ImagePart::kWhole)) return false;
    kept->push_back(sp.key);
    std::string key = c.id;
    st->claims.emplace(std::move(key), std::move(c));
    return true;
  };
  if (f.ranges.empty())
    return img.for_each(Records::kClaims, [&](const RecordSpan& sp) {
      FocusView<Claim> v;
      return img.read_focus(sp, &v) && take(sp, v);
    });
  for (const ClaimRange& r : f.ranges)
    if (!img.for_each_claim_in(r, take)) return false;
  std::sort(kept->begin(), kept->end());
  kept->erase(std::unique(kept->begin(), kept->end()), kept->end());
  return true;
}

// The journal's ops on instances in order; *whole follows the instances put
// whole. Instance ops touch only instances, so applying them apart from the
// claim ops (apply_claims, once the focus has chosen the claims) gives what
// applying each line in turn gives.
void apply_instances(const std::vector<const JournalEntry*>& applied, State* st,
                     std::unordered_set<std::string>* whole) {
  for (const JournalEntry* e : applied) {
    for (const Op& op : e->ops) {
      if (op.kind == Op::kPutClaim || op.kind == Op::kDelClaim) continue;
      apply_op(st, op);
      if (op.kind == Op::kPutInstance) whole->insert(op.instance.id);
      if (op.kind == Op::kDelInstance) whole->erase(op.id);
    }
  }
}

// The journal's claim ops in order, after apply_instances. A claim op also
// changes its instance's `claims` list: only the lists of the instances in
// `whole` follow, and the list of one the journal put whole only from the
// last op that put (or deleted) it, as applying each line in turn would.
void apply_claims(const std::vector<const JournalEntry*>& applied, State* st,
                  const std::unordered_set<std::string>& whole) {
  std::unordered_map<std::string_view, size_t> last;  // instance -> its last op's position
  size_t k = 0;
  for (const JournalEntry* e : applied)
    for (const Op& op : e->ops) {
      if (op.kind == Op::kPutInstance) last[op.instance.id] = k;
      if (op.kind == Op::kDelInstance) last[op.id] = k;
      ++k;
    }
  std::unordered_set<std::string> lists = whole;
  for (const auto& [id, at] : last) lists.erase(std::string(id));
  k = 0;
  for (const JournalEntry* e : applied)
    for (const Op& op : e->ops) {
      if (op.kind == Op::kPutClaim || op.kind == Op::kDelClaim) {
        apply_op(st, op, &lists);
      } else if (op.kind == Op::kPutInstance || op.kind == Op::kDelInstance) {
        const std::string& id = op.kind == Op::kPutInstance ? op.instance.id : op.id;
        if (last.at(id) == k && whole.count(id)) lists.insert(id);
      }
      ++k;
    }
}

// The instances of a load that does not start from a recalled state: those
// of the image (the picked ones, unless `every`), then the journal's changes
// (*whole: as apply_instances).
bool read_image_instances(const CacheImage& img, const InstancePick& pick,
                          const JournalInstances& journal,
                          const std::vector<const JournalEntry*>& applied, State* st,
                          std::vector<RecordSpan>* spans, std::unordered_set<std::string>* whole) {
  std::vector<IdProject> census;
  if (!img.read_top(st) || !(pick.every ? read_instances(img, st, spans)
                                        : read_picked_instances(img, pick, st, spans, &census)))
    return false;
  apply_instances(applied, st, whole);
  if (st->partial) st->projects = partial_projects(census, journal);
  return true;
}

}  // namespace

// The focused load: instances from the mapped cache (claim lists only for
// the instances the focus names), the journal's instance changes, then only
// the claims the focus keeps, then the journal's claim changes. *focused is
// false when the files are not in the shape it needs (no valid cache, a
// journal far ahead of it or foreign, playbook notes to migrate): the caller
// then loads it all. When the checkpoint, the cache file and the journal are
// those of the last focused load and its state was recalled, the instances
// (and the journal's changes to them) are that state's.
Status FileStore::load_focused_locked(const FocusPlanner& plan, const InstancePick& pick, State* s,
                                      LoadInfo* info, FocusInfo* fi, bool* focused) {
  *focused = false;                     // (used_recalled_ was reset by the caller)
  LastFocused last = std::move(last_);  // used once, whatever happens
  last_ = LastFocused{};
  bool have_state = false;
  AIO_RETURN_IF_ERROR(stat_state(info, &have_state));
  if (!have_state) return Status::ok();
  bool same_cache = reuse_cache(*info, last);
  if (same_cache) {
    fi->cache = last.cache;
  } else {
    auto cache = std::make_shared<CacheFile>();
    if (!cache->open(cache_path_, info->state_id)) return Status::ok();
    fi->cache = std::move(cache);
  }
  const CacheHeader& h = fi->cache->header();
  const CacheImage& img = fi->cache->image();
  info->cache_valid = true;
  info->cache_offset = h.journal_offset;
  info->journal.end = h.journal_offset;
  // The same checkpoint and cache: the journal up to the last load's end is
  // as that load decoded it (a checkpoint alone empties it; a repair cuts
  // only a torn tail past the lines read).
  if (same_cache && last.journal_end >= h.journal_offset && !last.entries.empty()) {
    fi->entries = std::move(last.entries);
    info->journal.end = last.journal_end;
  }
  bool cut = false;
  AIO_RETURN_IF_ERROR(journal_.read(&info->journal, &fi->entries, &cut));
  if (cut || info->journal.end - info->cache_offset > opts_.cache_lag_bytes) return Status::ok();
  if (h.sections.notes.count != 0) return Status::ok();
  uint64_t seq = h.seq;
  fi->applied = journal_.continuing(fi->entries, &seq, &info->journal_foreign);
  if (info->journal_foreign) return Status::ok();

  State st;
  std::vector<RecordSpan> spans;
  bool reused = false;
  // What the journal does to instances, for a state that leaves some out.
  JournalInstances journal;
  if (!pick.every) journal = journal_instances(fi->applied);
  // A recalled state holds what this load would: it left out no instance,
  // or it left out what this one may (the same pick).
  if (same_cache && last.state && info->journal.end == last.journal_end && seq == last.seq &&
      (!last.state->partial || last.pick == pick)) {
    st = std::move(*last.state);
    spans = std::move(last.spans);
    fi->whole = std::move(last.whole);
    reused = true;
  } else if (!read_image_instances(img, pick, journal, fi->applied, &st, &spans, &fi->whole)) {
    return Status::ok();
  }
  fi->focus = plan(st);
  std::vector<std::string_view> named(fi->focus.whole_instances.begin(),
                                      fi->focus.whole_instances.end());
  if ((st.partial && !add_instances(img, spans, named, journal, fi->applied, &st)) ||
      !read_claims_lists(img, spans, fi->focus, &st, &fi->whole) ||
      !read_kept_claims(img, fi->focus, &st, &fi->kept))
    return Status::ok();
  apply_claims(fi->applied, &st, fi->whole);
  // A claim's holder is never missing from a partial state: it would read
  // as a dead instance, its claim as one that binds nobody.
  if (st.partial && !add_instances(img, spans, holders(st), journal, fi->applied, &st))
    return Status::ok();
  st.seq = seq;
  // (The entries are handed over by the caller once done: keep_entries.)
  last_ = LastFocused{fi->cache,           info->state_id,
                      info->journal.end,   seq,
                      st.instances.size(), st.partial ? pick : InstancePick{},
                      std::move(spans),    fi->whole,
                      std::nullopt,        {}};
  *s = std::move(st);
  *focused = true;
  used_recalled_ = reused;
  return Status::ok();
}

void FileStore::keep_entries(FocusInfo* fi) {
  if (last_.cache && last_.cache == fi->cache) last_.entries = std::move(fi->entries);
}

// Is state.cache still the file the last focused load mapped, for the same
// checkpoint?
bool FileStore::reuse_cache(const LoadInfo& info, const LastFocused& last) const {
  struct stat st;
  return last.cache && last.state_id == info.state_id && stat(cache_path_.c_str(), &st) == 0 &&
         file_id(st) == last.cache->id();
}

void FileStore::recall(State first) {
  // Only a state as the last focused load returned it: same seq, and every
  // instance still there (its claims are left out: the next load reads
  // them afresh).
  if (!last_.cache || first.seq != last_.seq || first.instances.size() != last_.instances) return;
  first.claims.clear();
  last_.state = std::move(first);
}

Status FileStore::update_focused(const FocusPlanner& plan, const std::function<Status(Txn&)>& fn,
                                 const InstancePick& pick) {
  used_recalled_ = false;
  auto lock = FileLock::acquire(lock_path_, true);
  if (!lock) return lock.status();
  // Only a journal append can commit a focused transaction: small states
  // are checkpointed on every write, which needs the whole state.
  State s;
  HandOff spent(&s, opts_.spent);
  LoadInfo info;
  bool have_state = false;
  AIO_RETURN_IF_ERROR(stat_state(&info, &have_state));
  if (!have_state || info.state_size < opts_.checkpoint_every_write_bytes) return update_locked(fn);
  auto whole = [&] {  // the transaction on the whole state instead
    used_recalled_ = false;
    return update_locked(fn);
  };
  FocusInfo fi;
  struct KeepEntries {  // however this returns, the next load reads on from here
    FileStore* store;
    FocusInfo* fi;
    ~KeepEntries() { store->keep_entries(fi); }
  } keep{this, &fi};
  bool focused = false;
  AIO_RETURN_IF_ERROR(load_focused_locked(plan, pick, &s, &info, &fi, &focused));
  if (!focused) return whole();
  Txn txn(&s);
  AIO_RETURN_IF_ERROR(fn(txn));  // a refusal on the focused state is the same refusal
  AIO_RETURN_IF_ERROR(check_ops_text(txn.ops()));
  AIO_RETURN_IF_ERROR(check_notes_text(txn.notes()));
  if (txn.ops().empty()) return add_notes(txn.notes());
  std::string line = encode_journal_line(s.seq + 1, txn.ops());
  if (!focused_commit_ok(txn, fi) ||
      info.journal.end + line.size() >
          std::max<uint64_t>(opts_.min_journal_bytes, info.state_size / 2)) {
    spdlog::debug("store: focused transaction needs the whole state; running it again");
    return whole();
  }
  s.seq += 1;
  AIO_RETURN_IF_ERROR(journal_.append(line, info.journal));
  uint64_t end = info.journal.end + line.size();
  if (end - info.cache_offset > opts_.cache_lag_bytes) patch_cache(fi, txn, info, s.seq, end);
  spdlog::debug("store: committed seq {} ({} ops, focused journal)", s.seq, txn.ops().size());
  return add_notes(txn.notes());
}

// Can txn's ops be committed on top of the focused state they were made
// on? Claims and heartbeats are self-contained; an instance only when it
// was loaded whole; a new claim id must not belong to a claim left out (one
// the image holds that the focus did not keep).
bool FileStore::focused_commit_ok(const Txn& txn, const FocusInfo& fi) {
  for (const Op& op : txn.ops()) {
    if (op.kind == Op::kDelInstance) return false;
    if (op.kind == Op::kPutInstance && !fi.whole.count(op.instance.id)) return false;
    if (op.kind != Op::kPutClaim) continue;
    // No claim was looked at under Focus::none(): any id may be taken.
    if (fi.focus.no_claims) return false;
    std::string_view id = op.claim.id;
    bool in_image = true;
    if (!fi.cache->image().find_claim(id, &in_image)) return false;
    if (in_image && !std::binary_search(fi.kept.begin(), fi.kept.end(), id)) return false;
  }
  return true;
}

// Brings the cache up to the line just appended by patching in the
// journal's ops and txn's (best effort, like every cache write).
void FileStore::patch_cache(const FocusInfo& fi, const Txn& txn, const LoadInfo& info, uint64_t seq,
                            uint64_t journal_end) {
  std::vector<const Op*> ops;
  for (const JournalEntry* e : fi.applied)
    for (const Op& op : e->ops) ops.push_back(&op);
  for (const Op& op : txn.ops()) ops.push_back(&op);
  CachePayload p;
  if (!fi.cache->image().patch(ops, &p)) return;
  write_cache_file(cache_path_, ".tmp", p, info.state_id, seq, journal_end);
  spdlog::debug("store: cache patched to seq {} ({} ops)", seq, ops.size());
}

}  // namespace aio
