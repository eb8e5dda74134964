#include "core/gitrepo.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include <git2.h>

#include "core/path.h"

namespace aio {

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // aio only reads where a repository and its work trees are, never runs
    // anything a repository's configuration names, so a repository owned by
    // another user (a root shell in a user's checkout) is read as any other.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  });
}

namespace {

struct RepoFree {
  void operator()(git_repository* r) const { git_repository_free(r); }
};
using Repo = std::unique_ptr<git_repository, RepoFree>;

struct ConfigFree {
  void operator()(git_config* c) const { git_config_free(c); }
};

std::string git_message(const std::string& what) {
  const git_error* e = git_error_last();
  return what + " (" + (e && e->message ? e->message : "libgit2 gave no reason") + ")";
}

// A path libgit2 returned ("/a/b/"), as aio spells paths ("/a/b").
std::string clean(const char* p) {
  return p ? normalize_absolute(p) : std::string();
}

// `dir`, or its nearest ancestor that is a directory.
std::string existing_ancestor(std::string dir) {
  struct stat st;
  while (dir != "/" && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    size_t slash = dir.rfind('/');
    dir = slash == 0 ? "/" : dir.substr(0, slash);
  }
  return dir;
}

// git's user-level ignore file when core.excludesFile is not set.
std::string default_excludes_file() {
  const char* xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return normalize_absolute(std::string(xdg) + "/git/ignore");
  const char* home = getenv("HOME");
  return home && *home ? normalize_absolute(std::string(home) + "/.config/git/ignore") : "";
}

// What the facts take from the repository's configuration (every level).
void read_config_facts(git_repository* repo, RepoFacts* f) {
  f->excludes_file = default_excludes_file();
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) != 0) return;
  std::unique_ptr<git_config, ConfigFree> cfg(raw);
  git_buf buf = GIT_BUF_INIT;
  if (git_config_get_path(&buf, cfg.get(), "core.excludesFile") == 0 && buf.ptr && *buf.ptr)
    f->excludes_file = normalize_absolute(buf.ptr);
  git_buf_dispose(&buf);
  const char* store = nullptr;
  if (git_config_get_string(&store, cfg.get(), "aio.store") == 0 && store) f->aio_store = store;
}

// The main worktree of the repository whose common directory is `common`:
// its work tree, or the common directory itself when it is bare.
Result<std::string> main_worktree_of(const std::string& common) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, common.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return Status::state(git_message("cannot open the repository " + common));
  Repo main(raw);
  if (git_repository_is_bare(main.get())) return common;
  return clean(git_repository_workdir(main.get()));
}

}  // namespace

std::string find_dot_git(const std::string& dir) {
  std::string d = normalize_absolute(dir);
  struct stat st;
  for (;;) {
    std::string probe = d == "/" ? "/.git" : d + "/.git";
    if (lstat(probe.c_str(), &st) == 0) return d;
    if (d == "/") return "";
    size_t slash = d.rfind('/');
    d = slash == 0 ? "/" : d.substr(0, slash);
  }
}

Result<std::optional<RepoFacts>> read_repo_facts(const std::string& dir) {
  std::string start = existing_ancestor(normalize_absolute(dir));
  if (find_dot_git(start).empty()) return std::optional<RepoFacts>();
  init_libgit2();
  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, start.c_str(), 0, nullptr);
  if (rc == GIT_ENOTFOUND) return std::optional<RepoFacts>();
  if (rc != 0) return Status::state(git_message("cannot open the git repository at " + start));
  Repo repo(raw);
  if (git_repository_is_bare(repo.get()) || !git_repository_workdir(repo.get()))
    return std::optional<RepoFacts>();
  RepoFacts f;
  f.top = clean(git_repository_workdir(repo.get()));
  f.git_dir = clean(git_repository_path(repo.get()));
  f.common_dir = clean(git_repository_commondir(repo.get()));
  f.linked_worktree = git_repository_is_worktree(repo.get()) == 1;
  f.main_worktree = f.top;
  if (f.linked_worktree) {
    auto main = main_worktree_of(f.common_dir);
    if (!main) return main.status();
    f.main_worktree = *main;
  }
  f.info_exclude = join_root(f.common_dir, "info/exclude");
  read_config_facts(repo.get(), &f);
  return std::optional<RepoFacts>(std::move(f));
}

Result<std::optional<std::string>> git_hooks_dir(const std::string& dir) {
  auto facts = read_repo_facts(dir);
  if (!facts) return facts.status();
  if (!*facts) return std::optional<std::string>();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, (*facts)->top.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH,
                              nullptr) != 0)
    return Status::state(git_message("cannot open the git repository at " + (*facts)->top));
  Repo repo(raw);
  git_config* cfg_raw = nullptr;
  if (git_repository_config_snapshot(&cfg_raw, repo.get()) != 0)
    return Status::state(git_message("cannot read the configuration of " + (*facts)->top));
  std::unique_ptr<git_config, ConfigFree> cfg(cfg_raw);
  git_buf buf = GIT_BUF_INIT;
  std::string set;
  if (git_config_get_path(&buf, cfg.get(), "core.hooksPath") == 0 && buf.ptr) set = buf.ptr;
  git_buf_dispose(&buf);
  if (set.empty()) return std::optional<std::string>(join_root((*facts)->common_dir, "hooks"));
  if (set.front() != '/') set = (*facts)->top + "/" + set;
  return std::optional<std::string>(normalize_absolute(set));
}

}  // namespace aio
