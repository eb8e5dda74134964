#include "core/store.h"

#include "core/journal_codec.h"

namespace aio {
namespace {

Op make_op(Op::Kind kind, const std::string& id) {
  Op op;
  op.kind = kind;
  op.id = id;
  return op;
}

}  // namespace

Focus Focus::none() {
  Focus f;
  f.keep = [](std::string_view, ClaimType, std::string_view) { return false; };
  f.no_claims = true;
  return f;
}

void Txn::put_instance(const Instance& i) {
  s_->instances[i.id] = i;
  Op op = make_op(Op::kPutInstance, "");
  op.instance = i;
  ops_.push_back(std::move(op));
}

// The op is made before erasing: `id` may be the key of the entry erased.
void Txn::del_instance(const std::string& id) {
  ops_.push_back(make_op(Op::kDelInstance, id));
  s_->instances.erase(ops_.back().id);
}

// Claim ops go through apply_op, which keeps the instances' `claims` lists
// the way every reader of the journal will.
void Txn::put_claim(const Claim& c) {
  Op op = make_op(Op::kPutClaim, "");
  op.claim = c;
  apply_op(s_, op);
  ops_.push_back(std::move(op));
}

// The op is made before erasing: `id` may be the key of the entry erased.
void Txn::del_claim(const std::string& id) {
  Op op = make_op(Op::kDelClaim, id);
  if (auto it = s_->claims.find(id); it != s_->claims.end()) op.owner = it->second.instance_id;
  apply_op(s_, op);
  ops_.push_back(std::move(op));
}

void Txn::heartbeat(const std::string& id, int64_t at) {
  auto it = s_->instances.find(id);
  if (it == s_->instances.end()) return;
  it->second.last_heartbeat = at;
  Op op = make_op(Op::kHeartbeat, id);
  op.time = at;
  ops_.push_back(std::move(op));
}

}  // namespace aio
