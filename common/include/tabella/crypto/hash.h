// Domain-separated SHA-256 over a canonical, length-prefixed encoding (docs/spec.md §3).
//
//   H(tag; f1, ..., fn) = SHA-256( u32be(len tag) || tag || u32be(len f1) || f1 || ... )
//
// Every field is length-prefixed, so no two different field lists hash the same bytes.
// Integers are 8-byte big-endian fields, points 33-byte compressed SEC1, scalars 32-byte
// big-endian. Tags are ASCII strings "tabella/v1/<use>" listed in docs/spec.md.
// Thread-safety: a Hasher is not shared; free functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "tabella/util/bytes.h"

namespace tabella {

class Point;
class Scalar;

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(ByteView data);

class Hasher {
 public:
  explicit Hasher(std::string_view tag);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& add(ByteView field);  // u32be(len) || field
  Hasher& add(std::string_view text) { return add(as_bytes(text)); }
  Hasher& add(const char* text) { return add(std::string_view(text)); }
  Hasher& add_u64(std::uint64_t value);  // u32be(8) || u64be(value)
  Hasher& add(const Point& point);       // u32be(33) || compressed SEC1 (identity: 33 zero bytes)
  Hasher& add(const Scalar& scalar);     // u32be(32) || 32-byte big-endian
  Hasher& add(const Digest& digest) { return add(ByteView(digest)); }

  Digest finish();
  // The digest mapped to Z_n (docs/spec.md §3.2): wide = SHA-256(d || 0x01) || SHA-256(d || 0x02),
  // read big-endian as a 512-bit integer, reduced mod n. Bias below 2^-250.
  Scalar finish_scalar();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella
