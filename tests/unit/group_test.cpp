#include "tabella/crypto/group.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <memory>
#include <random>

#include "support/vectors.h"
#include "tabella/crypto/hash.h"

namespace tabella {
namespace {

Bytes hex(std::string_view s) {
  return *from_hex(s);
}

TEST(GroupTest, BaseMultMatchesOutsideVectors) {
  auto vectors = testing::load_vectors()["p256_base_mult"]["vectors"];
  ASSERT_GE(vectors.size(), 5u);
  for (const auto& v : vectors) {
    auto k = Scalar::decode(hex(v["k"].get<std::string>()));
    ASSERT_TRUE(k.ok()) << v["k"];
    Point p = Point::base_mul(*k);
    EXPECT_EQ(p.to_hex(), v["compressed"].get<std::string>()) << "k=" << v["k"];
    auto decoded = Point::decode(hex(v["compressed"].get<std::string>()));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, p);
  }
}

TEST(GroupTest, ScalarArithmetic) {
  Scalar a = Scalar::from_u64(7), b = Scalar::from_u64(5);
  EXPECT_EQ(a + b, Scalar::from_u64(12));
  EXPECT_EQ(a - b, Scalar::from_u64(2));
  EXPECT_EQ(b - a, -Scalar::from_u64(2));
  EXPECT_EQ(a * b, Scalar::from_u64(35));
  EXPECT_EQ(a * a.inverse(), Scalar::from_u64(1));
  EXPECT_EQ(Scalar::from_i64(-3) + Scalar::from_u64(3), Scalar());
  EXPECT_EQ(Scalar::from_u64(3).pow(4), Scalar::from_u64(81));
  EXPECT_EQ(Scalar::select(true, a, b), a);
  EXPECT_EQ(Scalar::select(false, a, b), b);
}

TEST(GroupTest, ScalarDecodeRejectsOrderAndWrongLength) {
  // n itself is not a valid scalar encoding; n-1 is.
  auto n_minus_1 = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
  EXPECT_TRUE(Scalar::decode(n_minus_1).ok());
  auto n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  auto r = Scalar::decode(n);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfRange);
  EXPECT_FALSE(Scalar::decode(Bytes(31)).ok());
  EXPECT_EQ(Scalar::reduce(n), Scalar());
}

TEST(GroupTest, PointOperations) {
  Scalar a = Scalar::random(), b = Scalar::random();
  Point pa = Point::base_mul(a), pb = Point::base_mul(b);
  EXPECT_EQ(pa + pb, Point::base_mul(a + b));
  EXPECT_EQ(pa - pb, Point::base_mul(a - b));
  EXPECT_EQ(pa * b, Point::base_mul(a * b));
  EXPECT_EQ(Point::base_mul_add(a, b, pa), Point::base_mul(a + b * a));
  EXPECT_TRUE((pa - pa).is_identity());
  EXPECT_TRUE(Point::base_mul(Scalar()).is_identity());
  Point copy = pa;
  Point moved = std::move(copy);
  EXPECT_EQ(moved, pa);
}

TEST(GroupTest, FixedBaseMatchesGenericProducts) {
  Scalar k = Scalar::random_nonzero();
  Point K = Point::base_mul(k);
  FixedBase fk(K);
  Scalar a = Scalar::random(), b = Scalar::random();
  Point p = Point::base_mul(Scalar::random());
  EXPECT_EQ(fk.mul(a), K * a);
  EXPECT_EQ(fk.mul_add(a, b, p), K * a + p * b);
}

// A decoded point keeps its bytes for re-encoding; nothing derived from it may inherit them.
TEST(GroupTest, DecodedPointEncodingFollowsTheValue) {
  Point a = Point::base_mul(Scalar::from_u64(7));
  Point b = Point::base_mul(Scalar::from_u64(11));
  auto d = Point::decode(a.encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->encode(), a.encode());
  Point copy(*d);
  EXPECT_EQ(copy.encode(), a.encode());
  // Negation (a copy changed in place), sums, differences and products re-encode.
  EXPECT_EQ((-*d).encode(), Point::base_mul(-Scalar::from_u64(7)).encode());
  EXPECT_NE((-*d).encode(), a.encode());
  EXPECT_EQ((*d + b).encode(), Point::base_mul(Scalar::from_u64(18)).encode());
  EXPECT_EQ((*d - b).encode(), Point::base_mul(-Scalar::from_u64(4)).encode());
  EXPECT_EQ((*d * Scalar::from_u64(2)).encode(), Point::base_mul(Scalar::from_u64(14)).encode());
  // In-place addition (the running tally) changes the point itself: its old bytes are gone.
  Point sum = *d;
  sum += b;
  EXPECT_EQ(sum.encode(), Point::base_mul(Scalar::from_u64(18)).encode());
  sum += sum;  // the same point on both sides: a doubling
  EXPECT_EQ(sum.encode(), Point::base_mul(Scalar::from_u64(36)).encode());
  EXPECT_EQ(d->encode(), a.encode());  // the point it was copied from is untouched
  // Assignment over a decoded point takes the new value's encoding, in both directions.
  copy = b;
  EXPECT_EQ(copy.encode(), b.encode());
  Point target = b;
  target = *d;
  EXPECT_EQ(target.encode(), a.encode());
  Point moved = std::move(copy);
  EXPECT_EQ(moved.encode(), b.encode());
}

