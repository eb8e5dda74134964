// Loading state.cache: the input is a cache file's sections (64 bytes, as the
// header holds them) and its payload. It is written as a real state.cache
// (header, checksum) and opened with CacheFile::open, as a load does; then
// the image is read every way the store reads it. Properties:
//  - reading never goes out of bounds (ASan) and a damaged image reads as
//    false;
//  - an image that decodes re-encodes to an image that decodes the same;
//  - a record read whole and its focus fields read in place agree;
//  - patching an image that decodes gives the image of the state the same
//    ops give (CacheImage::patch == apply_ops);
//  - the claim index: an encoded or patched image's holds (check_index), and
//    where an image's index holds, every range of a command's probe finds
//    the claims a scan finds; where it does not, lookups stay in bounds.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/cache.h"
#include "core/claim_range.h"
#include "core/codec.h"
#include "core/engine.h"
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
    Op& del = add(Op::kDelClaim);  // naming its owner, or not (older journals)
    del.id = s.claims.begin()->first;
    if (s.claims.size() % 2) del.owner = s.claims.begin()->second.instance_id;
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
  Op& gone = add(Op::kDelClaim);
  gone.id = "not-there-either";
  gone.owner = "m-instance";
  return ops;
}

// The claim ranges of probes made from the state's first claims (each as a
// probe of its own kind, and as a file probe): a lookup finds what a scan
// of the decoded state finds, in key order.
void check_ranges(const CacheImage& img, const State& s, bool index_holds) {
  int probes = 0;
  for (const auto& entry : s.claims) {
    if (++probes > 4) break;
    const Claim& c = entry.second;
    Claim as_file = c;
    as_file.type = ClaimType::kFile;
    for (const Claim* probe : {&c, const_cast<const Claim*>(&as_file)}) {
      for (const ClaimRange& r : claim_ranges(*probe)) {
        std::vector<std::string_view> got;
        bool ok = img.for_each_claim_in(r, [&](const RecordSpan& sp, const FocusView<Claim>&) {
          got.push_back(sp.key);
          return true;
        });
        if (!index_holds) continue;  // only: nothing read out of bounds (ASan)
        std::vector<const Claim*> want;
        for (const auto& [wid, w] : s.claims)
          if (r.contains(key_of(w))) want.push_back(&w);
        std::sort(want.begin(), want.end(),
                  [](const Claim* a, const Claim* b) { return key_of(*a) < key_of(*b); });
        FUZZ_CHECK(ok && got.size() == want.size(), "range lookup of " + fuzz::show(probe->target));
        for (size_t k = 0; k < got.size(); ++k)
          FUZZ_CHECK(got[k] == want[k]->id, fuzz::show(got[k]) + " vs " + fuzz::show(want[k]->id));
      }
    }
  }
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
  check_ranges(img, s, img.check_index());
  const std::string json = encode_state_json(s);
  CachePayload p = encode_cache_payload(s);
  State again;
  FUZZ_CHECK(CacheImage(p.bytes, p.sections).check_index(), "an encoded index:\n" + json);
  FUZZ_CHECK(CacheImage(p.bytes, p.sections).decode(&again), json);
  FUZZ_CHECK(encode_state_json(again) == json, json);

  const std::vector<Op> ops = some_ops(s);
  std::vector<const Op*> refs;
  for (const Op& op : ops) refs.push_back(&op);
  CachePayload patched;
  // A patch merges the image's index: only an index that holds can be
  // merged (one that does not may fail the patch, never crash it).
  if (!img.check_index()) {
    img.patch(refs, &patched);
    return 0;
  }
  FUZZ_CHECK(img.patch(refs, &patched), "an image that decodes cannot be patched:\n" + json);
  FUZZ_CHECK(CacheImage(patched.bytes, patched.sections).check_index(), "patched index:\n" + json);
  State want = s, got;
  apply_ops(&want, ops);
  FUZZ_CHECK(CacheImage(patched.bytes, patched.sections).decode(&got), json);
  FUZZ_CHECK(encode_state_json(got) == encode_state_json(want),
             "patched:\n" + encode_state_json(got) + "\napplied:\n" + encode_state_json(want));
  return 0;
}
