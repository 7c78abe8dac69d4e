// The one kiosk engine (tabella/client/kiosk_engine.h) under its two drivers. The view-model
// (KioskModel: screens, dispatcher thread, SQLite queue, over the in-process MemoryLedger) and
// the synchronous client tabella-voters runs (KioskClient, over HTTP to a real tabella-ledger
// process holding the same election) sign byte-identical entries for the same ballot, nonces and
// kiosk key. And an election setup that the kiosk's old hand-made checks accepted but the
// record's rules refuse is refused by the kiosk at load, with the rule's error.
#include <gtest/gtest.h>

#include <QTemporaryDir>
#include <filesystem>

#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"
#include "qt_wait.h"
#include "support/ledger_args.h"
#include "support/listening_process.h"
#include "tabella/client/kiosk_client.h"
#include "tabella/crypto/threshold.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"

namespace tabella::kiosk {
namespace {

using kiosk::testing::wait_for;

SigningKey kiosk_key() {
  return std::move(*SigningKey::from_seed(Bytes(SigningKey::kSeedSize, 7)));
}

// The ballot both drivers cast: in every contest, the first choice and, where two are allowed,
// the third (choice indices, as the voter touches them on the screen).
const std::vector<std::vector<int>> kMarks = {{0}, {0, 2}, {1}};

election::PlaintextBallot plaintext(const election::Manifest& m) {
  election::PlaintextBallot b;
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    election::ContestMarks marks{m.contests[c].id, {}};
    for (int j : kMarks[c]) marks.choice_ids.push_back(m.contests[c].choices[j].id);
    b.contests.push_back(std::move(marks));
  }
  return b;
}

class KioskEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    auto m = election::load_manifest_file(std::string(TABELLA_SOURCE_DIR) +
                                          "/ballots/demo-general.json");
    ASSERT_TRUE(m.ok()) << m.error().describe();
    manifest_ = *m;
    SeededRng rng("kiosk-engine-test");
    auto demo = make_demo_election(manifest_, {kiosk_key().verify_key().bytes()}, 2, rng);
    ASSERT_TRUE(demo.ok()) << demo.error().describe();
    demo_ = std::move(*demo);
  }

  KioskModel::Options options(Dispatcher::ClientFactory factory) {
    KioskModel::Options o;
    o.client_factory = std::move(factory);
    o.db_path = dir_.filePath(QStringLiteral("kiosk.db"));
    o.kiosk_key = std::make_shared<const SigningKey>(kiosk_key());
    o.retry_interval_ms = 100;
    o.status_interval_ms = 100;
    return o;
  }

  QTemporaryDir dir_;
  election::Manifest manifest_;
  DemoElection demo_;
};

