#include "tabella/crypto/group.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "group_internal.h"
#include "p256_sqrt.h"
#include "tabella/util/canonical.h"

namespace tabella {
namespace detail {

void crypto_fail(const char* what) {
  std::fprintf(stderr, "tabella: OpenSSL call failed: %s\n", what);
  std::abort();
}

namespace {
struct Group {
  EC_GROUP* group = nullptr;
  BIGNUM* order = nullptr;
  // For decoding compressed points (Point::decode): the field prime p, the curve's b and a
  // Montgomery context for p, set up once. Read-only after construction.
  BIGNUM* p = nullptr;
  BIGNUM* b = nullptr;
  BN_MONT_CTX* mont = nullptr;
  Group() {
    group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    order = BN_new();
    p = BN_new();
    b = BN_new();
    mont = BN_MONT_CTX_new();
    BIGNUM* a = BN_new();
    if (group == nullptr || order == nullptr || p == nullptr || b == nullptr || mont == nullptr ||
        a == nullptr || EC_GROUP_get_order(group, order, nullptr) != 1 ||
        EC_GROUP_get_curve(group, p, a, b, nullptr) != 1 || BN_mod_word(p, 4) != 3 ||
        BN_MONT_CTX_set(mont, p, bn_ctx()) != 1) {
      crypto_fail("P-256 group setup");
    }
    BN_free(a);  // a = -3: the decoder computes x^3 - 3x + b
  }
  ~Group() {
    EC_GROUP_free(group);
    BN_free(order);
    BN_free(p);
    BN_free(b);
    BN_MONT_CTX_free(mont);
  }
};

const Group& group() {
  static const Group g;
  return g;
}

struct ThreadState {
  BN_CTX* ctx = BN_CTX_new();
  // Secure BIGNUMs: OpenSSL wipes their limbs when they are freed or resized.
  BnScratch scratch{BN_secure_new(), BN_secure_new(), BN_secure_new()};
  ThreadState() {
    if (ctx == nullptr || scratch.a == nullptr || scratch.b == nullptr || scratch.r == nullptr) {
      crypto_fail("BN allocation");
    }
    BN_set_flags(scratch.a, BN_FLG_CONSTTIME);
    BN_set_flags(scratch.b, BN_FLG_CONSTTIME);
    BN_set_flags(scratch.r, BN_FLG_CONSTTIME);
  }
  ~ThreadState() {
    BN_clear_free(scratch.a);
    BN_clear_free(scratch.b);
    BN_clear_free(scratch.r);
    BN_CTX_free(ctx);
  }
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

// Big-endian bytes of the order n, for constant-time range checks.
const Scalar::Encoding& order_bytes() {
  static const Scalar::Encoding bytes = [] {
    Scalar::Encoding b{};
    if (BN_bn2binpad(p256_order(), b.data(), 32) != 32) crypto_fail("BN_bn2binpad(n)");
    return b;
  }();
  return bytes;
}

// 1 if the 32-byte big-endian value is < n, computed without a data-dependent branch.
bool ct_less_than_order(const std::uint8_t* v) {
  const auto& n = order_bytes();
  unsigned borrow = 0;
  for (int i = 31; i >= 0; --i) {
    unsigned diff = unsigned{v[i]} - unsigned{n[i]} - borrow;
    borrow = (diff >> 8) & 1;
  }
  return borrow == 1;  // v - n borrowed: v < n
}
}  // namespace

const EC_GROUP* p256() {
  return group().group;
}
const BIGNUM* p256_order() {
  return group().order;
}
BN_CTX* bn_ctx() {
  return thread_state().ctx;
}
BnScratch& bn_scratch() {
  return thread_state().scratch;
}

// A BN_CTX for one operation on a secret: its temporaries (which hold values derived from the
// secret) are wiped when it is freed, instead of lingering in the per-thread pool.
class SecretCtx {
 public:
  SecretCtx() : ctx_(BN_CTX_secure_new()) {
    if (ctx_ == nullptr) crypto_fail("BN_CTX_secure_new");
  }
  ~SecretCtx() { BN_CTX_free(ctx_); }
  SecretCtx(const SecretCtx&) = delete;
  SecretCtx& operator=(const SecretCtx&) = delete;
  BN_CTX* get() const { return ctx_; }

