// JSON codec for the hot state (state.json, playbook schema), its records
// and context-log lines. Journal lines have their own header
// (journal_codec.h, included here for the code that knew them from here).
//
// Records are written and read as their layouts say (model.h, record.h).
// Decoding is tolerant of what the original bash tool wrote (numbers or ISO
// strings for times, missing optional fields, claim targets such as
// "src/auth/" or absolute paths, which are canonicalised on load) and keeps
// unknown fields in `extra`. Encoding writes known fields in a fixed order,
// then the unknown ones, so a round trip loses nothing. Structural errors
// ("instances is not an object") come back as kState with the reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal_codec.h"
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

// The functions above, for any record R of model.h: its fields in layout
// order, then `extra`; decoding ends with fix_up(R*).
template <typename R>
void append_record_json(std::string* out, const R& r);
template <typename R>
Status record_from_json(const Json& j, R* out);

// Appends s as a JSON string literal (quoted, escaped).
void append_json_string(std::string* out, std::string_view s);

// How the record decoders read one value (FieldKind says which applies).
std::string json_text(const Json& v);             // a string's text, else its JSON
std::optional<int64_t> json_int(const Json& v);   // integers, doubles, numeric strings
std::optional<int64_t> json_time(const Json& v);  // ISO, numbers (ms when > 1e11), numeric strings

}  // namespace aio
