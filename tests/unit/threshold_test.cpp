#include "tabella/crypto/threshold.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "tabella/crypto/dlog.h"
#include "tabella/crypto/elgamal.h"

namespace tabella {
namespace {

Digest test_q() {
  return sha256(as_bytes("threshold test election"));
}

std::string seed(const std::string& what, std::uint32_t a, std::uint32_t b = 0) {
  return what + "-" + std::to_string(a) + "-" + std::to_string(b);
}

// A whole key ceremony run honestly, deterministic from SeededRng.
struct Ceremony {
  ThresholdParams params;
  Digest q;
  std::vector<GuardianSecrets> secrets;                // [i-1]
  std::vector<GuardianCommitments> commitments;        // [i-1]
  std::vector<std::vector<EncryptedShare>> encrypted;  // [i-1][l-1]: from i to l
  std::vector<Scalar> combined;                        // s_l, [l-1]

  Ceremony(std::uint32_t n, std::uint32_t k, const Digest& election, const std::string& label)
      : params{n, k}, q(election) {
    for (std::uint32_t i = 1; i <= n; ++i) {
      SeededRng rng(seed(label + "/poly", i));
      secrets.push_back(GuardianSecrets::generate(i, k, rng));
      SeededRng proof_rng(seed(label + "/proofs", i));
      commitments.push_back(secrets.back().commitments(q, proof_rng));
    }
    for (std::uint32_t i = 1; i <= n; ++i) {
      encrypted.emplace_back();
      for (std::uint32_t l = 1; l <= n; ++l) {
        SeededRng rng(seed(label + "/share", i, l));
        auto es = secrets[i - 1].encrypt_share_for(q, commitments[l - 1], rng);
        EXPECT_TRUE(es.ok());
        encrypted.back().push_back(*es);
      }
    }
    for (std::uint32_t l = 1; l <= n; ++l) {
      std::vector<Scalar> received;
      for (std::uint32_t i = 1; i <= n; ++i) {
        auto s = receive_share(q, encrypted[i - 1][l - 1], secrets[l - 1], commitments[i - 1]);
        EXPECT_TRUE(s.ok()) << s.error().describe();
        received.push_back(*s);
      }
      combined.push_back(combine_shares(received));
    }
  }

  Scalar joint_secret() const {
    Scalar s;
    for (const auto& g : secrets) s += g.coefficients()[0];
    return s;
  }
};

std::vector<std::vector<std::uint32_t>> subsets(std::uint32_t n, std::uint32_t size) {
  std::vector<std::vector<std::uint32_t>> out;
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::uint32_t>(__builtin_popcount(mask)) != size) continue;
    std::vector<std::uint32_t> s;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (mask & (1u << i)) s.push_back(i + 1);
    }
    out.push_back(s);
  }
  return out;
}

class ThresholdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ceremony_ = new Ceremony(5, 3, test_q(), "n5k3"); }
  static void TearDownTestSuite() {
    delete ceremony_;
    ceremony_ = nullptr;
  }
  static Ceremony* ceremony_;
};
Ceremony* ThresholdTest::ceremony_ = nullptr;

TEST_F(ThresholdTest, CommitmentsVerifyAndKeysAreConsistent) {
  const Ceremony& c = *ceremony_;
  Status s = verify_commitment_set(c.q, c.params, c.commitments);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  Point k = joint_key(c.commitments);
  EXPECT_EQ(k, Point::base_mul(c.joint_secret()));  // K = (sum_i a_{i,0})*G
  for (std::uint32_t l = 1; l <= 5; ++l) {
    EXPECT_EQ(public_share_key(l, c.commitments), Point::base_mul(c.combined[l - 1])) << l;
  }
  // Any k combined shares interpolate to the joint secret at 0.
  for (const auto& q : subsets(5, 3)) {
    Scalar s0;
    for (std::uint32_t l : q) s0 += *lagrange_coefficient(c.params, l, q) * c.combined[l - 1];
    EXPECT_EQ(s0, c.joint_secret());
  }
}

