#include "tabella/crypto/elgamal.h"

#include <gtest/gtest.h>

#include <vector>

#include "tabella/crypto/dlog.h"

namespace tabella {
namespace {

struct Keys {
  Scalar s = Scalar::random_nonzero();
  ElectionPublicKey key{Point::base_mul(s)};
};

TEST(ElGamalTest, EncryptDecryptRoundTripThroughDlog) {
  Keys k;
  DlogTable table(1000);
  for (std::uint64_t m : {0u, 1u, 2u, 17u, 999u, 1000u}) {
    Scalar r = Scalar::random_nonzero();
    Ciphertext c = encrypt(k.key, m, r);
    EXPECT_EQ(c.alpha, Point::base_mul(r));                     // A = r*G
    EXPECT_EQ(c.beta, Point::from_u64(m) + k.key.point() * r);  // B = m*G + r*K
    Point mg = decrypt_to_point(k.s, c);
    EXPECT_EQ(mg, Point::from_u64(m));
    auto solved = table.solve(mg);
    ASSERT_TRUE(solved.ok()) << m;
    EXPECT_EQ(*solved, m);
  }
}

TEST(ElGamalTest, WrongSecretDoesNotDecrypt) {
  Keys k;
  Ciphertext c = encrypt(k.key, 5, Scalar::random_nonzero());
  EXPECT_NE(decrypt_to_point(k.s + Scalar::from_u64(1), c), Point::from_u64(5));
}

TEST(ElGamalTest, HomomorphicSum) {
  Keys k;
  std::vector<Ciphertext> cs;
  Scalar r_total;
  std::uint64_t m_total = 0;
  for (std::uint64_t m : {1u, 0u, 1u, 1u, 0u, 3u}) {
    Scalar r = Scalar::random_nonzero();
    cs.push_back(encrypt(k.key, m, r));
    r_total += r;
    m_total += m;
  }
  Ciphertext total = sum(cs);
  EXPECT_EQ(total, encrypt(k.key, m_total, r_total));
  EXPECT_EQ(cs[0] + cs[1], (Ciphertext{cs[0].alpha + cs[1].alpha, cs[0].beta + cs[1].beta}));
  EXPECT_EQ(*DlogTable(100).solve(decrypt_to_point(k.s, total)), 6u);

  Ciphertext empty = sum({});
  EXPECT_TRUE(empty.alpha.is_identity());
  EXPECT_TRUE(empty.beta.is_identity());
}

TEST(ElGamalTest, RerandomizeKeepsPlaintextChangesCiphertext) {
  Keys k;
  Scalar r = Scalar::random_nonzero(), r2 = Scalar::random_nonzero();
  Ciphertext c = encrypt(k.key, 4, r);
  Ciphertext c2 = rerandomize(k.key, c, r2);
  EXPECT_FALSE(c2 == c);
  EXPECT_EQ(c2, encrypt(k.key, 4, r + r2));
  EXPECT_EQ(decrypt_to_point(k.s, c2), Point::from_u64(4));
}

TEST(ElGamalTest, KnownAnswerFromSeed) {
  // The worked example of docs/spec-drafts/proofs.md ("0/1 proof").
  SeededRng rng("tabella/example/zero-one");
  Scalar s = Scalar::random_nonzero(rng);
  ElectionPublicKey key(Point::base_mul(s));
  Scalar r = Scalar::random_nonzero(rng);
  EXPECT_EQ(key.point().to_hex(),
            "02919bf494d3122270329cec49116abe4a308b09f0f02fb8b9f1b8db939c0fc605");
  EXPECT_EQ(to_hex(encrypt(key, 1, r).encode()),
            "032a2b5e4d74a5a99e9962ca5492ef4e2a798bd919976b05a82acfe79d4aa6d239"
            "02f74df9ccec6bef018232f7f4268b0c87903034e31a7aa268d3143838fe746633");
}

TEST(ElGamalTest, EncodeDecodeRoundTrip) {
  Keys k;
  Ciphertext c = encrypt(k.key, 3, Scalar::random_nonzero());
  auto enc = c.encode();
  ASSERT_EQ(enc.size(), 66u);
  auto alpha_enc = c.alpha.encode();
  EXPECT_EQ(Bytes(enc.begin(), enc.begin() + 33), Bytes(alpha_enc.begin(), alpha_enc.end()));
  auto back = Ciphertext::decode(enc);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, c);
}

TEST(ElGamalTest, DecodeRejectsBadBytes) {
  Keys k;
  auto enc = encrypt(k.key, 3, Scalar::random_nonzero()).encode();
  Bytes good(enc.begin(), enc.end());

  Bytes shorter(good.begin(), good.end() - 1);
  auto r = Ciphertext::decode(shorter);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding);
  EXPECT_NE(r.error().message.find("66 bytes"), std::string::npos);

  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(Ciphertext::decode(longer).ok());
  EXPECT_FALSE(Ciphertext::decode(Bytes{}).ok());

  Bytes identity_alpha = good;
  std::fill(identity_alpha.begin(), identity_alpha.begin() + 33, 0);
  r = Ciphertext::decode(identity_alpha);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "alpha");

  Bytes identity_beta = good;
  std::fill(identity_beta.begin() + 33, identity_beta.end(), 0);
  r = Ciphertext::decode(identity_beta);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "beta");

  Bytes bad_prefix = good;
  bad_prefix[33] = 0x04;
  r = Ciphertext::decode(bad_prefix);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "beta");

  // x = p - 1 ... all 0xff bytes is >= p, not a field element.
  Bytes off_curve = good;
  std::fill(off_curve.begin() + 1, off_curve.begin() + 33, 0xff);
  r = Ciphertext::decode(off_curve);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "alpha");
}

TEST(ElGamalTest, KeyIsCheapToCopyAndShared) {
  Keys k;
  ElectionPublicKey copy = k.key;
  EXPECT_EQ(&copy.fixed(), &k.key.fixed());
  EXPECT_EQ(copy.encoded(), k.key.point().encode());
}

}  // namespace
}  // namespace tabella
