// Canonical binary encoding (docs/spec.md §3): the bytes that are hashed and signed.
//
//   field(x)  = u32be(len x) || x          (byte strings, UTF-8 text, nested encodings)
//   u8 / u32 / u64 = fixed-width big-endian integers, no prefix
//   list      = u32be(count) || item || item ...
//   point     = 33 bytes compressed SEC1; scalar = 32 bytes big-endian (fixed width, no prefix)
//
// Writer appends; Reader consumes with bounds checks and names the field on every error
// ("truncated input reading <field> at offset 17"). Reader::finish() refuses trailing bytes.
// Thread-safety: value types, not shared.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tabella/crypto/group.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

// u16be / u32be / u64be: fixed-width big-endian integers, for code that fills or reads a buffer
// of known size (Writer and Reader use them too; the tlog entry bundles use u16be).
std::array<std::uint8_t, 2> u16be(std::uint16_t v);
std::array<std::uint8_t, 4> u32be(std::uint32_t v);
std::array<std::uint8_t, 8> u64be(std::uint64_t v);
// REQUIRES: in.size() >= 2
std::uint16_t load_u16be(ByteView in);
// REQUIRES: in.size() >= 4
std::uint32_t load_u32be(ByteView in);
// REQUIRES: in.size() >= 8
std::uint64_t load_u64be(ByteView in);

class Writer {
 public:
  Writer& u8(std::uint8_t v);
  Writer& u32(std::uint32_t v);
  Writer& u64(std::uint64_t v);
  Writer& field(ByteView bytes);  // u32be length prefix
  Writer& text(std::string_view s) { return field(as_bytes(s)); }
  Writer& raw(ByteView bytes);  // no prefix: fixed-width items only
  Writer& point(const Point& p);
  Writer& scalar(const Scalar& s);
  Writer& count(std::size_t n) { return u32(static_cast<std::uint32_t>(n)); }

  const Bytes& bytes() const& { return out_; }
  Bytes bytes() && { return std::move(out_); }

 private:
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  Result<std::uint8_t> u8(std::string_view what);
  Result<std::uint32_t> u32(std::string_view what);
  Result<std::uint64_t> u64(std::string_view what);
  // A length-prefixed field of at most max_len bytes.
  Result<ByteView> field(std::string_view what, std::size_t max_len = 1u << 24);
  Result<std::string> text(std::string_view what, std::size_t max_len = 1u << 16);
  Result<ByteView> raw(std::size_t n, std::string_view what);
  Result<Point> point(std::string_view what);  // identity refused
  Result<Scalar> scalar(std::string_view what);
  // A list count, refused above max (bounds allocation on hostile input).
  Result<std::size_t> count(std::string_view what, std::size_t max);

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  Status finish(std::string_view what) const;  // error if bytes remain

 private:
  Error truncated(std::string_view what, std::size_t need) const;
  ByteView in_;
  std::size_t pos_ = 0;
};

}  // namespace tabella