TEST_F(ThresholdTest, EveryQuorumDecryptsTheTallyAndSmallerSetsDoNot) {
  const Ceremony& c = *ceremony_;
  ElectionPublicKey key(joint_key(c.commitments));
  SeededRng rng("tally");
  const std::vector<std::uint64_t> votes = {1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1};
  std::vector<Ciphertext> ballots;
  std::uint64_t expected = 0;
  for (std::uint64_t v : votes) {
    ballots.push_back(encrypt(key, v, Scalar::random_nonzero(rng)));
    expected += v;
  }
  Ciphertext tally = sum(ballots);
  const Bytes context = {'s', 'e', 'l', '0'};
  std::vector<PartialDecryption> all;
  for (std::uint32_t l = 1; l <= 5; ++l) {
    auto pd = PartialDecryption::make(c.q, l, c.combined[l - 1], tally, context, rng);
    ASSERT_TRUE(pd.ok());
    ASSERT_TRUE(pd->verify(c.q, public_share_key(l, c.commitments), tally, context).ok());
    all.push_back(*pd);
  }
  DlogTable table(100);
  int quorums = 0;
  for (std::uint32_t size = 3; size <= 5; ++size) {
    for (const auto& q : subsets(5, size)) {
      std::vector<PartialDecryption> present;
      for (std::uint32_t l : q) present.push_back(all[l - 1]);
      auto mg = verify_and_combine(c.q, c.params, c.commitments, tally, present, context);
      ASSERT_TRUE(mg.ok()) << mg.error().describe();
      auto m = table.solve(*mg);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(*m, expected);
      ++quorums;
    }
  }
  EXPECT_EQ(quorums, 10 + 5 + 1);
  for (const auto& q : subsets(5, 2)) {
    std::vector<PartialDecryption> present;
    for (std::uint32_t l : q) present.push_back(all[l - 1]);
    auto refused = combine_partials(c.params, tally, present);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().field, "partials");
    // Forcing a (k-1)-interpolation gives a wrong point.
    auto wrong = combine_partials(ThresholdParams{5, 2}, tally, present);
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE(*wrong == Point::from_u64(expected));
    auto m = table.solve(*wrong);
    EXPECT_TRUE(!m.ok() || *m != expected);
  }
}

