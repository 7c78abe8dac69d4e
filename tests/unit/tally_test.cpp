// The tally: homomorphic sums of real encrypted ballots, a 3-guardian quorum-2 key from the
// threshold key ceremony, partial decryptions with proofs, combination by any 2 (or all 3)
// guardians giving the plaintext counts, refusal below quorum, and rejection of every tampered
// partial decryption or result.
#include "tabella/election/tally.h"

#include <gtest/gtest.h>

#include "support/test_manifest.h"
#include "tabella/crypto/threshold.h"
#include "tabella/election/ballot.h"

namespace tabella::election {
namespace {

using record::EncryptedTallyBody;
using record::PartialDecryptionBody;
using record::ResultBody;
using Counts = std::vector<std::vector<std::uint64_t>>;

Manifest tally_manifest() {
  Manifest m = testing::make_manifest("tally-test", "Tally test");
  m.contests.push_back(testing::make_contest("mayor", 0, 1, {"alice", "bob", "carol"}));
  m.contests.push_back(testing::make_contest("council", 1, 2, {"dan", "erin", "frank", "grace"}));
  return m;
}

// A key ceremony among 3 guardians with quorum 2, through the threshold API.
struct Election {
  ElectionContext ctx;
  std::vector<GuardianCommitments> commitments;
  std::vector<Scalar> shares;  // s_l at index l - 1

