// Schnorr, Chaum-Pedersen and range (disjunctive 0/1) proofs: known answers from seeded
// transcripts (the worked examples of docs/spec-drafts/proofs.md), honest acceptance, and
// rejection when any single field of the statement or the proof changes.
#include <gtest/gtest.h>

#include "tabella/crypto/chaum_pedersen.h"
#include "tabella/crypto/range_proof.h"
#include "tabella/crypto/schnorr.h"

namespace tabella {
namespace {

const Scalar kOne = Scalar::from_u64(1);

Digest example_q() {
  return sha256(as_bytes("tabella worked example election"));
}

Digest flip(Digest d) {
  d[0] ^= 1;
  return d;
}

Bytes bytes_of(std::string_view hex) {
  return *from_hex(hex);
}

// ---------------------------------------------------------------- Schnorr

TEST(SchnorrTest, KnownAnswer) {
  Digest q = example_q();
  EXPECT_EQ(to_hex(q), "297cc77e7a2657733fd67f04b3b0134e29f22cc441c525df6a120a8ddefab51e");
  SeededRng rng("tabella/example/schnorr");
  Scalar x = Scalar::random_nonzero(rng);
  Point X = Point::base_mul(x);
  EXPECT_EQ(x.to_hex(), "fb98ae06660fc6f35c2649a0746021864b51f1ab9a4fa9355bb80f890558b933");
  EXPECT_EQ(X.to_hex(), "02651d48b8efa87892b38d4c2029ecb6091510550aec63f5f336d09993cc8a88b1");
  auto proof = SchnorrProof::make(q, x, X, as_bytes("guardian 1"), rng);
  EXPECT_EQ(to_hex(proof.encode()),
            "dbaa82afcca25e4da7be532d3e55cf0b822e0c33569f628d8311a6fcc9577650"
            "34a18fdcca160adf93f5255f93cf2cbc455db0b27dd4cacf9eedbd13a121e34e");
  EXPECT_TRUE(proof.verify(q, X, as_bytes("guardian 1")).ok());
}

TEST(SchnorrTest, AcceptsHonestRejectsEverySingleChange) {
  Digest q = example_q();
  Scalar x = Scalar::random_nonzero();
  Point X = Point::base_mul(x);
  ByteView ctx = as_bytes("guardian 3");
  auto proof = SchnorrProof::make(q, x, X, ctx);
  ASSERT_TRUE(proof.verify(q, X, ctx).ok());

  SchnorrProof bad = proof;
  bad.challenge += kOne;
  auto st = bad.verify(q, X, ctx);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidProof);
  bad = proof;
  bad.response += kOne;
  EXPECT_FALSE(bad.verify(q, X, ctx).ok());
  EXPECT_FALSE(proof.verify(q, X + Point::generator(), ctx).ok());
  EXPECT_FALSE(proof.verify(q, X, as_bytes("guardian 4")).ok());
  EXPECT_FALSE(proof.verify(q, X, {}).ok());
  EXPECT_FALSE(proof.verify(flip(q), X, ctx).ok());
}

TEST(SchnorrTest, RejectsIdentityStatement) {
  Digest q = example_q();
  // With X = identity, v*G - c*X = v*G: anyone could "prove" knowledge of log 0.
  SchnorrProof forged{Scalar::random(), Scalar::random()};
  Point U = Point::base_mul(forged.response);
  forged.challenge = Hasher(kSchnorrTag).add(q).add(ByteView{}).add(Point()).add(U).finish_scalar();
  auto st = forged.verify(q, Point::identity(), {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "X");
}

TEST(SchnorrTest, EncodeDecode) {
  Scalar x = Scalar::random_nonzero();
  auto proof = SchnorrProof::make(example_q(), x, Point::base_mul(x), {});
  auto enc = proof.encode();
  auto back = SchnorrProof::decode(enc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->challenge, proof.challenge);
  EXPECT_EQ(back->response, proof.response);

  EXPECT_FALSE(SchnorrProof::decode(ByteView(enc).first(63)).ok());
  Bytes longer(enc.begin(), enc.end());
  longer.push_back(0);
  auto r = SchnorrProof::decode(longer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding);
  Bytes garbage(64, 0xff);  // both scalars >= n
  r = SchnorrProof::decode(garbage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "challenge");
  Bytes bad_response(enc.begin(), enc.end());
  std::fill(bad_response.begin() + 32, bad_response.end(), 0xff);
  r = SchnorrProof::decode(bad_response);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "response");
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfRange);
}

