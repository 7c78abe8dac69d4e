// Ballots: plaintext validation (over-votes refused before encryption), encryption with proofs,
// verify_ballot rejecting every single tampering with the place named, hash-chained ballot codes
// with independent known answers, typeable short codes and voter tokens, Benaloh openings.
#include "tabella/election/ballot.h"

#include <gtest/gtest.h>

#include <set>

#include "support/test_manifest.h"
#include "tabella/election/token.h"

namespace tabella::election {
namespace {

using record::EncryptedBallot;

// mayor (0..1 of 3), council (0..2 of 4), board (2..3 of 4), measure-a (referendum).
Manifest test_manifest() {
  Manifest m = testing::make_manifest("ballot-test", "Ballot test");
  m.contests.push_back(testing::make_contest("mayor", 0, 1, {"alice", "bob", "carol"}));
  m.contests.push_back(testing::make_contest("council", 0, 2, {"dan", "erin", "frank", "grace"}));
  m.contests.push_back(testing::make_contest("board", 2, 3, {"h1", "h2", "h3", "h4"}));
  m.contests.push_back(
      testing::make_contest("measure-a", 0, 1, {"yes", "no"}, ContestKind::kReferendum));
  return m;
}

const Scalar& election_secret() {
  static const Scalar s = Scalar::random_nonzero();
  return s;
}

ElectionContext make_context(Manifest m = test_manifest()) {
  PublicKeyBytes authority{};
  authority.fill(7);
  return ElectionContext::make(std::move(m), authority, Point::base_mul(election_secret()));
}

const ElectionContext& ctx() {
  static const ElectionContext c = make_context();
  return c;
}

PlaintextBallot sample_ballot() {
  return PlaintextBallot{{{"mayor", {"bob"}},
                          {"council", {"grace", "dan"}},
                          {"board", {"h2", "h3"}},
                          {"measure-a", {"no"}}}};
}

const Digest kPrev = sha256(as_bytes("previous code"));

std::pair<EncryptedBallot, BallotSecrets> encrypt_ok(const PlaintextBallot& b,
                                                     std::uint64_t seq = 5,
                                                     const Digest& prev = kPrev,
                                                     const ElectionContext& c = ctx()) {
  auto r = encrypt_ballot(c, b, seq, prev);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return std::move(*r);
}

const EncryptedBallot& sample_encrypted() {
  static const EncryptedBallot b = encrypt_ok(sample_ballot()).first;
  return b;
}

// Expects verify_ballot to fail with `field` and a message containing `text`.
void expect_rejected(const EncryptedBallot& b, const std::string& field,
                     const std::string& text = "") {
  Status s = verify_ballot(ctx(), b);
  ASSERT_FALSE(s.ok()) << "expected rejection at " << field;
  EXPECT_EQ(s.error().field, field) << s.error().describe();
  EXPECT_NE(s.error().describe().find(text), std::string::npos) << s.error().describe();
}

// ------------------------------------------------------------------------------- validation

TEST(BallotValidate, AcceptsFullAndUnderVotes) {
  const Manifest m = test_manifest();
  EXPECT_TRUE(validate(m, sample_ballot()).ok());
  // Under-votes: nothing in mayor/council/measure, board at its minimum; contests omitted.
  PlaintextBallot under{{{"board", {"h4", "h1"}}}};
  EXPECT_TRUE(validate(m, under).ok());
  PlaintextBallot listed_empty{{{"mayor", {}}, {"board", {"h1", "h2", "h3"}}}};
  EXPECT_TRUE(validate(m, listed_empty).ok());
}

TEST(BallotValidate, RefusesOverVoteWithClearMessage) {
  PlaintextBallot b = sample_ballot();
  b.contests[1].choice_ids = {"dan", "erin", "frank"};
  Status s = validate(test_manifest(), b);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(s.error().message, "contest \"council\": 3 choices marked, at most 2 allowed");
  EXPECT_EQ(s.error().field, "contests[1]");
  // And encrypt_ballot refuses it before encrypting anything.
  auto r = encrypt_ballot(ctx(), b, 1, kPrev);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "contest \"council\": 3 choices marked, at most 2 allowed");
}

TEST(BallotValidate, RefusesBelowMinimum) {
  PlaintextBallot b = sample_ballot();
  b.contests[2].choice_ids = {"h1"};
  Status s = validate(test_manifest(), b);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "contest \"board\": 1 choice marked, at least 2 required");
  EXPECT_EQ(s.error().field, "contests[2]");
  // Omitting a contest with min > 0 is the same under-vote.
  PlaintextBallot omitted{{{"mayor", {"alice"}}}};
  s = validate(test_manifest(), omitted);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "contest \"board\": 0 choices marked, at least 2 required");
}

