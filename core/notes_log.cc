#include "core/notes_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/fileio.h"
#include "core/lines.h"

namespace aio {
namespace {

Status parse_note(const std::string& path, const Line& line, Note* n) {
  Json j = Json::parse(line.text, nullptr, false);
  if (j.is_discarded() || !note_from_json(j, n))
    return Status::state(path + ":" + std::to_string(line.number) + ": not a note");
  return Status::ok();
}

}  // namespace

bool note_selected(const NoteQuery& q, const Note& n) {
  if (!q.project.empty() && n.project != q.project) return false;
  if (!q.category.empty() && n.category != q.category) return false;
  return !(n.expires_at && *n.expires_at <= q.now);
}

Status NotesLog::read(std::string* data) const {
  data->clear();
  Status rs = read_file(path_, data);
  return rs || rs.code() == Code::kInvalid ? Status::ok() : rs;  // kInvalid: no log yet
}

Status NotesLog::append(const std::vector<Note>& notes, bool dedupe) const {
  auto lock = FileLock::acquire(lock_path_, true);
  if (!lock) return lock.status();
  Fd f(open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!f.valid()) return Status::sys("cannot open " + path_, errno);
  struct stat st;
  if (fstat(f.get(), &st) != 0) return Status::sys("cannot stat " + path_, errno);
  size_t end = static_cast<size_t>(st.st_size);
  char last = '\n';
  if (end > 0 && pread(f.get(), &last, 1, st.st_size - 1) != 1)
    return Status::sys("cannot read " + path_, errno);
  std::unordered_set<std::string> existing;
  if (last != '\n' || (dedupe && end > 0)) {
    std::string data;
    AIO_RETURN_IF_ERROR(read(&data));
    auto collect = [&](const Line& line) {
      Json j = dedupe ? Json::parse(line.text, nullptr, false) : Json();
      if (j.is_object() && j.contains("id") && j["id"].is_string())
        existing.insert(j["id"].get<std::string>());
      return Status::ok();
    };
    AIO_RETURN_IF_ERROR(for_each_line(data, collect, &end));
    if (end != static_cast<size_t>(st.st_size) && ftruncate(f.get(), static_cast<off_t>(end)) != 0)
      return Status::sys("cannot repair " + path_, errno);  // drop the torn tail
  }
  std::string buf;
  for (const auto& n : notes)
    if (!existing.count(n.id)) buf += encode_note_line(n);
  if (lseek(f.get(), static_cast<off_t>(end), SEEK_SET) < 0)
    return Status::sys("cannot seek " + path_, errno);
  AIO_RETURN_IF_ERROR(write_all(f.get(), buf.data(), buf.size(), path_));
  if (fdatasync(f.get()) != 0) return Status::sys("cannot fsync " + path_, errno);
  if (st.st_size == 0) AIO_RETURN_IF_ERROR(fsync_dir_of(path_));
  return Status::ok();
}

Status NotesLog::query(const NoteQuery& q, std::vector<Note>* out,
                       std::unordered_set<std::string>* seen) const {
  auto lock = FileLock::acquire(lock_path_, false);
  if (!lock) return lock.status();
  std::string data;
  AIO_RETURN_IF_ERROR(read(&data));
  std::string needle;
  if (!q.project.empty()) {
    needle = "\"project\":";
    append_json_string(&needle, q.project);
  }
  return for_each_line(data, [&](const Line& line) {
    if (line.text.empty() || line.text.find(needle) == std::string_view::npos) return Status::ok();
    Note n;
    AIO_RETURN_IF_ERROR(parse_note(path_, line, &n));
    if (note_selected(q, n) && seen->insert(n.id).second) out->push_back(std::move(n));
    return Status::ok();
  });
}

Result<size_t> NotesLog::prune(int64_t cutoff, int64_t now) const {
  auto lock = FileLock::acquire(lock_path_, true);
  if (!lock) return lock.status();
  std::string data, kept;
  AIO_RETURN_IF_ERROR(read(&data));
  size_t removed = 0;
  AIO_RETURN_IF_ERROR(for_each_line(data, [&](const Line& line) {
    if (line.text.empty()) return Status::ok();
    Note n;
    AIO_RETURN_IF_ERROR(parse_note(path_, line, &n));
    if (n.created_at < cutoff || (n.expires_at && *n.expires_at <= now))
      ++removed;
    else
      kept.append(data, line.begin, line.end - line.begin);
    return Status::ok();
  }));
  if (removed > 0) AIO_RETURN_IF_ERROR(write_file_atomic(path_, kept, 0600));
  return removed;
}

}  // namespace aio
