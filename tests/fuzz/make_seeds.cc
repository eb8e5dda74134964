// Writes the cache_image seeds: for each state.json given, its state.cache
// sections and payload as cache_image_fuzz reads them. Run again when the
// image layout changes:
//   build-fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus/cache_image \
//     tests/fuzz/corpus/state_json/*.json
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/cache_image.h"
#include "core/codec.h"
#include "core/path.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUT_DIR STATE_JSON...\n", argv[0]);
    return 2;
  }
  for (int k = 2; k < argc; ++k) {
    std::ifstream in(argv[k]);
    std::stringstream text;
    text << in.rdbuf();
    auto s = aio::parse_state_json(text.str());
    if (!s) {
      fprintf(stderr, "%s: %s\n", argv[k], s.status().message().c_str());
      return 1;
    }
    aio::CachePayload p = aio::encode_cache_payload(*s);
    std::string out = std::string(argv[1]) + "/" + std::string(aio::base_name(argv[k]));
    std::ofstream f(out, std::ios::binary);
    f.write(reinterpret_cast<const char*>(&p.sections), sizeof p.sections);
    f.write(p.bytes.data(), static_cast<std::streamsize>(p.bytes.size()));
    if (!f) return 1;
  }
  return 0;
}
