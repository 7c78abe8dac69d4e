// The one receipt check every client runs (ledger/receipt.h): a table of receipts, each a good
// receipt with one thing changed, and the outcome and fault the check must give. One assertion
// routine for every row.
#include "tabella/ledger/receipt.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tabella/ledger/witness.h"

namespace tabella::ledger {
namespace {

constexpr const char* kOrigin = "tabella.example/receipt-test";
constexpr std::uint64_t kIndex = 5;
constexpr std::uint64_t kSize = 12;

SigningKey key_from(std::uint8_t seed) {
  return *SigningKey::from_seed(Bytes(32, seed));
}

// A log of 12 entries, its ledger key, three witnesses (quorum 2) and a receipt for entry 5.
struct World {
  SigningKey ledger_key = key_from(1);
  SigningKey other_key = key_from(2);
  SigningKey w_keys[3] = {key_from(11), key_from(12), key_from(13)};
  SigningKey stranger_key = key_from(14);
  NoteSigner ledger{kOrigin, ledger_key};
  CosignatureSigner witnesses[3] = {{"w1.example/tabella", w_keys[0]},
                                    {"w2.example/tabella", w_keys[1]},
                                    {"w3.example/tabella", w_keys[2]}};
  CosignatureSigner stranger{"w4.example/tabella", stranger_key};
  MemoryHashStore tree;
  std::vector<Bytes> entries;

