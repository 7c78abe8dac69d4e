#include "tabella/util/canonical.h"

namespace tabella {

Writer& Writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

Writer& Writer::u32(std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

Writer& Writer::u64(std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

Writer& Writer::field(ByteView bytes) {
  u32(static_cast<std::uint32_t>(bytes.size()));
  return raw(bytes);
}

Writer& Writer::raw(ByteView bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  return *this;
}

Writer& Writer::point(const Point& p) {
  auto e = p.encode();
  return raw(e);
}

Writer& Writer::scalar(const Scalar& s) {
  return raw(s.encode());
}

Error Reader::truncated(std::string_view what, std::size_t need) const {
  return make_error(ErrorCode::kInvalidEncoding,
                    "truncated input: " + std::to_string(need) + " bytes needed at offset " +
                        std::to_string(pos_) + ", " + std::to_string(remaining()) + " left",
                    std::string(what));
}

Result<ByteView> Reader::raw(std::size_t n, std::string_view what) {
  if (remaining() < n) return truncated(what, n);
  ByteView v = in_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Result<std::uint8_t> Reader::u8(std::string_view what) {
  auto r = raw(1, what);
  if (!r.ok()) return r.error();
  return (*r)[0];
}

Result<std::uint32_t> Reader::u32(std::string_view what) {
  auto r = raw(4, what);
  if (!r.ok()) return r.error();
  std::uint32_t v = 0;
  for (std::uint8_t b : *r) v = v << 8 | b;
  return v;
}

Result<std::uint64_t> Reader::u64(std::string_view what) {
  auto r = raw(8, what);
  if (!r.ok()) return r.error();
  std::uint64_t v = 0;
  for (std::uint8_t b : *r) v = v << 8 | b;
  return v;
}

Result<ByteView> Reader::field(std::string_view what, std::size_t max_len) {
  std::size_t at = pos_;
  auto len = u32(what);
  if (!len.ok()) return len.error();
  if (*len > max_len) {
    return make_error(ErrorCode::kLimit,
                      "length " + std::to_string(*len) + " at offset " + std::to_string(at) +
                          " exceeds the limit of " + std::to_string(max_len),
                      std::string(what));
  }
  return raw(*len, what);
}

Result<std::string> Reader::text(std::string_view what, std::size_t max_len) {
  auto f = field(what, max_len);
  if (!f.ok()) return f.error();
  return to_string(*f);
}

Result<Point> Reader::point(std::string_view what) {
  std::size_t at = pos_;
  auto r = raw(Point::kSize, what);
  if (!r.ok()) return r.error();
  auto p = Point::decode(*r);
  if (!p.ok()) {
    Error e = p.error();
    e.message += " (at offset " + std::to_string(at) + ")";
    e.field = std::string(what);
    return e;
  }
  return std::move(*p);
}

Result<Scalar> Reader::scalar(std::string_view what) {
  std::size_t at = pos_;
  auto r = raw(Scalar::kSize, what);
  if (!r.ok()) return r.error();
  auto s = Scalar::decode(*r);
  if (!s.ok()) {
    Error e = s.error();
    e.message += " (at offset " + std::to_string(at) + ")";
    e.field = std::string(what);
    return e;
  }
  return *s;
}

Result<std::size_t> Reader::count(std::string_view what, std::size_t max) {
  auto n = u32(what);
  if (!n.ok()) return n.error();
  if (*n > max) {
    return make_error(
        ErrorCode::kLimit,
        "count " + std::to_string(*n) + " exceeds the limit of " + std::to_string(max),
        std::string(what));
  }
  return static_cast<std::size_t>(*n);
}

Status Reader::finish(std::string_view what) const {
  if (remaining() != 0) {
    return make_error(
        ErrorCode::kInvalidEncoding,
        std::to_string(remaining()) + " trailing bytes after offset " + std::to_string(pos_),
        std::string(what));
  }
  return {};
}

}  // namespace tabella
