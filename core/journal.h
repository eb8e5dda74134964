// journal.jsonl: the transactions since the checkpoint (state.json), one line
// each (journal_codec.h), appended and fsynced under the state lock. A last
// line without its newline is a torn tail, from a writer that died before
// acknowledging it: readers ignore it and the next append cuts it off.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal_codec.h"
#include "core/status.h"

namespace aio {

// One line: the ops that turn state seq-1 into seq.
struct JournalEntry {
  uint64_t seq = 0;
  std::vector<Op> ops;
};

// How far a reader got.
struct JournalPos {
  uint64_t end = 0;   // just past the last complete line read
  uint64_t size = 0;  // of the file, torn tail included
};

class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // The complete lines from pos->end on, appended to *out (pos->end advanced
  // past them, pos->size set). *cut: the file is shorter than pos->end (it
  // was cut behind the reader's back, e.g. by a checkpoint). A line that
  // does not decode is a kState error naming the file and the byte offset.
  Status read(JournalPos* pos, std::vector<JournalEntry>* out, bool* cut) const;
  // Appends line at pos.end (cutting what lies beyond it: a torn tail), then
  // fdatasync; a new file's directory is fsynced too.
  Status append(std::string_view line, const JournalPos& pos) const;
  // Empties the journal (its lines are all in a new checkpoint).
  Status clear() const;
  // The entries that continue a state at *seq, in order (advancing *seq). A
  // line that does not continue it was written against another checkpoint
  // (state.json was replaced by hand): the checkpoint wins, as its author
  // intended, and the rest of the journal is ignored (*foreign is set).
  std::vector<const JournalEntry*> continuing(const std::vector<JournalEntry>& entries,
                                              uint64_t* seq, bool* foreign) const;

 private:
  std::string path_;
};

}  // namespace aio