  World() {
    for (std::uint64_t i = 0; i < kSize; ++i) {
      std::string text = "entry " + std::to_string(i);
      entries.emplace_back(text.begin(), text.end());
      tree.append_entry(entries.back());
    }
  }
  std::string body(std::uint64_t size = kSize, std::string origin = kOrigin) const {
    return Checkpoint{std::move(origin), size, *root_at(size, tree), {}}.body();
  }
  std::string signed_by(const NoteSigner& signer, const std::string& text) const {
    return format_note(Note{text, {signer.sign(text)}});
  }
  // The ledger's checkpoint cosigned by the witnesses at the given positions.
  std::string cosigned(std::vector<int> by, const std::string& text) const {
    std::string note = signed_by(ledger, text);
    std::string lines;
    for (int w : by) lines += format_signature_line(witnesses[w].sign(text, 1767225600 + w));
    return *add_signature_lines(note, lines);
  }
  Receipt receipt() const {
    Receipt r;
    r.index = kIndex;
    r.leaf_hash = leaf_hash(entries[kIndex]);
    r.tree_size = kSize;
    r.inclusion_proof = *inclusion_proof(kIndex, kSize, tree);
    r.checkpoint = cosigned({0, 1}, body());
    return r;
  }
  LogTrust trust(std::uint32_t quorum = 2) const {
    WitnessPolicy p;
    p.quorum = quorum;
    if (quorum > 0) {
      for (const auto& w : witnesses) {
        p.witnesses.push_back(*CosignatureVerifier::from_verifier_key(w.verifier_key()));
      }
    }
    return LogTrust{*NoteVerifier::from_verifier_key(ledger.verifier_key()), kOrigin, p};
  }
};

struct Row {
  const char* name;
  std::function<void(const World&, Receipt&, Bytes& entry, LogTrust& trust)> change;
  LogOutcome outcome;
  LogFault fault;
  std::size_t cosignatures;  // expected count when the check reaches the witnesses
};

const std::vector<Row>& rows() {
  static const std::vector<Row> table = {
      {"good: cosigned by 2 of 3, quorum 2", [](auto&, auto&, auto&, auto&) {}, LogOutcome::kFinal,
       LogFault::kNone, 2},
      {"good: cosigned by all 3",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.cosigned({0, 1, 2}, w.body());
       },
       LogOutcome::kFinal, LogFault::kNone, 3},
      {"good: an election without witnesses, no cosignature lines",
       [](const World& w, Receipt& r, Bytes&, LogTrust& t) {
         r.checkpoint = w.signed_by(w.ledger, w.body());
         t = w.trust(0);
       },
       LogOutcome::kFinal, LogFault::kNone, 0},
      {"good: a line by an unlisted witness is ignored",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = *add_signature_lines(r.checkpoint,
                                             format_signature_line(w.stranger.sign(w.body(), 7)));
       },
       LogOutcome::kFinal, LogFault::kNone, 2},
      {"not a signed note",
       [](const World&, Receipt& r, Bytes&, LogTrust&) { r.checkpoint = "no note here"; },
       LogOutcome::kInvalid, LogFault::kMalformedCheckpoint, 0},
      {"a signed note that is not a checkpoint",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.signed_by(w.ledger, "hello\n");
       },
       LogOutcome::kInvalid, LogFault::kMalformedCheckpoint, 0},
      {"duplicate witness line",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint += format_signature_line(w.witnesses[0].sign(w.body(), 99));
       },
       LogOutcome::kInvalid, LogFault::kMalformedCheckpoint, 0},
      {"wrong ledger key: signed by another key under the same name",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         NoteSigner impostor(kOrigin, w.other_key);
         r.checkpoint = w.signed_by(impostor, w.body());
       },
       LogOutcome::kInvalid, LogFault::kBadLedgerSignature, 0},
      {"wrong ledger key: the election names another key",
       [](const World& w, Receipt&, Bytes&, LogTrust& t) {
         t.log_key =
             *NoteVerifier::from_verifier_key(NoteSigner(kOrigin, w.other_key).verifier_key());
       },
       LogOutcome::kInvalid, LogFault::kBadLedgerSignature, 0},
      {"ledger signature altered",
       [](const World&, Receipt& r, Bytes&, LogTrust&) {
         auto n = *parse_note(r.checkpoint);
         n.signatures[0].signature[10] ^= 1;
         r.checkpoint = format_note(n);
       },
       LogOutcome::kInvalid, LogFault::kBadLedgerSignature, 0},
      {"wrong origin: the ledger key signed another log's checkpoint",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.cosigned({0, 1}, w.body(kSize, "tabella.example/other"));
       },
       LogOutcome::kInvalid, LogFault::kWrongOrigin, 0},
      {"tree_size is not the checkpoint's size",
       [](const World&, Receipt& r, Bytes&, LogTrust&) { r.tree_size += 1; }, LogOutcome::kInvalid,
       LogFault::kSizeMismatch, 0},
      {"checkpoint of another size",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.cosigned({0, 1}, w.body(kSize - 1));
       },
       LogOutcome::kInvalid, LogFault::kSizeMismatch, 0},
      {"index outside the tree",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.index = kIndex + 1;
         r.tree_size = kIndex + 1;
         r.checkpoint = w.cosigned({0, 1}, w.body(kIndex + 1));
       },
       LogOutcome::kInvalid, LogFault::kIndexOutOfRange, 0},
      {"leaf hash altered",
       [](const World&, Receipt& r, Bytes&, LogTrust&) { r.leaf_hash[0] ^= 1; },
       LogOutcome::kInvalid, LogFault::kWrongLeafHash, 0},
      {"another entry's bytes",
       [](const World& w, Receipt&, Bytes& e, LogTrust&) { e = w.entries[kIndex + 1]; },
       LogOutcome::kInvalid, LogFault::kWrongLeafHash, 0},
      {"bad inclusion proof: a hash altered",
       [](const World&, Receipt& r, Bytes&, LogTrust&) { r.inclusion_proof[1][3] ^= 1; },
       LogOutcome::kInvalid, LogFault::kBadInclusionProof, 0},
      {"bad inclusion proof: a hash missing",
       [](const World&, Receipt& r, Bytes&, LogTrust&) { r.inclusion_proof.pop_back(); },
       LogOutcome::kInvalid, LogFault::kBadInclusionProof, 0},
      {"bad inclusion proof: another index",
       [](const World&, Receipt& r, Bytes&, LogTrust&) { r.index = kIndex + 1; },
       LogOutcome::kInvalid, LogFault::kBadInclusionProof, 0},
      {"bad inclusion proof beats a missing quorum",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.signed_by(w.ledger, w.body());
         r.inclusion_proof[0][0] ^= 1;
       },
       LogOutcome::kInvalid, LogFault::kBadInclusionProof, 0},
      {"missing quorum: cosigned by 1 of 3",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.cosigned({2}, w.body());
       },
       LogOutcome::kAwaitingCosignatures, LogFault::kMissingQuorum, 1},
      {"missing quorum: no cosignature at all",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = w.signed_by(w.ledger, w.body());
       },
       LogOutcome::kAwaitingCosignatures, LogFault::kMissingQuorum, 0},
      {"missing quorum: a witness listed twice counts once",
       [](const World& w, Receipt& r, Bytes&, LogTrust& t) {
         r.checkpoint = w.cosigned({0}, w.body());
         t.witnesses.witnesses = {t.witnesses.witnesses[0], t.witnesses.witnesses[0]};
       },
       LogOutcome::kAwaitingCosignatures, LogFault::kMissingQuorum, 1},
      {"missing quorum: the unlisted witness does not count",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         r.checkpoint = *add_signature_lines(w.cosigned({1}, w.body()),
                                             format_signature_line(w.stranger.sign(w.body(), 7)));
       },
       LogOutcome::kAwaitingCosignatures, LogFault::kMissingQuorum, 1},
      {"forged cosignature: a listed witness's line altered",
       [](const World&, Receipt& r, Bytes&, LogTrust&) {
         auto n = *parse_note(r.checkpoint);
         n.signatures[2].signature[20] ^= 1;
         r.checkpoint = format_note(n);
       },
       LogOutcome::kInvalid, LogFault::kForgedCosignature, 1},
      {"forged cosignature: a line taken from an older checkpoint",
       [](const World& w, Receipt& r, Bytes&, LogTrust&) {
         std::string old = format_signature_line(w.witnesses[2].sign(w.body(kSize - 1), 5));
         r.checkpoint = *add_signature_lines(r.checkpoint, old);
       },
       LogOutcome::kInvalid, LogFault::kForgedCosignature, 2},
  };
  return table;
}

