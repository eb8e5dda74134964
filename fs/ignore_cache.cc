#include "fs/ignore_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/path.h"

namespace aio::fs {

namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// The text of the regular file open as `fd` (at most `max` bytes read).
std::string read_all(int fd, off_t max) {
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (static_cast<off_t>(text.size()) > max) return "";
  }
  return text;
}

// `dir` relative to `prefix` (both canonical relative), nullopt when it is
// not inside.
std::optional<std::string> relative_to_rel(const std::string& prefix, const std::string& dir) {
  if (!is_within(prefix, dir)) return std::nullopt;
  if (prefix.empty()) return dir;
  return dir.size() == prefix.size() ? std::string() : dir.substr(prefix.size() + 1);
}

}  // namespace

std::shared_ptr<const IgnoreList> IgnoreCache::list_at(const std::string& path,
                                                       const std::string& base, bool in_tree) {
  int dirfd = !path.empty() && path.front() == '/' ? AT_FDCWD : source_fd_;
  int nofollow = in_tree ? AT_SYMLINK_NOFOLLOW : 0;
  struct stat st;
  if (fstatat(dirfd, path.c_str(), &st, nofollow) != 0 || !S_ISREG(st.st_mode)) {
    files_.erase(path);
    return nullptr;
  }
  auto it = files_.find(path);
  if (it != files_.end() && same_file(it->second.st, st)) return it->second.list;
  // O_NONBLOCK: what was a file a moment ago may be a FIFO by now.
  int fd =
      openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (in_tree ? O_NOFOLLOW : 0));
  if (fd < 0) return nullptr;
  std::string text;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (st.st_size > kMaxBytes)
      spdlog::warn("ignore file {} is larger than {} bytes: read as empty", path, kMaxBytes);
    else
      text = read_all(fd, kMaxBytes);
  }
  close(fd);
  if (files_.size() >= kMaxFiles) files_.clear();
  auto list = std::make_shared<const IgnoreList>(IgnoreList::parse(text, base));
  files_[path] = Entry{st, list};
  return list;
}

bool IgnoreCache::ignored(const std::string& rel, bool is_dir) {
  if (opts_.git_dir.empty()) return is_gitignored(rel, is_dir, {}, {});
  const std::string& prefix = opts_.prefix;
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const IgnoreList>> held;  // alive until the answer
  auto lookup = [&](const std::string& dir) -> const IgnoreList* {
    std::shared_ptr<const IgnoreList> l;
    if (auto in = relative_to_rel(prefix, dir)) {  // in the source: through its descriptor
      l = list_at(in->empty() ? ".gitignore" : *in + "/.gitignore", dir, true);
    } else {  // above it, in the work tree
      l = list_at(join_root(opts_.top, dir) + "/.gitignore", dir, true);
    }
    held.push_back(l);
    return l.get();
  };
  auto info = list_at(
      opts_.info_exclude.empty() ? opts_.git_dir + "/info/exclude" : opts_.info_exclude, "", false);
  auto global = opts_.excludes_file.empty() ? nullptr : list_at(opts_.excludes_file, "", false);
  return is_gitignored(join_rel(prefix, rel), is_dir, lookup, {info.get(), global.get()});
}

}  // namespace aio::fs