TEST_F(ThresholdTest, EveryFlippedShareBitIsCaughtByTheCommitments) {
  const Ceremony& c = *ceremony_;
  Scalar share = c.secrets[1].share_for(4);  // s_{2,4}
  ASSERT_TRUE(verify_share(share, 4, c.commitments[1]).ok());
  EXPECT_FALSE(verify_share(share, 3, c.commitments[1]).ok());  // right share, wrong recipient
  EXPECT_FALSE(verify_share(share, 4, c.commitments[2]).ok());  // right share, wrong sender
  const auto bytes = share.encode();
  int checked = 0;
  for (std::size_t bit = 0; bit < 256; ++bit) {
    auto tampered = bytes;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto t = Scalar::decode(tampered);
    if (!t.ok()) continue;  // >= n
    Status s = verify_share(*t, 4, c.commitments[1]);
    ASSERT_FALSE(s.ok()) << "bit " << bit;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidProof);
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

TEST_F(ThresholdTest, ReceiveShareRejectsTamperingAndMisrouting) {
  const Ceremony& c = *ceremony_;
  EncryptedShare es = c.encrypted[0][2];  // from 1 to 3
  ASSERT_TRUE(receive_share(c.q, es, c.secrets[2], c.commitments[0]).ok());

  EncryptedShare tampered = es;
  tampered.ciphertext[5] ^= 0x01;
  auto r = receive_share(c.q, tampered, c.secrets[2], c.commitments[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidSignature);

  // Guardian 4 cannot open guardian 3's share, even relabelled to itself.
  r = receive_share(c.q, es, c.secrets[3], c.commitments[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "recipient");
  EncryptedShare relabelled = es;
  relabelled.recipient = 4;
  r = receive_share(c.q, relabelled, c.secrets[3], c.commitments[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidSignature);
  // Decrypting with the wrong guardian's secret fails authentication.
  auto d = es.decrypt(c.q, c.secrets[3].encryption_secret());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidSignature);

  r = receive_share(c.q, es, c.secrets[2], c.commitments[1]);  // wrong sender commitments
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "sender");
}

TEST_F(ThresholdTest, HonestlyEncryptedBadShareFailsTheFeldmanCheck) {
  // A sender that encrypts a wrong value: decryption succeeds, the commitment check does not.
  const Ceremony& c = *ceremony_;
  SeededRng rng("bad share");
  Scalar wrong = c.secrets[0].share_for(2) + Scalar::from_u64(1);
  auto es = EncryptedShare::encrypt(c.q, 1, 2, c.commitments[1].encryption_key, wrong, rng);
  ASSERT_TRUE(es.ok());
  auto r = receive_share(c.q, *es, c.secrets[1], c.commitments[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidProof);
  EXPECT_NE(r.error().message.find("guardian 1 to guardian 2"), std::string::npos);
}

TEST_F(ThresholdTest, CommitmentTamperingIsRejected) {
  const Ceremony& c = *ceremony_;
  const GuardianCommitments& good = c.commitments[1];
  ASSERT_TRUE(good.verify(c.q, 3).ok());

  struct Case {
    const char* name;
    void (*mutate)(GuardianCommitments&);
    const char* field_prefix;
  };
  const Case cases[] = {
      {"response", [](GuardianCommitments& g) { g.proofs[1].response += Scalar::from_u64(1); },
       "proofs[1]"},
      {"challenge", [](GuardianCommitments& g) { g.proofs[2].challenge += Scalar::from_u64(1); },
       "proofs[2]"},
      {"coefficient", [](GuardianCommitments& g) { g.coefficients[0] += Point::generator(); },
       "proofs[0]"},
      {"swapped proofs", [](GuardianCommitments& g) { std::swap(g.proofs[0], g.proofs[1]); },
       "proofs[0]"},
      {"swapped coefficients and proofs",
       [](GuardianCommitments& g) {
         std::swap(g.proofs[0], g.proofs[1]);
         std::swap(g.coefficients[0], g.coefficients[1]);
       },
       "proofs[0]"},
      {"relabelled", [](GuardianCommitments& g) { g.index = 3; }, "proofs[0]"},
      {"enc key", [](GuardianCommitments& g) { g.encryption_key += Point::generator(); },
       "encryption_key_proof"},
      {"enc proof",
       [](GuardianCommitments& g) { g.encryption_key_proof.response += Scalar::from_u64(1); },
       "encryption_key_proof"},
      {"missing proof", [](GuardianCommitments& g) { g.proofs.pop_back(); }, "proofs"},
      {"extra coefficient",
       [](GuardianCommitments& g) { g.coefficients.push_back(Point::generator()); },
       "coefficients"},
      {"index 0", [](GuardianCommitments& g) { g.index = 0; }, "index"},
  };
  for (const Case& tc : cases) {
    GuardianCommitments g = good;
    tc.mutate(g);
    Status s = g.verify(c.q, 3);
    ASSERT_FALSE(s.ok()) << tc.name;
    EXPECT_EQ(s.error().field.rfind(tc.field_prefix, 0), 0u)
        << tc.name << ": " << s.error().describe();
  }
  // A different election's Q.
  EXPECT_FALSE(good.verify(sha256(as_bytes("other")), 3).ok());
  // Wrong quorum.
  EXPECT_FALSE(good.verify(c.q, 2).ok());
}

TEST_F(ThresholdTest, EncryptionKeyMustDifferFromTheSecretsCommitment) {
  // A guardian re-using a_{i,0} as its ECDH key is refused, even with valid proofs.
  SeededRng rng("reuse");
  auto g = GuardianSecrets::generate(1, 2, rng);
  SecretBytes enc = g.encode();
  // Overwrite e_i with a_{i,0} in the storage form and reload.
  std::copy_n(enc.data() + 8, 32, enc.data() + 8 + 64);
  auto reused = GuardianSecrets::decode(enc.view());
  ASSERT_TRUE(reused.ok());
  GuardianCommitments c = reused->commitments(test_q(), rng);
  Status s = c.verify(test_q(), 2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "encryption_key");
}

TEST_F(ThresholdTest, CommitmentSetChecksIndices) {
  const Ceremony& c = *ceremony_;
  std::vector<GuardianCommitments> set = c.commitments;
  std::swap(set[0], set[4]);  // order does not matter
  EXPECT_TRUE(verify_commitment_set(c.q, c.params, set).ok());

  set = c.commitments;
  set.pop_back();
  Status s = verify_commitment_set(c.q, c.params, set);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "guardians");

  set = c.commitments;
  set[4] = set[3];
  s = verify_commitment_set(c.q, c.params, set);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_EQ(s.error().field, "guardians[4].index");

  set = c.commitments;
  set[2].index = 6;
  s = verify_commitment_set(c.q, c.params, set);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "guardians[2].index");

  set = c.commitments;
  set[3].proofs[2].response += Scalar::from_u64(1);
  s = verify_commitment_set(c.q, c.params, set);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field.rfind("guardians[3].proofs[2]", 0), 0u) << s.error().field;

  EXPECT_FALSE(verify_commitment_set(c.q, ThresholdParams{5, 6}, c.commitments).ok());
  EXPECT_FALSE(verify_commitment_set(c.q, ThresholdParams{5, 0}, c.commitments).ok());
}

