// Which store a command uses (core/store_url.h): --store, else $AIO_STORE,
// else `git config aio.store` of the repository holding the working
// directory, else the JSON files in $AIO_HOME; and opening it
// (core/store_open.h) with what a networked store needs from this machine.
#include <cstdlib>
#include <map>
#include <mutex>

#include "cli/env.h"
#include "core/gitrepo_cache.h"
#include "core/repo_identity.h"
#include "core/store_open.h"

namespace aio::cli {
namespace {

// The project of the working directory by core/project.h's rules without
// a state (an aio mount, the git work tree's project, else the directory).
std::vector<std::string> local_projects(const Env& env) {
  auto here = locate(env.cwd, project_hints(env, nullptr));
  return {here ? here->project : env.cwd};
}

// repo_identity per project root, asked once per process ("" on error).
std::function<std::string(const std::string&)> project_ids() {
  struct Cache {
    std::mutex mu;
    std::map<std::string, std::string> ids;
  };
  auto cache = std::make_shared<Cache>();
  return [cache](const std::string& root) {
    std::lock_guard lock(cache->mu);
    auto it = cache->ids.find(root);
    if (it != cache->ids.end()) return it->second;
    auto id = repo_identity(root);
    if (!id) spdlog::warn("no project id for {}: {}", root, id.status().message());
    return cache->ids[root] = id ? *id : std::string();
  };
}

// AIO_LEASE_SECONDS: the TTL of the leases instances live under.
Status lease_seconds(int64_t* out) {
  const char* v = getenv("AIO_LEASE_SECONDS");
  if (!v || !*v) return Status::ok();
  char* end = nullptr;
  long long n = strtoll(v, &end, 10);
  if (*end != '\0' || n < 2 || n > 86400)
    return Status::invalid("AIO_LEASE_SECONDS must be a number of seconds from 2 to 86400, not '" +
                           std::string(v) + "'");
  *out = n;
  return Status::ok();
}

}  // namespace

Result<StoreUrl> select_store_url(const Env& env) {
  std::string text, source;
  const char* var = getenv("AIO_STORE");
  if (env.store_flag) {
    text = *env.store_flag;
    source = "--store";
  } else if (var && *var) {
    text = var;
    source = "AIO_STORE";
  } else {
    auto facts = repo_facts(env.cwd, env.home + "/gitfacts.json");
    if (!facts) return facts.status();
    if (*facts && (*facts)->aio_store) {
      text = *(*facts)->aio_store;
      source = "git config aio.store of " + (*facts)->top;
    }
  }
  auto url = parse_store_url(text, [](const char* name) { return getenv(name); });
  if (!url) {
    std::string fix = source == "--store" || source == "AIO_STORE"
                          ? ""
                          : "; set another with aio-init --store URL";
    return Status(url.status().code(), url.status().message() + " (from " + source + fix + ")");
  }
  url->source = source;
  return url;
}

Status open_selected_store(Env& env) {
  auto url = select_store_url(env);
  if (!url) return url.status();
  StoreSetup setup;
  setup.home = env.home;
  setup.machine_id = env.clock.machine_id;
  // A command's process exits right after it: what a transaction is done
  // with is kept until then (env.h keep_until_exit), unless it lives on.
  setup.spent = keep_until_exit;
  if (url->kind != StoreUrl::Kind::kFile) {  // what only a networked store needs
    setup.project_id = project_ids();
    setup.local_projects = local_projects(env);
    AIO_RETURN_IF_ERROR(lease_seconds(&setup.lease_seconds));
    std::string text = url->text;
    setup.ensure_keeper = [&env, text] { spawn_keeper(env, text); };
  }
  auto store = open_store(*url, setup);
  if (!store) {
    std::string from = url->source.empty() ? "" : " (from " + url->source + ")";
    return Status(store.status().code(), store.status().message() + from);
  }
  env.store_url = std::move(url).value();
  env.store_setup = setup;
  env.store = std::move(store).value();
  return Status::ok();
}

}  // namespace aio::cli
