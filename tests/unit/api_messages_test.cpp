// The API vocabulary (api/messages.h): each body's exact bytes as docs/api.md gives them, the
// round trip, and a table of malformed bodies, each with the member its error must name.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tabella/api/messages.h"

namespace tabella::api {
namespace {

using nlohmann::json;

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');

ledger::Receipt sample_receipt(std::uint64_t index) {
  ledger::Receipt r;
  r.index = index;
  r.leaf_hash.fill(0xaa);
  r.tree_size = index + 1;
  r.inclusion_proof = {ledger::Hash{}, ledger::Hash{}};
  r.inclusion_proof[1].fill(0xbb);
  r.checkpoint = "origin\n18\nAAAA\n\n— origin sig\n";
  return r;
}

TEST(ApiMessages, ErrorBodyBytesAndReason) {
  Error e = make_error(ErrorCode::kConflict, "voter token already spent", "body.token_hash",
                       ErrorReason::kTokenSpent);
  EXPECT_EQ(ErrorBody::of(e).dump(),
            R"({"error":"conflict","field":"body.token_hash","message":"voter token already )"
            R"(spent","reason":"token_spent"})");
  // Without a reason the body is exactly the three members it always had.
  EXPECT_EQ(ErrorBody::of(make_error(ErrorCode::kNotFound, "no such path", "path")).dump(),
            R"({"error":"not_found","field":"path","message":"no such path"})");
  auto back = ErrorBody::from_json(json::parse(ErrorBody::of(e).dump()));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->code(), ErrorCode::kConflict);
  EXPECT_EQ(back->reason, ErrorReason::kTokenSpent);
  EXPECT_EQ(back->field, "body.token_hash");
}

TEST(ApiMessages, ErrorBodyOwnCodesAndNewerReasons) {
  auto b = ErrorBody::from_json(
      json{{"error", "method_not_allowed"}, {"message", "no"}, {"reason", "from_the_future"}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->code(), std::nullopt);
  EXPECT_EQ(b->reason, ErrorReason::kNone);
  EXPECT_EQ(b->field, "");
}

TEST(ApiMessages, EveryReasonHasAStableName) {
  for (int r = 1; r <= static_cast<int>(ErrorReason::kAppendRace); ++r) {
    const auto reason = static_cast<ErrorReason>(r);
    const std::string name = error_reason_name(reason);
    ASSERT_FALSE(name.empty()) << r;
    EXPECT_EQ(error_reason_from_name(name), reason) << name;
  }
  EXPECT_EQ(error_reason_from_name(""), std::nullopt);
  EXPECT_EQ(std::string(error_reason_name(ErrorReason::kUnknownAuthor)), "unknown_author");
  EXPECT_EQ(std::string(error_reason_name(ErrorReason::kPollsNotOpen)), "polls_not_open");
}

TEST(ApiMessages, SubmitReplyBytes) {
  SubmitReply s{17, {}, "cast-ballot", false, sample_receipt(17)};
  s.entry_id.fill(0xbb);
  EXPECT_EQ(s.to_json().dump(),
            R"({"duplicate":false,"entry_id":")" + kHexB +
                R"(","index":17,"receipt":{"checkpoint":"origin\n18\nAAAA\n\n— origin sig\n",)"
                R"("inclusion_proof":[")" +
                std::string(64, '0') + R"(",")" + kHexB + R"("],"index":17,"leaf_hash":")" + kHexA +
                R"(","tree_size":18},"type":"cast-ballot"})");
  auto back = SubmitReply::from_json(s.to_json());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->to_json(), s.to_json());
}

TEST(ApiMessages, CosignedReceiptRoundTrips) {
  ledger::Receipt r = sample_receipt(3);
  EXPECT_FALSE(r.to_json().contains("cosigned"));
  r.cosigned = false;
  EXPECT_EQ(r.to_json()["cosigned"], false);
  auto back = ledger::Receipt::from_json(r.to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->cosigned, std::optional<bool>(false));
}

TEST(ApiMessages, StatusRoundTrips) {
  LedgerStatus s;
  s.election_id = "demo";
  s.origin = "tabella.example/demo";
  s.phase = "open";
  s.size = 1234;
  s.ballots_cast = 1100;
  s.guardian_count = 3;
  s.quorum = 2;
  s.guardians.push_back({1, "guardian 1", kHexA, true, true, false});
  KioskStatus k;
  k.key.fill(0x11);
  k.fingerprint = "ABCD-EFGH-IJKL-MNOP";
  k.name = "kiosk-1";
  k.precinct = "precinct-1";
  k.cast = 550;
  k.last_sequence = 556;
  k.chain_head.fill(0x22);
  s.kiosks.push_back(k);
  json j = s.to_json();
  EXPECT_EQ(j.size(), 12u);
  EXPECT_EQ(j["kiosks"][0].size(), 9u);
  EXPECT_EQ(j["guardians"][0].size(), 6u);
  auto back = LedgerStatus::from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->to_json(), j);
}