TEST_F(KioskEngineTest, ViewModelAndSynchronousClientSignByteIdenticalEntries) {
  // The synchronous path: KioskClient against a real tabella-ledger holding the same entries.
  const auto ledger_dir = std::filesystem::path(dir_.path().toStdString()) / "ledger";
  std::filesystem::create_directories(ledger_dir);
  ASSERT_TRUE(demo_.ledger_key->save_pem((ledger_dir / "ledger.key").string()).ok());
  const std::uint16_t port = tabella::testing::free_port();
  tabella::testing::LedgerArgs args;
  args.binary = TABELLA_LEDGER_BIN;
  args.data_dir = ledger_dir;
  args.origin = manifest_.origin;
  args.authority_hex = demo_.authority->verify_key().to_hex();
  tabella::testing::ListeningProcess ledger(tabella::testing::ledger_command(args, port));
  ASSERT_EQ(ledger.port(), port);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto connection = client::LedgerConnection::connect(url);
  ASSERT_TRUE(connection.ok());
  for (const auto& entry : demo_.ledger->entries()) {
    auto s = connection->submit_bytes(entry);
    ASSERT_TRUE(s.ok()) << s.error().describe();
  }
  auto sync = client::KioskClient::start(std::move(*connection), kiosk_key());
  ASSERT_TRUE(sync.ok()) << sync.error().describe();
  const election::PlaintextBallot ballot = plaintext(sync->context().manifest);
  SeededRng sync_rng("the ballot's nonces");
  // Challenged first (opened and published), then sealed again and cast.
  auto sealed = sync->encrypt(ballot, sync_rng);
  ASSERT_TRUE(sealed.ok()) << sealed.error().describe();
  auto challenged = sync->challenge(*sealed);
  ASSERT_TRUE(challenged.ok()) << challenged.error().describe();
  sealed = sync->encrypt(ballot, sync_rng);
  ASSERT_TRUE(sealed.ok()) << sealed.error().describe();
  auto cast = sync->cast(*sealed, demo_.tokens[0]);
  ASSERT_TRUE(cast.ok()) << cast.error().describe();
  auto sync_entries = sync->ledger().entries(challenged->receipt.index, 2);
  ASSERT_TRUE(sync_entries.ok());
  ASSERT_EQ(sync_entries->size(), 2u);

  // The view-model path: the same key and nonces, the voter's touches, over the MemoryLedger.
  const std::uint64_t before = demo_.ledger->size();
  SeededRng model_rng("the ballot's nonces");
  auto o = options(
      [l = demo_.ledger]() -> Result<std::unique_ptr<LedgerClient>> { return l->make_client(); });
  o.rng = &model_rng;
  o.pin_hash = QString::fromStdString(hash_pin("1357", 1000));
  KioskModel model(o);
  model.start();
  ASSERT_TRUE(wait_for([&] { return model.ready(); }));
  model.enter_poll_worker();
  model.submit_pin(QStringLiteral("1357"));
  model.set_kiosk_open(true);
  ASSERT_TRUE(wait_for([&] { return model.kiosk_open(); }));
  model.leave_poll_worker();
  model.start_voting();
  model.submit_token(QString::fromStdString(demo_.tokens[0]));
  ASSERT_TRUE(wait_for([&] { return model.screen() == Screen::kContest; }));
  for (const auto& contest : kMarks) {
    for (int j : contest) model.toggle_choice(j);
    model.next();
  }
  ASSERT_EQ(model.screen(), Screen::kReview);
  model.encrypt();
  ASSERT_TRUE(wait_for([&] { return model.screen() == Screen::kTracking; }));
  EXPECT_EQ(model.tracking_code().toStdString(), challenged->receipt.short_code);
  model.challenge();
  ASSERT_TRUE(wait_for([&] { return model.screen() == Screen::kChallenged; }));
  ASSERT_TRUE(model.challenge_published()) << model.notice().toStdString();
  model.challenge_done();
  model.encrypt();
  ASSERT_TRUE(wait_for([&] { return model.screen() == Screen::kTracking; }));
  EXPECT_EQ(model.tracking_code().toStdString(), cast->short_code);
  model.cast();
  ASSERT_TRUE(wait_for([&] { return model.screen() == Screen::kCastDone; }));
  ASSERT_EQ(model.receipt().outcome, CastOutcome::kRecorded) << model.notice().toStdString();

  const auto model_entries = demo_.ledger->entries();
  ASSERT_EQ(model_entries.size(), before + 2);
  EXPECT_EQ(model_entries[before], sync_entries->at(0).bytes) << "the challenged-ballot entry";
  EXPECT_EQ(model_entries[before + 1], sync_entries->at(1).bytes) << "the cast-ballot entry";
  // Both are the ballots the rules took: one challenged, one cast, in this kiosk's chain.
  EXPECT_EQ(record::Entry::decode(model_entries[before])->type,
            record::EntryType::kChallengedBallot);
  EXPECT_EQ(record::Entry::decode(model_entries[before + 1])->type, record::EntryType::kCastBallot);
}

// A ledger that serves a forged setup: the election entry and, right after it, an election-key
// entry with a key no guardian made. Both are signed by the authority, carry
// Q = H(manifest_hash, authority), the ledger key is named after the origin and the extended
// hash is H(Q, K): every check the kiosk's own election_setup.cpp made passes. The record's rules
// refuse it (no key ceremony took place), and so must the kiosk.
class ForgedSetupLedger final : public LedgerClient {
 public:
  explicit ForgedSetupLedger(std::vector<Bytes> setup) : setup_(std::move(setup)) {}
  Result<Receipt> submit(ByteView) override { return unreachable(); }
  Result<LedgerStatus> status() override { return LedgerStatus{"open", setup_.size(), 0}; }
  Result<KioskRecord> kiosk(const PublicKeyBytes&) override { return KioskRecord{}; }
  Result<std::vector<Bytes>> election() override { return setup_; }
  Result<record::PollsCloseBody> polls_close() override { return unreachable(); }
  Result<TokenRecord> token(const Digest&) override { return unreachable(); }

