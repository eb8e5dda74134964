// One scanner for the line files (journal.jsonl, context.jsonl). Only
// complete lines are visited: a last line without its newline is a torn tail
// (its writer died before acknowledging it) and is never read as data.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace aio {

struct Line {
  std::string_view text;  // without its '\n'
  size_t number = 0;      // 1-based
  size_t begin = 0;       // offset of its first byte
  size_t end = 0;         // offset just past its '\n'
};

// Calls fn(const Line&) -> Status for each complete line of data, in order,
// and stops at the first failure, which it returns. *complete, when given,
// is set to the offset just past the last complete line (where a torn tail
// begins; data.size() when there is none).
template <typename Fn>
Status for_each_line(std::string_view data, Fn&& fn, size_t* complete = nullptr) {
  Line line;
  while (line.end < data.size()) {
    size_t nl = data.find('\n', line.end);
    if (nl == std::string_view::npos) break;  // a torn tail
    line.begin = line.end;
    line.end = nl + 1;
    line.text = data.substr(line.begin, nl - line.begin);
    ++line.number;
    AIO_RETURN_IF_ERROR(fn(static_cast<const Line&>(line)));
  }
  if (complete) *complete = line.end;
  return Status::ok();
}

}  // namespace aio
