// Opens the store a StoreUrl (store_url.h) names: the JSON files in $AIO_HOME
// or an etcd cluster shared by several machines (etcd_store.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"
#include "core/store_url.h"

namespace aio {

struct StoreSetup {
  std::string home;        // $AIO_HOME
  std::string machine_id;  // this machine (procinfo.h this_machine_id)
  // The identity clones of a project share across machines, for a project
  // root ("" = none: the project is this machine's own, named by its path).
  // Called with the store unlocked; the result is cached per root.
  std::function<std::string(const std::string& root)> project_id;
  // The projects this process works in, current first: a shared identity is
  // shown as the first of these that has it.
  std::vector<std::string> local_projects;
  // TTL of the leases instances live under in a shared store
  // (AIO_LEASE_SECONDS; default 20): how long a dead machine's claims last.
  int64_t lease_seconds = 20;
  // Called after a transaction put an instance of this machine in a shared
  // store: starts this machine's lease keeper unless one runs (cli: spawns
  // `aio keepalive`). Empty: nobody starts one (the mount runs its own).
  std::function<void()> ensure_keeper;
  // The file store's FileStoreOptions::spent (store.h).
  std::function<void(State)> spent;
};

Result<std::unique_ptr<Store>> open_store(const StoreUrl& url, const StoreSetup& setup);

}  // namespace aio