 private:
  static Error unreachable() { return make_error(ErrorCode::kIo, "not served", "ledger"); }
  std::vector<Bytes> setup_;
};

TEST_F(KioskEngineTest, SetupTheRulesRefuseIsRefusedAtLoad) {
  const auto& authority = *demo_.authority;
  const Digest q =
      election::base_hash(election::manifest_hash(manifest_), authority.verify_key().bytes());
  ledger::NoteSigner signer(manifest_.origin, *demo_.ledger_key);
  SeededRng rng("forged key");
  const Point forged = Point::base_mul(Scalar::random(rng));
  std::vector<Bytes> setup = {
      record::Entry::make(
          record::EntryType::kElection, q,
          record::ElectionBody{election::to_json(manifest_).dump(), signer.verifier_key()}.encode(),
          authority)
          .encode(),
      record::Entry::make(
          record::EntryType::kElectionKey, q,
          record::ElectionKeyBody{forged, election::extended_base_hash(q, forged)}.encode(),
          authority)
          .encode()};
  for (const auto& bytes : setup) {  // what the old checks looked at holds
    auto e = record::Entry::decode(bytes);
    ASSERT_TRUE(e.ok());
    EXPECT_TRUE(e->verify_signature().ok());
    EXPECT_EQ(e->base_hash, q);
    EXPECT_EQ(e->author, authority.verify_key().bytes());
  }

  auto loaded = client::load_kiosk_election(setup, authority.verify_key().bytes());
  ASSERT_FALSE(loaded.ok());
  const Error& e = loaded.error();
  RecordProperty("error", e.describe());
  EXPECT_EQ(e.code, ErrorCode::kConflict) << e.describe();
  EXPECT_EQ(e.field.rfind("entry 1", 0), 0u) << e.describe();
  EXPECT_NE(e.message.find("guardian"), std::string::npos) << e.describe();

  KioskModel model(options([setup]() -> Result<std::unique_ptr<LedgerClient>> {
    return std::unique_ptr<LedgerClient>(new ForgedSetupLedger(setup));
  }));
  model.start();
  ASSERT_TRUE(wait_for([&] { return !model.technical_detail().isEmpty(); }));
  EXPECT_EQ(model.screen(), Screen::kUnavailable);
  EXPECT_FALSE(model.ready());
  EXPECT_FALSE(model.not_enrolled());
  EXPECT_EQ(model.technical_detail().toStdString(), e.describe());
}

// The setup is exactly the election entry up to the election key, signed by the pinned
// authority: anything else is refused, naming what is wrong.
TEST_F(KioskEngineTest, LoadRefusesWhatIsNotTheElectionsSetup) {
  auto setup = demo_.ledger->election();
  ASSERT_TRUE(setup.ok()) << setup.error().describe();
  const auto authority = demo_.authority->verify_key().bytes();
  ASSERT_TRUE(client::load_kiosk_election(*setup, authority).ok());

  auto longer = *setup;  // the kiosk-enrolment entry that follows the election key
  longer.push_back(demo_.ledger->entries().at(setup->size()));
  auto e = client::load_kiosk_election(longer, authority);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "setup") << e.error().describe();

  auto shorter = *setup;  // the ceremony without its election key
  shorter.pop_back();
  e = client::load_kiosk_election(shorter, authority);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kConflict) << e.error().describe();
  EXPECT_EQ(e.error().field, "election_key") << e.error().describe();

  e = client::load_kiosk_election(*setup, kiosk_key().verify_key().bytes());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kPermission) << e.error().describe();
  EXPECT_EQ(e.error().field, "election.author") << e.error().describe();

  auto reordered = *setup;  // guardian commitments before the guardian's enrolment
  std::swap(reordered[1], reordered[2]);
  e = client::load_kiosk_election(reordered, authority);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field.rfind("entry 1", 0), 0u) << e.error().describe();
}

}  // namespace
}  // namespace tabella::kiosk