 private:
  BN_CTX* ctx_;
};

void load_bn(BIGNUM* bn, const Scalar& s) {
  if (BN_bin2bn(s.encode().data(), 32, bn) == nullptr) crypto_fail("BN_bin2bn");
  BN_set_flags(bn, BN_FLG_CONSTTIME);
}

Scalar store_bn(const BIGNUM* bn) {
  Scalar::Encoding b{};
  if (BN_bn2binpad(bn, b.data(), 32) != 32) crypto_fail("BN_bn2binpad");
  auto r = Scalar::decode(b);
  if (!r.ok()) crypto_fail("scalar out of range");
  Scalar s = *r;
  secure_zero(b.data(), b.size());
  return s;
}

}  // namespace detail

using detail::bn_ctx;
using detail::bn_scratch;
using detail::crypto_fail;
using detail::load_bn;
using detail::p256;
using detail::p256_order;
using detail::store_bn;

// ---------------------------------------------------------------- Scalar

Scalar Scalar::from_u64(std::uint64_t v) {
  Scalar s;
  const auto be = u64be(v);
  std::copy(be.begin(), be.end(), s.bytes_.end() - 8);
  return s;
}

Scalar Scalar::from_i64(std::int64_t v) {
  if (v >= 0) return from_u64(static_cast<std::uint64_t>(v));
  return -from_u64(static_cast<std::uint64_t>(-(v + 1)) + 1);
}

Result<Scalar> Scalar::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "scalar must be 32 bytes, got " + std::to_string(bytes.size()));
  }
  if (!detail::ct_less_than_order(bytes.data())) {
    return make_error(ErrorCode::kOutOfRange, "scalar is not below the group order n");
  }
  Scalar s;
  std::copy(bytes.begin(), bytes.end(), s.bytes_.begin());
  return s;
}

Scalar Scalar::reduce(ByteView bytes) {
  auto& sc = bn_scratch();
  if (BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), sc.a) == nullptr)
    crypto_fail("BN_bin2bn");
  if (BN_nnmod(sc.r, sc.a, p256_order(), detail::SecretCtx().get()) != 1) crypto_fail("BN_nnmod");
  Scalar s = store_bn(sc.r);
  BN_clear(sc.a);
  BN_clear(sc.r);
  return s;
}

Scalar Scalar::random(Rng& rng) {
  Encoding b{};
  for (;;) {
    rng.fill(b);
    if (detail::ct_less_than_order(b.data())) break;  // rejects with probability < 2^-32
  }
  Scalar s;
  s.bytes_ = b;
  secure_zero(b.data(), b.size());
  return s;
}

Scalar Scalar::random_nonzero(Rng& rng) {
  for (;;) {
    Scalar s = random(rng);
    if (!s.is_zero()) return s;
  }
}

std::string Scalar::to_hex() const {
  return tabella::to_hex(bytes_);
}

namespace {
enum class Op { kAdd, kSub, kMul };
Scalar binop(const Scalar& x, const Scalar& y, Op op) {
  auto& sc = bn_scratch();
  load_bn(sc.a, x);
  load_bn(sc.b, y);
  int ok = 0;
  switch (op) {
    case Op::kAdd:
      ok = BN_mod_add_quick(sc.r, sc.a, sc.b, p256_order());
      break;
    case Op::kSub:
      ok = BN_mod_sub_quick(sc.r, sc.a, sc.b, p256_order());
      break;
    case Op::kMul:
      ok = BN_mod_mul(sc.r, sc.a, sc.b, p256_order(), detail::SecretCtx().get());
      break;
  }
  if (ok != 1) crypto_fail("scalar arithmetic");
  Scalar s = store_bn(sc.r);
  BN_clear(sc.a);
  BN_clear(sc.b);
  BN_clear(sc.r);
  return s;
}
}  // namespace

Scalar Scalar::operator+(const Scalar& o) const {
  return binop(*this, o, Op::kAdd);
}
Scalar Scalar::operator-(const Scalar& o) const {
  return binop(*this, o, Op::kSub);
}
Scalar Scalar::operator*(const Scalar& o) const {
  return binop(*this, o, Op::kMul);
}
Scalar Scalar::operator-() const {
  return Scalar() - *this;
}

