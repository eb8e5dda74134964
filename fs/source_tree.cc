#include "fs/source_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace aio::fs {

std::optional<bool> SourceTree::is_directory(const std::string& rel) const {
  struct stat st;
  if (fstatat(source_fd_, rel.empty() ? "." : rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return std::nullopt;
  return S_ISDIR(st.st_mode);
}

SourceTree::Found SourceTree::entries_beneath(const std::string& dir) const {
  Found found;
  found.complete = walk(dir, [&](const std::string& path, int, const struct dirent*) {
    found.paths.push_back(path);
    return true;
  });
  return found;
}

bool SourceTree::leads_to(const std::string& rel, const struct stat& want) const {
  struct stat st;
  return fstatat(source_fd_, rel.empty() ? "." : rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         st.st_dev == want.st_dev && st.st_ino == want.st_ino;
}

SourceTree::Found SourceTree::other_names(const struct stat& want, const std::string& rel,
                                          bool rel_is_name) const {
  Found found;
  bool dir = S_ISDIR(want.st_mode);
  size_t names = dir ? 1 : static_cast<size_t>(want.st_nlink);
  size_t known = rel_is_name ? 1 : 0;
  if (known >= names) return found;
  bool all = false;
  bool read_all = walk("", [&](const std::string& path, int dfd, const struct dirent* e) {
    bool kind_fits = e->d_type == DT_UNKNOWN || (e->d_type == DT_DIR) == dir;
    if (kind_fits && e->d_ino == want.st_ino && path != rel) {
      struct stat st;
      if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == want.st_dev &&
          st.st_ino == want.st_ino)
        found.paths.push_back(path);
    }
    all = found.paths.size() + known >= names;
    return !all;
  });
  found.complete = read_all || all;
  return found;
}

bool SourceTree::walk(const std::string& top, const Visit& visit) const {
  size_t visited = 0;
  bool whole = true;
  // Iterative depth-first walk of the source tree through *at() calls.
  std::vector<std::string> todo{top};
  while (!todo.empty()) {
    if (visited >= kMaxWalk) return false;
    std::string dir = std::move(todo.back());
    todo.pop_back();
    int fd = openat(source_fd_, dir.empty() ? "." : dir.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
    if (!d) {
      // Gone meanwhile (or replaced by a non-directory) hides nothing.
      if (errno != ENOENT && errno != ENOTDIR) whole = false;
      if (fd >= 0) close(fd);
      continue;
    }
    while (struct dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      ++visited;
      std::string path = dir.empty() ? e->d_name : dir + "/" + e->d_name;
      if (!visit(path, dirfd(d), e)) {
        closedir(d);
        return true;
      }
      if (e->d_type == DT_DIR) todo.push_back(std::move(path));
    }
    closedir(d);
  }
  return whole;
}

}  // namespace aio::fs