TEST(GroupTest, PointDecodeRejectsInvalidEncodings) {
  Point g = Point::generator();
  auto enc = g.encode();
  EXPECT_TRUE(Point::decode(enc).ok());
  // Wrong length.
  EXPECT_FALSE(Point::decode(ByteView(enc).first(32)).ok());
  // Uncompressed prefix, bad prefix.
  auto bad = enc;
  bad[0] = 0x04;
  EXPECT_FALSE(Point::decode(bad).ok());
  // Identity refused by decode, accepted by decode_allow_identity.
  Point::Encoding zero{};
  EXPECT_FALSE(Point::decode(zero).ok());
  ASSERT_TRUE(Point::decode_allow_identity(zero).ok());
  EXPECT_TRUE(Point::decode_allow_identity(zero)->is_identity());
  // x = p (not a field element) and an x with no point on the curve.
  auto xp = hex("02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  EXPECT_FALSE(Point::decode(xp).ok());
  int off_curve = 0;
  for (int x = 1; x < 20; ++x) {
    Point::Encoding e{};
    e[0] = 0x02;
    e[32] = static_cast<std::uint8_t>(x);
    if (!Point::decode(e).ok()) ++off_curve;
  }
  EXPECT_GT(off_curve, 0);  // about half of all x have no point
}

// Point::decode computes the square root itself (a cached Montgomery context); it must accept
// exactly the encodings OpenSSL's own decoder accepts, as the same points: random x (about half
// have a point), real points with either prefix, and the edges of the field.
TEST(GroupTest, PointDecodeAgreesWithOpenSsl) {
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free);
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> pt(EC_POINT_new(group.get()), EC_POINT_free);
  ASSERT_TRUE(group && pt);
  std::vector<Point::Encoding> cases;
  std::mt19937_64 rng(20261206);
  for (int i = 0; i < 3000; ++i) {
    Point::Encoding e{};
    for (auto& b : e) b = static_cast<std::uint8_t>(rng());
    e[0] = static_cast<std::uint8_t>(0x02 + (i & 1));
    cases.push_back(e);
  }
  for (int i = 0; i < 500; ++i) {
    auto e = Point::base_mul(Scalar::random_nonzero()).encode();
    cases.push_back(e);
    e[0] ^= 0x01;  // the other y
    cases.push_back(e);
  }
  // x = 0, 1, p - 1, p, p + 1, 2^256 - 1 under both prefixes.
  for (const char* x : {"0000000000000000000000000000000000000000000000000000000000000000",
                        "0000000000000000000000000000000000000000000000000000000000000001",
                        "ffffffff00000001000000000000000000000000fffffffffffffffffffffffe",
                        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                        "ffffffff00000001000000000000000000000001000000000000000000000000",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}) {
    for (std::uint8_t prefix : {0x02, 0x03}) {
      Point::Encoding e{};
      e[0] = prefix;
      auto xb = hex(x);
      std::copy(xb.begin(), xb.end(), e.begin() + 1);
      cases.push_back(e);
    }
  }
  int valid = 0;
  for (const auto& e : cases) {
    bool theirs = EC_POINT_oct2point(group.get(), pt.get(), e.data(), e.size(), nullptr) == 1;
    auto ours = Point::decode(e);
    ASSERT_EQ(ours.ok(), theirs) << to_hex(e) << (ours.ok() ? "" : ": " + ours.error().message);
    if (!theirs) continue;
    ++valid;
    // Re-encoded from the EC point itself (a sum drops the kept bytes): same x, same y parity.
    EXPECT_EQ((*ours + Point()).encode(), e) << to_hex(e);
    Point::Encoding other = e;
    other[0] ^= 0x01;
    auto negated = Point::decode(other);
    ASSERT_TRUE(negated.ok());
    EXPECT_EQ(*negated, -*ours);
  }
  EXPECT_GT(valid, 2000);  // 1,000 real points and about half of the random x
  EXPECT_LT(valid, static_cast<int>(cases.size()) - 1000);
}

TEST(HashTest, LengthPrefixingSeparatesFieldBoundaries) {
  Digest a = Hasher("tabella/v1/test").add("ab").add("c").finish();
  Digest b = Hasher("tabella/v1/test").add("a").add("bc").finish();
  Digest c = Hasher("tabella/v1/other").add("ab").add("c").finish();
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  // Known answer: SHA-256(00000004 'tag1' 00000001 'x').
  Bytes manual = {0, 0, 0, 4, 't', 'a', 'g', '1', 0, 0, 0, 1, 'x'};
  EXPECT_EQ(Hasher("tag1").add("x").finish(), sha256(manual));
}

TEST(HashTest, SeededRngIsDeterministic) {
  SeededRng r1("seed"), r2("seed"), r3("other");
  EXPECT_EQ(Scalar::random(r1), Scalar::random(r2));
  EXPECT_FALSE(Scalar::random(r1) == Scalar::random(r3));
}

}  // namespace
}  // namespace tabella
