// Unit tests of the client library pieces that need no server: URL parsing, transport errors,
// the token PDF, private files, the guardian state file, and the view state and evidence files.
// (Receipts are checked by common's ledger::check_receipt: tests/unit/receipt_test.cpp.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "guardian_state.h"
#include "tabella/client/http_client.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/client/view_state.h"
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

TEST(ViewStateFile, SavesLoadsAndWritesEvidence) {
  TempDir dir;
  SigningKey key = *SigningKey::from_seed(Bytes(32, 7));
  ledger::NoteSigner signer{"example.org/log", key};
  ledger::LogTrust trust{
      *ledger::NoteVerifier::from_verifier_key(signer.verifier_key()), "example.org/log", {}};
  auto note = [&](std::uint64_t size, const ledger::Hash& root) {
    ledger::Checkpoint cp{"example.org/log", size, root, {}};
    return ledger::format_note({cp.body(), {signer.sign(cp.body())}});
  };
  ledger::LogView view;
  for (std::uint8_t i = 0; i < 5; ++i) view.append(Bytes{i});
  const std::string five = note(5, *view.root_at(5));
  ASSERT_TRUE(view.check(five, trust).final());
  const auto path = dir.path / "authority.view";
  auto none = load_view_state(path);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(save_view_state(path, *view.accepted(), "http://127.0.0.1:1").ok());
  auto loaded = load_view_state(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, five);
  std::ofstream(dir.path / "damaged.view") << "{\"format\": \"other\"}";
  auto damaged = load_view_state(dir.path / "damaged.view");
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, ErrorCode::kInvalidEncoding);

  // A fork: another log of 6 entries whose first 5 are not these.
  ledger::LogView fork;
  fork.append(Bytes{9});
  for (std::uint8_t i = 1; i < 6; ++i) fork.append(Bytes{i});
  ASSERT_TRUE(fork.pin(five).ok());
  const std::string six = note(6, *fork.root_at(6));
  auto refused = fork.check(six, trust);
  ASSERT_EQ(refused.fault, ledger::LogFault::kInconsistent) << refused.detail;
  auto conflict = ledger::describe_conflict(fork, refused, six);
  auto file = write_view_evidence(path, conflict, "example.org/log", "http://127.0.0.1:1");
  ASSERT_TRUE(file.ok()) << file.error().describe();
  EXPECT_EQ(file->parent_path(), dir.path);
  std::ifstream in(*file);
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["fault"], "inconsistent");
  EXPECT_EQ(j["accepted_checkpoint"], five);
  EXPECT_EQ(j["offered_checkpoint"], six);
  EXPECT_EQ(j["entries_read"], 6);
  // The evidence stands on its own: the offered root extends prefix_root, which is not the
  // accepted root.
  auto prefix = from_hex(j["prefix_root"].get<std::string>());
  ASSERT_TRUE(prefix.ok());
  ledger::Hash p{};
  std::copy(prefix->begin(), prefix->end(), p.begin());
  EXPECT_NE(p, *view.root_at(5));
  std::vector<ledger::Hash> proof;
  for (const auto& h : j["consistency_proof"]) {
    auto b = from_hex(h.get<std::string>());
    ledger::Hash x{};
    std::copy(b->begin(), b->end(), x.begin());
    proof.push_back(x);
  }
  EXPECT_TRUE(ledger::verify_consistency(5, 6, p, *fork.root_at(6), proof).ok());
  // A second evidence file in the same second gets another name.
  auto again = write_view_evidence(path, conflict, "example.org/log", "http://127.0.0.1:1");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *file);
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
