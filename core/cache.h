// state.cache: a header and a payload (cache_image.h) holding the image of
// state.json plus a prefix of the journal. It is a cache: the header names
// the state.json it was built from (device, inode, size, mtime), the record
// layouts it was written under and a checksum of the payload but its claim
// records (the claim index holds a sum of each, checked where the record is
// read), so a stale, torn, foreign or older-layout file is simply not used
// (and rebuilt by the next load). It is only ever replaced by rename,
// never rewritten in place, so a mapping of it stays valid while open.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "core/cache_image.h"

namespace aio {

// Which state.json (or, zeros, none).
struct FileId {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileId&) const = default;
};
FileId file_id(const struct stat& st);

struct CacheHeader {
  char magic[8];            // kCacheMagic; a new file layout takes a new one
  uint64_t layouts;         // the record layouts' fingerprint (a new field changes it)
  FileId state;             // the state.json the image starts from
  uint64_t seq;             // the state's seq
  uint64_t journal_offset;  // the journal up to here is in the image
  uint64_t payload_size;
  uint64_t checksum;  // of the payload but the claim records
  CacheSections sections;
};
static_assert(std::is_trivially_copyable_v<CacheHeader> && sizeof(CacheHeader) == 144,
              "state.cache's header is read and written as bytes");

// A mapped state.cache whose header matches `want` and whose checksum holds
// (its claim records are checked as they are read: image()).
class CacheFile {
 public:
  CacheFile() = default;
  CacheFile(const CacheFile&) = delete;
  CacheFile& operator=(const CacheFile&) = delete;
  ~CacheFile();
  bool open(const std::string& path, const FileId& want);
  const CacheHeader& header() const { return h_; }
  // The file mapped (state.cache is replaced by rename, never rewritten in
  // place: the same identity is the same bytes).
  const FileId& id() const { return id_; }
  const CacheImage& image() const { return image_; }

 private:
  void* map_ = nullptr;
  size_t size_ = 0;
  CacheHeader h_{};
  FileId id_;
  CacheImage image_;
};

// Writes `path` + tmp_suffix and renames it over `path`. Best effort: a
// cache that fails to write is rebuilt later, so failures are ignored.
void write_cache_file(const std::string& path, const std::string& tmp_suffix, const CachePayload& p,
                      const FileId& state, uint64_t seq, uint64_t journal_offset);

}  // namespace aio