// ---------------------------------------------------------------- Chaum-Pedersen

TEST(ChaumPedersenTest, KnownAnswer) {
  Digest q = example_q();
  SeededRng rng("tabella/example/chaum-pedersen");
  Scalar x = Scalar::random_nonzero(rng);
  Scalar h = Scalar::random_nonzero(rng);
  Point H = Point::base_mul(h), X = Point::base_mul(x), Y = H * x;
  EXPECT_EQ(H.to_hex(), "0352ee0826876e99b0d4d77ad9efd1a80feda2348e5c3cd947b3ae9a471ceddbb3");
  EXPECT_EQ(X.to_hex(), "037d8a3335b6ad512ff1bfae0833c69a5c48c561e3719b0aa5b2e3cba8bab9b0ae");
  EXPECT_EQ(Y.to_hex(), "03360b8ceb7979710d84b7254eb8b80a8d3466b058dfba8dd555a8ac3774f511f8");
  auto proof = ChaumPedersenProof::make(q, x, H, X, Y, as_bytes("guardian 2"), rng);
  EXPECT_EQ(to_hex(proof.encode()),
            "091514e2b8e39821f82cc4ba316883fc78c504e65521831adc09c3505a72e372"
            "9a0af0d88ba2f2e07f8431f86cc17dbdb0cdc3dd6bc2f1a39dcfbba594535568");
  EXPECT_TRUE(proof.verify(q, H, X, Y, as_bytes("guardian 2")).ok());
}

TEST(ChaumPedersenTest, AcceptsHonestRejectsEverySingleChange) {
  Digest q = example_q();
  Scalar x = Scalar::random_nonzero();
  Point H = Point::base_mul(Scalar::random_nonzero());  // a ciphertext's alpha
  Point X = Point::base_mul(x), Y = H * x;
  ByteView ctx = as_bytes("guardian 1/contest 2/selection 3");
  auto proof = ChaumPedersenProof::make(q, x, H, X, Y, ctx);
  ASSERT_TRUE(proof.verify(q, H, X, Y, ctx).ok());

  ChaumPedersenProof bad = proof;
  bad.challenge += kOne;
  auto st = bad.verify(q, H, X, Y, ctx);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidProof);
  bad = proof;
  bad.response += kOne;
  EXPECT_FALSE(bad.verify(q, H, X, Y, ctx).ok());
  const Point& g = Point::generator();
  EXPECT_FALSE(proof.verify(q, H + g, X, Y, ctx).ok());
  EXPECT_FALSE(proof.verify(q, H, X + g, Y, ctx).ok());
  EXPECT_FALSE(proof.verify(q, H, X, Y + g, ctx).ok());
  EXPECT_FALSE(proof.verify(q, H, X, Y, as_bytes("guardian 2/contest 2/selection 3")).ok());
  EXPECT_FALSE(proof.verify(flip(q), H, X, Y, ctx).ok());
  // A wrong partial decryption (Y for another x) does not verify with this proof.
  EXPECT_FALSE(proof.verify(q, H, X, H * (x + kOne), ctx).ok());
}

TEST(ChaumPedersenTest, RejectsIdentityStatementPoints) {
  Digest q = example_q();
  Scalar x = Scalar::random_nonzero();
  Point H = Point::base_mul(Scalar::random_nonzero());
  Point X = Point::base_mul(x), Y = H * x;
  auto proof = ChaumPedersenProof::make(q, x, H, X, Y, {});
  EXPECT_EQ(proof.verify(q, Point(), X, Y, {}).error().field, "H");
  EXPECT_EQ(proof.verify(q, H, Point(), Y, {}).error().field, "X");
  EXPECT_EQ(proof.verify(q, H, X, Point(), {}).error().field, "Y");
}

