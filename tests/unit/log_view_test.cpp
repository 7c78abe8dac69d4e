// LogView (ledger/log_view.h): the tree of the entries a client read, checked against a signed,
// cosigned checkpoint that must extend the one accepted before. Each step of the check has a
// case that makes it fail, with the fault it must name.
#include "tabella/ledger/log_view.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tabella/ledger/witness.h"

namespace tabella::ledger {
namespace {

constexpr const char* kOrigin = "tabella.example/view-test";

SigningKey key_from(std::uint8_t seed) {
  return *SigningKey::from_seed(Bytes(32, seed));
}

Bytes entry(std::uint64_t i, const std::string& fork = "") {
  std::string text = fork + "entry " + std::to_string(i);
  return Bytes(text.begin(), text.end());
}

struct ViewTest : ::testing::Test {
  SigningKey ledger_key = key_from(1);
  SigningKey w_keys[2] = {key_from(11), key_from(12)};
  NoteSigner ledger{kOrigin, ledger_key};
  CosignatureSigner witnesses[2] = {{"w1.example/tabella", w_keys[0]},
                                    {"w2.example/tabella", w_keys[1]}};

  LogTrust trust(std::uint32_t quorum) const {
    WitnessPolicy p;
    p.quorum = quorum;
    for (const auto& w : witnesses) {
      p.witnesses.push_back(*CosignatureVerifier::from_verifier_key(w.verifier_key()));
    }
    if (quorum == 0) p.witnesses.clear();
    return LogTrust{*NoteVerifier::from_verifier_key(ledger.verifier_key()), kOrigin, p};
  }
  // The checkpoint of the first n entries of `log`, signed by the ledger and cosigned by
  // `cosigners` witnesses.
  std::string checkpoint(const LogView& log, std::uint64_t n, int cosigners = 0,
                         const std::string& origin = kOrigin) const {
    std::string text = Checkpoint{origin, n, *log.root_at(n), {}}.body();
    std::string note = format_note(Note{text, {ledger.sign(text)}});
    std::string lines;
    for (int w = 0; w < cosigners; ++w) {
      lines += format_signature_line(witnesses[w].sign(text, 1767225600));
    }
    return lines.empty() ? note : *add_signature_lines(note, lines);
  }
  static LogView log_of(std::uint64_t n, const std::string& fork = "",
                        std::uint64_t fork_from = 0) {
    LogView v;
    for (std::uint64_t i = 0; i < n; ++i) v.append(entry(i, i >= fork_from ? fork : ""));
    return v;
  }
};

TEST_F(ViewTest, AcceptsTheCheckpointOfWhatItReadAndRemembersIt) {
  LogView view = log_of(10);
  EXPECT_FALSE(view.accepted().has_value());
  auto c = view.check(checkpoint(view, 10, 2), trust(2));
  ASSERT_TRUE(c.final()) << c.detail;
  EXPECT_EQ(c.cosignatures, 2u);
  EXPECT_EQ(view.verified_size(), 10u);
  // A checkpoint of a prefix is fine too (it covers less).
  LogView more = log_of(12);
  ASSERT_TRUE(more.check(checkpoint(more, 9, 2), trust(2)).final());
  EXPECT_EQ(more.verified_size(), 9u);
  // The next one extends it, with the ledger's consistency proof.
  auto proof = *more.consistency_proof(9, 12);
  ASSERT_TRUE(more.check(checkpoint(more, 12, 2), trust(2), &proof).final());
  EXPECT_EQ(more.verified_size(), 12u);
  EXPECT_EQ(*more.leaf_at(3), leaf_hash(entry(3)));
  EXPECT_FALSE(more.leaf_at(12).ok());
}

TEST_F(ViewTest, EntriesThatDoNotHashToTheSignedRootAreRefused) {
  LogView honest = log_of(10);
  const std::string cp = checkpoint(honest, 10, 2);
  // The ledger drops entry 4 and serves another in its place, or reorders two.
  for (int attack = 0; attack < 3; ++attack) {
    LogView served;
    for (std::uint64_t i = 0; i < 10; ++i) {
      if (attack == 0 && i == 4) {
        served.append(entry(99));
      } else if (attack == 1) {
        served.append(entry(i == 2 ? 3 : i == 3 ? 2 : i));
      } else {
        served.append(entry(i));
      }
    }
    if (attack == 2) served.append(entry(10));  // one more than signed: the prefix still holds
    auto c = served.check(cp, trust(2));
    if (attack == 2) {
      EXPECT_TRUE(c.final()) << c.detail;
      EXPECT_EQ(served.verified_size(), 10u);
    } else {
      EXPECT_EQ(c.fault, LogFault::kRootMismatch) << attack << ": " << c.detail;
      EXPECT_FALSE(served.accepted().has_value());
    }
  }
  // A truncated view: fewer entries than the checkpoint covers.
  LogView truncated = log_of(9);
  EXPECT_EQ(truncated.check(cp, trust(2)).fault, LogFault::kCheckpointBeyondView);
}

TEST_F(ViewTest, ForkAndRollbackAgainstThePinnedCheckpoint) {
  LogView first = log_of(10);
  ASSERT_TRUE(first.check(checkpoint(first, 10, 2), trust(2)).final());
  const std::string accepted = first.accepted()->note;

  // Next run: the ledger serves another history of 12 entries whose entry 7 differs. Its
  // checkpoint is signed by the ledger and even cosigned (colluding witnesses): still refused.
  LogView forked = log_of(12, "other ", 7);
  ASSERT_TRUE(forked.pin(accepted).ok());
  auto c = forked.check(checkpoint(forked, 12, 2), trust(2));
  EXPECT_EQ(c.fault, LogFault::kInconsistent) << c.detail;
  EXPECT_EQ(c.outcome, LogOutcome::kInvalid);
  EXPECT_EQ(forked.accepted()->note, accepted);  // the accepted checkpoint stays
  auto conflict = describe_conflict(forked, c, checkpoint(forked, 12, 2));
  EXPECT_EQ(conflict.accepted, accepted);
  ASSERT_TRUE(conflict.prefix_root.has_value());
  EXPECT_NE(*conflict.prefix_root, first.accepted()->checkpoint.root);
  EXPECT_TRUE(
      verify_consistency(10, 12, *conflict.prefix_root, *forked.root_at(12), conflict.proof).ok());

  // A fork of the very size accepted: a pinned checkpoint counts for nothing until checked
  // against the entries read.
  LogView same_size = log_of(10, "other ", 9);
  ASSERT_TRUE(same_size.pin(accepted).ok());
  EXPECT_EQ(same_size.verified_size(), 0u);
  EXPECT_EQ(same_size.check(checkpoint(same_size, 10, 2), trust(2)).fault, LogFault::kInconsistent);
  EXPECT_EQ(same_size.verified_size(), 0u);

  // The same entries, but fewer than accepted before: a rollback.
  LogView shorter = log_of(8);
  ASSERT_TRUE(shorter.pin(accepted).ok());
  EXPECT_EQ(shorter.check(checkpoint(shorter, 8, 2), trust(2)).fault, LogFault::kRollback);

  // An honest extension is accepted; a wrong consistency proof from the ledger is not.
  LogView next = log_of(12);
  ASSERT_TRUE(next.pin(accepted).ok());
  auto bad_proof = *next.consistency_proof(10, 12);
  bad_proof[0][0] ^= 1;
  EXPECT_EQ(next.check(checkpoint(next, 12, 2), trust(2), &bad_proof).fault,
            LogFault::kInconsistent);
  auto proof = *next.consistency_proof(10, 12);
  EXPECT_TRUE(next.check(checkpoint(next, 12, 2), trust(2), &proof).final());
}

TEST_F(ViewTest, APinnedCheckpointOfAnotherElectionIsNamed) {
  LogView other = log_of(5);
  const std::string foreign = checkpoint(other, 5, 0, "tabella.example/another-election");
  LogView view = log_of(6);
  ASSERT_TRUE(view.pin(foreign).ok());
  auto c = view.check(checkpoint(view, 6, 2), trust(2));
  EXPECT_EQ(c.fault, LogFault::kWrongOrigin) << c.detail;
  // Pinned under this origin but signed by another ledger key: the election entry changed.
  NoteSigner impostor(kOrigin, w_keys[0]);
  std::string text = Checkpoint{kOrigin, 5, *view.root_at(5), {}}.body();
  LogView again = log_of(6);
  ASSERT_TRUE(again.pin(format_note(Note{text, {impostor.sign(text)}})).ok());
  EXPECT_EQ(again.check(checkpoint(again, 6, 2), trust(2)).fault, LogFault::kInconsistent);
  EXPECT_FALSE(again.pin("not a note").ok());
}

TEST_F(ViewTest, APrefixIsCheckedAgainstALargerCheckpointWithAConsistencyProof) {
  const LogView full = log_of(20);
  const std::string cp = checkpoint(full, 20, 2);
  LogView start = log_of(6);
  auto proof = *full.consistency_proof(6, 20);
  EXPECT_TRUE(start.check_prefix(cp, trust(2), proof).final());
  EXPECT_FALSE(start.accepted().has_value());
  // Entries not the start of that log, a wrong proof, a checkpoint smaller than what was read,
  // and the checkpoint checks themselves.
  LogView other = log_of(6, "other ", 5);
  EXPECT_EQ(other.check_prefix(cp, trust(2), proof).fault, LogFault::kRootMismatch);
  auto bad = proof;
  bad.back()[1] ^= 1;
  EXPECT_EQ(start.check_prefix(cp, trust(2), bad).fault, LogFault::kRootMismatch);
  EXPECT_EQ(start.check_prefix(checkpoint(full, 5, 2), trust(2), {}).fault,
            LogFault::kRootMismatch);
  EXPECT_TRUE(start.check_prefix(checkpoint(full, 20, 1), trust(2), proof).awaiting());
  EXPECT_TRUE(start.check_prefix(checkpoint(full, 6, 2), trust(2), {}).final());
}

TEST_F(ViewTest, WitnessQuorumDecidesFinality) {
  LogView view = log_of(7);
  auto one = view.check(checkpoint(view, 7, 1), trust(2));
  EXPECT_TRUE(one.awaiting()) << one.detail;
  EXPECT_EQ(one.fault, LogFault::kMissingQuorum);
  EXPECT_FALSE(view.accepted().has_value());  // awaiting is not accepted
  EXPECT_TRUE(view.check(checkpoint(view, 7, 0), trust(0)).final());
  // Another ledger key or origin is refused before anything else.
  LogView fresh = log_of(7);
  NoteSigner impostor(kOrigin, w_keys[1]);
  std::string text = Checkpoint{kOrigin, 7, *fresh.root_at(7), {}}.body();
  EXPECT_EQ(fresh.check(format_note(Note{text, {impostor.sign(text)}}), trust(0)).fault,
            LogFault::kBadLedgerSignature);
  EXPECT_EQ(fresh.check(checkpoint(fresh, 7, 2, "tabella.example/x"), trust(2)).fault,
            LogFault::kWrongOrigin);
}

}  // namespace
}  // namespace tabella::ledger
