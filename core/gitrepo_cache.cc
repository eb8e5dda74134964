#include "core/gitrepo_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/fileio.h"
#include "core/path.h"

namespace aio {
namespace {

using Json = nlohmann::json;

constexpr int kVersion = 2;
constexpr size_t kMaxEntries = 64;

// What a file looked like: its identity, or that it was not there.
struct Witness {
  std::string path;
  bool exists = false;
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const Witness&) const = default;
};

Witness observe(const std::string& path, bool follow) {
  Witness w;
  w.path = path;
  struct stat st;
  if ((follow ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) != 0) return w;
  w.exists = true;
  w.dev = st.st_dev;
  w.ino = st.st_ino;
  if (!S_ISDIR(st.st_mode)) {  // git changes a .git directory's mtime all the time
    w.size = static_cast<uint64_t>(st.st_size);
    w.mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  }
  return w;
}

std::string env_path(const char* var, const char* rest) {
  const char* v = getenv(var);
  return v && *v ? normalize_absolute(std::string(v) + rest) : "";
}

// Every file the facts of the work tree whose `.git` is in `holder` were
// read from (see the header).
std::vector<Witness> witnesses(const std::string& holder, const std::optional<RepoFacts>& f) {
  std::vector<Witness> out{observe(join_root(holder, ".git"), false)};
  if (f) {
    for (const char* name : {"config", "config.worktree", "commondir"})
      out.push_back(observe(join_root(f->git_dir, name), true));
    out.push_back(observe(join_root(f->common_dir, "config"), true));
  }
  std::string xdg = env_path("XDG_CONFIG_HOME", "/git/config");
  if (xdg.empty()) xdg = env_path("HOME", "/.config/git/config");
  for (const std::string& p : {env_path("HOME", "/.gitconfig"), xdg, std::string("/etc/gitconfig")})
    if (!p.empty()) out.push_back(observe(p, true));
  return out;
}

Json to_json(const std::optional<RepoFacts>& f, const std::vector<Witness>& ws) {
  Json w = Json::array();
  for (const auto& x : ws) w.push_back({x.path, x.exists, x.dev, x.ino, x.size, x.mtime_ns});
  Json facts = nullptr;
  if (f)
    facts = {{"top", f->top},
             {"gitDir", f->git_dir},
             {"commonDir", f->common_dir},
             {"linked", f->linked_worktree},
             {"main", f->main_worktree},
             {"infoExclude", f->info_exclude},
             {"excludesFile", f->excludes_file},
             {"aioStore", f->aio_store ? Json(*f->aio_store) : Json(nullptr)}};
  return {{"facts", facts}, {"witness", w}};
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool parse_witness(const Json& x, Witness* w) {
  if (!x.is_array() || x.size() != 6 || !x[0].is_string() || !x[1].is_boolean()) return false;
  for (size_t k = 2; k < 6; ++k)
    if (!x[k].is_number_integer()) return false;
  *w = {x[0].get<std::string>(), x[1].get<bool>(),     x[2].get<uint64_t>(),
        x[3].get<uint64_t>(),    x[4].get<uint64_t>(), x[5].get<int64_t>()};
  return true;
}

// The entry's facts, if every witness still holds.
bool still_holds(const Json& e, const std::string& holder, std::optional<RepoFacts>* out) {
  if (!e.is_object() || !e.contains("facts") || !e.contains("witness")) return false;
  std::optional<RepoFacts> f;
  const Json& j = e["facts"];
  if (j.is_object()) {
    f.emplace();
    f->top = str(j, "top");
    f->git_dir = str(j, "gitDir");
    f->common_dir = str(j, "commonDir");
    f->linked_worktree =
        j.contains("linked") && j["linked"].is_boolean() && j["linked"].get<bool>();
    f->main_worktree = str(j, "main");
    f->info_exclude = str(j, "infoExclude");
    f->excludes_file = str(j, "excludesFile");
    if (auto it = j.find("aioStore"); it != j.end() && it->is_string())
      f->aio_store = it->get<std::string>();
    if (f->top.empty() || f->git_dir.empty() || f->main_worktree.empty()) return false;
  }
  std::vector<Witness> now = witnesses(holder, f);
  const Json& w = e["witness"];
  if (!w.is_array() || w.size() != now.size()) return false;
  for (size_t k = 0; k < now.size(); ++k) {
    Witness was;
    if (!parse_witness(w[k], &was) || !(was == now[k])) return false;
  }
  *out = std::move(f);
  return true;
}

Json read_cache(const std::string& file) {
  std::string text;
  if (!read_file(file, &text)) return Json::object();
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("version", 0) != kVersion ||
      !j.contains("entries") || !j["entries"].is_object())
    return Json::object();
  return j["entries"];
}

// Best effort: a cache that cannot be written is read through libgit2 next time.
void write_cache(const std::string& file, Json entries) {
  while (entries.size() > kMaxEntries) entries.erase(entries.begin());
  std::string text = Json{{"version", kVersion}, {"entries", std::move(entries)}}.dump() + "\n";
  std::string tmp = file + ".tmp." + std::to_string(getpid());
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  bool ok = write_all(fd.get(), text.data(), text.size(), tmp).is_ok();
  fd = Fd();
  if (!ok || rename(tmp.c_str(), file.c_str()) != 0) unlink(tmp.c_str());
}

}  // namespace

Result<std::optional<RepoFacts>> repo_facts(const std::string& dir, const std::string& cache_file) {
  std::string holder = find_dot_git(dir);
  if (holder.empty()) return std::optional<RepoFacts>();
  if (cache_file.empty()) return read_repo_facts(dir);
  Json entries = read_cache(cache_file);
  std::optional<RepoFacts> cached;
  if (auto it = entries.find(holder); it != entries.end() && still_holds(*it, holder, &cached))
    return cached;
  auto facts = read_repo_facts(dir);
  if (!facts) return facts;
  entries[holder] = to_json(*facts, witnesses(holder, *facts));
  write_cache(cache_file, std::move(entries));
  return facts;
}

}  // namespace aio
