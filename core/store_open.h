// Opens the store a URL names (core/store_url.h): the JSON files in $AIO_HOME,
// or etcd. A placeholder until the etcd store lands: this build opens the
// file store and refuses etcd.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"
#include "core/store_url.h"

namespace aio {

// What a networked store needs from the machine it runs on.
struct StoreSetup {
  std::string home;        // $AIO_HOME (the file store; local caches)
  std::string machine_id;  // this machine (procinfo.h this_machine_id)
  // The id a project root is shared under ("" none: it is known by its
  // path on this machine); core/repo_identity.h repo_identity.
  std::function<std::string(const std::string& root)> project_id;
  // The projects of this command's working directory (no state read).
  std::vector<std::string> local_projects;
};

// kInvalid for an etcd URL in this build.
Result<std::unique_ptr<Store>> open_store(const StoreUrl& url, const StoreSetup& setup);

}  // namespace aio