Scalar Scalar::inverse() const {
  assert(!is_zero());
  auto& sc = bn_scratch();
  load_bn(sc.a, *this);
  // With BN_FLG_CONSTTIME set on the input, OpenSSL takes its branch-free inversion path.
  if (BN_mod_inverse(sc.r, sc.a, p256_order(), detail::SecretCtx().get()) == nullptr) {
    crypto_fail("BN_mod_inverse");
  }
  Scalar s = store_bn(sc.r);
  BN_clear(sc.a);
  BN_clear(sc.r);
  return s;
}

Scalar Scalar::pow(std::uint64_t e) const {
  Scalar result = from_u64(1);
  Scalar base = *this;
  while (e != 0) {
    if (e & 1) result = result * base;
    base = base * base;
    e >>= 1;
  }
  return result;
}

bool Scalar::is_zero() const {
  std::uint8_t acc = 0;
  for (std::uint8_t b : bytes_) acc |= b;
  return acc == 0;
}

bool Scalar::operator==(const Scalar& o) const {
  return CRYPTO_memcmp(bytes_.data(), o.bytes_.data(), kSize) == 0;
}

Scalar Scalar::select(bool mask, const Scalar& a, const Scalar& b) {
  // m = 0xff when mask, 0x00 otherwise, without a branch.
  auto m = static_cast<std::uint8_t>(0u - static_cast<unsigned>(mask));
  Scalar s;
  for (std::size_t i = 0; i < kSize; ++i) {
    s.bytes_[i] = static_cast<std::uint8_t>((a.bytes_[i] & m) | (b.bytes_[i] & ~m));
  }
  return s;
}

// ---------------------------------------------------------------- Point

namespace {
EC_POINT* new_point() {
  EC_POINT* p = EC_POINT_new(p256());
  if (p == nullptr || EC_POINT_set_to_infinity(p256(), p) != 1) crypto_fail("EC_POINT_new");
  return p;
}

// A BIGNUM view of a scalar for the duration of one call; cleared afterwards.
class ScalarBn {
 public:
  explicit ScalarBn(const Scalar& s) : bn_(BN_secure_new()) {
    if (bn_ == nullptr) crypto_fail("BN_secure_new");
    load_bn(bn_, s);
  }
  ~ScalarBn() { BN_clear_free(bn_); }
  ScalarBn(const ScalarBn&) = delete;
  ScalarBn& operator=(const ScalarBn&) = delete;
  const BIGNUM* get() const { return bn_; }

 private:
  BIGNUM* bn_;
};
}  // namespace

Point::Point() : impl_(std::make_unique<Impl>()) {
  impl_->p = new_point();
}

Point::~Point() {
  if (impl_) EC_POINT_free(impl_->p);
}

Point::Point(const Point& o) : impl_(std::make_unique<Impl>()) {
  impl_->p = EC_POINT_dup(o.impl_->p, p256());
  if (impl_->p == nullptr) crypto_fail("EC_POINT_dup");
  impl_->has_encoding = o.impl_->has_encoding;
  impl_->encoding = o.impl_->encoding;
}

Point& Point::operator=(const Point& o) {
  if (this == &o) return *this;
  if (!impl_) {
    impl_ = std::make_unique<Impl>();
    impl_->p = new_point();
  }
  if (EC_POINT_copy(impl_->p, o.impl_->p) != 1) crypto_fail("EC_POINT_copy");
  impl_->has_encoding = o.impl_->has_encoding;
  impl_->encoding = o.impl_->encoding;
  return *this;
}

Point::Point(Point&& o) noexcept = default;

Point& Point::operator=(Point&& o) noexcept {
  if (this != &o) {
    if (impl_) EC_POINT_free(impl_->p);
    impl_ = std::move(o.impl_);
  }
  return *this;
}

const Point& Point::generator() {
  static const Point g = [] {
    Point p;
    if (EC_POINT_copy(p.impl_->p, EC_GROUP_get0_generator(p256())) != 1) crypto_fail("generator");
    return p;
  }();
  return g;
}

namespace {
// y = rhs^((p+1)/4) for 0 <= rhs < p.
bool sqrt_candidate(const BIGNUM* rhs, BIGNUM* y) {
  std::array<std::uint8_t, 32> a{};
  if (BN_bn2binpad(rhs, a.data(), 32) != 32) return false;
  const auto root = detail::p256_sqrt_candidate(a);
  return BN_bin2bn(root.data(), 32, y) != nullptr;
}
}  // namespace

