#include "core/store_open.h"

#include "core/etcd_store.h"

namespace aio {

Result<std::unique_ptr<Store>> open_store(const StoreUrl& url, const StoreSetup& setup) {
  if (url.kind == StoreUrl::Kind::kFile) {
    FileStoreOptions fo;
    fo.spent = setup.spent;
    return open_file_store(setup.home, std::move(fo));
  }
  etcd::ClientOptions co;
  co.endpoints = url.endpoints;
  co.cacert = url.cacert;
  co.cert = url.cert;
  co.key = url.key;
  co.user = url.user;
  co.password = url.password;
  auto client = etcd::Client::open(co);
  if (!client) return client.status();
  EtcdStoreOptions eo;
  eo.prefix = url.prefix;
  eo.describe = describe(url);
  eo.setup = setup;
  return open_etcd_store(std::move(client).value(), eo);
}

}  // namespace aio
