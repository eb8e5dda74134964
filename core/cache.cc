#include "core/cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "core/fileio.h"

namespace aio {
namespace {

constexpr char kCacheMagic[8] = {'A', 'I', 'O', 'C', 'A', 'C', 'H', '6'};
constexpr uint64_t kLayouts = layout_fingerprint<Instance>() ^ (layout_fingerprint<Claim>() * 3) ^
                              (layout_fingerprint<Note>() * 5);

// A Fletcher-style sum over 64-bit words in eight lanes (a running sum and a
// sum of running sums, so both content and position count): not a defence
// against malice, only against a torn or stale file, and cheap enough to run
// over a few MB on every load (with AVX2 where the CPU has it: the same sum,
// in wider registers).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
uint64_t
checksum(const char* p, size_t n) {
  typedef uint64_t Lanes __attribute__((vector_size(32)));
  Lanes a0 = {0x9e3779b97f4a7c15ULL ^ n, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL,
              0x27d4eb2f165667c5ULL};
  Lanes a1 = {0x85ebca77c2b2ae63ULL, 0x94d049bb133111ebULL, 0xbf58476d1ce4e5b9ULL,
              0xd6e8feb86659fd93ULL};
  Lanes b0 = {0, 0, 0, 0}, b1 = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    Lanes w0, w1;
    memcpy(&w0, p + i, 32);
    memcpy(&w1, p + i + 32, 32);
    a0 += w0;
    a1 += w1;
    b0 += a0;
    b1 += a1;
  }
  constexpr uint64_t kMul = 0xff51afd7ed558ccdULL;
  uint64_t r = n;
  for (int k = 0; k < 4; ++k) {
    for (uint64_t v : {a0[k], b0[k], a1[k], b1[k]}) {
      r = (r ^ v) * kMul;
      r ^= r >> 29;
    }
  }
  for (; i < n; ++i) r = (r ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ULL;
  return r;
}

bool sections_fit(const CacheSections& s, uint64_t size) {
  return s.notes.offset <= s.instances.offset && s.instances.offset <= s.claims.offset &&
         s.claims.offset <= s.index.offset && s.index.offset <= size &&
         s.index.count == s.claims.count && (size - s.index.offset) / 24 == s.index.count &&
         (size - s.index.offset) % 24 == 0;
}

// The file's checksum: the payload but for the claim records, which the
// index holds a sum of each of (cache_image.h). Sections that do not fit
// the payload (a file open() refuses anyway) take the sum of it all.
uint64_t payload_checksum(const char* p, uint64_t size, const CacheSections& s) {
  if (!sections_fit(s, size)) return checksum(p, size);
  uint64_t head = checksum(p, s.claims.offset);
  uint64_t index = checksum(p + s.index.offset, size - s.index.offset);
  return (head ^ (index * 0x9e3779b97f4a7c15ULL)) + s.claims.offset;
}

}  // namespace

FileId file_id(const struct stat& st) {
  FileId id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

CacheFile::~CacheFile() {
  if (map_) munmap(map_, size_);
}

bool CacheFile::open(const std::string& path, const FileId& want) {
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!f.valid() || fstat(f.get(), &st) != 0 || st.st_size < static_cast<off_t>(sizeof h_))
    return false;
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, f.get(), 0);
  if (p == MAP_FAILED) return false;
  map_ = p;
  size_ = static_cast<size_t>(st.st_size);
  id_ = file_id(st);
  const char* bytes = static_cast<const char*>(map_);
  memcpy(&h_, bytes, sizeof h_);
  if (memcmp(h_.magic, kCacheMagic, 8) != 0 || h_.layouts != kLayouts || !(h_.state == want) ||
      h_.payload_size != size_ - sizeof h_ || !sections_fit(h_.sections, h_.payload_size) ||
      payload_checksum(bytes + sizeof h_, h_.payload_size, h_.sections) != h_.checksum)
    return false;
  image_ = CacheImage(std::string_view(bytes + sizeof h_, h_.payload_size), h_.sections);
  return true;
}

void write_cache_file(const std::string& path, const std::string& tmp_suffix, const CachePayload& p,
                      const FileId& state, uint64_t seq, uint64_t journal_offset) {
  CacheHeader h;
  memcpy(h.magic, kCacheMagic, 8);
  h.layouts = kLayouts;
  h.state = state;
  h.seq = seq;
  h.journal_offset = journal_offset;
  h.payload_size = p.bytes.size();
  h.checksum = payload_checksum(p.bytes.data(), p.bytes.size(), p.sections);
  h.sections = p.sections;
  std::string tmp = path + tmp_suffix;
  Fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!f.valid()) return;
  if (!write_all(f.get(), reinterpret_cast<const char*>(&h), sizeof h, tmp) ||
      !write_all(f.get(), p.bytes.data(), p.bytes.size(), tmp)) {
    unlink(tmp.c_str());
    return;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) unlink(tmp.c_str());
}

}  // namespace aio
