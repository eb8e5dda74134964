// context.jsonl: the context notes, one line each (encode_note_line; project
// before content, so a query skips other projects' lines without parsing
// them), appended under context.lock and rewritten only by prune. A last
// line without its newline is a torn tail (a writer died before
// acknowledging it): readers ignore it and the next append cuts it off.
// Append, query and prune read the log with one line scanner (lines.h).
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "core/store.h"

namespace aio {

// Whether q selects n.
bool note_selected(const NoteQuery& q, const Note& n);

class NotesLog {
 public:
  NotesLog(std::string path, std::string lock_path)
      : path_(std::move(path)), lock_path_(std::move(lock_path)) {}

  // Appends the notes and fdatasyncs. With dedupe, leaves out the ids the
  // log already has (for a migration that may run again after a crash).
  Status append(const std::vector<Note>& notes, bool dedupe) const;
  // Appends to *out, in log order, the notes q selects whose ids *seen does
  // not hold yet (and adds their ids). A line that is not a note is a kState
  // error naming the file and the line.
  Status query(const NoteQuery& q, std::vector<Note>* out,
               std::unordered_set<std::string>* seen) const;
  // Removes the notes created before `cutoff` or expired at `now`; returns
  // how many.
  Result<size_t> prune(int64_t cutoff, int64_t now) const;

 private:
  // The whole log into *data (no log: empty).
  Status read(std::string* data) const;

  std::string path_, lock_path_;
};

}  // namespace aio