TEST(ChaumPedersenTest, EncodeDecode) {
  Scalar x = Scalar::random_nonzero();
  Point H = Point::base_mul(Scalar::random_nonzero());
  auto proof = ChaumPedersenProof::make(example_q(), x, H, Point::base_mul(x), H * x, {});
  auto enc = proof.encode();
  auto back = ChaumPedersenProof::decode(enc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->challenge, proof.challenge);
  EXPECT_EQ(back->response, proof.response);
  EXPECT_FALSE(ChaumPedersenProof::decode(ByteView(enc).first(32)).ok());
  EXPECT_FALSE(ChaumPedersenProof::decode(Bytes{}).ok());
  auto r = ChaumPedersenProof::decode(Bytes(64, 0xff));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "challenge");
}

// ---------------------------------------------------------------- Range / 0-1

struct Election {
  Digest q = example_q();
  Scalar s = Scalar::random_nonzero();
  ElectionPublicKey key{Point::base_mul(s)};
};

TEST(RangeProofTest, ZeroOneKnownAnswer) {
  Digest q = example_q();
  SeededRng rng("tabella/example/zero-one");
  Scalar s = Scalar::random_nonzero(rng);
  ElectionPublicKey key(Point::base_mul(s));
  Scalar r = Scalar::random_nonzero(rng);
  Ciphertext c = encrypt(key, 1, r);
  ByteView ctx = as_bytes("contest 1/selection 2");
  auto proof = make_zero_one_proof(q, key, c, 1, r, ctx, rng);
  EXPECT_EQ(to_hex(proof.encode()),
            "0000000000000000"
            "0000000000000001"
            "b7d3bf28f0455bc8ce87e3dd1e65dc8bde8e02c638bd737779ab7ac032ae9657"
            "50b374572620ce1ea54277533e833968dde5f56503de098d61d56e339f6cfa4b"
            "c0b5ef7806e304a824af1eb40d82d4a9544c020b9f323256de54e9b1b28ec71a"
            "fcfab7f163ffc04581e16ab70315c4a0f31bf37f0c4b1a5fa07e9e5e8b4b558b");
  EXPECT_TRUE(proof.verify(q, key, c, ctx).ok());
  // The decoded example verifies too (what an outside verifier does).
  auto decoded = RangeProof::decode(proof.encode());
  ASSERT_TRUE(decoded.ok());
  auto ct = Ciphertext::decode(
      bytes_of("032a2b5e4d74a5a99e9962ca5492ef4e2a798bd919976b05a82acfe79d4aa6d239"
               "02f74df9ccec6bef018232f7f4268b0c87903034e31a7aa268d3143838fe746633"));
  ASSERT_TRUE(ct.ok());
  EXPECT_TRUE(decoded->verify(q, key, *ct, ctx).ok());
}

TEST(RangeProofTest, ZeroOneAcceptsBothValues) {
  Election e;
  for (std::uint64_t m : {0u, 1u}) {
    Scalar r = Scalar::random_nonzero();
    Ciphertext c = encrypt(e.key, m, r);
    auto proof = make_zero_one_proof(e.q, e.key, c, m, r, as_bytes("sel"));
    EXPECT_EQ(proof.lo, 0u);
    EXPECT_EQ(proof.hi, 1u);
    ASSERT_EQ(proof.challenges.size(), 2u);
    EXPECT_TRUE(proof.verify(e.q, e.key, c, as_bytes("sel")).ok()) << m;
  }
}

TEST(RangeProofTest, ProverDoesNotDependOnTheVote) {
  // Same seed, same nonce, m = 0 and m = 1: the same random draws in the same order, and the
  // simulated branch keeps exactly the drawn challenge.
  Election e;
  Scalar r = Scalar::random_nonzero();
  SeededRng rng0("same"), rng1("same");
  auto p0 = make_zero_one_proof(e.q, e.key, encrypt(e.key, 0, r), 0, r, {}, rng0);
  auto p1 = make_zero_one_proof(e.q, e.key, encrypt(e.key, 1, r), 1, r, {}, rng1);
  EXPECT_EQ(Scalar::random(rng0), Scalar::random(rng1));
  SeededRng replay("same");
  Scalar c0 = Scalar::random(replay), v0 = Scalar::random(replay);
  Scalar c1 = Scalar::random(replay), v1 = Scalar::random(replay);
  EXPECT_EQ(p0.challenges[1], c1);  // branch 1 simulated when m = 0
  EXPECT_EQ(p0.responses[1], v1);
  EXPECT_EQ(p1.challenges[0], c0);  // branch 0 simulated when m = 1
  EXPECT_EQ(p1.responses[0], v0);
}

