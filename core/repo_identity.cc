#include "core/repo_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string_view>

#include <git2.h>

#include "core/fileio.h"
#include "core/gitrepo.h"
#include "core/path.h"

namespace aio {
namespace {

constexpr int kMaxHops = 8;

struct RepoFree {
  void operator()(git_repository* r) const { git_repository_free(r); }
};
using Repo = std::unique_ptr<git_repository, RepoFree>;
struct ConfigFree {
  void operator()(git_config* c) const { git_config_free(c); }
};
using Config = std::unique_ptr<git_config, ConfigFree>;

std::string git_message(const std::string& what) {
  const git_error* e = git_error_last();
  return what + " (" + (e && e->message ? e->message : "libgit2 gave no reason") + ")";
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// A path without doubled, leading or trailing '/' and without ".git" at the end.
std::string clean_path(std::string_view p, bool keep_root) {
  std::string out;
  for (char c : p)
    if (c != '/' || (!out.empty() && out.back() != '/') || (keep_root && out.empty())) out += c;
  auto trim = [&out] {
    while (out.size() > 1 && out.back() == '/') out.pop_back();
  };
  trim();
  if (out.size() > 4 && out.compare(out.size() - 4, 4, ".git") == 0) out.resize(out.size() - 4);
  trim();
  if (!keep_root && !out.empty() && out.front() == '/') out.erase(0, 1);
  return out;
}

// "user@host:port" as "host" (lower-cased; an IPv6 address keeps its brackets).
std::string host_of(std::string_view authority) {
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  size_t end = authority.front() == '[' ? authority.find(']') : authority.find(':');
  if (end != std::string_view::npos && authority.front() == '[') ++end;
  return lower(std::string(authority.substr(0, end)));
}

bool is_scheme(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

std::string local_path(std::string_view p) {
  std::string out = p.size() > 0 && p.front() == '/' ? normalize_absolute(p) : std::string(p);
  return clean_path(out, true);
}

// A remote URL naming a path on this machine: the path ("" when it is not one).
std::string local_remote(const std::string& url, const std::string& base) {
  if (url.rfind("file://", 0) == 0) {
    std::string_view rest = std::string_view(url).substr(7);
    size_t slash = rest.find('/');
    return slash == std::string_view::npos ? "" : normalize_absolute(rest.substr(slash));
  }
  if (url.find("://") != std::string::npos) return "";
  size_t colon = url.find(':'), slash = url.find('/');
  if (colon != std::string::npos && colon > 0 && (slash == std::string::npos || colon < slash))
    return "";  // scp-like host:path
  return url.empty() ? "" : url.front() == '/' ? normalize_absolute(url) : join_root(base, url);
}

Result<std::optional<Repo>> open_repo(const std::string& dir, bool search) {
  init_libgit2();
  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, dir.c_str(), search ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH,
                                   nullptr);
  if (rc == GIT_ENOTFOUND) return std::optional<Repo>();
  if (rc != 0) return Status::state(git_message("cannot open the git repository at " + dir));
  return std::optional<Repo>(Repo(raw));
}

// Where a repository shows: its work tree's top, else (bare) its directory.
std::string where_is(git_repository* repo) {
  const char* w = git_repository_workdir(repo);
  return normalize_absolute(w ? w : git_repository_path(repo));
}

Result<std::optional<std::string>> config_get(git_repository* repo, const std::string& key) {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) != 0)
    return Status::state(git_message("cannot read the git configuration of " + where_is(repo)));
  Config cfg(raw);
  const char* v = nullptr;
  int rc = git_config_get_string(&v, cfg.get(), key.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>();
  if (rc != 0) return Status::state(git_message("cannot read git config " + key));
  return std::optional<std::string>(v);
}

// The URL of remote `origin`, else of the only remote ("" neither), read
// from the configuration as written (remote.<name>.url). Not through
// git_remote_lookup / git_remote_list: libgit2 1.5 matches config names
// with a regular expression there and leaks pcre2's match data.
std::string remote_url(git_repository* repo) {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) != 0) return "";
  Config cfg(raw);
  std::map<std::string, std::string> urls;  // remote name -> url
  git_config_iterator* it = nullptr;
  if (git_config_iterator_new(&it, cfg.get()) != 0) return "";
  git_config_entry* e = nullptr;
  while (git_config_next(&e, it) == 0) {
    std::string_view name = e->name;  // "remote.<name>.url", names lower-cased but <name>
    if (!name.starts_with("remote.") || !name.ends_with(".url") || name.size() <= 11) continue;
    urls[std::string(name.substr(7, name.size() - 11))] = e->value ? e->value : "";
  }
  git_config_iterator_free(it);
  if (auto o = urls.find("origin"); o != urls.end()) return o->second;
  return urls.size() == 1 ? urls.begin()->second : "";
}

