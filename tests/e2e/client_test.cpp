// Unit tests of the client library pieces that need no server: URL parsing, transport errors,
// offline receipt checks (each tampered field rejected), the token PDF, private files and the
// guardian state file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "guardian_state.h"
#include "tabella/client/http_client.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/election/token.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "token_sheet.h"

namespace tabella::client {
namespace {

TEST(Url, ParsesAndNormalises) {
  auto u = Url::parse("http://127.0.0.1:8640/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8640);
  EXPECT_EQ(u->prefix, "");
  EXPECT_EQ(u->text, "http://127.0.0.1:8640");
  auto v6 = Url::parse("https://[::1]/ledger");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(v6->prefix, "/ledger");
  for (const char* bad : {"127.0.0.1:8640", "http://", "http://h:0", "http://h:99999",
                          "http://h:12x", "ftp://h", "http://u@h", "http://h/x?y=1"}) {
    EXPECT_FALSE(Url::parse(bad).ok()) << bad;
  }
}

TEST(HttpClient, ConnectionRefusedSaysWhere) {
  // Port 1 on loopback: nothing listens there.
  auto ledger = LedgerClient::connect("http://127.0.0.1:1");
  ASSERT_TRUE(ledger.ok());
  auto st = ledger->status();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(st.error().message, "cannot reach ledger at http://127.0.0.1:1: connection refused");
}

TEST(ErrorMapping, LedgerJsonErrorKeepsCodeAndField) {
  Error e = error_from_response(
      409,
      R"({"error":"conflict","message":"voter token already spent","field":"body.token_hash"})",
      "the ledger refused the cast-ballot entry");
  EXPECT_EQ(e.code, ErrorCode::kConflict);
  EXPECT_EQ(e.field, "body.token_hash");
  EXPECT_EQ(e.message,
            "the ledger refused the cast-ballot entry (HTTP 409): voter token already spent");
  Error plain = error_from_response(502, "bad gateway", "x");
  EXPECT_EQ(plain.code, ErrorCode::kIo);
}

// A log of 7 entries with a signed checkpoint at 7 and the receipt of entry 4.
struct ReceiptFixture : ::testing::Test {
  SigningKey key = *SigningKey::from_seed(Bytes(32, 7));
  ledger::NoteSigner signer{"example.org/log", key};
  ledger::NoteVerifier verifier = *ledger::NoteVerifier::from_verifier_key(signer.verifier_key());
  std::vector<Bytes> entries;
  Receipt receipt;
  void SetUp() override {
    ledger::MemoryHashStore tree;
    for (int i = 0; i < 7; ++i) {
      entries.push_back(Bytes{static_cast<std::uint8_t>(i), 1, 2, 3});
      tree.append_entry(entries.back());
    }
    ledger::Checkpoint cp{"example.org/log", 7, tree.root(), {}};
    receipt.index = 4;
    receipt.tree_size = 7;
    receipt.leaf_hash = ledger::leaf_hash(entries[4]);
    receipt.inclusion_proof = *ledger::inclusion_proof(4, 7, tree);
    receipt.checkpoint = ledger::format_note({cp.body(), {signer.sign(cp.body())}});
  }
};

TEST_F(ReceiptFixture, ValidReceiptVerifiesAndRoundTripsThroughJson) {
  auto cp = verify_receipt(receipt, entries[4], verifier);
  ASSERT_TRUE(cp.ok()) << cp.error().describe();
  EXPECT_EQ(cp->size, 7u);
  auto back = Receipt::from_json(receipt.to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(verify_receipt(*back, entries[4], verifier).ok());
}

TEST_F(ReceiptFixture, EveryTamperingIsRejectedAtItsField) {
  {
    auto r = verify_receipt(receipt, entries[3], verifier);  // other entry bytes
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().field, "leaf_hash");
  }
  {
    Receipt t = receipt;
    t.inclusion_proof[1][0] ^= 1;
    auto r = verify_receipt(t, entries[4], verifier);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidProof);
    EXPECT_EQ(r.error().field.rfind("inclusion_proof", 0), 0u);
  }
  {
    Receipt t = receipt;
    t.index = 5;
    t.leaf_hash = ledger::leaf_hash(entries[5]);
    EXPECT_FALSE(verify_receipt(t, entries[5], verifier).ok());  // proof is for index 4
  }
  {
    Receipt t = receipt;
    t.tree_size = 8;
    auto r = verify_receipt(t, entries[4], verifier);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().field, "tree_size");
  }
  {
    Receipt t = receipt;
    t.checkpoint[t.checkpoint.find('\n') + 1] = '6';  // size line altered after signing
    auto r = verify_receipt(t, entries[4], verifier);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().field.rfind("checkpoint", 0), 0u);
  }
  {
    SigningKey other = *SigningKey::from_seed(Bytes(32, 8));
    ledger::NoteVerifier wrong("example.org/log", other.verify_key());
    EXPECT_FALSE(verify_receipt(receipt, entries[4], wrong).ok());
  }
}