TEST(RangeProofTest, RejectsEverySingleChange) {
  Election e;
  Scalar r = Scalar::random_nonzero();
  Ciphertext c = encrypt(e.key, 2, r);
  ByteView ctx = as_bytes("contest 7");
  auto proof = RangeProof::make(e.q, e.key, c, 2, r, 1, 3, ctx);
  ASSERT_EQ(proof.challenges.size(), 3u);
  ASSERT_TRUE(proof.verify(e.q, e.key, c, ctx).ok());

  for (std::size_t k = 0; k < 3; ++k) {
    RangeProof bad = proof;
    bad.challenges[k] += kOne;
    auto st = bad.verify(e.q, e.key, c, ctx);
    ASSERT_FALSE(st.ok()) << "challenge " << k;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidProof);
    bad = proof;
    bad.responses[k] += kOne;
    EXPECT_FALSE(bad.verify(e.q, e.key, c, ctx).ok()) << "response " << k;
  }
  const Point& g = Point::generator();
  EXPECT_FALSE(proof.verify(e.q, e.key, Ciphertext{c.alpha + g, c.beta}, ctx).ok());
  EXPECT_FALSE(proof.verify(e.q, e.key, Ciphertext{c.alpha, c.beta + g}, ctx).ok());
  EXPECT_FALSE(proof.verify(e.q, ElectionPublicKey(e.key.point() + g), c, ctx).ok());
  EXPECT_FALSE(proof.verify(e.q, e.key, c, as_bytes("contest 8")).ok());
  EXPECT_FALSE(proof.verify(flip(e.q), e.key, c, ctx).ok());
  RangeProof shifted = proof;
  shifted.lo = 2;
  shifted.hi = 4;
  EXPECT_FALSE(shifted.verify(e.q, e.key, c, ctx).ok());
  shifted.lo = 0;
  shifted.hi = 2;
  EXPECT_FALSE(shifted.verify(e.q, e.key, c, ctx).ok());
}

TEST(RangeProofTest, ProofForAnotherValueFails) {
  Election e;
  Scalar r = Scalar::random_nonzero();
  Ciphertext c1 = encrypt(e.key, 1, r);
  // Claiming m = 0 for an encryption of 1 (with the right nonce) produces a rejected proof.
  auto wrong = make_zero_one_proof(e.q, e.key, c1, 0, r, {});
  EXPECT_FALSE(wrong.verify(e.q, e.key, c1, {}).ok());
  // An encryption of 2 cannot get a valid 0/1 proof by claiming 1 either.
  Ciphertext c2 = encrypt(e.key, 2, r);
  auto lie = make_zero_one_proof(e.q, e.key, c2, 1, r, {});
  EXPECT_FALSE(lie.verify(e.q, e.key, c2, {}).ok());
  // A valid proof does not transfer to another ciphertext of the same value.
  auto good = make_zero_one_proof(e.q, e.key, c1, 1, r, {});
  EXPECT_TRUE(good.verify(e.q, e.key, c1, {}).ok());
  EXPECT_FALSE(good.verify(e.q, e.key, encrypt(e.key, 1, r + kOne), {}).ok());
}

#if GTEST_HAS_DEATH_TEST && !defined(NDEBUG)
TEST(RangeProofDeathTest, ValueOutsideRangeIsAProgrammerError) {
  Election e;
  Scalar r = Scalar::random_nonzero();
  Ciphertext c = encrypt(e.key, 2, r);
  EXPECT_DEATH((void)make_zero_one_proof(e.q, e.key, c, 2, r, {}), "");
  EXPECT_DEATH((void)RangeProof::make(e.q, e.key, c, 2, r, 0, 65, {}), "");
}
#endif

TEST(RangeProofTest, WiderRangesAndLimit) {
  Election e;
  for (auto [m, lo, hi] : {std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>{0, 0, 2},
                           {2, 0, 2},
                           {5, 3, 7},
                           {64, 0, 64},
                           {1'000'000, 999'990, 1'000'000}}) {
    Scalar r = Scalar::random_nonzero();
    Ciphertext c = encrypt(e.key, m, r);
    auto proof = RangeProof::make(e.q, e.key, c, m, r, lo, hi, {});
    EXPECT_EQ(proof.challenges.size(), hi - lo + 1);
    EXPECT_EQ(proof.size(), 16 + 64 * (hi - lo + 1));
    EXPECT_TRUE(proof.verify(e.q, e.key, c, {}).ok()) << m << " in " << lo << ".." << hi;
  }
  // 66 branches: refused by verify with kLimit.
  RangeProof big;
  big.lo = 0;
  big.hi = 65;
  big.challenges.resize(66);
  big.responses.resize(66);
  auto st = big.verify(e.q, e.key, encrypt(e.key, 0, kOne), {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kLimit);
  // Vectors that do not match lo..hi.
  RangeProof short_proof;
  short_proof.lo = 0;
  short_proof.hi = 1;
  short_proof.challenges.resize(1);
  short_proof.responses.resize(2);
  EXPECT_FALSE(short_proof.verify(e.q, e.key, encrypt(e.key, 0, kOne), {}).ok());
  RangeProof inverted;
  inverted.lo = 2;
  inverted.hi = 1;
  EXPECT_FALSE(inverted.verify(e.q, e.key, encrypt(e.key, 0, kOne), {}).ok());
}

TEST(RangeProofTest, EncodeDecode) {
  Election e;
  Scalar r = Scalar::random_nonzero();
  Ciphertext c = encrypt(e.key, 4, r);
  auto proof = RangeProof::make(e.q, e.key, c, 4, r, 3, 5, {});
  Bytes enc = proof.encode();
  ASSERT_EQ(enc.size(), proof.size());
  ASSERT_EQ(enc.size(), 16u + 3 * 64);
  auto back = RangeProof::decode(enc);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->lo, 3u);
  EXPECT_EQ(back->hi, 5u);
  EXPECT_EQ(back->encode(), enc);
  EXPECT_TRUE(back->verify(e.q, e.key, c, {}).ok());

  auto expect_error = [](ByteView b, ErrorCode code, const std::string& field) {
    auto r2 = RangeProof::decode(b);
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().code, code) << r2.error().describe();
    EXPECT_EQ(r2.error().field, field) << r2.error().describe();
  };
  expect_error(ByteView(enc).first(15), ErrorCode::kInvalidEncoding, "");
  expect_error(ByteView(enc).first(enc.size() - 1), ErrorCode::kInvalidEncoding, "");
  Bytes longer = enc;
  longer.push_back(0);
  expect_error(longer, ErrorCode::kInvalidEncoding, "");
  Bytes inverted = enc;
  inverted[15] = 2;  // hi = 2 < lo = 3
  expect_error(inverted, ErrorCode::kInvalidEncoding, "lo");
  Bytes too_wide = enc;
  too_wide[15] = 3 + 65;
  expect_error(too_wide, ErrorCode::kLimit, "hi");
  Bytes big_challenge = enc;
  std::fill(big_challenge.begin() + 16 + 64, big_challenge.begin() + 16 + 96, 0xff);
  expect_error(big_challenge, ErrorCode::kOutOfRange, "challenges[1]");
  Bytes big_response = enc;
  std::fill(big_response.begin() + 16 + 160, big_response.end(), 0xff);
  expect_error(big_response, ErrorCode::kOutOfRange, "responses[2]");
  Bytes garbage(16 + 128, 0xab);
  EXPECT_FALSE(RangeProof::decode(garbage).ok());
}

}  // namespace
}  // namespace tabella
