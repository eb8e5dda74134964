// Loading state.cache: the input is a cache file's sections (48 bytes, as the
// header holds them) and its payload. It is written as a real state.cache
// (header, checksum) and opened with CacheFile::open, as a load does; then
// the image is read every way the store reads it. Properties:
//  - reading never goes out of bounds (ASan) and a damaged image reads as
//    false;
//  - an image that decodes re-encodes to an image that decodes the same;
//  - a record read whole and its focus fields read in place agree;
//  - patching an image that decodes gives the image of the state the same
//    ops give (CacheImage::patch == apply_ops).
#include <unistd.h>

#include <cstring>
#include <string>

#include "core/cache.h"
#include "core/codec.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

namespace {

const FileId kState{1, 2, 3, 4};

std::string cache_path() {
  static const std::string path = [] {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/aio-fuzz-cache-" + std::to_string(getpid());
  }();
  return path;
}

void check_focus(const CacheImage& img) {
  img.for_each(Records::kClaims, [&](const RecordSpan& sp) {
    Claim c;
    FocusView<Claim> v;
    if (!img.read(sp, &c, ImagePart::kWhole) || !img.read_focus(sp, &v)) return true;
    FUZZ_CHECK(v.get<&Claim::type>() == c.type && v.get<&Claim::target>() == c.target &&
                   v.get<&Claim::project>() == c.project,
               "claim " + fuzz::show(c.id));
    FUZZ_CHECK(sp.key == c.id, fuzz::show(sp.key) + " vs " + fuzz::show(c.id));
    return true;
  });
}

// Ops touching what the state holds: a claim deleted, one replaced, one
// added, an instance's heartbeat, an instance deleted and one added.
std::vector<Op> some_ops(const State& s) {
  std::vector<Op> ops;
  auto add = [&](Op::Kind k) -> Op& {
    Op& op = ops.emplace_back();
    op.kind = k;
    return op;
  };
  if (!s.claims.empty()) {
    add(Op::kDelClaim).id = s.claims.begin()->first;
    Claim c = s.claims.rbegin()->second;
    c.target += "x";
    add(Op::kPutClaim).claim = c;
    c.id += "-new";
    add(Op::kPutClaim).claim = c;
  }
  if (!s.instances.empty()) {
    Op& hb = add(Op::kHeartbeat);
    hb.id = s.instances.begin()->first;
    hb.time = 1795600000;
    add(Op::kDelInstance).id = s.instances.rbegin()->first;
  }
  Instance i;
  i.id = "m-instance";
  i.tool = "claude";
  i.project = "/p";
  add(Op::kPutInstance).instance = i;
  add(Op::kDelClaim).id = "not-there";
  return ops;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CachePayload in;
  if (size < sizeof in.sections) return 0;
  memcpy(&in.sections, data, sizeof in.sections);
  in.bytes.assign(reinterpret_cast<const char*>(data) + sizeof in.sections,
                  size - sizeof in.sections);
  const std::string path = cache_path();
  write_cache_file(path, ".tmp", in, kState, 7, 0);
  CacheFile file;
  const bool opened = file.open(path, kState);
  unlink(path.c_str());
  if (!opened) return 0;
  const CacheImage& img = file.image();
  check_focus(img);

  State s;
  if (!img.decode(&s)) return 0;
  const std::string json = encode_state_json(s);
  CachePayload p = encode_cache_payload(s);
  State again;
  FUZZ_CHECK(CacheImage(p.bytes, p.sections).decode(&again), json);
  FUZZ_CHECK(encode_state_json(again) == json, json);

  const std::vector<Op> ops = some_ops(s);
  std::vector<const Op*> refs;
  for (const Op& op : ops) refs.push_back(&op);
  CachePayload patched;
  FUZZ_CHECK(img.patch(refs, &patched), "an image that decodes cannot be patched:\n" + json);
  State want = s, got;
  apply_ops(&want, ops);
  FUZZ_CHECK(CacheImage(patched.bytes, patched.sections).decode(&got), json);
  FUZZ_CHECK(encode_state_json(got) == encode_state_json(want),
             "patched:\n" + encode_state_json(got) + "\napplied:\n" + encode_state_json(want));
  return 0;
}
