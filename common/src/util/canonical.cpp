#include "tabella/util/canonical.h"

#include <cassert>

namespace tabella {

std::array<std::uint8_t, 2> u16be(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::array<std::uint8_t, 4> u32be(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::array<std::uint8_t, 8> u64be(std::uint64_t v) {
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

std::uint16_t load_u16be(ByteView in) {
  assert(in.size() >= 2);
  return static_cast<std::uint16_t>((in[0] << 8) | in[1]);
}

std::uint32_t load_u32be(ByteView in) {
  assert(in.size() >= 4);
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

std::uint64_t load_u64be(ByteView in) {
  assert(in.size() >= 8);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

Writer& Writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

Writer& Writer::u32(std::uint32_t v) {
  return raw(u32be(v));
}

Writer& Writer::u64(std::uint64_t v) {
  return raw(u64be(v));
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
  return load_u32be(*r);
}

Result<std::uint64_t> Reader::u64(std::string_view what) {
  auto r = raw(8, what);
  if (!r.ok()) return r.error();
  return load_u64be(*r);
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
