// aio-init's store part (init.h plan_store): which store a repository's
// clones use (git config aio.store, core/store_url.h) and the project id
// they share it under (aio.project, core/repo_identity.h).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/env.h"
#include "cli/init.h"
#include "core/fileio.h"
#include "core/gitrepo.h"
#include "core/repo_identity.h"

namespace aio::cli {
namespace {

// "aio-" and 16 hex digits from the kernel's random source.
Result<std::string> random_project_id() {
  unsigned char bytes[8];
  Fd fd(open("/dev/urandom", O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || read(fd.get(), bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes))
    return Status::sys("cannot read /dev/urandom", errno);
  static const char kHex[] = "0123456789abcdef";
  std::string id = "aio-";
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

Status check_project_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 200;
  for (char c : id)
    ok = ok && (isalnum(static_cast<unsigned char>(c)) ||
                std::string_view("-_.:/@+~").find(c) != std::string_view::npos);
  if (!ok)
    return Status::invalid("bad project id '" + id +
                           "' (1-200 letters, digits and -_.:/@+~; --project-id)");
  return Status::ok();
}

// Plans KEY = value (nullopt: removed); `note` is said instead of the action.
Status plan_key(const std::string& project, const char* key,
                const std::optional<std::string>& value, InitPlan* plan,
                const std::string& note = "") {
  auto before = repo_config_get(project, key);
  if (!before) return before.status();
  std::string file = std::string("git config ") + key;
  if (*before == value) {
    plan->report.push_back({file, "up to date", note});
    return Status::ok();
  }
  plan->config.push_back({project, key, value});
  plan->report.push_back({file, value ? "set to " + *value : "removed", note});
  return Status::ok();
}

// The project id clones share an etcd store under: the one given, the one
// the repository has, else a new one.
Status plan_identity(const std::string& project, const InitStore& o, bool etcd, InitPlan* plan) {
  if (o.project_id) {
    AIO_RETURN_IF_ERROR(check_project_id(*o.project_id));
    return plan_key(project, "aio.project", *o.project_id, plan);
  }
  if (!etcd) return Status::ok();
  auto id = repo_identity(project);
  if (!id) return id.status();
  if (!id->empty()) {
    plan->report.push_back({"project id", "up to date", *id + " (the same in every clone)"});
    return Status::ok();
  }
  auto fresh = random_project_id();
  if (!fresh) return fresh.status();
  return plan_key(project, "aio.project", *fresh, plan,
                  "set to " + *fresh + " (a new id: the repository has no remote; in the " +
                      "other clones run: aio-init --store '" + *o.store + "' --project-id " +
                      *fresh + ")");
}

}  // namespace

Status plan_store(const std::string& project, const InitStore& o, InitPlan* plan) {
  auto facts = read_repo_facts(project);
  if (!facts) return facts.status();
  if (o.remove) {
    if (!*facts) return Status::ok();
    AIO_RETURN_IF_ERROR(plan_key(project, "aio.store", std::nullopt, plan));
    return plan_key(project, "aio.project", std::nullopt, plan);
  }
  if (!o.store && !o.project_id) return Status::ok();
  if (!*facts)
    return Status::invalid(std::string(o.store ? "--store" : "--project-id") +
                           " is written to git config, and " + project +
                           " is in no git repository (use --store or $AIO_STORE per command)");
  bool etcd = false;
  if (o.store) {
    auto url = parse_store_url(*o.store, [](const char* n) { return getenv(n); });
    if (!url) return Status(url.status().code(), url.status().message() + " (--store)");
    etcd = url->kind == StoreUrl::Kind::kEtcd;
    AIO_RETURN_IF_ERROR(plan_key(project, "aio.store",
                                 etcd ? std::optional<std::string>(*o.store) : std::nullopt, plan));
  }
  return plan_identity(project, o, etcd, plan);
}

}  // namespace aio::cli
