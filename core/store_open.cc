#include "core/store_open.h"

namespace aio {

Result<std::unique_ptr<Store>> open_store(const StoreUrl& url, const StoreSetup& setup) {
  if (url.kind == StoreUrl::Kind::kFile) return open_file_store(setup.home);
  return Status::invalid("this build has no etcd store yet (" + describe(url) + ")");
}

}  // namespace aio