TEST_F(ThresholdTest, PartialDecryptionTamperingIsRejected) {
  const Ceremony& c = *ceremony_;
  ElectionPublicKey key(joint_key(c.commitments));
  SeededRng rng("partial tamper");
  Ciphertext ct = encrypt(key, 1, Scalar::random_nonzero(rng));
  const Bytes context = {'c', '1'};
  const Point s2 = public_share_key(2, c.commitments);
  auto pd = PartialDecryption::make(c.q, 2, c.combined[1], ct, context, rng);
  ASSERT_TRUE(pd.ok());
  ASSERT_TRUE(pd->verify(c.q, s2, ct, context).ok());

  PartialDecryption t = *pd;
  t.share += Point::generator();
  Status s = t.verify(c.q, s2, ct, context);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidProof);
  EXPECT_EQ(s.error().field.rfind("proof", 0), 0u);

  t = *pd;
  t.proof.challenge += Scalar::from_u64(1);
  EXPECT_FALSE(t.verify(c.q, s2, ct, context).ok());
  t = *pd;
  t.proof.response += Scalar::from_u64(1);
  EXPECT_FALSE(t.verify(c.q, s2, ct, context).ok());
  t = *pd;
  t.guardian = 3;  // relabelled: context and S_l both change
  EXPECT_FALSE(t.verify(c.q, public_share_key(3, c.commitments), ct, context).ok());
  EXPECT_FALSE(pd->verify(c.q, s2, ct, Bytes{'c', '2'}).ok());                          // context
  EXPECT_FALSE(pd->verify(c.q, public_share_key(1, c.commitments), ct, context).ok());  // S_l
  EXPECT_FALSE(pd->verify(sha256(as_bytes("other")), s2, ct, context).ok());            // Q
  Ciphertext other = encrypt(key, 1, Scalar::random_nonzero(rng));
  EXPECT_FALSE(pd->verify(c.q, s2, other, context).ok());  // another ciphertext

  // A bad partial inside a quorum is named by position.
  std::vector<PartialDecryption> present;
  for (std::uint32_t l : {1u, 2u, 4u}) {
    present.push_back(*PartialDecryption::make(c.q, l, c.combined[l - 1], ct, context, rng));
  }
  present[1].share += Point::generator();
  auto r = verify_and_combine(c.q, c.params, c.commitments, ct, present, context);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field.rfind("partials[1].proof", 0), 0u) << r.error().field;
  present[1].guardian = 9;
  r = verify_and_combine(c.q, c.params, c.commitments, ct, present, context);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "partials[1].guardian");
}

