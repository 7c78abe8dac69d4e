// The group: NIST P-256 (SEC 2 secp256r1), prime order n, generator G (docs/spec.md §2).
// Scalars are integers mod n; points are elements of the curve group, written additively:
// the spec's "g^a" is a*G here.
//
// Scalar: a 32-byte big-endian value < n, zeroised on destruction (scalars are often secret).
// Point:  an OpenSSL EC_POINT behind a pointer (no OpenSSL type in this header).
// Products: a*G and a*G + b*P each take one EC_POINT_mul. FixedBase gives the same for a
// second base (the election key K) through a copy of the group whose generator is K.
// Secret scalars go through OpenSSL's constant-time P-256 code (nistz256 / Montgomery ladder);
// scalar arithmetic uses BN_FLG_CONSTTIME where a secret may be involved.
// Thread-safety: the group parameters are immutable after first use; values are not shared.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <memory>

#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

class Scalar {
 public:
  static constexpr std::size_t kSize = 32;
  using Encoding = std::array<std::uint8_t, kSize>;

  Scalar() = default;  // zero
  ~Scalar() { secure_zero(bytes_.data(), bytes_.size()); }
  Scalar(const Scalar&) = default;
  Scalar& operator=(const Scalar&) = default;

  static Scalar from_u64(std::uint64_t v);
  static Scalar from_i64(std::int64_t v);  // negative values map to n - |v|
  // Exactly 32 bytes, big-endian, value < n.
  static Result<Scalar> decode(ByteView bytes);
  // Any length, big-endian, reduced mod n.
  static Scalar reduce(ByteView bytes);
  // Uniform in [0, n) (rejection sampling); random_nonzero in [1, n).
  static Scalar random(Rng& rng = SystemRng::instance());
  static Scalar random_nonzero(Rng& rng = SystemRng::instance());

  const Encoding& encode() const { return bytes_; }
  std::string to_hex() const;

  Scalar operator+(const Scalar& o) const;
  Scalar operator-(const Scalar& o) const;
  Scalar operator*(const Scalar& o) const;
  Scalar operator-() const;
  Scalar& operator+=(const Scalar& o) { return *this = *this + o; }
  Scalar& operator-=(const Scalar& o) { return *this = *this - o; }
  Scalar& operator*=(const Scalar& o) { return *this = *this * o; }
  // REQUIRES: !is_zero()
  Scalar inverse() const;
  Scalar pow(std::uint64_t e) const;

  bool is_zero() const;
  // Constant-time comparison.
  bool operator==(const Scalar& o) const;
  // Constant-time select: mask ? a : b, without a branch on mask.
  static Scalar select(bool mask, const Scalar& a, const Scalar& b);

 private:
  Encoding bytes_{};
};

class Point {
 public:
  static constexpr std::size_t kSize = 33;  // compressed SEC1
  using Encoding = std::array<std::uint8_t, kSize>;

  Point();  // the identity (point at infinity)
  ~Point();
  Point(const Point& o);
  Point& operator=(const Point& o);
  Point(Point&& o) noexcept;
  Point& operator=(Point&& o) noexcept;

  static const Point& generator();
  static Point identity() { return Point(); }
  // 33-byte compressed SEC1, fully validated (on the curve). Identity is refused.
  static Result<Point> decode(ByteView bytes);
  // As decode, but 33 zero bytes decode to the identity.
  static Result<Point> decode_allow_identity(ByteView bytes);

  // Compressed SEC1; the identity encodes as 33 zero bytes.
  Encoding encode() const;
  std::string to_hex() const;
  bool is_identity() const;

  Point operator+(const Point& o) const;
  Point operator-(const Point& o) const;
  Point operator-() const;
  // In place: no new point is allocated (the running tally adds two per selection per ballot).
  Point& operator+=(const Point& o);
  Point operator*(const Scalar& k) const;  // k*P
  bool operator==(const Point& o) const;

  // a*G (one EC_POINT_mul, fixed-base tables).
  static Point base_mul(const Scalar& a);
  // a*G + b*P in one EC_POINT_mul.
  static Point base_mul_add(const Scalar& a, const Scalar& b, const Point& p);
  // m*G for a small non-negative integer (vote counts).
  static Point from_u64(std::uint64_t m) { return base_mul(Scalar::from_u64(m)); }

  struct Impl;  // defined in src/crypto/group_internal.h
  const Impl& impl() const { return *impl_; }
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

inline Point operator*(const Scalar& k, const Point& p) {
  return p * k;
}

// Products with a second fixed base B: a*B and a*B + b*P, each one EC_POINT_mul, through a copy
// of the group whose generator is B. Built once per election key, then shared read-only.
class FixedBase {
 public:
  // REQUIRES: !base.is_identity()
  explicit FixedBase(const Point& base);
  ~FixedBase();
  FixedBase(FixedBase&&) noexcept;
  FixedBase& operator=(FixedBase&&) noexcept;
  FixedBase(const FixedBase&) = delete;
  FixedBase& operator=(const FixedBase&) = delete;

  const Point& base() const { return base_; }
  Point mul(const Scalar& a) const;                                       // a*B
  Point mul_add(const Scalar& a, const Scalar& b, const Point& p) const;  // a*B + b*P

 private:
  struct Impl;
  Point base_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella
