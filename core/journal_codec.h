// Journal lines: one transaction each, {"seq":N,"ops":[...]}\n, the records
// in them as codec.h writes them (keys in layout order, see model.h).
//
// Decoding tries a hand-written decoder of exactly what encode_journal_line
// writes first (ISO times, plain integers, the escapes append_json_string
// writes, keys in layout order, no unknown fields); on anything else it gives
// up and the JSON parser decides, so both always agree.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace aio {

// One journal transaction: the operations that turn state seq-1 into seq.
// A claim op also keeps its instance's `claims` list (the playbook's schema):
// putClaim adds the claim's id to its instance's list, delClaim takes it out
// of its owner's, so a claim's line need not carry the instance. Journals
// written before that put the instance after the claim ops (the same list).
struct Op {
  enum Kind { kPutInstance, kDelInstance, kPutClaim, kDelClaim, kHeartbeat };
  Kind kind = kPutInstance;
  std::string id;     // for kDel*, kHeartbeat
  int64_t time = 0;   // for kHeartbeat
  Instance instance;  // for kPutInstance
  Claim claim;        // for kPutClaim
  std::string owner;  // for kDelClaim: the claim's instance ("" in older journals)
};
std::string encode_journal_line(uint64_t seq, const std::vector<Op>& ops);
Status decode_journal_line(std::string_view line, uint64_t* seq, std::vector<Op>* ops);
// The two halves of decode_journal_line, for tests: a hand-written decoder of
// exactly what encode_journal_line writes (false: not in that shape, e.g. a
// record with unknown fields), and the general JSON one. Where the fast one
// succeeds both give the same ops.
bool decode_journal_line_fast(std::string_view line, uint64_t* seq, std::vector<Op>* ops);
Status decode_journal_line_json(std::string_view line, uint64_t* seq, std::vector<Op>* ops);
// Applies ops to the state (idempotent: a put replaces, a missing del is a
// no-op, an id already in a `claims` list is not added twice). A delClaim
// without an owner finds it in the state's claim. With `lists`, only the
// `claims` lists of the instances it names follow claim ops (a focused
// state leaves the other lists empty).
void apply_ops(State* s, const std::vector<Op>& ops);
void apply_op(State* s, const Op& op, const std::unordered_set<std::string>* lists = nullptr);

// The records ops change, for stores that rewrite records one by one (the
// cache patch, etcd): the instances put, deleted or given a heartbeat, the
// claims put or deleted, and the instances whose `claims` lists the claim
// ops change as far as the ops name them (a delClaim of an older journal
// names none: add the owner of the claim as it stood).
struct Touched {
  std::set<std::string> instances, claims, owners;
  void add(const Op& op);
};

}  // namespace aio