TEST_F(ThresholdTest, PartialDecryptionEncoding) {
  const Ceremony& c = *ceremony_;
  ElectionPublicKey key(joint_key(c.commitments));
  SeededRng rng("partial encoding");
  Ciphertext ct = encrypt(key, 0, Scalar::random_nonzero(rng));
  auto pd = PartialDecryption::make(c.q, 5, c.combined[4], ct, {}, rng);
  ASSERT_TRUE(pd.ok());
  auto bytes = pd->encode();
  ASSERT_EQ(bytes.size(), 101u);
  auto back = PartialDecryption::decode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->guardian, 5u);
  EXPECT_EQ(back->share, pd->share);
  EXPECT_EQ(back->encode(), bytes);
  EXPECT_TRUE(back->verify(c.q, public_share_key(5, c.commitments), ct, {}).ok());

  EXPECT_FALSE(PartialDecryption::decode(ByteView(bytes).first(100)).ok());
  auto zero = bytes;
  zero[3] = 0;
  auto r = PartialDecryption::decode(zero);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "guardian");
  auto bad_point = bytes;
  bad_point[4] = 0x05;  // not a compressed-point prefix
  EXPECT_FALSE(PartialDecryption::decode(bad_point).ok());
  auto big_scalar = bytes;
  std::fill(big_scalar.begin() + 37, big_scalar.begin() + 69, 0xff);  // challenge >= n
  r = PartialDecryption::decode(big_scalar);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field.rfind("proof", 0), 0u);

  auto made = PartialDecryption::make(c.q, 0, c.combined[0], ct, {}, rng);
  ASSERT_FALSE(made.ok());
  Ciphertext degenerate{Point(), ct.beta};
  made = PartialDecryption::make(c.q, 1, c.combined[0], degenerate, {}, rng);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().field, "alpha");
}

TEST(LagrangeTest, KnownValuesAndPartitionOfUnity) {
  const ThresholdParams p{5, 3};
  const std::vector<std::uint32_t> q = {1, 2, 3};
  // w_1 = 2*3/((2-1)(3-1)) = 3, w_2 = 1*3/((1-2)(3-2)) = -3, w_3 = 1*2/((1-3)(2-3)) = 1
  EXPECT_EQ(*lagrange_coefficient(p, 1, q), Scalar::from_u64(3));
  EXPECT_EQ(*lagrange_coefficient(p, 2, q), Scalar::from_i64(-3));
  EXPECT_EQ(*lagrange_coefficient(p, 3, q), Scalar::from_u64(1));
  for (std::uint32_t size = 3; size <= 5; ++size) {
    for (const auto& s : subsets(5, size)) {
      Scalar total;
      for (std::uint32_t l : s) total += *lagrange_coefficient(p, l, s);
      EXPECT_EQ(total, Scalar::from_u64(1));  // interpolating the constant 1
    }
  }
}

TEST(LagrangeTest, RefusesBadPresentSets) {
  const ThresholdParams p{5, 3};
  struct Case {
    std::vector<std::uint32_t> present;
    std::uint32_t l;
    const char* field;
  };
  const Case cases[] = {
      {{1, 2, 2}, 1, "present[2]"},  // duplicate
      {{0, 1, 2}, 1, "present[0]"},  // 0 is never an index
      {{1, 2, 6}, 1, "present[2]"},  // beyond n
      {{1, 2}, 1, "present"},        // fewer than k
      {{}, 1, "present"},            // empty
      {{1, 2, 3}, 4, "present"},     // l not present
      {{1, 2, 3, 3, 4}, 1, "present[3]"},
  };
  for (const Case& tc : cases) {
    auto r = lagrange_coefficient(p, tc.l, tc.present);
    ASSERT_FALSE(r.ok()) << tc.field;
    EXPECT_EQ(r.error().field, tc.field) << r.error().describe();
  }
  EXPECT_FALSE(
      lagrange_coefficient(ThresholdParams{3, 4}, 1, std::vector<std::uint32_t>{1, 2, 3}).ok());
  EXPECT_FALSE(lagrange_coefficient(ThresholdParams{3, 0}, 1, std::vector<std::uint32_t>{1}).ok());
}

