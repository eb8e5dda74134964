#include "core/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/fileio.h"
#include "core/lines.h"

namespace aio {
namespace {

// The bytes of fd from `from` to its end (as far as they can be read).
Status read_from(int fd, uint64_t from, uint64_t size, const std::string& path, std::string* data) {
  data->assign(size - from, '\0');
  size_t got = 0;
  while (got < data->size()) {
    ssize_t n = pread(fd, data->data() + got, data->size() - got, static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::sys("cannot read " + path, errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  data->resize(got);
  return Status::ok();
}

}  // namespace

Status Journal::read(JournalPos* pos, std::vector<JournalEntry>* out, bool* cut) const {
  *cut = false;
  Fd f(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) {
    pos->size = 0;
    if (errno != ENOENT) return Status::sys("cannot open " + path_, errno);
    *cut = pos->end > 0;
    return Status::ok();
  }
  struct stat st;
  if (fstat(f.get(), &st) != 0) return Status::sys("cannot stat " + path_, errno);
  pos->size = static_cast<uint64_t>(st.st_size);
  uint64_t from = pos->end;
  *cut = from > pos->size;
  if (from >= pos->size) return Status::ok();
  std::string data;
  AIO_RETURN_IF_ERROR(read_from(f.get(), from, pos->size, path_, &data));
  return for_each_line(data, [&](const Line& line) {
    if (!line.text.empty()) {
      JournalEntry e;
      if (Status d = decode_journal_line(line.text, &e.seq, &e.ops); !d)
        return Status::state(path_ + " at byte " + std::to_string(from + line.begin) + ": " +
                             d.message());
      out->push_back(std::move(e));
    }
    pos->end = from + line.end;
    return Status::ok();
  });
}

Status Journal::append(std::string_view line, const JournalPos& pos) const {
  Fd f(open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!f.valid()) return Status::sys("cannot open " + path_, errno);
  if (pos.size > pos.end && ftruncate(f.get(), static_cast<off_t>(pos.end)) != 0)
    return Status::sys("cannot repair " + path_, errno);
  if (lseek(f.get(), static_cast<off_t>(pos.end), SEEK_SET) < 0)
    return Status::sys("cannot seek " + path_, errno);
  AIO_RETURN_IF_ERROR(write_all(f.get(), line.data(), line.size(), path_));
  if (fdatasync(f.get()) != 0) return Status::sys("cannot fsync " + path_, errno);
  if (pos.size == 0) AIO_RETURN_IF_ERROR(fsync_dir_of(path_));
  return Status::ok();
}

Status Journal::clear() const {
  if (truncate(path_.c_str(), 0) != 0 && errno != ENOENT)
    return Status::sys("cannot truncate " + path_, errno);
  return Status::ok();
}

std::vector<const JournalEntry*> Journal::continuing(const std::vector<JournalEntry>& entries,
                                                     uint64_t* seq, bool* foreign) const {
  std::vector<const JournalEntry*> out;
  for (const auto& e : entries) {
    if (*foreign || e.seq <= *seq) continue;
    if (e.seq != *seq + 1) {
      spdlog::warn("store: {} does not continue the checkpoint (seq {} after {}); ignoring it",
                   path_, e.seq, *seq);
      *foreign = true;
      continue;
    }
    out.push_back(&e);
    *seq = e.seq;
  }
  return out;
}

}  // namespace aio
