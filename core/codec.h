// JSON codec for the hot state (state.json, playbook schema), its records,
// journal transactions and context-log lines.
//
// Decoding is tolerant of what the original bash tool wrote (numbers or ISO
// strings for times, missing optional fields, claim targets such as
// "src/auth/" or absolute paths, which are canonicalised on load) and keeps
// unknown fields in `extra`. Encoding writes known fields in a fixed order,
// then the unknown ones, so a round trip loses nothing. Structural errors
// ("instances is not an object") come back as kState with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace aio {

// state.json <-> State. `seq` travels as the extension field "aioSeq".
Result<State> parse_state_json(std::string_view text);
std::string encode_state_json(const State& s);

Status instance_from_json(const Json& j, Instance* out);
Status claim_from_json(const Json& j, Claim* out);
Status note_from_json(const Json& j, Note* out);
// Compact single-line JSON of one record.
void append_instance_json(std::string* out, const Instance& i);
void append_claim_json(std::string* out, const Claim& c);
// A context-log line: {"id":..,"project":..,"category":..,...}\n, keys in this
// order so readers can prefilter lines by project without parsing them.
std::string encode_note_line(const Note& n);

// Appends s as a JSON string literal (quoted, escaped).
void append_json_string(std::string* out, std::string_view s);

// One journal transaction: the operations that turn state seq-1 into seq.
struct Op {
  enum Kind { kPutInstance, kDelInstance, kPutClaim, kDelClaim, kHeartbeat };
  Kind kind = kPutInstance;
  std::string id;  // for kDel*, kHeartbeat
  int64_t time = 0;  // for kHeartbeat
  Instance instance;  // for kPutInstance
  Claim claim;        // for kPutClaim
};
std::string encode_journal_line(uint64_t seq, const std::vector<Op>& ops);
Status decode_journal_line(std::string_view line, uint64_t* seq, std::vector<Op>* ops);
// The two halves of decode_journal_line, for tests: a hand-written decoder of
// exactly what encode_journal_line writes (false: not in that shape, e.g. a
// record with unknown fields), and the general JSON one. Where the fast one
// succeeds both give the same ops.
bool decode_journal_line_fast(std::string_view line, uint64_t* seq, std::vector<Op>* ops);
Status decode_journal_line_json(std::string_view line, uint64_t* seq, std::vector<Op>* ops);
// Applies ops to the state (idempotent: a put replaces, a missing del is a no-op).
void apply_ops(State* s, const std::vector<Op>& ops);
void apply_op(State* s, const Op& op);

}  // namespace aio