TEST(GuardianSecretsTest, EncodeDecodeRoundTripAndRejects) {
  SeededRng rng("secrets");
  auto g = GuardianSecrets::generate(4, 3, rng);
  SecretBytes enc = g.encode();
  ASSERT_EQ(enc.size(), 8u + 4 * 32);
  auto back = GuardianSecrets::decode(enc.view());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->index(), 4u);
  EXPECT_EQ(back->quorum(), 3u);
  EXPECT_EQ(back->encryption_secret(), g.encryption_secret());
  for (std::uint32_t l = 1; l <= 5; ++l) EXPECT_EQ(back->share_for(l), g.share_for(l));

  Bytes b(enc.data(), enc.data() + enc.size());
  EXPECT_FALSE(GuardianSecrets::decode(ByteView(b).first(b.size() - 1)).ok());
  Bytes zero_index = b;
  zero_index[3] = 0;
  EXPECT_EQ(GuardianSecrets::decode(zero_index).error().field, "index");
  Bytes zero_coef = b;
  std::fill(zero_coef.begin() + 8 + 32, zero_coef.begin() + 8 + 64, 0);
  EXPECT_EQ(GuardianSecrets::decode(zero_coef).error().field, "coefficients[1]");
  Bytes huge_quorum = b;
  huge_quorum[4] = 0xff;
  EXPECT_FALSE(GuardianSecrets::decode(huge_quorum).ok());
}

TEST(ThresholdParamsTest, Validate) {
  EXPECT_TRUE((ThresholdParams{1, 1}).validate().ok());
  EXPECT_TRUE((ThresholdParams{5, 3}).validate().ok());
  EXPECT_FALSE((ThresholdParams{5, 0}).validate().ok());
  EXPECT_FALSE((ThresholdParams{2, 3}).validate().ok());
  EXPECT_FALSE((ThresholdParams{0, 0}).validate().ok());
}

TEST(ThresholdContextTest, Bytes) {
  EXPECT_EQ(to_hex(coefficient_proof_context(2, 1)), "636f65660000000200000001");
  EXPECT_EQ(to_hex(encryption_key_proof_context(3)), "656e6300000003");
  EXPECT_EQ(to_hex(partial_decryption_context(1, Bytes{0xab})), "7064656300000001ab");
}