TEST(BallotValidate, RefusesUnknownAndDuplicateIds) {
  const Manifest m = test_manifest();
  struct Row {
    PlaintextBallot ballot;
    std::string field;
    std::string message;
  };
  const std::vector<Row> rows = {
      {{{{"sheriff", {"x"}}}}, "contests[0].contest_id", "unknown contest \"sheriff\""},
      {{{{"board", {"h1", "h2"}}, {"board", {"h3", "h4"}}}},
       "contests[1].contest_id",
       "contest \"board\" is listed twice"},
      {{{{"board", {"h1", "zed"}}}}, "contests[0].choice_ids[1]", "unknown choice \"zed\""},
      {{{{"board", {"h1", "h1"}}}}, "contests[0].choice_ids[1]", "\"h1\" is marked twice"},
      {{{{"board", {"h1", "alice"}}}}, "contests[0].choice_ids[1]", "unknown choice \"alice\""},
  };
  for (const Row& row : rows) {
    Status s = validate(m, row.ballot);
    ASSERT_FALSE(s.ok()) << row.message;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().field, row.field);
    EXPECT_NE(s.error().message.find(row.message), std::string::npos) << s.error().message;
  }
}

TEST(BallotValidate, ToMarksAndBack) {
  const Manifest m = test_manifest();
  auto marks = to_marks(m, sample_ballot());
  const std::vector<std::vector<std::uint8_t>> expected = {
      {0, 1, 0}, {1, 0, 0, 1}, {0, 1, 1, 0}, {0, 1}};
  EXPECT_EQ(marks, expected);
  auto ids = marks_to_choice_ids(m, marks);
  const std::vector<std::vector<std::string>> expected_ids = {
      {"bob"}, {"dan", "grace"}, {"h2", "h3"}, {"no"}};
  EXPECT_EQ(ids, expected_ids);
}

// ------------------------------------------------------------------------------- encryption