  Point share_key(std::uint32_t l) const { return public_share_key(l, commitments); }
};

Election make_election() {
  Manifest m = tally_manifest();
  PublicKeyBytes authority{};
  authority.fill(3);
  const Digest q = base_hash(manifest_hash(m), authority);
  std::vector<GuardianSecrets> secrets;
  std::vector<GuardianCommitments> commitments;
  for (std::uint32_t i = 1; i <= 3; ++i) {
    secrets.push_back(GuardianSecrets::generate(i, 2));
    commitments.push_back(secrets.back().commitments(q));
  }
  EXPECT_TRUE(verify_commitment_set(q, ThresholdParams{3, 2}, commitments).ok());
  std::vector<Scalar> shares;
  for (std::uint32_t l = 1; l <= 3; ++l) {
    std::vector<Scalar> received;
    for (const auto& s : secrets) received.push_back(s.share_for(l));
    shares.push_back(combine_shares(received));
  }
  ElectionContext ctx = ElectionContext::make(std::move(m), authority, joint_key(commitments));
  EXPECT_EQ(ctx.q, q);
  return Election{std::move(ctx), std::move(commitments), std::move(shares)};
}

const Election& election() {
  static const Election e = make_election();
  return e;
}
const ElectionContext& ctx() {
  return election().ctx;
}

constexpr std::uint64_t kVoters = 20;

PlaintextBallot ballot_of(std::uint64_t v) {
  static const char* const kMayor[] = {"alice", "bob", "carol"};
  PlaintextBallot b;
  if (v % 4 != 3) b.contests.push_back({"mayor", {kMayor[v % 4]}});  // every 4th blank
  switch (v % 3) {
    case 0:
      b.contests.push_back({"council", {"dan"}});
      break;
    case 1:
      b.contests.push_back({"council", {"erin", "grace"}});
      break;
    default:
      b.contests.push_back({"council", {"grace", "dan"}});
      break;
  }
  return b;
}

struct Cast {
  std::vector<record::EncryptedBallot> ballots;
  EncryptedTallyBody tally;
  Counts expected;
};

const Cast& cast() {
  static const Cast c = [] {
    Cast out;
    TallyAccumulator acc(ctx().manifest);
    out.expected = {{0, 0, 0}, {0, 0, 0, 0}};
    for (std::uint64_t v = 0; v < kVoters; ++v) {
      auto r = encrypt_ballot(ctx(), ballot_of(v), v + 1, Digest{});
      EXPECT_TRUE(r.ok());
      EXPECT_TRUE(verify_ballot(ctx(), r->first).ok());
      acc.add(r->first);
      auto marks = to_marks(ctx().manifest, ballot_of(v));
      for (std::size_t i = 0; i < marks.size(); ++i)
        for (std::size_t j = 0; j < marks[i].size(); ++j) out.expected[i][j] += marks[i][j];
      out.ballots.push_back(std::move(r->first));
    }
    out.tally = acc.finish(/*log_size=*/123);
    return out;
  }();
  return c;
}

PartialDecryptionBody partial_of(std::uint32_t l, const EncryptedTallyBody& tally) {
  auto p = partial_decrypt(ctx(), l, election().shares[l - 1], tally);
  EXPECT_TRUE(p.ok()) << p.error().describe();
  return std::move(*p);
}

const std::vector<PartialDecryptionBody>& partials() {
  static const std::vector<PartialDecryptionBody> p = {
      partial_of(1, cast().tally), partial_of(2, cast().tally), partial_of(3, cast().tally)};
  return p;
}

const DlogTable& dlog() {
  static const DlogTable t(kVoters);
  return t;
}

// ---------------------------------------------------------------------------- accumulator

TEST(TallyAccumulatorTest, SumsCountsAndMerges) {
  const Cast& c = cast();
  EXPECT_EQ(c.tally.cast_count, kVoters);
  EXPECT_EQ(c.tally.log_size, 123u);
  ASSERT_EQ(c.tally.contests.size(), 2u);
  EXPECT_EQ(c.tally.contests[1].size(), 4u);
  EXPECT_TRUE(check_tally_shape(ctx().manifest, c.tally).ok());
  // Expected plaintext counts (sanity of the fixture itself).
  const Counts expected = {{5, 5, 5}, {13, 7, 0, 13}};
  EXPECT_EQ(c.expected, expected);

  // Two halves merged == one accumulator over everything.
  TallyAccumulator a(ctx().manifest), b(ctx().manifest);
  for (std::size_t i = 0; i < c.ballots.size(); ++i) (i < 7 ? a : b).add(c.ballots[i]);
  a.merge(b);
  EXPECT_EQ(a.count(), kVoters);
  EXPECT_EQ(a.finish(123).encode(), c.tally.encode());
  // One ballot fewer is a different tally.
  TallyAccumulator fewer(ctx().manifest);
  for (std::size_t i = 1; i < c.ballots.size(); ++i) fewer.add(c.ballots[i]);
  EXPECT_NE(fewer.finish(123).encode(), c.tally.encode());

  auto decoded = EncryptedTallyBody::decode(c.tally.encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->encode(), c.tally.encode());
}

// --------------------------------------------------------------------------------- decryption

TEST(TallyDecrypt, PartialDecryptionsVerify) {
  for (std::uint32_t l = 1; l <= 3; ++l) {
    const PartialDecryptionBody& p = partials()[l - 1];
    EXPECT_EQ(p.index, l);
    Status s = verify_partial_decryption(ctx(), election().share_key(l), cast().tally, p);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    auto decoded = PartialDecryptionBody::decode(p.encode());
    ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
    EXPECT_TRUE(
        verify_partial_decryption(ctx(), election().share_key(l), cast().tally, *decoded).ok());
  }
}

TEST(TallyDecrypt, AnyQuorumGivesTheCounts) {
  const std::vector<std::vector<std::uint32_t>> sets = {{1, 2}, {1, 3}, {2, 3}, {3, 1}, {1, 2, 3}};
  for (const auto& set : sets) {
    std::vector<PartialDecryptionBody> present;
    for (std::uint32_t l : set) present.push_back(partials()[l - 1]);
    auto result = combine_tally(ctx(), cast().tally, present, dlog());
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(result->counts, cast().expected);
    EXPECT_EQ(result->cast_count, kVoters);
    std::vector<std::uint32_t> sorted = set;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(result->guardians, sorted);
    Status s = verify_result(ctx(), cast().tally, partials(), *result);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    auto decoded = ResultBody::decode(result->encode());
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(verify_result(ctx(), cast().tally, present, *decoded).ok());
  }
}

TEST(TallyDecrypt, BelowQuorumRefused) {
  std::vector<PartialDecryptionBody> one = {partials()[1]};
  auto r = combine_tally(ctx(), cast().tally, one, dlog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(r.error().field, "partials");
  EXPECT_EQ(r.error().message,
            "1 partial decryption present (guardian 2), 2 needed (quorum k = 2 of n = 3)");
  r = combine_tally(ctx(), cast().tally, {}, dlog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "0 partial decryptions present (none), 2 needed (quorum k = 2 of n = 3)");

  auto full = combine_tally(ctx(), cast().tally, partials(), dlog());
  ASSERT_TRUE(full.ok());
  ResultBody res = *full;
  res.guardians = {2};
  Status s = verify_result(ctx(), cast().tally, partials(), res);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "guardians");
}

TEST(TallyDecrypt, BadPartialSetsRefused) {
  std::vector<PartialDecryptionBody> dup = {partials()[0], partials()[0]};
  auto r = combine_tally(ctx(), cast().tally, dup, dlog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "partials[1].index");
  EXPECT_NE(r.error().message.find("second partial decryption from guardian 1"), std::string::npos);

  std::vector<PartialDecryptionBody> out_of_range = {partials()[0], partials()[1]};
  out_of_range[1].index = 4;
  r = combine_tally(ctx(), cast().tally, out_of_range, dlog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(r.error().field, "partials[1].index");

  std::vector<PartialDecryptionBody> short_one = {partials()[0], partials()[1]};
  short_one[1].contests[1].pop_back();
  r = combine_tally(ctx(), cast().tally, short_one, dlog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "partials[1].contests[1]");

  const DlogTable small(kVoters - 1);
  r = combine_tally(ctx(), cast().tally, partials(), small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
}

TEST(TallyDecrypt, TamperedPartialDecryptionRejected) {
  const PartialDecryptionBody& honest = partials()[0];
  const Point s1 = election().share_key(1);
  const Scalar one = Scalar::from_u64(1);
  auto expect_bad = [&](const PartialDecryptionBody& p, const std::string& field,
                        const Point& key) {
    Status s = verify_partial_decryption(ctx(), key, cast().tally, p);
    ASSERT_FALSE(s.ok()) << field;
    EXPECT_EQ(s.error().field, field) << s.error().describe();
  };
  PartialDecryptionBody t = honest;
  t.contests[1][2].share += Point::generator();
  expect_bad(t, "contests[1][2].proof", s1);
  t = honest;
  t.contests[0][1].proof.challenge += one;
  expect_bad(t, "contests[0][1].proof", s1);
  t = honest;
  t.contests[1][3].proof.response += one;
  expect_bad(t, "contests[1][3].proof", s1);
  // Shares swapped between two selections.
  t = honest;
  std::swap(t.contests[1][0], t.contests[1][1]);
  expect_bad(t, "contests[1][0].proof", s1);
  // Guardian 1's shares presented as guardian 3's, or checked against guardian 2's key.
  t = honest;
  t.index = 3;
  expect_bad(t, "contests[0][0].proof", election().share_key(3));
  expect_bad(honest, "contests[0][0].proof", election().share_key(2));
  t = honest;
  t.index = 0;
  expect_bad(t, "index", s1);
  t = honest;
  t.contests[1].pop_back();
  expect_bad(t, "contests[1]", s1);
  // A partial decryption of another tally (one ballot fewer).
  TallyAccumulator fewer(ctx().manifest);
  for (std::size_t i = 1; i < cast().ballots.size(); ++i) fewer.add(cast().ballots[i]);
  PartialDecryptionBody other = partial_of(1, fewer.finish(123));
  expect_bad(other, "contests[0][0].proof", s1);

  // Combined without verification, a bad share gives no count in range.
  std::vector<PartialDecryptionBody> present = {partials()[0], partials()[2]};
  present[0].contests[1][2].share += Point::generator();
  auto r = combine_tally(ctx(), cast().tally, present, dlog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "contests[1][2]");
  // And verify_result catches an honest result checked against it.
  auto good = combine_tally(ctx(), cast().tally, partials(), dlog());
  ASSERT_TRUE(good.ok());
  ResultBody res = *good;
  res.guardians = {1, 3};
  EXPECT_TRUE(
      verify_result(ctx(), cast().tally, std::vector{partials()[0], partials()[2]}, res).ok());
  Status s = verify_result(ctx(), cast().tally, present, res);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "counts[1][2]");
}

TEST(TallyDecrypt, TamperedResultRejected) {
  auto good = combine_tally(ctx(), cast().tally, partials(), dlog());
  ASSERT_TRUE(good.ok());
  auto expect_bad = [&](const ResultBody& r, const std::string& field) {
    Status s = verify_result(ctx(), cast().tally, partials(), r);
    ASSERT_FALSE(s.ok()) << field;
    EXPECT_EQ(s.error().field, field) << s.error().describe();
  };
  ResultBody r = *good;
  r.counts[0][1] += 1;
  expect_bad(r, "counts[0][1]");
  r = *good;
  std::swap(r.counts[1][0], r.counts[1][1]);
  expect_bad(r, "counts[1][0]");
  r = *good;
  r.counts[1][2] = kVoters + 1;
  expect_bad(r, "counts[1][2]");
  r = *good;
  r.cast_count += 1;
  expect_bad(r, "cast_count");
  r = *good;
  r.guardians = {2, 1};
  expect_bad(r, "guardians[1]");
  r = *good;
  r.guardians = {1, 1};
  expect_bad(r, "guardians[1]");
  r = *good;
  r.counts.pop_back();
  expect_bad(r, "counts");
  r = *good;
  r.guardians = {1, 2};
  Status s = verify_result(ctx(), cast().tally, std::vector{partials()[0]}, r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().field, "guardians[1]");
}

TEST(TallyDecrypt, PartialDecryptRefusesBadInput) {
  auto r = partial_decrypt(ctx(), 4, election().shares[0], cast().tally);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "index");
  EncryptedTallyBody t = cast().tally;
  t.contests[0].pop_back();
  r = partial_decrypt(ctx(), 1, election().shares[0], t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "contests[0]");
}

// ------------------------------------------------------------------------------- empty tally

TEST(TallyEmpty, NoBallotsDecryptsToZeros) {
  const EncryptedTallyBody empty = TallyAccumulator(ctx().manifest).finish(9);
  EXPECT_EQ(empty.cast_count, 0u);
  EXPECT_TRUE(empty.contests[0][0].alpha.is_identity());
  EXPECT_TRUE(empty.contests[1][3].beta.is_identity());
  std::vector<PartialDecryptionBody> ps = {partial_of(1, empty), partial_of(3, empty)};
  for (const auto& p : ps) {
    EXPECT_TRUE(p.contests[1][2].share.is_identity());
    EXPECT_TRUE(p.contests[1][2].proof.challenge.is_zero());
    Status s = verify_partial_decryption(ctx(), election().share_key(p.index), empty, p);
    EXPECT_TRUE(s.ok()) << s.error().describe();
  }
  auto result = combine_tally(ctx(), empty, ps, DlogTable(0));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  const Counts zeros = {{0, 0, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(result->counts, zeros);
  EXPECT_TRUE(verify_result(ctx(), empty, ps, *result).ok());
  ResultBody bad = *result;
  bad.counts[0][0] = 0;
  bad.cast_count = 1;
  EXPECT_FALSE(verify_result(ctx(), empty, ps, bad).ok());

  // Nothing but (O, proof (0, 0)) is accepted for an identity A.
  PartialDecryptionBody t = ps[0];
  t.contests[0][0].proof.challenge = Scalar::from_u64(1);
  Status s = verify_partial_decryption(ctx(), election().share_key(1), empty, t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "contests[0][0].proof");
  t = ps[0];
  t.contests[0][0].share = Point::generator();
  s = verify_partial_decryption(ctx(), election().share_key(1), empty, t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "contests[0][0].share");
}

TEST(TallyEmpty, IdentityCiphertextsRoundTripThroughTheRecord) {
  const EncryptedTallyBody empty = TallyAccumulator(ctx().manifest).finish(9);
  const Bytes bytes = empty.encode();
  // (O, O) encodes as 66 zero bytes.
  EXPECT_EQ(Bytes(bytes.end() - 66, bytes.end()), Bytes(66, 0));
  auto decoded = EncryptedTallyBody::decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->encode(), bytes);
  PartialDecryptionBody p = partial_of(2, empty);
  auto pd = PartialDecryptionBody::decode(p.encode());
  ASSERT_TRUE(pd.ok()) << pd.error().describe();
  EXPECT_TRUE(verify_partial_decryption(ctx(), election().share_key(2), *decoded, *pd).ok());
}

}  // namespace
}  // namespace tabella::election