// The worked example of docs/spec-drafts/threshold.md (n = 3, k = 2). Run with
// TABELLA_PRINT_VECTORS=1 to print the values in the document's form.
TEST(ThresholdKnownAnswer, WorkedExample) {
  const Digest q = sha256(as_bytes("tabella threshold worked example"));
  std::vector<std::pair<std::string, std::string>> got;
  auto put = [&](const std::string& name, const std::string& hex) { got.emplace_back(name, hex); };
  put("Q", to_hex(q));

  std::vector<GuardianSecrets> secrets;
  std::vector<GuardianCommitments> commitments;
  for (std::uint32_t i = 1; i <= 3; ++i) {
    SeededRng poly(seed("example/poly", i));
    secrets.push_back(GuardianSecrets::generate(i, 2, poly));
    SeededRng proofs(seed("example/proofs", i));
    commitments.push_back(secrets.back().commitments(q, proofs));
    const auto& g = secrets.back();
    const auto& c = commitments.back();
    for (std::uint32_t j = 0; j < 2; ++j) {
      put("a_" + std::to_string(i) + std::to_string(j), g.coefficients()[j].to_hex());
      put("C_" + std::to_string(i) + std::to_string(j), c.coefficients[j].to_hex());
      put("proof C_" + std::to_string(i) + std::to_string(j), to_hex(c.proofs[j].encode()));
    }
    put("e_" + std::to_string(i), g.encryption_secret().to_hex());
    put("E_" + std::to_string(i), c.encryption_key.to_hex());
    put("proof E_" + std::to_string(i), to_hex(c.encryption_key_proof.encode()));
  }
  ASSERT_TRUE(verify_commitment_set(q, ThresholdParams{3, 2}, commitments).ok());
  std::vector<Scalar> combined(3);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    for (std::uint32_t l = 1; l <= 3; ++l) {
      SeededRng rng(seed("example/share", i, l));
      auto es = secrets[i - 1].encrypt_share_for(q, commitments[l - 1], rng);
      ASSERT_TRUE(es.ok());
      auto s = receive_share(q, *es, secrets[l - 1], commitments[i - 1]);
      ASSERT_TRUE(s.ok());
      combined[l - 1] += *s;
      const std::string il = std::to_string(i) + std::to_string(l);
      put("s_" + il, s->to_hex());
      if (i == 1 && l == 2) put("EncryptedShare_12", to_hex(es->encode()));
    }
  }
  const Point k = joint_key(commitments);
  put("K", k.to_hex());
  for (std::uint32_t l = 1; l <= 3; ++l) {
    put("s_" + std::to_string(l), combined[l - 1].to_hex());
    put("S_" + std::to_string(l), public_share_key(l, commitments).to_hex());
  }
  SeededRng crng("example/ciphertext");
  Scalar r = Scalar::random_nonzero(crng);
  Ciphertext ct = encrypt(ElectionPublicKey(k), 3, r);
  put("r", r.to_hex());
  put("A", ct.alpha.to_hex());
  put("B", ct.beta.to_hex());
  const Bytes context = {'e', 'x'};
  std::vector<PartialDecryption> partials;
  const std::vector<std::uint32_t> present = {1, 3};
  for (std::uint32_t l : present) {
    SeededRng prng(seed("example/partial", l));
    auto pd = PartialDecryption::make(q, l, combined[l - 1], ct, context, prng);
    ASSERT_TRUE(pd.ok());
    put("PartialDecryption_" + std::to_string(l), to_hex(pd->encode()));
    put("w_" + std::to_string(l),
        lagrange_coefficient(ThresholdParams{3, 2}, l, present)->to_hex());
    partials.push_back(*pd);
  }
  auto mg = verify_and_combine(q, ThresholdParams{3, 2}, commitments, ct, partials, context);
  ASSERT_TRUE(mg.ok()) << mg.error().describe();
  EXPECT_EQ(*mg, Point::from_u64(3));
  put("B - M", mg->to_hex());

  if (std::getenv("TABELLA_PRINT_VECTORS") != nullptr) {
    for (const auto& [name, hex] : got) std::cout << "| " << name << " | `" << hex << "` |\n";
  }
  // A few values spelled out, so a failure says where the drift starts.
  auto value = [&](const std::string& name) {
    for (const auto& [n, hex] : got) {
      if (n == name) return hex;
    }
    return std::string("missing");
  };
  EXPECT_EQ(value("a_10"), "b79168b6809741b1ad74ef79646084cb80b83af6468e3e5eb5deb84a70def9b9");
  EXPECT_EQ(value("s_12"), "f57edd9b49a9485aac8dbac9092f1a4c9d82e9bf279969aed4784ea4dda8350a");
  EXPECT_EQ(value("K"), "0243193aad43831dbfde2ef7b195e04f184a7d7d244533519a14844bad0d8f92ab");
  EXPECT_EQ(value("S_3"), "031ad754c7d332df2d9b0b48689d795c7df2b11ec96a7570ad2505861361a4d22c");
  EXPECT_EQ(value("w_1"), "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192aa");
  EXPECT_EQ(value("B - M"), "025ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c");
  // Fingerprint of every value above, in order (see the document for the values themselves).
  Hasher h("tabella/test/threshold-worked-example");
  for (const auto& [name, hex] : got) h.add(name).add(hex);
  EXPECT_EQ(to_hex(h.finish()), "51b59b4b54bfffd9d36fc1d24acb0bb3922dea5796a6b3d97d882c2e53789566");
}

}  // namespace
}  // namespace tabella