TEST(BallotEncrypt, EncryptedBallotVerifiesAndRoundTrips) {
  const EncryptedBallot& b = sample_encrypted();
  ASSERT_EQ(b.contests.size(), 4u);
  EXPECT_EQ(b.sequence, 5u);
  EXPECT_EQ(b.previous_code, kPrev);
  EXPECT_EQ(b.contests[1].limit_proof.lo, 0u);
  EXPECT_EQ(b.contests[2].limit_proof.lo, 2u);
  EXPECT_EQ(b.contests[2].limit_proof.hi, 3u);
  Status s = verify_ballot(ctx(), b);
  EXPECT_TRUE(s.ok()) << s.error().describe();

  record::CastBallotBody body{b, Digest{}};
  auto decoded = record::CastBallotBody::decode(body.encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_TRUE(verify_ballot(ctx(), decoded->ballot).ok());
  EXPECT_EQ(decoded->encode(), body.encode());
}

TEST(BallotEncrypt, BlankAndMaximalBallotsVerify) {
  for (const PlaintextBallot& p :
       {PlaintextBallot{{{"board", {"h1", "h2"}}}}, PlaintextBallot{{{"mayor", {"carol"}},
                                                                     {"council", {"erin", "frank"}},
                                                                     {"board", {"h1", "h2", "h4"}},
                                                                     {"measure-a", {"yes"}}}}}) {
    auto [b, secrets] = encrypt_ok(p);
    Status s = verify_ballot(ctx(), b);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    EXPECT_EQ(secrets.marks, to_marks(ctx().manifest, p));
  }
}

TEST(BallotEncrypt, SeededRngIsDeterministic) {
  SeededRng r1("ballot"), r2("ballot");
  auto a = encrypt_ballot(ctx(), sample_ballot(), 1, kPrev, r1);
  auto b = encrypt_ballot(ctx(), sample_ballot(), 1, kPrev, r2);
  ASSERT_TRUE(a.ok() && b.ok());
  PublicKeyBytes kiosk{};
  EXPECT_EQ(ballot_code(ctx().q, kiosk, a->first), ballot_code(ctx().q, kiosk, b->first));
}

TEST(BallotEncrypt, ContextsAreTheDocumentedBytes) {
  Bytes c = contest_context(kPrev, 0x0102030405060708ULL, "mayor");
  Bytes expected(kPrev.begin(), kPrev.end());
  for (std::uint8_t x : {1, 2, 3, 4, 5, 6, 7, 8}) expected.push_back(x);
  for (std::uint8_t x : {0, 0, 0, 5}) expected.push_back(x);
  for (char ch : std::string("mayor")) expected.push_back(static_cast<std::uint8_t>(ch));
  EXPECT_EQ(c, expected);
  for (std::uint8_t x : {0, 0, 1, 2}) expected.push_back(x);
  EXPECT_EQ(selection_context(kPrev, 0x0102030405060708ULL, "mayor", 258), expected);
}

TEST(BallotSecretsTest, WipeAndMoveLeaveNothingBehind) {
  auto [b, secrets] = encrypt_ok(sample_ballot());
  ASSERT_EQ(secrets.nonces.size(), 4u);
  EXPECT_FALSE(secrets.nonces[0][0].is_zero());
  BallotSecrets moved = std::move(secrets);
  EXPECT_TRUE(secrets.marks.empty());   // NOLINT(bugprone-use-after-move): checking the contract
  EXPECT_TRUE(secrets.nonces.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved.marks.size(), 4u);
  moved.wipe();
  EXPECT_TRUE(moved.marks.empty());
  EXPECT_TRUE(moved.nonces.empty());
}

// --------------------------------------------------------------------------------- tampering

TEST(BallotVerify, SwappedCiphertextsRejected) {
  EncryptedBallot b = sample_encrypted();
  std::swap(b.contests[1].selections[0].ciphertext, b.contests[1].selections[3].ciphertext);
  expect_rejected(b, "contests[1].selections[0].proof", "invalid proof");
  // Swapping whole selections (ciphertext and proof) fails too: the context binds the index.
  b = sample_encrypted();
  std::swap(b.contests[1].selections[0], b.contests[1].selections[3]);
  expect_rejected(b, "contests[1].selections[0].proof", "invalid proof");
}

TEST(BallotVerify, ChangedProofScalarsRejected) {
  const Scalar one = Scalar::from_u64(1);
  EncryptedBallot b = sample_encrypted();
  b.contests[1].selections[3].proof.responses[1] += one;
  expect_rejected(b, "contests[1].selections[3].proof",
                  "contests[1].selections[3].proof: invalid proof");
  b = sample_encrypted();
  b.contests[0].selections[2].proof.challenges[0] += one;
  expect_rejected(b, "contests[0].selections[2].proof", "invalid proof");
  b = sample_encrypted();
  b.contests[2].limit_proof.challenges[1] += one;
  expect_rejected(b, "contests[2].limit_proof", "invalid proof");
  b = sample_encrypted();
  b.contests[3].limit_proof.responses[0] += one;
  expect_rejected(b, "contests[3].limit_proof", "invalid proof");
}

TEST(BallotVerify, ChangedCiphertextRejected) {
  EncryptedBallot b = sample_encrypted();
  b.contests[2].selections[1].ciphertext.beta += Point::generator();  // now encrypts 2
  expect_rejected(b, "contests[2].selections[1].proof", "invalid proof");
  b = sample_encrypted();
  b.contests[2].selections[1].ciphertext.alpha = Point();
  expect_rejected(b, "contests[2].selections[1].ciphertext", "identity");
}

TEST(BallotVerify, ChangedPreviousCodeOrSequenceRejected) {
  EncryptedBallot b = sample_encrypted();
  b.previous_code[31] ^= 1;
  expect_rejected(b, "contests[0].selections[0].proof", "invalid proof");
  b = sample_encrypted();
  b.sequence += 1;
  expect_rejected(b, "contests[0].selections[0].proof", "invalid proof");
}

TEST(BallotVerify, ProofFromAnotherBallotRejected) {
  // Same choices, another sequence number: every proof is for another place.
  auto [other, secrets] = encrypt_ok(sample_ballot(), /*seq=*/6);
  ASSERT_TRUE(verify_ballot(ctx(), other).ok());
  EncryptedBallot b = sample_encrypted();
  b.contests[2].selections[1] = other.contests[2].selections[1];
  expect_rejected(b, "contests[2].selections[1].proof", "invalid proof");
  b = sample_encrypted();
  b.contests[2].selections[1].proof = other.contests[2].selections[1].proof;
  expect_rejected(b, "contests[2].selections[1].proof", "invalid proof");
  // Replacing a whole contest keeps every selection proof wrong (other sequence).
  b = sample_encrypted();
  b.contests[3] = other.contests[3];
  expect_rejected(b, "contests[3].selections[0].proof", "invalid proof");
  // Same sequence and previous code but a different ballot: the selection verifies alone, the
  // contest's sum no longer matches its limit proof.
  auto [twin, twin_secrets] = encrypt_ok(sample_ballot(), /*seq=*/5);
  b = sample_encrypted();
  b.contests[1].selections[0] = twin.contests[1].selections[0];
  expect_rejected(b, "contests[1].limit_proof", "invalid proof");
}

TEST(BallotVerify, WrongLimitRangeRejected) {
  // A kiosk that over-votes council (3 marks) under a manifest allowing 3 gets an honest proof
  // for 0..3; under the real manifest (0..2) the range itself is refused.
  Manifest loose = test_manifest();
  loose.contests[1].max = 3;
  ElectionContext loose_ctx = make_context(loose);
  PlaintextBallot p = sample_ballot();
  p.contests[1].choice_ids = {"dan", "erin", "frank"};
  auto [b, secrets] = encrypt_ok(p, 5, kPrev, loose_ctx);
  ASSERT_TRUE(verify_ballot(loose_ctx, b).ok());  // (a different Q-bar: it verifies only there)
  expect_rejected(b, "contests[1].limit_proof", "0..3");

  // Relabelled range: the proof's hi edited to the contest's max no longer verifies.
  EncryptedBallot t = sample_encrypted();
  t.contests[2].limit_proof.lo = 0;
  expect_rejected(t, "contests[2].limit_proof", "allows 2..3");
  // A selection proof that claims 0..2.
  t = sample_encrypted();
  t.contests[0].selections[0].proof.hi = 2;
  expect_rejected(t, "contests[0].selections[0].proof", "must cover 0..1");
}

TEST(BallotVerify, WrongShapeRejected) {
  EncryptedBallot b = sample_encrypted();
  b.contests.pop_back();
  expect_rejected(b, "contests", "expected 4 contests");
  b = sample_encrypted();
  b.contests[1].selections.pop_back();
  expect_rejected(b, "contests[1].selections", "4 choices");
  // Another election (another key and Q-bar): nothing verifies.
  Manifest other = test_manifest();
  other.election_id = "other-election";
  auto [foreign, s] = encrypt_ok(sample_ballot(), 5, kPrev, make_context(other));
  expect_rejected(foreign, "contests[0].selections[0].proof", "invalid proof");
}

// ------------------------------------------------------------------------------ ballot codes

const Digest kCodeQ = sha256(as_bytes("tabella ballot test"));

PublicKeyBytes test_kiosk() {
  PublicKeyBytes k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i + 1);
  return k;
}

