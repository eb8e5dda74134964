#include "core/cache_image.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <set>

namespace aio {
namespace {

class ImageWriter {
 public:
  template <typename T>
  void num(T v) {
    buf.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(std::string_view s) {
    num(static_cast<uint32_t>(s.size()));
    buf.append(s.data(), s.size());
  }
  // A record: its size first, filled in by close_record.
  size_t open_record() {
    num(uint32_t{0});
    return buf.size();
  }
  void close_record(size_t body) {
    uint32_t n = static_cast<uint32_t>(buf.size() - body);
    memcpy(buf.data() + body - sizeof n, &n, sizeof n);
  }
  std::string buf;
};

class ImageReader {
 public:
  explicit ImageReader(std::string_view bytes) : b_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && pos_ == b_.size(); }
  size_t pos() const { return pos_; }
  template <typename T>
  [[gnu::always_inline]] T num() {
    T v{};
    if (need(sizeof v)) memcpy(&v, b_.data() + pos_, sizeof v), pos_ += sizeof v;
    return v;
  }
  [[gnu::always_inline]] std::string_view str() {
    uint32_t n = num<uint32_t>();
    if (!need(n)) return {};
    pos_ += n;
    return std::string_view(b_.data() + pos_ - n, n);  // need() checked it
  }