Result<std::string> identity_of(git_repository* repo, int hops) {
  auto set = config_get(repo, "aio.project");
  if (!set) return set.status();
  if (*set && !(*set)->empty()) return **set;
  std::string url = remote_url(repo);
  if (url.empty()) return std::string();
  std::string path = local_remote(url, where_is(repo));
  if (path.empty()) return normalise_remote_url(url);
  auto next = hops < kMaxHops ? open_repo(path, false) : std::optional<Repo>();
  if (!next || !*next) return local_path(path);  // not a repository here: known by its path
  auto id = identity_of(next->value().get(), hops + 1);
  if (!id || !id->empty()) return id;
  return local_path(where_is(next->value().get()));
}

// Makes what libgit2 wrote (a lock file renamed over the config) durable.
Status sync_file(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || fsync(fd.get()) != 0) return Status::sys("cannot sync " + path, errno);
  return fsync_dir_of(path);
}

Result<Repo> repo_to_write(const std::string& dir) {
  auto repo = open_repo(dir, true);
  if (!repo) return repo.status();
  if (!*repo) return Status::invalid(dir + " is in no git repository");
  return std::move(**repo);
}

Result<Config> local_config(git_repository* repo) {
  git_config* all = nullptr;
  if (git_repository_config(&all, repo) != 0)
    return Status::state(git_message("cannot open the git configuration of " + where_is(repo)));
  Config cfg(all);
  git_config* local = nullptr;
  if (git_config_open_level(&local, cfg.get(), GIT_CONFIG_LEVEL_LOCAL) != 0)
    return Status::state(
        git_message("cannot open the local git configuration of " + where_is(repo)));
  return Config(local);
}

Status write_config(const std::string& dir, const std::string& key,
                    const std::optional<std::string>& value) {
  auto repo = repo_to_write(dir);
  if (!repo) return repo.status();
  auto cfg = local_config(repo->get());
  if (!cfg) return cfg.status();
  int rc = value ? git_config_set_string(cfg->get(), key.c_str(), value->c_str())
                 : git_config_delete_entry(cfg->get(), key.c_str());
  if (rc == GIT_ENOTFOUND && !value) return Status::ok();
  if (rc != 0)
    return Status::state(git_message(std::string(value ? "cannot set" : "cannot unset") +
                                     " git config " + key + " of " + where_is(repo->get())));
  return sync_file(join_root(normalize_absolute(git_repository_commondir(repo->get())), "config"));
}

}  // namespace

std::string normalise_remote_url(std::string_view url) {
  while (!url.empty() && isspace(static_cast<unsigned char>(url.front()))) url.remove_prefix(1);
  while (!url.empty() && isspace(static_cast<unsigned char>(url.back()))) url.remove_suffix(1);
  size_t sep = url.find("://");
  if (sep != std::string_view::npos && is_scheme(url.substr(0, sep))) {
    std::string scheme = lower(std::string(url.substr(0, sep)));
    std::string_view rest = url.substr(sep + 3);
    size_t slash = rest.find('/');
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (scheme == "file") return local_path(path);
    std::string host = host_of(rest.substr(0, slash));
    std::string p = clean_path(path, false);
    return p.empty() ? host : host + "/" + p;
  }
  size_t colon = url.find(':'), slash = url.find('/');
  if (colon != std::string_view::npos && colon > 0 &&
      (slash == std::string_view::npos || colon < slash)) {  // scp-like [user@]host:path
    std::string host = host_of(url.substr(0, colon));
    std::string p = clean_path(url.substr(colon + 1), false);
    return p.empty() ? host : host + "/" + p;
  }
  return local_path(url);
}

Result<std::string> repo_identity(const std::string& dir) {
  std::string root = normalize_absolute(dir);
  auto repo = open_repo(root, true);
  if (!repo) return repo.status();
  if (!*repo) return std::string();
  auto id = identity_of(repo->value().get(), 0);
  if (!id || id->empty()) return id;
  auto rel = relative_to(where_is(repo->value().get()), root);
  return rel && !rel->empty() ? *id + "//" + *rel : *id;
}

Result<std::optional<std::string>> repo_config_get(const std::string& dir, const std::string& key) {
  auto repo = open_repo(normalize_absolute(dir), true);
  if (!repo) return repo.status();
  if (!*repo) return std::optional<std::string>();
  return config_get(repo->value().get(), key);
}

Status repo_config_set(const std::string& dir, const std::string& key, const std::string& value) {
  return write_config(normalize_absolute(dir), key, value);
}

Status repo_config_unset(const std::string& dir, const std::string& key) {
  return write_config(normalize_absolute(dir), key, std::nullopt);
}

}  // namespace aio
