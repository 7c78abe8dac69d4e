// The C2SP tlog-witness core: request parsing, every refusal of add-checkpoint, fork evidence,
// persistence across restarts, and the cosignature quorum check receipts rely on.
#include "tabella/ledger/witness.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace tabella::ledger {
namespace {

constexpr const char* kOrigin = "tabella.example/election-1";

struct Log {
  SigningKey key = *SigningKey::from_seed(Bytes(32, 7));
  NoteSigner signer{kOrigin, key};
  MemoryHashStore tree;

  void grow_to(std::uint64_t n, const std::string& prefix = "entry-") {
    while (tree.size() < n) tree.append_entry(as_bytes(prefix + std::to_string(tree.size())));
  }
  std::string checkpoint() const { return checkpoint_of(tree.size(), tree.root()); }
  std::string checkpoint_of(std::uint64_t size, const Hash& root) const {
    Checkpoint cp{kOrigin, size, root, {}};
    std::string text = cp.body();
    return format_note(Note{text, {signer.sign(text)}});
  }
  std::vector<Hash> proof(std::uint64_t m) const {
    return *consistency_proof(m, tree.size(), tree);
  }
};

struct WitnessFixture : ::testing::Test {
  SigningKey wkey = *SigningKey::from_seed(Bytes(32, 9));
  MemoryWitnessStore store;
  std::uint64_t now = 1700000000;
  std::unique_ptr<Witness> witness;
  Log log;