TEST(BallotCode, KnownAnswers) {
  // Computed independently with Python's hashlib from the spec's H(tag; ...) framing.
  EXPECT_EQ(to_hex(kCodeQ), "73cffd27cfda8e4d10ccc6ec38dda8435d247c03085c6414c137beabcbeadaac");
  Digest seed = chain_seed(kCodeQ, test_kiosk());
  EXPECT_EQ(to_hex(seed), "7f2b6d3899f99ddf0d63281262b68939354e8970cb445957d478ea89b79407d8");
  EXPECT_EQ(short_code(seed), "P4VW-2OEZ-7GO5-6DLD");
  EncryptedBallot empty;  // no contests: u64(1) || seed || u32(0)
  empty.sequence = 1;
  empty.previous_code = seed;
  EXPECT_EQ(to_hex(ballot_code(kCodeQ, test_kiosk(), empty)),
            "0e6dc1a854618b1f60ff802ba3a804cb23cef10156b114919c2db5864ab471d2");
}

TEST(BallotCode, ChainsAndChangesWithAnything) {
  const PublicKeyBytes kiosk = test_kiosk();
  const Digest seed = chain_seed(ctx().q, kiosk);
  PublicKeyBytes other_kiosk = kiosk;
  other_kiosk[0] ^= 1;
  EXPECT_NE(chain_seed(ctx().q, other_kiosk), seed);
  EXPECT_NE(chain_seed(kCodeQ, kiosk), seed);

  auto first = encrypt_ok(sample_ballot(), 1, seed);
  const EncryptedBallot& b1 = first.first;
  const Digest code1 = ballot_code(ctx().q, kiosk, b1);
  auto [b2, s2] = encrypt_ok(sample_ballot(), 2, code1);
  const Digest code2 = ballot_code(ctx().q, kiosk, b2);
  EXPECT_EQ(b2.previous_code, code1);
  EXPECT_NE(code1, code2);

  std::set<Digest> codes = {code1, ballot_code(ctx().q, other_kiosk, b1),
                            ballot_code(kCodeQ, kiosk, b1)};
  auto with = [&](auto change) {
    EncryptedBallot t = b1;
    change(t);
    codes.insert(ballot_code(ctx().q, kiosk, t));
  };
  with([](EncryptedBallot& t) { t.sequence++; });
  with([](EncryptedBallot& t) { t.previous_code[5] ^= 1; });
  with([](EncryptedBallot& t) {
    t.contests[3].selections[1].ciphertext.beta += Point::generator();
  });
  with([](EncryptedBallot& t) {
    t.contests[0].selections[0].proof.responses[0] += Scalar::from_u64(1);
  });
  with([](EncryptedBallot& t) { t.contests[2].limit_proof.challenges[0] += Scalar::from_u64(1); });
  EXPECT_EQ(codes.size(), 8u);  // all different

  // A dropped ballot breaks the chain: ballot 2's previous code is not ballot 0's code.
  EXPECT_NE(b2.previous_code, seed);
}