TEST(Receipt, FromJsonIsStrict) {
  nlohmann::json j = {{"index", 1},
                      {"leaf_hash", std::string(64, 'a')},
                      {"tree_size", 2},
                      {"inclusion_proof", {std::string(64, 'b')}},
                      {"checkpoint", "x"}};
  EXPECT_TRUE(Receipt::from_json(j).ok());
  auto bad = j;
  bad["leaf_hash"] = "abc";
  EXPECT_EQ(Receipt::from_json(bad).error().field, "leaf_hash");
  bad = j;
  bad["inclusion_proof"] = {"zz"};
  EXPECT_EQ(Receipt::from_json(bad).error().field, "inclusion_proof[0]");
  bad = j;
  bad.erase("tree_size");
  EXPECT_EQ(Receipt::from_json(bad).error().field, "tree_size");
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/tabella-client-test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(PrivateFiles, Mode0600NoOverwriteAndRefusedWhenReadable) {
  TempDir dir;
  auto p = dir.path / "secret";
  ASSERT_TRUE(write_private_file(p, as_bytes("abc"), false).ok());
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(write_private_file(p, as_bytes("x"), false).error().code, ErrorCode::kConflict);
  auto back = read_private_file(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(to_string(back->view()), "abc");
  ::chmod(p.c_str(), 0644);
  EXPECT_EQ(read_private_file(p).error().code, ErrorCode::kPermission);
}

TEST(GuardianStateFile, RoundTripWrongPassphraseAndDamage) {
  TempDir dir;
  auto p = dir.path / "g.state";
  SeededRng rng("guardian-state");
  guardian::GuardianState st{2, GuardianSecrets::generate(2, 3, rng), std::nullopt};
  ASSERT_TRUE(st.save(p, "correct horse", false).ok());
  EXPECT_EQ(std::filesystem::status(p).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto back = guardian::GuardianState::load(p, "correct horse");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_TRUE(back->secrets.has_value());
  EXPECT_EQ(back->secrets->index(), 2u);
  EXPECT_EQ(back->secrets->quorum(), 3u);
  EXPECT_TRUE(back->secrets->coefficients()[1] == st.secrets->coefficients()[1]);
  EXPECT_FALSE(back->share.has_value());
  // The coefficients are not in the file in clear.
  auto bytes = read_private_file(p);
  auto a1 = st.secrets->coefficients()[1].encode();
  EXPECT_EQ(std::search(bytes->data(), bytes->data() + bytes->size(), a1.begin(), a1.end()),
            bytes->data() + bytes->size());
  // A wrong passphrase is a clear error, not a damaged file.
  auto wrong = guardian::GuardianState::load(p, "wrong horse");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kPermission);
  EXPECT_NE(wrong.error().message.find("wrong passphrase"), std::string::npos);
  // After the ceremony: only the index and the share.
  guardian::GuardianState done{2, std::nullopt, Scalar::from_u64(12345)};
  ASSERT_TRUE(done.save(p, "correct horse", true).ok());
  back = guardian::GuardianState::load(p, "correct horse");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_FALSE(back->secrets.has_value());
  ASSERT_TRUE(back->share.has_value());
  EXPECT_TRUE(*back->share == Scalar::from_u64(12345));
  // One byte less: damaged (the tag no longer authenticates).
  bytes = read_private_file(p);
  Bytes cut(bytes->data(), bytes->data() + bytes->size() - 1);
  ASSERT_TRUE(write_private_file(p, cut, true).ok());
  EXPECT_FALSE(guardian::GuardianState::load(p, "correct horse").ok());
  // Not a state file at all.
  ASSERT_TRUE(write_private_file(p, Bytes{1, 2, 3}, true).ok());
  EXPECT_EQ(guardian::GuardianState::load(p, "correct horse").error().code,
            ErrorCode::kInvalidEncoding);
}

TEST(TokenSheet, RendersAPdfWithOnePagePerTenSlips) {
  admin::TokenSheet sheet{"Riverton General Election 2026", "P-01", {}};
  for (int i = 0; i < 11; ++i) sheet.tokens.push_back(election::generate_token());
  auto pdf = admin::render_token_pdf(sheet);
  ASSERT_TRUE(pdf.ok()) << pdf.error().describe();
  std::string text = to_string(*pdf);
  EXPECT_EQ(text.rfind("%PDF-1.5", 0), 0u);
  EXPECT_NE(text.find("/Count 2"), std::string::npos);  // 11 slips: two pages
  sheet.tokens.resize(100001, "AAAA-AAAA-AAAA-AAAA");
  EXPECT_EQ(admin::render_token_pdf(sheet).error().code, ErrorCode::kLimit);
}

}  // namespace
}  // namespace tabella::client
