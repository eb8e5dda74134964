// The etcd store's change feed (store.h ChangeFeed): a thread follows etcd's
// watch on the store's keys (notes aside) and raises a flag on every change;
// when etcd cannot be reached it says so (trouble(); the mount keeps its
// last state and its janitor tries to read again off the request path) and
// tries again every second; when etcd answers again, or the history it
// watched from was compacted, it raises the flag: the mount reads
// everything again.
#pragma once

#include <memory>
#include <string>

#include "core/etcd_client.h"
#include "core/store.h"

namespace aio {

// Watches [prefix, prefix_end(prefix)) except keys under `skip`.
Result<std::unique_ptr<ChangeFeed>> make_etcd_feed(std::shared_ptr<etcd::Client> client,
                                                   std::string prefix, std::string skip);

}  // namespace aio