Result<Point> Point::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(
        ErrorCode::kInvalidEncoding,
        "point must be 33 bytes (compressed SEC1), got " + std::to_string(bytes.size()));
  }
  if (bytes[0] != 0x02 && bytes[0] != 0x03) {
    bool all_zero = true;
    for (std::uint8_t b : bytes) all_zero = all_zero && b == 0;
    if (all_zero) return make_error(ErrorCode::kInvalidEncoding, "point is the identity");
    return make_error(ErrorCode::kInvalidEncoding, "point prefix must be 0x02 or 0x03, got 0x" +
                                                       tabella::to_hex(bytes.first(1)));
  }
  // y = sqrt(x^3 - 3x + b) mod p as rhs^((p+1)/4) by p256_sqrt_candidate, then checked by
  // squaring with OpenSSL's arithmetic. EC_POINT_oct2point computes the same root through
  // BN_mod_sqrt, generic and slower (docs/benchmarks.md, "Decoding points"). Not constant-time:
  // the bytes are public (a record, a request).
  const detail::Group& gr = detail::group();
  BN_CTX* ctx = bn_ctx();
  BN_CTX_start(ctx);
  BIGNUM* x = BN_CTX_get(ctx);
  BIGNUM* rhs = BN_CTX_get(ctx);
  BIGNUM* y = BN_CTX_get(ctx);
  BIGNUM* t = BN_CTX_get(ctx);
  if (t == nullptr || BN_bin2bn(bytes.data() + 1, 32, x) == nullptr) crypto_fail("BN_CTX_get");
  std::optional<Error> refused;
  if (BN_cmp(x, gr.p) >= 0) {
    refused = make_error(ErrorCode::kInvalidEncoding,
                         "point's x coordinate is not below the P-256 field prime p");
  } else {
    if (BN_to_montgomery(t, x, gr.mont, ctx) != 1 ||              // t = xR
        BN_mod_mul_montgomery(rhs, t, t, gr.mont, ctx) != 1 ||    // x^2 R
        BN_mod_mul_montgomery(rhs, rhs, t, gr.mont, ctx) != 1 ||  // x^3 R
        BN_from_montgomery(rhs, rhs, gr.mont, ctx) != 1 ||        // x^3
        BN_mod_sub(rhs, rhs, x, gr.p, ctx) != 1 || BN_mod_sub(rhs, rhs, x, gr.p, ctx) != 1 ||
        BN_mod_sub(rhs, rhs, x, gr.p, ctx) != 1 || BN_mod_add(rhs, rhs, gr.b, gr.p, ctx) != 1 ||
        !sqrt_candidate(rhs, y) || BN_mod_mul_montgomery(t, y, y, gr.mont, ctx) != 1 ||  // y^2 / R
        BN_to_montgomery(t, t, gr.mont, ctx) != 1) {                                     // y^2
      crypto_fail("point decompression");
    }
    if (BN_cmp(t, rhs) != 0) {
      refused = make_error(ErrorCode::kInvalidEncoding,
                           "point is not on the P-256 curve (no point has this x coordinate)");
    } else if ((BN_is_odd(y) == 1) != (bytes[0] == 0x03)) {
      // The other root, p - y; y = 0 has no other (P-256 has no such point: its order is prime).
      if (BN_is_zero(y) || BN_sub(y, gr.p, y) != 1) {
        refused = make_error(ErrorCode::kInvalidEncoding, "point has y = 0 and an odd prefix");
      }
    }
  }
  Point p;
  // set_affine_coordinates checks again that (x, y) is on the curve.
  if (!refused && EC_POINT_set_affine_coordinates(p256(), p.impl_->p, x, y, ctx) != 1) {
    refused = make_error(ErrorCode::kInvalidEncoding, "point is not on the P-256 curve");
  }
  BN_CTX_end(ctx);
  if (refused) return *refused;
  std::copy(bytes.begin(), bytes.end(), p.impl_->encoding.begin());
  p.impl_->has_encoding = true;
  return p;
}

Result<Point> Point::decode_allow_identity(ByteView bytes) {
  if (bytes.size() == kSize) {
    bool all_zero = true;
    for (std::uint8_t b : bytes) all_zero = all_zero && b == 0;
    if (all_zero) return Point();
  }
  return decode(bytes);
}

