// The file store passes the Store contract (store_conformance.h) in three
// configurations: default options (small states checkpoint on every write),
// journaled (every write after the first goes to the journal, the cache
// follows each one) and compacting (journal and cache, with checkpoints and
// cache rebuilds every few writes).
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/core/store_conformance.h"

namespace aio::test {
namespace {

StoreKit file_store_kit(std::string name, FileStoreOptions o) {
  StoreKit k;
  k.name = std::move(name);
  k.make_location = [] {
    char tmpl[] = "/tmp/aio-conformance-XXXXXX";
    return std::string(mkdtemp(tmpl) ? tmpl : "/nonexistent");
  };
  k.remove_location = [](const std::string& loc) { std::filesystem::remove_all(loc); };
  k.open = [o](const std::string& loc) { return open_file_store(loc, o); };
  k.corrupt = [](const std::string& loc) {
    std::ofstream(loc + "/state.json", std::ios::trunc) << "{\"schemaVersion\":1,\"instances\":{";
  };
  k.raw = [](const std::string& loc) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(loc))
      names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) {
      std::ifstream in(loc + "/" + n, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      out += n + "\n" + std::to_string(bytes.str().size()) + "\n" + bytes.str();
    }
    return out;
  };
  return k;
}

FileStoreOptions journaled() {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 0;
  o.min_journal_bytes = 1 << 30;
  o.cache_lag_bytes = 0;
  return o;
}

FileStoreOptions compacting() {
  FileStoreOptions o;
  o.checkpoint_every_write_bytes = 0;
  o.min_journal_bytes = 4096;
  o.cache_lag_bytes = 2048;
  return o;
}

INSTANTIATE_TEST_SUITE_P(FileStore, StoreConformance,
                         ::testing::Values(file_store_kit("Default", FileStoreOptions{}),
                                           file_store_kit("Journaled", journaled()),
                                           file_store_kit("Compacting", compacting())),
                         StoreKitName);

}  // namespace
}  // namespace aio::test