TEST(ShortCode, FormatsAndNormalizes) {
  Digest d{};
  const std::string foobar = "foobarbaz!";  // base32 (Python b32encode): MZXW6YTBOJRGC6RB
  std::copy(foobar.begin(), foobar.end(), d.begin());
  const std::string code = short_code(d);
  EXPECT_EQ(code, "MZXW-6YTB-OJRG-C6RB");
  for (std::string typed : {"MZXW-6YTB-OJRG-C6RB", "mzxw6ytbojrgc6rb", "mzxw 6ytb ojrg c6rb",
                            " Mzxw-6ytb- 0jrg-c6r8 ", "MZXW6YTB0JRGC6R8"}) {
    auto n = normalize_short_code(typed);
    ASSERT_TRUE(n.ok()) << typed << ": " << n.error().describe();
    EXPECT_EQ(*n, code) << typed;
  }
  // 1 -> I and 8 -> B.
  EXPECT_EQ(*normalize_short_code("1111-8888-AAAA-2222"), "IIII-BBBB-AAAA-2222");
}

TEST(ShortCode, ClearErrors) {
  auto r = normalize_short_code("MZXW-6YTB-OJRG-C6T9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("'9' at position 19"), std::string::npos) << r.error().message;
  r = normalize_short_code("MZXW-6YTB-OJRG-C6T");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("16 letters and digits, got 15"), std::string::npos);
  r = normalize_short_code("MZXW-6YTB-OJRG-C6T2A");
  ASSERT_FALSE(r.ok());
  r = normalize_short_code("MZXW.6YTB");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'.' at position 5"), std::string::npos);
  r = normalize_short_code("MZXW-6YTB-OJRG-C6T\xc3\xa9");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("byte 0xc3"), std::string::npos) << r.error().message;
  r = normalize_short_code(std::string(100, 'A'));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too long"), std::string::npos);
  r = normalize_short_code("");
  ASSERT_FALSE(r.ok());
}

// ------------------------------------------------------------------------------ voter tokens