Point::Encoding Point::encode() const {
  if (impl_->has_encoding) return impl_->encoding;
  Encoding out{};
  if (is_identity()) return out;
  if (EC_POINT_point2oct(p256(), impl_->p, POINT_CONVERSION_COMPRESSED, out.data(), out.size(),
                         bn_ctx()) != kSize) {
    crypto_fail("EC_POINT_point2oct");
  }
  return out;
}

std::string Point::to_hex() const {
  return tabella::to_hex(encode());
}

bool Point::is_identity() const {
  return EC_POINT_is_at_infinity(p256(), impl_->p) == 1;
}

Point Point::operator+(const Point& o) const {
  Point r;
  if (EC_POINT_add(p256(), r.impl_->p, impl_->p, o.impl_->p, bn_ctx()) != 1)
    crypto_fail("EC_POINT_add");
  return r;
}

Point& Point::operator+=(const Point& o) {
  if (EC_POINT_add(p256(), impl_->p, impl_->p, o.impl_->p, bn_ctx()) != 1)
    crypto_fail("EC_POINT_add");
  impl_->has_encoding = false;
  return *this;
}

Point Point::operator-() const {
  Point r(*this);
  r.impl_->has_encoding = false;
  if (EC_POINT_invert(p256(), r.impl_->p, bn_ctx()) != 1) crypto_fail("EC_POINT_invert");
  return r;
}

Point Point::operator-(const Point& o) const {
  return *this + (-o);
}

Point Point::operator*(const Scalar& k) const {
  Point r;
  ScalarBn kb(k);
  if (EC_POINT_mul(p256(), r.impl_->p, nullptr, impl_->p, kb.get(), detail::SecretCtx().get()) !=
      1) {
    crypto_fail("EC_POINT_mul");
  }
  return r;
}

bool Point::operator==(const Point& o) const {
  int c = EC_POINT_cmp(p256(), impl_->p, o.impl_->p, bn_ctx());
  if (c < 0) crypto_fail("EC_POINT_cmp");
  return c == 0;
}

Point Point::base_mul(const Scalar& a) {
  Point r;
  ScalarBn ab(a);
  if (EC_POINT_mul(p256(), r.impl_->p, ab.get(), nullptr, nullptr, detail::SecretCtx().get()) !=
      1) {
    crypto_fail("EC_POINT_mul");
  }
  return r;
}

Point Point::base_mul_add(const Scalar& a, const Scalar& b, const Point& p) {
  Point r;
  ScalarBn ab(a);
  ScalarBn bb(b);
  if (EC_POINT_mul(p256(), r.impl_->p, ab.get(), p.impl_->p, bb.get(), detail::SecretCtx().get()) !=
      1) {
    crypto_fail("EC_POINT_mul");
  }
  return r;
}

// ---------------------------------------------------------------- FixedBase

struct FixedBase::Impl {
  EC_GROUP* group = nullptr;
  ~Impl() { EC_GROUP_free(group); }
};

FixedBase::FixedBase(const Point& base) : base_(base), impl_(std::make_unique<Impl>()) {
  assert(!base.is_identity());
  impl_->group = EC_GROUP_dup(p256());
  if (impl_->group == nullptr ||
      EC_GROUP_set_generator(impl_->group, base.impl().p, p256_order(), BN_value_one()) != 1) {
    crypto_fail("EC_GROUP_set_generator");
  }
}

FixedBase::~FixedBase() = default;
FixedBase::FixedBase(FixedBase&&) noexcept = default;
FixedBase& FixedBase::operator=(FixedBase&&) noexcept = default;

Point FixedBase::mul(const Scalar& a) const {
  Point r;
  ScalarBn ab(a);
  if (EC_POINT_mul(impl_->group, r.impl().p, ab.get(), nullptr, nullptr,
                   detail::SecretCtx().get()) != 1) {
    crypto_fail("EC_POINT_mul (fixed base)");
  }
  return r;
}

Point FixedBase::mul_add(const Scalar& a, const Scalar& b, const Point& p) const {
  Point r;
  ScalarBn ab(a);
  ScalarBn bb(b);
  if (EC_POINT_mul(impl_->group, r.impl().p, ab.get(), p.impl().p, bb.get(),
                   detail::SecretCtx().get()) != 1) {
    crypto_fail("EC_POINT_mul (fixed base)");
  }
  return r;
}

}  // namespace tabella
