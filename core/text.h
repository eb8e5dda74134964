// JSON holds text, not bytes: a string that is not UTF-8 would be written as
// it is and then refused by every parser, making state.json (or a log)
// unreadable. So no such string is ever stored: the store checks every
// string field (as the record layouts name them) of what it is about to write
// and refuses the whole write with kInvalid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/journal_codec.h"
#include "core/model.h"
#include "core/status.h"

namespace aio {

// Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view s);
// The first position at or after `pos` of a byte that ends a plain run of a
// JSON string's text (a quote, a backslash or a control character), or
// s.size(): eight bytes at a time.
size_t json_plain_end(std::string_view s, size_t pos);
// At most about `max` bytes of `s`, safe to show in a message, a log line or
// a record of bad input: printable ASCII and well-formed UTF-8 kept, every
// other byte (controls, escapes, broken UTF-8) shown as \xNN, and "…" added
// when it was cut. Text it has shown passes again unchanged if it fits.
std::string excerpt(std::string_view s, size_t max = 40);
// ok, or kInvalid "<what> '<s, bytes outside ASCII shown as \xNN>' is not valid UTF-8".
Status check_text(std::string_view what, std::string_view s);
// Every string of the records the ops put, and every id they name.
Status check_ops_text(const std::vector<Op>& ops);
Status check_notes_text(const std::vector<Note>& notes);

}  // namespace aio