TEST(ApiMessages, BallotAndTokenRoundTrip) {
  BallotLookup b{42, "challenged-ballot", {}, "ABCD-EFGH-IJKL-MNOP", {}, 7, sample_receipt(42)};
  b.code.fill(0xaa);
  auto back = BallotLookup::from_json(b.to_json());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->to_json(), b.to_json());
  TokenStatus t;
  t.token_hash.fill(0xaa);
  t.spent = true;
  t.precinct = "P1";
  EXPECT_EQ(t.to_json().dump(),
            R"({"precinct":"P1","state":"spent","token_hash":")" + kHexA + R"("})");
  auto tb = TokenStatus::from_json(t.to_json());
  ASSERT_TRUE(tb.ok());
  EXPECT_TRUE(tb->spent);
}

// One malformed body per row; the error must be kInvalidEncoding/kInvalidArgument on `field`.
struct BadRow {
  const char* name;
  std::function<Status()> parse;
  std::string field;
};

template <class T>
std::function<Status()> parse_after(json j, const std::function<void(json&)>& change) {
  change(j);
  return [j] {
    auto r = T::from_json(j);
    if (r.ok()) return Status();
    return Status(r.error());
  };
}

// The log's pages and proofs as docs/api.md gives them, and back.
TEST(ApiMessages, EntriesProofsAndCheckpointsRoundTrip) {
  EntryPage page{29, {{5, "guardian-commitments", {0xde, 0xad}}, {6, "", {0xbe}}}};
  EXPECT_EQ(page.to_json().dump(),
            R"({"entries":[{"entry":"3q0=","index":5,"type":"guardian-commitments"},)"
            R"({"entry":"vg==","index":6,"type":""}],"size":29})");
  auto back = EntryPage::from_json(page.to_json());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->size, 29u);
  EXPECT_EQ(back->entries[1].index, 6u);
  EXPECT_EQ(back->entries[0].entry, (Bytes{0xde, 0xad}));

  InclusionProofReply proof{3, 29, {}, {Digest{}}};
  proof.root.fill(0xaa);
  EXPECT_EQ(proof.to_json().dump(), R"({"index":3,"proof":[")" + std::string(64, '0') +
                                        R"("],"root":")" + kHexA + R"(","size":29})");
  auto p = InclusionProofReply::from_json(proof.to_json());
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->root, proof.root);
  EXPECT_EQ(p->proof.size(), 1u);

  CheckpointPage none{1, 0, {{4, "n"}}, std::nullopt};
  EXPECT_EQ(none.to_json().dump(),
            R"({"checkpoints":[{"note":"n","size":4}],"cosigned":null,"start":0,"total":1})");
  auto c = CheckpointPage::from_json(none.to_json());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_FALSE(c->cosigned.has_value());
  CheckpointPage with{1, 0, {}, CheckpointPage::Item{4, "cosigned note"}};
  c = CheckpointPage::from_json(with.to_json());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  ASSERT_TRUE(c->cosigned.has_value());
  EXPECT_EQ(c->cosigned->note, "cosigned note");
}