  void SetUp() override {
    witness = *Witness::open("witness.example/w1", wkey, store, [this] { return now; });
    ASSERT_TRUE(witness->add_log(kOrigin, log.signer.verifier_key()).ok());
  }
  WitnessAnswer add(std::uint64_t old_size, std::vector<Hash> proof, std::string cp) {
    return witness->add_checkpoint(format_add_checkpoint({old_size, std::move(proof), cp}));
  }
  // Cosigns sizes 0 -> n with a correct proof.
  void advance(std::uint64_t n) {
    std::uint64_t old = witness->logs()[0].size;
    log.grow_to(n);
    auto a = add(old, log.proof(old), log.checkpoint());
    ASSERT_EQ(a.status, 200u) << a.body;
  }
};

TEST(AddCheckpointRequest, RoundTripAndStrictness) {
  Hash h{};
  h[0] = 1;
  AddCheckpointRequest r{5, {h, h}, "origin\n5\nAAAA\n\n\xe2\x80\x94 x AAAA\n"};
  std::string body = format_add_checkpoint(r);
  EXPECT_EQ(body.substr(0, 6), "old 5\n");
  auto back = parse_add_checkpoint(body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(parse_add_checkpoint("old 05\n\nx").ok());       // leading zero
  EXPECT_FALSE(parse_add_checkpoint("old 5\nAAAA\n\nx").ok());  // not 32 bytes
  EXPECT_FALSE(parse_add_checkpoint("old 5\n").ok());           // no blank line
  EXPECT_FALSE(parse_add_checkpoint("new 5\n\nx").ok());
  EXPECT_FALSE(parse_add_checkpoint("old 5\n\n").ok());  // no checkpoint
  std::string many = "old 1\n";
  for (int i = 0; i < 64; ++i) many += to_base64(h) + "\n";
  EXPECT_FALSE(parse_add_checkpoint(many + "\nx").ok());
}

TEST_F(WitnessFixture, CosignsConsistentGrowthWithAVerifiableCosignature) {
  log.grow_to(5);
  auto a = add(0, {}, log.checkpoint());
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(a.verdict, WitnessVerdict::kCosigned);
  // The answer is one cosignature line that verifies with the witness's verifier key.
  auto with = add_signature_lines(log.checkpoint(), a.body);
  ASSERT_TRUE(with.ok()) << with.error().describe();
  auto note = parse_note(*with);
  auto verifier = *CosignatureVerifier::from_verifier_key(witness->verifier_key());
  auto t = verifier.verify(*note);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, now);
  // Growth 5 -> 13 with the RFC 6962 proof.
  log.grow_to(13);
  a = add(5, log.proof(5), log.checkpoint());
  EXPECT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(witness->logs()[0].size, 13u);
  // The same checkpoint again (old == size, same root) is cosigned again.
  EXPECT_EQ(add(13, {}, log.checkpoint()).status, 200u);
  EXPECT_TRUE(witness->evidence().empty());
}

TEST_F(WitnessFixture, RefusalsInProtocolOrder) {
  advance(8);
  log.grow_to(12);
  std::string cp = log.checkpoint();
  // Malformed body.
  EXPECT_EQ(witness->add_checkpoint("old x\n\n" + cp).status, 400u);
  // Unknown origin.
  Log other;
  SigningKey okey = *SigningKey::from_seed(Bytes(32, 3));
  NoteSigner osigner("other.example/log", okey);
  Checkpoint ocp{"other.example/log", 1, leaf_hash(as_bytes("a")), {}};
  std::string otext = ocp.body();
  EXPECT_EQ(add(0, {}, format_note(Note{otext, {osigner.sign(otext)}})).status, 404u);
  // Signed by another key under the log's name.
  NoteSigner forger(kOrigin, okey);
  Checkpoint fake{kOrigin, 12, log.tree.root(), {}};
  auto a = add(8, log.proof(8), format_note(Note{fake.body(), {forger.sign(fake.body())}}));
  EXPECT_EQ(a.status, 403u);
  EXPECT_EQ(a.verdict, WitnessVerdict::kBadSignature);
  // old > size.
  EXPECT_EQ(add(13, {}, cp).status, 400u);
  // old != the witness's size: 409 with the size as body.
  a = add(4, *consistency_proof(4, 12, log.tree), cp);
  EXPECT_EQ(a.status, 409u);
  EXPECT_EQ(a.verdict, WitnessVerdict::kOldSize);
  EXPECT_EQ(a.body, "8\n");
  EXPECT_EQ(a.content_type, "text/x.tlog.size");
  // A tampered proof: 422, kept as unproven evidence, state unchanged.
  auto proof = log.proof(8);
  ASSERT_FALSE(proof.empty());
  proof[0][0] ^= 1;
  a = add(8, proof, cp);
  EXPECT_EQ(a.status, 422u);
  EXPECT_EQ(a.verdict, WitnessVerdict::kInconsistent);
  ASSERT_EQ(witness->evidence().size(), 1u);
  EXPECT_FALSE(witness->evidence()[0].proven);
  EXPECT_EQ(witness->logs()[0].size, 8u);
  // The correct proof is still accepted.
  EXPECT_EQ(add(8, log.proof(8), cp).status, 200u);
}

TEST_F(WitnessFixture, ForkIsRefusedAndKeptAsProvenEvidence) {
  advance(6);
  // A rewritten history: same size 6, entry 3 replaced.
  Log fork;
  fork.grow_to(3);
  fork.tree.append_entry(as_bytes("rewritten"));
  fork.grow_to(6);
  std::string forged = log.checkpoint_of(6, fork.tree.root());
  auto a = add(6, {}, forged);
  EXPECT_EQ(a.status, 409u);
  EXPECT_EQ(a.verdict, WitnessVerdict::kInconsistent);
  ASSERT_EQ(witness->evidence().size(), 1u);
  const ForkEvidence e = witness->evidence()[0];
  EXPECT_TRUE(e.proven);
  EXPECT_EQ(e.offered, forged);
  EXPECT_EQ(e.cosigned, log.checkpoint());
  EXPECT_NE(witness->status_json().find("\"forked\":true"), std::string::npos);
  // A longer forked history: the honest-looking proof of the fork cannot connect to the
  // cosigned root.
  fork.grow_to(10);
  std::string forged10 = log.checkpoint_of(10, fork.tree.root());
  a = add(6, *consistency_proof(6, 10, fork.tree), forged10);
  EXPECT_EQ(a.status, 422u);
  EXPECT_EQ(witness->logs()[0].size, 6u);
}

TEST_F(WitnessFixture, SizeZeroNeedsTheEmptyRoot) {
  EXPECT_EQ(add(0, {}, log.checkpoint_of(0, empty_root())).status, 200u);
  EXPECT_EQ(add(0, {}, log.checkpoint_of(0, leaf_hash(as_bytes("x")))).status, 422u);
}

TEST_F(WitnessFixture, RootCheckGatesCosigning) {
  log.grow_to(4);
  std::uint64_t replayed = 2;
  Hash replayed_root = log.tree.root();
  ASSERT_TRUE(witness
                  ->add_log(kOrigin, log.signer.verifier_key(),
                            [&](const Checkpoint& cp) -> Status {
                              if (cp.size > replayed) {
                                return make_error(ErrorCode::kNotFound, "not replayed yet");
                              }
                              if (cp.root != replayed_root) {
                                return make_error(ErrorCode::kConflict, "root differs");
                              }
                              return Status::success();
                            })
                  .ok());
  EXPECT_EQ(add(0, {}, log.checkpoint()).status, 503u);
  replayed = 4;
  EXPECT_EQ(add(0, {}, log.checkpoint()).status, 200u);
  // The log signs a size the follower recomputed differently.
  log.grow_to(6);
  replayed = 6;
  replayed_root = leaf_hash(as_bytes("not the same"));
  auto a = add(4, log.proof(4), log.checkpoint());
  EXPECT_EQ(a.status, 409u);
  ASSERT_EQ(witness->evidence().size(), 1u);
  EXPECT_TRUE(witness->evidence()[0].proven);
}

TEST(FileWitnessStore, RestartKeepsStateAndEvidence) {
  auto dir =
      std::filesystem::temp_directory_path() / ("witness-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  SigningKey wkey = *SigningKey::from_seed(Bytes(32, 9));
  Log log;
  log.grow_to(5);
  {
    auto store = *FileWitnessStore::open(dir);
    auto w = *Witness::open("w", wkey, *store);
    ASSERT_TRUE(w->add_log(kOrigin, log.signer.verifier_key()).ok());
    ASSERT_EQ(w->add_checkpoint(format_add_checkpoint({0, {}, log.checkpoint()})).status, 200u);
    Log fork;
    fork.grow_to(5, "other-");
    auto a =
        w->add_checkpoint(format_add_checkpoint({5, {}, log.checkpoint_of(5, fork.tree.root())}));
    ASSERT_EQ(a.status, 409u);
  }
  {
    auto store = *FileWitnessStore::open(dir);
    auto w = *Witness::open("w", wkey, *store);
    ASSERT_TRUE(w->add_log(kOrigin, log.signer.verifier_key()).ok());
    ASSERT_EQ(w->logs().size(), 1u);
    EXPECT_EQ(w->logs()[0].size, 5u);
    EXPECT_EQ(w->logs()[0].root, log.tree.root());
    ASSERT_EQ(w->evidence().size(), 1u);
    EXPECT_TRUE(w->evidence()[0].proven);
    // Starting over from 0 is refused after a restart.
    EXPECT_EQ(w->add_checkpoint(format_add_checkpoint({0, {}, log.checkpoint()})).status, 409u);
    // Another log key for the same origin is refused.
    SigningKey k2 = *SigningKey::from_seed(Bytes(32, 1));
    EXPECT_EQ(w->add_log(kOrigin, NoteSigner(kOrigin, k2).verifier_key()).error().code,
              ErrorCode::kConflict);
  }
  std::filesystem::remove_all(dir);
}

TEST(CosignatureQuorum, CountsDistinctValidWitnesses) {
  Log log;
  log.grow_to(3);
  std::string cp = log.checkpoint();
  SigningKey k1 = *SigningKey::from_seed(Bytes(32, 11));
  SigningKey k2 = *SigningKey::from_seed(Bytes(32, 12));
  SigningKey k3 = *SigningKey::from_seed(Bytes(32, 13));
  CosignatureSigner s1("w1", k1), s2("w2", k2), s3("w3", k3);
  std::vector<CosignatureVerifier> ws = {
      *CosignatureVerifier::from_verifier_key(s1.verifier_key()),
      *CosignatureVerifier::from_verifier_key(s2.verifier_key()),
      *CosignatureVerifier::from_verifier_key(s3.verifier_key())};
  std::string body = parse_note(cp)->text;
  std::string lines =
      format_signature_line(s1.sign(body, 10)) + format_signature_line(s2.sign(body, 11));
  auto with = *add_signature_lines(cp, lines);
  EXPECT_TRUE(check_cosignature_quorum(with, ws, 2).ok());
  EXPECT_FALSE(check_cosignature_quorum(with, ws, 3).ok());
  EXPECT_FALSE(check_cosignature_quorum(cp, ws, 1).ok());
  EXPECT_TRUE(check_cosignature_quorum(cp, ws, 0).ok());
  // A cosignature over another checkpoint body does not count.
  std::string other = format_signature_line(s3.sign("x\n1\nAAAA\n", 12));
  EXPECT_EQ(count_cosignatures(*parse_note(*add_signature_lines(with, other)), ws), 2u);
  // Adding the same witness twice does not inflate the count.
  auto twice = *add_signature_lines(with, lines);
  EXPECT_EQ(count_cosignatures(*parse_note(twice), ws), 2u);
}

}  // namespace
}  // namespace tabella::ledger
