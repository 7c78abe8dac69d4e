// Unit tests of the client library pieces that need no server: URL parsing, transport errors,
// the token PDF, private files, the guardian state file, the view state and evidence files, and
// the published results' arithmetic (winners, ties, under-votes) and formats.
// (Receipts are checked by common's ledger::check_receipt: tests/unit/receipt_test.cpp.)
#include "tabella/http/client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "canvass_report.h"
#include "guardian_state.h"
#include "results_report.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/client/test_deck.h"
#include "tabella/client/view_state.h"
#include "tabella/election/token.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "test_deck_pdf.h"
#include "token_sheet.h"

namespace tabella::client {
namespace {

// A two-contest election (vote for one; vote for up to two) with a referendum, in two languages.
admin::PublishedResults sample_results() {
  auto m = election::parse_manifest(R"({"format": "tabella-election/1", "election_id": "t-2026",
    "origin": "tabella.example/t-2026", "languages": ["en", "es"],
    "title": {"en": "Test, \"quoted\"", "es": "Prueba"}, "start": "2026-11-03T07:00:00Z",
    "end": "2026-11-03T20:00:00Z", "guardians": {"count": 1, "quorum": 1}, "contests": [
    {"id": "mayor", "kind": "candidate", "title": {"en": "Mayor", "es": "Alcaldía"}, "instructions": {"en": "Vote.", "es": "Vote."}, "max": 1,
     "choices": [{"id": "a", "label": {"en": "Ann, Jr.", "es": "Ann, Jr."}, "party": {"en": "P1", "es": "P1"}},
                 {"id": "b", "label": {"en": "Bob", "es": "Bob"}, "party": {"en": "P2", "es": "P2"}}]},
    {"id": "council", "kind": "candidate", "title": {"en": "Council", "es": "Concejo"}, "instructions": {"en": "Vote.", "es": "Vote."}, "max": 2,
     "choices": [{"id": "c", "label": {"en": "Cy", "es": "Cy"}, "party": {"en": "P1", "es": "P1"}},
                 {"id": "d", "label": {"en": "Di", "es": "Di"}, "party": {"en": "P2", "es": "P2"}},
                 {"id": "e", "label": {"en": "Ed", "es": "Ed"}, "party": {"en": "P2", "es": "P2"}}]},
    {"id": "bond", "kind": "referendum", "title": {"en": "Bond", "es": "Bono"}, "instructions": {"en": "Vote.", "es": "Vote."}, "max": 1,
     "choices": [{"id": "yes", "label": {"en": "Yes", "es": "Sí"}},
                 {"id": "no", "label": {"en": "No", "es": "No"}}]}]})");
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().describe());
  admin::PublishedResults r;
  r.manifest = *m;
  r.cast_count = 10;
  r.counts = {{6, 3}, {7, 5, 5}, {4, 4}};
  r.kiosks = {{"k1", "P-01", "AAAA", false, 6, 1},
              {"k2", "P-02", "BBBB", false, 3, 0},
              {"k3", "P-01", "CCCC", true, 1, 0}};
  r.q_hex = "q";
  r.authority_fingerprint = "FPR";
  r.checkpoint_root_hex = "root";
  return r;
}

TEST(ResultsReport, WinnersTiesUndervotesAndBlankBallots) {
  auto r = sample_results();
  auto mayor = admin::contest_summary(r, 0);
  EXPECT_EQ(mayor.seats, 1u);
  EXPECT_EQ(mayor.votes, 9u);
  EXPECT_EQ(mayor.undervotes, 1u);  // 1 seat x 10 ballots - 9
  ASSERT_TRUE(mayor.blank.has_value());
  EXPECT_EQ(*mayor.blank, 1u);
  EXPECT_EQ(mayor.winners, std::vector<std::size_t>{0});
  EXPECT_TRUE(mayor.tied.empty());
  // Two seats; 7, 5, 5: the first seat is won, the second is a tie between d and e.
  auto council = admin::contest_summary(r, 1);
  EXPECT_EQ(council.seats, 2u);
  EXPECT_EQ(council.undervotes, 3u);        // 2 x 10 - 17
  EXPECT_FALSE(council.blank.has_value());  // vote for up to two: marks do not give ballots
  EXPECT_EQ(council.winners, std::vector<std::size_t>{0});
  EXPECT_EQ(council.tied, (std::vector<std::size_t>{1, 2}));
  auto bond = admin::contest_summary(r, 2);
  EXPECT_TRUE(bond.winners.empty());
  EXPECT_EQ(bond.tied, (std::vector<std::size_t>{0, 1}));
  // No votes at all: no winner.
  r.counts[0] = {0, 0};
  EXPECT_TRUE(admin::contest_summary(r, 0).winners.empty());
  EXPECT_TRUE(admin::contest_summary(r, 0).tied.empty());
  auto precincts = admin::precinct_totals(r);
  ASSERT_EQ(precincts.size(), 2u);
  EXPECT_EQ(precincts[0].first, "P-01");
  EXPECT_EQ(precincts[0].second.first, 7u);  // k1 6 + k3 1
  EXPECT_EQ(precincts[0].second.second, 1u);
}