TEST(ApiMessages, MalformedBodiesNameTheMember) {
  SubmitReply s{17, {}, "cast-ballot", false, sample_receipt(17)};
  LedgerStatus st;
  KioskStatus k;
  st.kiosks.push_back(k);
  st.guardians.push_back({1, "g", kHexA, false, false, false});
  BallotLookup b{42, "cast-ballot", {}, "X", {}, 7, sample_receipt(42)};
  TokenStatus t;
  EntryPage page{12, {{10, "cast-ballot", {1, 2}}, {11, "", {3}}}};
  InclusionProofReply proof{3, 12, {}, {Digest{}, Digest{}}};
  CheckpointPage cps{2, 0, {{5, "note 5"}, {9, "note 9"}}, CheckpointPage::Item{9, "cosigned"}};
  const std::vector<BadRow> rows = {
      {"reply not an object", parse_after<SubmitReply>(json::array(), [](json&) {}), "reply"},
      {"negative index", parse_after<SubmitReply>(s.to_json(), [](json& j) { j["index"] = -1; }),
       "index"},
      {"short entry_id",
       parse_after<SubmitReply>(s.to_json(), [](json& j) { j["entry_id"] = "abcd"; }), "entry_id"},
      {"duplicate as text",
       parse_after<SubmitReply>(s.to_json(), [](json& j) { j["duplicate"] = "no"; }), "duplicate"},
      {"receipt missing",
       parse_after<SubmitReply>(s.to_json(), [](json& j) { j.erase("receipt"); }), "receipt"},
      {"receipt proof not hex",
       parse_after<SubmitReply>(s.to_json(),
                                [](json& j) { j["receipt"]["inclusion_proof"][1] = "zz"; }),
       "receipt.inclusion_proof[1]"},
      {"receipt for another index",
       parse_after<SubmitReply>(s.to_json(), [](json& j) { j["receipt"]["index"] = 16; }),
       "receipt.index"},
      {"receipt cosigned as text",
       parse_after<SubmitReply>(s.to_json(), [](json& j) { j["receipt"]["cosigned"] = "yes"; }),
       "receipt.cosigned"},
      {"status kiosk chain head short",
       parse_after<LedgerStatus>(st.to_json(),
                                 [](json& j) { j["kiosks"][0]["chain_head"] = "00"; }),
       "kiosks[0].chain_head"},
      {"status guardian index too large",
       parse_after<LedgerStatus>(st.to_json(),
                                 [](json& j) { j["guardians"][0]["index"] = 1ull << 40; }),
       "guardians[0].index"},
      {"status kiosks not a list",
       parse_after<LedgerStatus>(st.to_json(), [](json& j) { j["kiosks"] = json::object(); }),
       "kiosks"},
      {"status size float",
       parse_after<LedgerStatus>(st.to_json(), [](json& j) { j["size"] = 1.5; }), "size"},
      {"kiosk revoked missing",
       parse_after<KioskStatus>(k.to_json(), [](json& j) { j.erase("revoked"); }), "revoked"},
      {"ballot receipt for another index",
       parse_after<BallotLookup>(b.to_json(), [](json& j) { j["receipt"]["index"] = 41; }),
       "receipt.index"},
      {"ballot of another type",
       parse_after<BallotLookup>(b.to_json(), [](json& j) { j["type"] = "result"; }), "type"},
      {"ballot kiosk not hex",
       parse_after<BallotLookup>(b.to_json(), [](json& j) { j["kiosk"] = std::string(64, 'x'); }),
       "kiosk"},
      {"token state unknown",
       parse_after<TokenStatus>(t.to_json(), [](json& j) { j["state"] = "maybe"; }), "state"},
      {"token precinct missing",
       parse_after<TokenStatus>(t.to_json(), [](json& j) { j.erase("precinct"); }), "precinct"},
      {"entries not a list",
       parse_after<EntryPage>(page.to_json(), [](json& j) { j["entries"] = 1; }), "entries"},
      {"entry not base64",
       parse_after<EntryPage>(page.to_json(), [](json& j) { j["entries"][1]["entry"] = "A"; }),
       "entries[1].entry"},
      {"entry index skips",
       parse_after<EntryPage>(page.to_json(), [](json& j) { j["entries"][1]["index"] = 12; }),
       "entries[1].index"},
      {"entry type missing",
       parse_after<EntryPage>(page.to_json(), [](json& j) { j["entries"][0].erase("type"); }),
       "entries[0].type"},
      {"proof hash short",
       parse_after<InclusionProofReply>(proof.to_json(), [](json& j) { j["proof"][1] = "ab"; }),
       "proof[1]"},
      {"proof too long",
       parse_after<InclusionProofReply>(
           proof.to_json(), [](json& j) { j["proof"] = json::array_t(65, std::string(64, 'a')); }),
       "proof"},
      {"proof root missing",
       parse_after<InclusionProofReply>(proof.to_json(), [](json& j) { j.erase("root"); }), "root"},
      {"checkpoint note missing",
       parse_after<CheckpointPage>(cps.to_json(),
                                   [](json& j) { j["checkpoints"][1].erase("note"); }),
       "checkpoints[1].note"},
      {"cosigned missing",
       parse_after<CheckpointPage>(cps.to_json(), [](json& j) { j.erase("cosigned"); }),
       "cosigned"},
      {"cosigned size negative",
       parse_after<CheckpointPage>(cps.to_json(), [](json& j) { j["cosigned"]["size"] = -1; }),
       "cosigned.size"},
      {"error without message", parse_after<ErrorBody>(json{{"error", "conflict"}}, [](json&) {}),
       "message"},
      {"error reason not text",
       parse_after<ErrorBody>(json{{"error", "conflict"}, {"message", "m"}, {"reason", 3}},
                              [](json&) {}),
       "reason"},
  };
  for (const auto& row : rows) {
    Status parsed = row.parse();
    ASSERT_FALSE(parsed.ok()) << row.name;
    EXPECT_EQ(parsed.error().field, row.field) << row.name << ": " << parsed.error().describe();
  }
}

}  // namespace
}  // namespace tabella::api