 private:
  [[gnu::always_inline]] bool need(size_t n) {
    if (ok_ && b_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  std::string_view b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void put_json(ImageWriter& w, const Json& j) {
  w.str(j.is_null() || (j.is_object() && j.empty()) ? "" : j.dump());
}

bool get_json(ImageReader& in, Json* j) {
  std::string_view s = in.str();
  if (!s.empty())
    *j = Json::parse(s, nullptr, false);
  else if (!j->is_null())
    *j = Json();
  return in.ok() && !j->is_discarded();
}

template <typename R>
void put_values(ImageWriter& w, std::span<const Field<R>> fields, const R& r);

// Inlined where they are called, so that for a field known when compiled
// (see for_each_field) only its own case is left.
template <typename R>
[[gnu::always_inline]] inline void put_value(ImageWriter& w, const Field<R>& f, const R& r) {
  switch (f.kind) {
    case FieldKind::kString:
      return w.str(value_of<std::string>(f, r));
    case FieldKind::kOptString: {
      const auto& v = value_of<std::optional<std::string>>(f, r);
      w.num(static_cast<uint8_t>(v.has_value()));
      if (v) w.str(*v);
      return;
    }
    case FieldKind::kInt:
    case FieldKind::kTime:
      return w.num(value_of<int64_t>(f, r));
    case FieldKind::kOptTime: {
      const auto& v = value_of<std::optional<int64_t>>(f, r);
      w.num(static_cast<uint8_t>(v.has_value()));
      if (v) w.num(*v);
      return;
    }
    case FieldKind::kBool:
      return w.num(static_cast<uint8_t>(value_of<bool>(f, r)));
    case FieldKind::kStringList:
      w.num(static_cast<uint32_t>(value_of<std::vector<std::string>>(f, r).size()));
      for (const auto& s : value_of<std::vector<std::string>>(f, r)) w.str(s);
      return;
    case FieldKind::kClaimType:
      return w.num(static_cast<uint8_t>(value_of<ClaimType>(f, r)));
    case FieldKind::kObject:
      return put_values(w, f.sub(), r);
  }
}

template <typename R>
void put_values(ImageWriter& w, std::span<const Field<R>> fields, const R& r) {
  for (const Field<R>& f : fields) put_value(w, f, r);
}

template <typename R>
bool get_value(ImageReader& in, const Field<R>& f, R* r);

template <typename R>
[[gnu::always_inline]] inline bool get_value_inline(ImageReader& in, const Field<R>& f, R* r) {
  switch (f.kind) {
    case FieldKind::kString: {
      // A string past the one in place is built afresh: cheaper than
      // growing the old one (the fields start empty or short).
      auto& s = value_of<std::string>(f, *r);
      std::string_view v = in.str();
      if (v.size() <= s.capacity())
        s.assign(v);
      else
        s = std::string(v);
      break;
    }
    case FieldKind::kOptString:
      if (in.num<uint8_t>())
        value_of<std::optional<std::string>>(f, *r).emplace(in.str());
      else
        value_of<std::optional<std::string>>(f, *r).reset();
      break;
    case FieldKind::kInt:
    case FieldKind::kTime:
      value_of<int64_t>(f, *r) = in.num<int64_t>();
      break;
    case FieldKind::kOptTime:
      if (in.num<uint8_t>())
        value_of<std::optional<int64_t>>(f, *r) = in.num<int64_t>();
      else
        value_of<std::optional<int64_t>>(f, *r).reset();
      break;
    case FieldKind::kBool:
      value_of<bool>(f, *r) = in.num<uint8_t>() != 0;
      break;
    case FieldKind::kStringList: {
      auto& list = value_of<std::vector<std::string>>(f, *r);
      uint32_t n = in.num<uint32_t>();
      list.clear();
      list.reserve(std::min<size_t>(n, 1024));
      for (uint32_t k = 0; k < n && in.ok(); ++k) list.emplace_back(in.str());
      break;
    }
    case FieldKind::kClaimType: {
      uint8_t t = in.num<uint8_t>();
      if (t > static_cast<uint8_t>(ClaimType::kTask)) return false;
      value_of<ClaimType>(f, *r) = static_cast<ClaimType>(t);
      break;
    }
    case FieldKind::kObject:
      for (const Field<R>& s : f.sub())
        if (!get_value(in, s, r)) return false;
      break;
  }
  return in.ok();
}

template <typename R>
bool get_value(ImageReader& in, const Field<R>& f, R* r) {
  return get_value_inline(in, f, r);
}

// The four runs of a record image, in their order.
enum class Run { kKey, kFocus, kPlain, kOnDemand };

constexpr Run run_of(uint8_t flags) {
  return flags & field::kKey        ? Run::kKey
         : flags & field::kFocus    ? Run::kFocus
         : flags & field::kOnDemand ? Run::kOnDemand
                                    : Run::kPlain;
}

template <Run kRun, typename R>
void put_run(ImageWriter& w, const R& r) {
  for_each_field<R>([&](auto k) {
    constexpr const Field<R>& f = fields_of<R>()[k];
    if constexpr (run_of(f.flags) == kRun) put_value(w, f, r);
  });
}

template <Run kRun, typename R>
bool get_run(ImageReader& in, R* r) {
  return all_fields<R>([&](auto k) {
    constexpr const Field<R>& f = fields_of<R>()[k];
    if constexpr (run_of(f.flags) == kRun)
      return get_value_inline(in, f, r);
    else
      return true;
  });
}

template <typename R>
void put_record(ImageWriter& w, const R& r) {
  size_t body = w.open_record();
  put_run<Run::kKey>(w, r);
  put_run<Run::kFocus>(w, r);
  put_run<Run::kPlain>(w, r);
  put_json(w, r.extra);
  put_run<Run::kOnDemand>(w, r);
  w.close_record(body);
}

// A record's body (`in` holds exactly its bytes).
template <typename R>
bool get_record(ImageReader& in, R* r, ImagePart part) {
  if (!get_run<Run::kKey>(in, r) || !get_run<Run::kFocus>(in, r)) return false;
  if (!get_run<Run::kPlain>(in, r) || !get_json(in, &r->extra)) return false;
  if (part == ImagePart::kAllButOnDemand) return true;
  return get_run<Run::kOnDemand>(in, r) && in.at_end();
}

template <typename Range>
CacheSection put_section(ImageWriter& w, const Range& records,
                         std::vector<uint64_t>* offsets = nullptr) {
  CacheSection sec{w.buf.size(), 0};
  for (const auto& e : records) {
    if (offsets) offsets->push_back(w.buf.size());
    if constexpr (requires { e.second; })
      put_record(w, e.second);
    else
      put_record(w, e);
    ++sec.count;
  }
  return sec;
}

// The records of a section into a map by id (they come in id order).
template <typename R>
bool read_section(const CacheImage& img, Records which, std::map<std::string, R>* out) {
  return img.for_each(which, [&](const RecordSpan& sp) {
    R r;
    if (!img.read(sp, &r, ImagePart::kWhole)) return false;
    std::string key = r.id;
    out->emplace_hint(out->end(), std::move(key), std::move(r));
    return true;
  });
}

}  // namespace

template <typename R>
void append_record(std::string* buf, const R& r) {
  ImageWriter w;
  w.buf = std::move(*buf);
  put_record(w, r);
  *buf = std::move(w.buf);
}
template void append_record(std::string*, const Instance&);
template void append_record(std::string*, const Claim&);

CachePayload encode_cache_payload(const State& s) {
  ImageWriter w;
  w.buf.reserve(64 + s.instances.size() * 200 + s.claims.size() * 156);
  w.num(s.schema_version);
  put_json(w, s.extra);
  CachePayload out;
  out.sections.notes = put_section(w, s.legacy_context);
  out.sections.instances = put_section(w, s.instances);
  std::vector<uint64_t> offsets;
  offsets.reserve(s.claims.size());
  out.sections.claims = put_section(w, s.claims, &offsets);
  std::vector<const Claim*> claims;
  claims.reserve(s.claims.size());
  for (const auto& [id, c] : s.claims) claims.push_back(&c);
  std::vector<uint64_t> by_key(claims.size());
  for (uint64_t k = 0; k < by_key.size(); ++k) by_key[k] = k;
  std::sort(by_key.begin(), by_key.end(),
            [&](uint64_t a, uint64_t b) { return key_of(*claims[a]) < key_of(*claims[b]); });
  out.sections.index = put_claim_index(&w.buf, offsets, by_key);
  out.bytes = std::move(w.buf);
  return out;
}

bool CacheImage::read_top(State* s) const {
  ImageReader in(bytes_);
  s->schema_version = in.num<int64_t>();
  return get_json(in, &s->extra) && in.pos() == sections_.notes.offset;
}

size_t CacheImage::end_of(Records which) const {
  switch (which) {
    case Records::kNotes:
      return sections_.instances.offset;
    case Records::kInstances:
      return sections_.claims.offset;
    case Records::kClaims:
      break;
  }
  return sections_.index.offset;
}

bool CacheImage::span_at(size_t pos, RecordSpan* sp) const {
  if (pos > bytes_.size()) return false;
  ImageReader in(std::string_view(bytes_.data() + pos, bytes_.size() - pos));
  uint32_t size = in.num<uint32_t>();
  if (!in.ok() || bytes_.size() - pos - sizeof size < size) return false;
  sp->begin = pos;
  sp->end = pos + sizeof size + size;
  sp->key = in.str();
  sp->fields = pos + in.pos();
  return in.ok() && sp->fields <= sp->end;
}

template <typename R>
bool CacheImage::read(const RecordSpan& sp, R* out, ImagePart part) const {
  size_t body = sp.begin + sizeof(uint32_t);
  ImageReader in(std::string_view(bytes_.data() + body, sp.end - body));
  return get_record(in, out, part);
}
template bool CacheImage::read(const RecordSpan&, Instance*, ImagePart) const;
template bool CacheImage::read(const RecordSpan&, Claim*, ImagePart) const;
template bool CacheImage::read(const RecordSpan&, Note*, ImagePart) const;

template <typename R>
bool CacheImage::read_focus(const RecordSpan& sp, FocusView<R>* out) const {
  ImageReader in(std::string_view(bytes_.data() + sp.fields, sp.end - sp.fields));
  size_t k = 0;  // the rank of the focus field at hand
  return all_fields<R>([&](auto i) {
    constexpr const Field<R>& f = fields_of<R>()[i];
    if constexpr (run_of(f.flags) != Run::kFocus) {
      return true;
    } else if constexpr (f.kind == FieldKind::kString) {
      out->text[k++] = in.str();
    } else if constexpr (f.kind == FieldKind::kInt || f.kind == FieldKind::kTime) {
      out->number[k++] = in.num<int64_t>();
    } else {  // kBool, kClaimType (valid_layout allows no other kind): one byte
      uint8_t v = in.num<uint8_t>();
      if (f.kind == FieldKind::kClaimType && v > static_cast<uint8_t>(ClaimType::kTask))
        return false;
      out->number[k++] = v;
    }
    return in.ok();
  });
}
template bool CacheImage::read_focus(const RecordSpan&, FocusView<Claim>*) const;
template bool CacheImage::read_focus(const RecordSpan&, FocusView<Instance>*) const;

bool CacheImage::decode(State* out) const {
  State s;
  bool ok = index_fits() && read_top(&s) &&
            for_each(Records::kNotes,
                     [&](const RecordSpan& sp) {
                       return read(sp, &s.legacy_context.emplace_back(), ImagePart::kWhole);
                     }) &&
            read_section(*this, Records::kInstances, &s.instances) &&
            read_section(*this, Records::kClaims, &s.claims);
  if (!ok) return false;
  *out = std::move(s);
  return true;
}

}  // namespace aio
