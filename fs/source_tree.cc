#include "fs/source_tree.h"

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

std::vector<std::string> SourceTree::entries_beneath(const std::string& dir) const {
  std::vector<std::string> found;
  walk(dir, [&](const std::string& path, int, const struct dirent*) {
    found.push_back(path);
    return true;
  });
  return found;
}

std::vector<std::string> SourceTree::other_names(const struct stat& want,
                                                 const std::string& rel) const {
  std::vector<std::string> found;
  walk("", [&](const std::string& path, int dfd, const struct dirent* e) {
    if (e->d_type != DT_DIR && e->d_ino == want.st_ino && path != rel) {
      struct stat st;
      if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == want.st_dev &&
          st.st_ino == want.st_ino)
        found.push_back(path);
    }
    return found.size() + 1 < static_cast<size_t>(want.st_nlink);
  });
  return found;
}

void SourceTree::walk(const std::string& top, const Visit& visit) const {
  size_t visited = 0;
  // Iterative depth-first walk of the source tree through *at() calls.
  std::vector<std::string> todo{top};
  while (!todo.empty() && visited < kMaxWalk) {
    std::string dir = std::move(todo.back());
    todo.pop_back();
    int fd = openat(source_fd_, dir.empty() ? "." : dir.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    DIR* d = fdopendir(fd);
    if (!d) {
      close(fd);
      continue;
    }
    while (struct dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      ++visited;
      std::string path = dir.empty() ? e->d_name : dir + "/" + e->d_name;
      if (!visit(path, dirfd(d), e)) {
        closedir(d);
        return;
      }
      if (e->d_type == DT_DIR) todo.push_back(std::move(path));
    }
    closedir(d);
  }
}

}  // namespace aio::fs