TEST(VoterToken, GeneratesTypeableDistinctTokens) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string t = generate_token();
    ASSERT_EQ(t.size(), 19u);
    for (std::size_t k = 0; k < t.size(); ++k) {
      if (k % 5 == 4) {
        EXPECT_EQ(t[k], '-');
      } else {
        EXPECT_TRUE((t[k] >= 'A' && t[k] <= 'Z') || (t[k] >= '2' && t[k] <= '7')) << t;
      }
    }
    EXPECT_EQ(*normalize_token(t), t);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 200u);
  SeededRng a("tokens"), b("tokens");
  EXPECT_EQ(generate_token(a), generate_token(b));
}

TEST(VoterToken, NormalizesAndHashes) {
  auto n = normalize_token("abcd efgh ijkl mn23");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, "ABCD-EFGH-IJKL-MN23");
  // Computed independently with Python's hashlib.
  EXPECT_EQ(to_hex(token_hash(kCodeQ, *n)),
            "5ebe4d9701a0860c9b61d070bab6be059ead07b1838e4d063d2233b3c9512be6");
  EXPECT_NE(token_hash(ctx().q, *n), token_hash(kCodeQ, *n));
  auto bad = normalize_token("ABCD-EFGH-IJKL-MN2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("voter token"), std::string::npos);
}

// ------------------------------------------------------------------------- Benaloh challenge

TEST(Benaloh, OpeningRevealsExactlyTheMarks) {
  auto [b, secrets] = encrypt_ok(sample_ballot());
  record::ChallengedBallotBody opened = open_ballot(b, secrets);
  auto decoded = record::ChallengedBallotBody::decode(opened.encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  auto marks = verify_opening(ctx(), *decoded);
  ASSERT_TRUE(marks.ok()) << marks.error().describe();
  EXPECT_EQ(*marks, to_marks(ctx().manifest, sample_ballot()));
  const std::vector<std::vector<std::string>> expected = {
      {"bob"}, {"dan", "grace"}, {"h2", "h3"}, {"no"}};
  EXPECT_EQ(marks_to_choice_ids(ctx().manifest, *marks), expected);
  EXPECT_TRUE(verify_ballot(ctx(), decoded->ballot).ok());
}

TEST(Benaloh, WrongNonceOrMarkRejected) {
  auto [b, secrets] = encrypt_ok(sample_ballot());
  const record::ChallengedBallotBody honest = open_ballot(b, secrets);

  record::ChallengedBallotBody t = honest;
  t.nonces[2][3] += Scalar::from_u64(1);
  auto r = verify_opening(ctx(), t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidProof);
  EXPECT_EQ(r.error().field, "ballot.contests[2].selections[3]");
  EXPECT_NE(r.error().message.find("A != r*G"), std::string::npos);

  // The kiosk claims "bob" was not marked (a lying opening).
  t = honest;
  t.choices[0][1] = 0;
  r = verify_opening(ctx(), t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "ballot.contests[0].selections[1]");
  EXPECT_NE(r.error().message.find("B != m*G + r*K"), std::string::npos);
  EXPECT_NE(r.error().message.find("\"bob\""), std::string::npos);

  t = honest;
  t.choices[1][0] = 2;
  r = verify_opening(ctx(), t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(r.error().field, "choices[1][0]");

  // Nonces swapped between two selections.
  t = honest;
  std::swap(t.nonces[1][0], t.nonces[1][1]);
  r = verify_opening(ctx(), t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "ballot.contests[1].selections[0]");
}

TEST(Benaloh, WrongShapesRejected) {
  auto [b, secrets] = encrypt_ok(sample_ballot());
  const record::ChallengedBallotBody honest = open_ballot(b, secrets);
  record::ChallengedBallotBody t = honest;
  t.choices.pop_back();
  EXPECT_EQ(verify_opening(ctx(), t).error().field, "choices");
  t = honest;
  t.nonces[3].pop_back();
  EXPECT_EQ(verify_opening(ctx(), t).error().field, "nonces[3]");
  t = honest;
  t.choices[2].push_back(0);
  EXPECT_EQ(verify_opening(ctx(), t).error().field, "choices[2]");
  t = honest;
  t.ballot.contests[0].selections.pop_back();
  EXPECT_EQ(verify_opening(ctx(), t).error().field, "ballot.contests[0].selections");
  t = honest;
  t.ballot.contests.pop_back();
  EXPECT_EQ(verify_opening(ctx(), t).error().field, "ballot.contests");
}

}  // namespace
}  // namespace tabella::election