TEST(ResultsReport, CsvQuotesAndNistJsonCarriesEveryLanguage) {
  auto r = sample_results();
  std::string csv = admin::results_csv(r);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "contest_id,contest_kind,contest_title_en,contest_title_es,choice_id,choice_label_en,"
            "choice_label_es,party,votes,ballots_cast,seats,undervotes,overvotes,outcome,test");
  EXPECT_NE(
      csv.find("mayor,candidate,Mayor,Alcaldía,a,\"Ann, Jr.\",\"Ann, Jr.\",P1,6,10,1,1,0,winner"),
      std::string::npos)
      << csv;
  EXPECT_NE(csv.find("council,candidate,Council,Concejo,d,Di,Di,P2,5,10,2,3,0,tie"),
            std::string::npos);
  auto doc = nlohmann::json::parse(admin::results_nist_json(r, "2026-11-04T01:00:00Z"));
  EXPECT_EQ(doc["@type"], "ElectionResults.ElectionReport");
  EXPECT_EQ(doc["GeneratedDate"], "2026-11-04T01:00:00Z");
  const auto& e = doc["Election"][0];
  EXPECT_EQ(e["Name"]["Text"].size(), 2u);
  EXPECT_EQ(e["StartDate"], "2026-11-03");
  ASSERT_EQ(e["Contest"].size(), 3u);
  EXPECT_EQ(e["Contest"][1]["@type"], "ElectionResults.CandidateContest");
  EXPECT_EQ(e["Contest"][1]["NumberElected"], 2);
  EXPECT_EQ(e["Contest"][1]["VoteVariation"], "n-of-m");
  EXPECT_EQ(e["Contest"][1]["BallotSelection"][2]["VoteCounts"][0]["Count"], 5);
  EXPECT_EQ(e["Contest"][2]["@type"], "ElectionResults.BallotMeasureContest");
  EXPECT_EQ(e["Contest"][2]["BallotSelection"][0]["Selection"]["Text"][1]["Content"], "Sí");
  // Two parties, referenced by the candidates; three kiosks under two precincts.
  EXPECT_EQ(doc["Party"].size(), 2u);
  std::size_t devices = 0;
  for (const auto& u : doc["GpUnit"]) devices += u["@type"] == "ElectionResults.ReportingDevice";
  EXPECT_EQ(devices, 3u);
  std::string html = admin::results_html(r);
  EXPECT_NE(html.find("Test, &quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(html.find("Alcaldía"), std::string::npos);
  EXPECT_NE(html.find("TIE for the last seat"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(ResultsReport, CanvassPdfPaginates) {
  // The page tree's "/Count N".
  auto pages = [](const Bytes& pdf) {
    std::string text(pdf.begin(), pdf.end());
    std::size_t at = text.find("/Count ");
    return at == std::string::npos ? 0 : std::stoul(text.substr(at + 7));
  };
  auto r = sample_results();
  auto one = admin::render_canvass_pdf(r, "2026-11-04T01:00:00Z");
  ASSERT_TRUE(one.ok()) << one.error().describe();
  ASSERT_GT(one->size(), 1000u);
  EXPECT_EQ(std::string(one->begin(), one->begin() + 5), "%PDF-");
  EXPECT_EQ(pages(*one), 1u);
  // 120 kiosks: the per-kiosk lines run onto further pages.
  for (int i = 0; i < 120; ++i) r.kiosks.push_back({"kiosk", "P-09", "FPR", false, 1, 0});
  auto more = admin::render_canvass_pdf(r, "2026-11-04T01:00:00Z");
  ASSERT_TRUE(more.ok());
  EXPECT_GE(pages(*more), 3u);
}

// The page tree's "/Count N" of a PDF.
std::size_t pdf_pages(const Bytes& pdf) {
  std::string text(pdf.begin(), pdf.end());
  std::size_t at = text.find("/Count ");
  return at == std::string::npos ? 0 : std::stoul(text.substr(at + 7));
}

TEST(ResultsReport, TestElectionIsMarkedTestInEveryFormat) {
  auto r = sample_results();
  auto real_csv = admin::results_csv(r);
  EXPECT_EQ(real_csv.find("TEST"), std::string::npos);
  EXPECT_EQ(admin::results_text(r).find("TEST"), std::string::npos);
  auto t = election::derive_test_manifest(r.manifest);
  ASSERT_TRUE(t.ok());
  r.manifest = *t;
  EXPECT_EQ(admin::results_text(r).rfind(admin::kTestBanner, 0), 0u);
  EXPECT_NE(admin::results_html(r).find(admin::kTestBanner), std::string::npos);
  auto csv = admin::results_csv(r);
  EXPECT_NE(csv.find(",winner,TEST\r\n"), std::string::npos) << csv;
  auto doc = nlohmann::json::parse(admin::results_nist_json(r, "2026-11-04T01:00:00Z"));
  EXPECT_EQ(doc["IsTest"], true);
}

TEST(TestDeck, EveryChoiceHasItsOwnCountAndTheLastBallotIsBlank) {
  const auto m = sample_results().manifest;
  const TestDeck deck = make_test_deck(m);
  // mayor: a 1, b 2 (vote for one: 2 ballots); council: c 1, d 2, e 3 packed two to a ballot
  // (3 ballots); bond: yes 1, no 2; then one blank ballot.
  ASSERT_EQ(deck.ballots.size(), 4u);
  EXPECT_EQ(deck.counts.at("mayor"), (std::map<std::string, std::uint64_t>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(deck.counts.at("council"),
            (std::map<std::string, std::uint64_t>{{"c", 1}, {"d", 2}, {"e", 3}}));
  EXPECT_EQ(deck.counts.at("bond"), (std::map<std::string, std::uint64_t>{{"yes", 1}, {"no", 2}}));
  EXPECT_EQ(deck.undervotes.at("mayor"), 1u);    // 4 ballots, 3 marks
  EXPECT_EQ(deck.undervotes.at("council"), 2u);  // 8 places, 6 marks
  for (const auto& b : deck.ballots) EXPECT_TRUE(election::validate(m, b).ok());
  for (const auto& c : deck.ballots.back().contests) EXPECT_TRUE(c.choice_ids.empty());
  // The JSON form reads back for the test election of the same ballot file.
  auto test = election::derive_test_manifest(m);
  ASSERT_TRUE(test.ok());
  auto back = parse_test_deck(nlohmann::json::parse(to_json(deck).dump()), *test);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->counts, deck.counts);
  EXPECT_EQ(back->ballots.size(), deck.ballots.size());
  auto pdf = admin::render_test_deck_pdf(*test, deck);
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(pdf_pages(*pdf), deck.ballots.size() + 1);  // a page per ballot, the expected tally
}

TEST(TestDeck, RefusesAnEditedExpectedTallyAndAnotherElectionsDeck) {
  const auto m = sample_results().manifest;
  auto doc = to_json(make_test_deck(m));
  auto edited = doc;
  edited["expected"]["counts"]["mayor"]["a"] = 2;
  auto e = parse_test_deck(edited, m);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "expected");
  auto other = m;
  other.contests[0].choices[0].id = "z";
  auto o = parse_test_deck(doc, other);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message.find("make the deck from the same ballot file"), std::string::npos);
  auto bad_ballot = doc;
  bad_ballot["ballots"][0]["choices"]["mayor"] = {"a", "b"};  // an over-vote
  EXPECT_FALSE(parse_test_deck(bad_ballot, m).ok());
}

TEST(TestDeck, ComparisonPassesOrFailsPerContest) {
  const auto m = sample_results().manifest;
  const TestDeck deck = make_test_deck(m);
  std::vector<std::vector<std::uint64_t>> counts = {{1, 2}, {1, 2, 3}, {1, 2}};
  auto ok = compare_test_deck(deck, m, counts, 4);
  EXPECT_TRUE(ok.pass);
  for (const auto& c : ok.contests) EXPECT_TRUE(c.pass) << c.contest_id;
  // One ballot altered in the council contest: a vote moved from e to c.
  auto altered = counts;
  altered[1] = {2, 2, 2};
  auto a = compare_test_deck(deck, m, altered, 4);
  EXPECT_FALSE(a.pass);
  EXPECT_TRUE(a.contests[0].pass);
  EXPECT_FALSE(a.contests[1].pass);
  EXPECT_TRUE(a.contests[2].pass);
  EXPECT_EQ(a.contests[1].differences,
            (std::vector<std::string>{"choice c: expected 1, counted 2",
                                      "choice e: expected 3, counted 2"}));
  // The blank ballot missing: the same votes, one ballot fewer, so every contest's under-votes
  // differ.
  auto missing = compare_test_deck(deck, m, counts, 3);
  EXPECT_FALSE(missing.pass);
  EXPECT_EQ(missing.counted_ballots, 3u);
  for (const auto& c : missing.contests) {
    EXPECT_FALSE(c.pass) << c.contest_id;
    ASSERT_EQ(c.differences.size(), 1u);
    EXPECT_EQ(c.differences[0].rfind("under-votes: expected", 0), 0u);
  }
}

TEST(Url, ParsesAndNormalises) {
  auto u = http::Url::parse("http://127.0.0.1:8640/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8640);
  EXPECT_EQ(u->prefix, "");
  EXPECT_EQ(u->text, "http://127.0.0.1:8640");
  auto v6 = http::Url::parse("https://[::1]/ledger");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(v6->prefix, "/ledger");
  EXPECT_EQ(v6->authority(), "[::1]:443");
  for (const char* bad : {"127.0.0.1:8640", "http://", "http://h:0", "http://h:99999",
                          "http://h:12x", "ftp://h", "http://u@h", "http://h/x?y=1"}) {
    EXPECT_FALSE(http::Url::parse(bad).ok()) << bad;
  }
}

TEST(Url, BareHostAndPortWhereTheCallerAllowsIt) {
  // Witness and etcd endpoints: "host:port" means http, and the port must be written out.
  const http::UrlRules endpoint{"http", /*require_port=*/true};
  auto bare = http::Url::parse("localhost:22379", endpoint);
  ASSERT_TRUE(bare.ok()) << bare.error().describe();
  EXPECT_EQ(bare->text, "http://localhost:22379");
  auto v6 = http::Url::parse("[::1]:2379", endpoint);
  ASSERT_TRUE(v6.ok()) << v6.error().describe();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(http::Url::parse("https://w.example:443/", endpoint).ok());
  for (const char* bad : {"127.0.0.1", "http://127.0.0.1", "ftp://h:21", "h:x"}) {
    EXPECT_FALSE(http::Url::parse(bad, endpoint).ok()) << bad;
  }
}

TEST(HttpClient, FailuresAreTyped) {
  auto bad = http::Client::create("ledger.example:8640");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure(), http::Failure::kUrl);
  // Port 1 on loopback: nothing listens there.
  auto refused = http::Client::create("http://127.0.0.1:1");
  ASSERT_TRUE(refused.ok());
  auto r = refused->get("/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure(), http::Failure::kConnect);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_EQ(http::parse_retry_after("120"), std::chrono::seconds(120));
  EXPECT_FALSE(http::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(http::parse_retry_after("86401").has_value());
}

TEST(HttpClient, ConnectionRefusedSaysWhere) {
  // Port 1 on loopback: nothing listens there.
  auto ledger = LedgerConnection::connect("http://127.0.0.1:1");
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