class ReceiptRows : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ReceiptRows, OutcomeAndFault) {
  static const World world;
  const Row& row = rows()[GetParam()];
  SCOPED_TRACE(row.name);
  Receipt r = world.receipt();
  Bytes entry = world.entries[kIndex];
  LogTrust trust = world.trust();
  row.change(world, r, entry, trust);
  const LogCheck c = check_receipt(r, entry, trust);
  EXPECT_EQ(c.outcome, row.outcome) << c.detail;
  EXPECT_EQ(c.fault, row.fault) << log_fault_name(c.fault) << ": " << c.detail;
  EXPECT_EQ(c.cosignatures, row.cosignatures);
  if (row.outcome == LogOutcome::kFinal) {
    EXPECT_TRUE(c.final());
    EXPECT_TRUE(c.detail.empty());
    EXPECT_EQ(c.checkpoint.size, r.tree_size);
  } else {
    EXPECT_FALSE(c.final());
    EXPECT_FALSE(c.detail.empty());
    EXPECT_EQ(c.error().message, c.detail);
    EXPECT_EQ(c.awaiting(), row.fault == LogFault::kMissingQuorum);
    EXPECT_EQ(c.error().field == kCosignaturesField, row.fault == LogFault::kMissingQuorum);
  }
}

// "good: cosigned by 2 of 3, quorum 2" -> "r00_good_cosigned_by_2_of_3_quorum_2".
std::string row_name(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string out = (info.param < 10 ? "r0" : "r") + std::to_string(info.param) + "_";
  for (char ch : std::string(rows()[info.param].name)) {
    if (std::isalnum(static_cast<unsigned char>(ch))) {
      out += ch;
    } else if (out.back() != '_') {
      out += '_';
    }
  }
  while (out.back() == '_') out.pop_back();
  return out;
}

INSTANTIATE_TEST_SUITE_P(Table, ReceiptRows, ::testing::Range<std::size_t>(0, rows().size()),
                         row_name);

// The checkpoint check alone is the receipt check without the inclusion part.
TEST(ReceiptCheck, CheckpointCheckAgreesWithTheReceiptCheck) {
  const World world;
  const LogTrust trust = world.trust();
  EXPECT_TRUE(check_checkpoint(world.cosigned({0, 2}, world.body()), trust).final());
  auto awaiting = check_checkpoint(world.cosigned({0}, world.body()), trust);
  EXPECT_TRUE(awaiting.awaiting());
  EXPECT_EQ(awaiting.cosignatures, 1u);
  EXPECT_EQ(check_checkpoint("x", trust).fault, LogFault::kMalformedCheckpoint);
}

TEST(ReceiptCheck, WitnessPolicyFromTheManifest) {
  const World world;
  election::Manifest m;
  m.origin = kOrigin;
  m.witnesses = {{world.witnesses[0].name(), world.witnesses[0].verifier_key()},
                 // a key under another name cannot count
                 {"w9.example/tabella", world.witnesses[1].verifier_key()},
                 {world.witnesses[2].name(), world.witnesses[2].verifier_key()}};
  m.witness_quorum = 2;
  auto trust = LogTrust::make(m, world.ledger.verifier_key());
  ASSERT_TRUE(trust.ok()) << trust.error().describe();
  EXPECT_EQ(trust->witnesses.quorum, 2u);
  EXPECT_EQ(trust->witnesses.witnesses.size(), 2u);
  Receipt r = world.receipt();  // cosigned by witnesses 0 and 1: only 0 counts
  EXPECT_TRUE(check_receipt(r, world.entries[kIndex], *trust).awaiting());
  r.checkpoint = world.cosigned({0, 2}, world.body());
  EXPECT_TRUE(check_receipt(r, world.entries[kIndex], *trust).final());
  EXPECT_FALSE(LogTrust::make(m, "not a key").ok());
}

TEST(ReceiptCheck, JsonRoundTripAndStrictness) {
  const World world;
  const Receipt r = world.receipt();
  nlohmann::json j = r.to_json();
  j["cosigned"] = true;  // the ledger's hint is ignored
  auto back = Receipt::from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->index, r.index);
  EXPECT_EQ(back->leaf_hash, r.leaf_hash);
  EXPECT_EQ(back->tree_size, r.tree_size);
  EXPECT_EQ(back->inclusion_proof, r.inclusion_proof);
  EXPECT_EQ(back->checkpoint, r.checkpoint);
  for (const char* member : {"index", "leaf_hash", "tree_size", "inclusion_proof", "checkpoint"}) {
    nlohmann::json bad = r.to_json();
    bad.erase(member);
    auto e = Receipt::from_json(bad);
    ASSERT_FALSE(e.ok()) << member;
    EXPECT_EQ(e.error().field, member);
  }
  nlohmann::json neg = r.to_json();
  neg["index"] = -1;
  EXPECT_FALSE(Receipt::from_json(neg).ok());
  nlohmann::json short_hash = r.to_json();
  short_hash["inclusion_proof"][0] = "abcd";
  EXPECT_EQ(Receipt::from_json(short_hash).error().field, "inclusion_proof[0]");
}

}  // namespace
}  // namespace tabella::ledger
