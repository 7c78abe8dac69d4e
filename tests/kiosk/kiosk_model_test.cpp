// View-model tests without a window: the voter's path, limits, under-votes, timeouts, secrets
// wiped on reset, the offline queue across a restart (real SQLite file), idempotent
// resubmission, refused ballots surfaced, the PIN, the store, and the receipt and election checks
// (each with a tampering that must be refused). The ledger on the other side is the in-process
// MemoryLedger, which applies the real record rules.
#include "core/kiosk_model.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <chrono>
#include <functional>

#include "core/kiosk_config.h"
#include "core/kiosk_store.h"
#include "core/memory_ledger.h"
#include "core/voter_simulator.h"
#include "qt_wait.h"
#include "tabella/election/token.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"

namespace tabella::kiosk {
namespace {

using testing::wait_for;

const std::string& pin_hash() {
  static const std::string h = hash_pin("2468", 1000);
  return h;
}

// A client that forwards to the ledger but loses the first `lose` answers (the ledger did
// append): the kiosk must resend identical bytes and get the same entry back.
class LossyClient final : public LedgerClient {
 public:
  LossyClient(std::unique_ptr<LedgerClient> inner, int* lose)
      : inner_(std::move(inner)), lose_(lose) {}
  Result<Receipt> submit(ByteView entry) override {
    auto r = inner_->submit(entry);
    if (*lose_ > 0) {
      --*lose_;
      return make_error(ErrorCode::kIo, "connection reset while reading the answer", "ledger");
    }
    return r;
  }
  Result<LedgerStatus> status() override { return inner_->status(); }
  Result<KioskRecord> kiosk(const PublicKeyBytes& k) override { return inner_->kiosk(k); }
  Result<std::vector<Bytes>> election() override { return inner_->election(); }
  Result<record::PollsCloseBody> polls_close() override { return inner_->polls_close(); }
  Result<TokenRecord> token(const Digest& h) override { return inner_->token(h); }

 private:
  std::unique_ptr<LedgerClient> inner_;
  int* lose_;
};

class KioskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    key_ = std::make_shared<const SigningKey>(SigningKey::generate());
    load("ballots/demo-general.json");
  }

  void load(const std::string& manifest_file, std::size_t witnesses = 0,
            std::uint32_t witness_quorum = 0, bool test = false) {
    auto m = election::load_manifest_file(std::string(TABELLA_SOURCE_DIR) + "/" + manifest_file);
    ASSERT_TRUE(m.ok()) << m.error().describe();
    if (test) m = election::derive_test_manifest(*m);
    ASSERT_TRUE(m.ok()) << m.error().describe();
    std::vector<MemoryLedger::Witness> named;
    for (std::size_t i = 0; i < witnesses; ++i) {
      MemoryLedger::Witness w{"w" + std::to_string(i + 1) + ".kiosk.test",
                              std::make_shared<const SigningKey>(SigningKey::generate())};
      m->witnesses.push_back({w.name, ledger::CosignatureSigner(w.name, *w.key).verifier_key()});
      named.push_back(std::move(w));
    }
    m->witness_quorum = witness_quorum;
    SeededRng rng("kiosk-test");
    auto demo = make_demo_election(*m, {key_->verify_key().bytes()}, 6, rng);
    ASSERT_TRUE(demo.ok()) << demo.error().describe();
    demo_ = std::move(*demo);
    demo_.ledger->set_witnesses(std::move(named), 0);
  }

  std::unique_ptr<KioskModel> make_model(int idle_ms = 600000, int patience_ms = 20000) {
    KioskModel::Options o;
    auto ledger = demo_.ledger;
    int* lose = &lose_;
    o.client_factory = [ledger, lose]() -> Result<std::unique_ptr<LedgerClient>> {
      return std::unique_ptr<LedgerClient>(new LossyClient(ledger->make_client(), lose));
    };
    o.db_path = dir_.filePath(QStringLiteral("kiosk.db"));
    o.kiosk_key = key_;
    o.pin_hash = QString::fromStdString(pin_hash());
    o.ledger_url = QStringLiteral("http://ledger.test");
    o.idle_timeout_ms = idle_ms;
    o.cast_patience_ms = patience_ms;
    o.retry_interval_ms = 100;
    o.status_interval_ms = 100;
    o.pin_lockout_ms = 200;
    auto model = std::make_unique<KioskModel>(o);
    model->start();
    return model;
  }

  // Starts a model and opens the kiosk through poll-worker mode.
  std::unique_ptr<KioskModel> open_model(int idle_ms = 600000, int patience_ms = 20000) {
    auto m = make_model(idle_ms, patience_ms);
    EXPECT_TRUE(wait_for([&] { return m->ready(); }));
    if (!m->kiosk_open()) {
      m->enter_poll_worker();
      m->submit_pin(QStringLiteral("2468"));
      EXPECT_EQ(m->screen(), Screen::kPollWorker);
      m->set_kiosk_open(true);
      EXPECT_TRUE(wait_for([&] { return m->kiosk_open(); }));
      m->leave_poll_worker();
    }
    EXPECT_EQ(m->screen(), Screen::kWelcome);
    return m;
  }

  // Token -> marks the given choice indices in every contest -> Review.
  void vote(KioskModel& m, const std::string& token, const std::vector<std::vector<int>>& marks) {
    m.start_voting();
    ASSERT_EQ(m.screen(), Screen::kToken);
    m.submit_token(QString::fromStdString(token));
    // The code is checked with the ledger before any contest is shown.
    ASSERT_TRUE(wait_for([&] { return !m.token_check_busy(); }));
    ASSERT_EQ(m.screen(), Screen::kContest) << m.notice().toStdString();
    for (const auto& contest : marks) {
      for (int j : contest) m.toggle_choice(j);
      m.next();
    }
    ASSERT_EQ(m.screen(), Screen::kReview);
  }

  void seal(KioskModel& m) {
    m.encrypt();
    ASSERT_TRUE(wait_for([&] { return m.screen() == Screen::kTracking; }));
  }
  // Votes, seals and casts: the cast-done screen is shown.
  void vote_and_cast(KioskModel& m, const std::string& token,
                     const std::vector<std::vector<int>>& marks) {
    ASSERT_NO_FATAL_FAILURE(vote(m, token, marks));
    ASSERT_NO_FATAL_FAILURE(seal(m));
    m.cast();
    ASSERT_TRUE(wait_for([&] { return m.screen() == Screen::kCastDone; }));
  }

  std::uint64_t ledger_count(record::EntryType type) {
    std::uint64_t n = 0;
    for (const auto& b : demo_.ledger->entries()) n += record::Entry::decode(b)->type == type;
    return n;
  }

  QTemporaryDir dir_;
  std::shared_ptr<const SigningKey> key_;
  DemoElection demo_;
  int lose_ = 0;
};

TEST_F(KioskTest, StartsClosedAndPollWorkerOpensIt) {
  auto m = make_model();
  ASSERT_TRUE(wait_for([&] { return m->ready(); }));
  EXPECT_EQ(m->screen(), Screen::kClosed);
  m->start_voting();
  EXPECT_EQ(m->screen(), Screen::kClosed);  // nobody votes on a closed kiosk
  m->enter_poll_worker();
  ASSERT_EQ(m->screen(), Screen::kPin);
  m->submit_pin(QStringLiteral("1111"));
  EXPECT_EQ(m->screen(), Screen::kPin);
  EXPECT_FALSE(m->notice().isEmpty());
  m->submit_pin(QStringLiteral("2468"));
  ASSERT_EQ(m->screen(), Screen::kPollWorker);
  m->set_kiosk_open(true);
  ASSERT_TRUE(wait_for([&] { return m->kiosk_open(); }));
  ASSERT_TRUE(wait_for([&] { return m->poll_status().checked && m->poll_status().reachable; }));
  m->leave_poll_worker();
  EXPECT_EQ(m->screen(), Screen::kWelcome);
}

TEST_F(KioskTest, PinLocksAfterFiveFailures) {
  auto m = make_model();
  ASSERT_TRUE(wait_for([&] { return m->ready(); }));
  m->enter_poll_worker();
  for (int i = 0; i < 5; ++i) m->submit_pin(QStringLiteral("0000"));
  m->submit_pin(QStringLiteral("2468"));
  EXPECT_EQ(m->screen(), Screen::kPin);  // locked out even with the right PIN
  QThread::msleep(250);
  ASSERT_TRUE(wait_for([&] {
    m->submit_pin(QStringLiteral("2468"));
    return m->screen() == Screen::kPollWorker;
  }));
}

TEST_F(KioskTest, TokenFormIsCheckedLocally) {
  auto m = open_model();
  m->start_voting();
  m->submit_token(QStringLiteral("ABCD-EFGH"));
  EXPECT_EQ(m->screen(), Screen::kToken);
  EXPECT_FALSE(m->notice().isEmpty());
  m->back();
  EXPECT_EQ(m->screen(), Screen::kWelcome);
  m->start_voting();
  // Lower case, spaces and a mistyped 0 for O are accepted (normalize_token rules).
  std::string t = demo_.tokens[0];
  std::string typed;
  for (char c : t) typed += c == '-' ? ' ' : static_cast<char>(std::tolower(c));
  m->submit_token(QString::fromStdString(typed));
  EXPECT_TRUE(wait_for([&] { return m->screen() == Screen::kContest; }));
}

TEST_F(KioskTest, ContestLimitsUndervotesAndNavigation) {
  auto m = open_model();
  m->choose_language(QStringLiteral("es"));
  m->start_voting();
  m->submit_token(QString::fromStdString(demo_.tokens[0]));
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kContest; }));
  auto v = m->contest();
  EXPECT_EQ(v.title, QStringLiteral("Alcaldía"));  // the ballot's own Spanish text
  EXPECT_EQ(v.count, 3);
  EXPECT_EQ(v.index, 0);
  // Mayor, max 1: choosing another one replaces the first.
  m->toggle_choice(0);
  m->toggle_choice(1);
  v = m->contest();
  EXPECT_FALSE(v.choices[0].selected);
  EXPECT_TRUE(v.choices[1].selected);
  EXPECT_EQ(v.selected, 1);
  m->next();
  // Council, max 2: a third choice is refused with an explanation.
  v = m->contest();
  EXPECT_EQ(v.index, 1);
  m->toggle_choice(0);
  m->toggle_choice(3);
  v = m->contest();
  EXPECT_FALSE(v.choices[2].available);
  EXPECT_TRUE(v.choices[0].available);
  m->toggle_choice(2);
  v = m->contest();
  EXPECT_EQ(v.selected, 2);
  EXPECT_FALSE(v.choices[2].selected);
  EXPECT_FALSE(m->notice().isEmpty());
  m->toggle_choice(3);  // deselect: allowed again
  EXPECT_TRUE(m->contest().choices[2].available);
  m->back();
  EXPECT_EQ(m->contest().index, 0);
  EXPECT_TRUE(m->contest().choices[1].selected);  // kept
  m->next();
  m->next();
  EXPECT_EQ(m->contest().index, 2);
  m->next();  // referendum left blank: an under-vote is allowed
  ASSERT_EQ(m->screen(), Screen::kReview);
  auto rows = m->review();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_FALSE(rows[0].undervote);
  EXPECT_TRUE(rows[1].undervote);  // 1 of 2
  EXPECT_FALSE(rows[1].note.isEmpty());
  EXPECT_TRUE(rows[2].undervote);
  EXPECT_TRUE(rows[2].choices.isEmpty());
  // Edit from review returns to review.
  m->edit_contest(2);
  ASSERT_EQ(m->screen(), Screen::kContest);
  EXPECT_EQ(m->contest().index, 2);
  m->toggle_choice(0);
  m->next();
  ASSERT_EQ(m->screen(), Screen::kReview);
  EXPECT_EQ(m->review()[2].choices, QStringList{QStringLiteral("Sí")});
  m->back();
  EXPECT_EQ(m->screen(), Screen::kContest);
  EXPECT_EQ(m->contest().index, 2);
}

TEST_F(KioskTest, MinimumIsEnforcedBeforeNext) {
  load("ballots/city-referendum.json");
  auto m = open_model();
  m->start_voting();
  m->submit_token(QString::fromStdString(demo_.tokens[0]));
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kContest; }));
  m->next();  // question 1: min 0
  ASSERT_EQ(m->contest().index, 1);
  m->next();  // question 2: min 1
  EXPECT_EQ(m->screen(), Screen::kContest);
  EXPECT_FALSE(m->notice().isEmpty());
  m->toggle_choice(1);
  m->next();
  EXPECT_EQ(m->screen(), Screen::kReview);
}

TEST_F(KioskTest, CastIsRecordedWithAVerifiedReceiptThenReset) {
  auto m = open_model();
  vote(*m, demo_.tokens[0], {{2}, {0, 4}, {1}});
  seal(*m);
  const QString code = m->tracking_code();
  EXPECT_TRUE(
      QRegularExpression(QStringLiteral("^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")).match(code).hasMatch())
      << code.toStdString();
  EXPECT_TRUE(m->holds_voter_data());
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  EXPECT_EQ(m->receipt().tracking_code, code);
  EXPECT_FALSE(m->receipt().checkpoint.isEmpty());
  // The QR code leads to the bulletin board's page for this tracking code (the ledger serves the
  // board when no public_url is configured).
  EXPECT_EQ(m->receipt().lookup, QStringLiteral("http://ledger.test/ballot/") + code);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 1u);
  auto rec = demo_.ledger->kiosk(key_->verify_key().bytes());
  EXPECT_EQ(rec->last_sequence, 1u);
  m->done();
  EXPECT_EQ(m->screen(), Screen::kWelcome);
  EXPECT_FALSE(m->holds_voter_data());
  EXPECT_TRUE(m->tracking_code().isEmpty());
  // The next voter chains onto it.
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[1], {{0}, {}, {}}));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  EXPECT_EQ(demo_.ledger->kiosk(key_->verify_key().bytes())->last_sequence, 2u);
}

// A test election (logic and accuracy testing) says TEST on every screen's header and on the
// slip; the real election does not.
TEST_F(KioskTest, TestElectionSaysTestOnEveryHeaderAndSlip) {
  {
    auto real = open_model();
    EXPECT_FALSE(real->test_election());
    EXPECT_FALSE(real->election_title().contains(QStringLiteral("TEST")));
  }
  load("ballots/demo-general.json", 0, 0, /*test=*/true);
  dir_.remove();
  ASSERT_TRUE(QDir().mkpath(dir_.path()));
  auto m = open_model();
  EXPECT_TRUE(m->test_election());
  EXPECT_TRUE(m->election_title().startsWith(QStringLiteral("TEST ELECTION — ")))
      << m->election_title().toStdString();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[0], {{0}, {}, {}}));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  EXPECT_TRUE(m->receipt().election_title.startsWith(QStringLiteral("TEST ELECTION — ")));
}

TEST_F(KioskTest, ChallengeShowsWhatWasEncryptedAndIsNeverCounted) {
  auto m = open_model();
  m->choose_language(QStringLiteral("es"));
  vote(*m, demo_.tokens[0], {{1}, {0, 4}, {0}});
  seal(*m);
  const QString first = m->tracking_code();
  m->challenge();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kChallenged; }));
  EXPECT_TRUE(m->challenge_published());
  auto rows = m->challenge_rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].choices, QStringList{QStringLiteral("Bruno Lindqvist")});
  EXPECT_EQ(rows[1].choices,
            (QStringList{QStringLiteral("Elena Marsh"), QStringLiteral("Inés Achebe")}));
  EXPECT_EQ(rows[2].choices, QStringList{QStringLiteral("Sí")});
  EXPECT_EQ(ledger_count(record::EntryType::kChallengedBallot), 1u);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 0u);
  m->challenge_done();
  ASSERT_EQ(m->screen(), Screen::kReview);
  EXPECT_TRUE(m->challenge_rows().empty());
  seal(*m);
  EXPECT_NE(m->tracking_code(), first);  // encrypted afresh, next in the chain
  EXPECT_EQ(m->next_sequence(), 2u);
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 1u);
}

TEST_F(KioskTest, BackFromTrackingDiscardsTheSealedBallot) {
  auto m = open_model();
  vote(*m, demo_.tokens[0], {{0}, {}, {}});
  seal(*m);
  m->back();
  EXPECT_EQ(m->screen(), Screen::kReview);
  EXPECT_EQ(m->next_sequence(), 1u);  // nothing submitted, the chain did not move
  EXPECT_EQ(demo_.ledger->submissions(), 0u);
}

TEST_F(KioskTest, SpentTokenIsExplainedAndAnotherTokenCastsTheSameBallot) {
  auto m = open_model();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[0], {{0}, {}, {}}));
  m->done();
  // The same token again, typed while the ledger cannot be reached: the code screen accepts it
  // and says the check is pending; the ledger refuses it at cast.
  demo_.ledger->set_reachable(false);
  vote(*m, demo_.tokens[0], {{1}, {}, {}});
  demo_.ledger->set_reachable(true);
  seal(*m);
  const QString code = m->tracking_code();
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kToken; }));
  EXPECT_TRUE(m->recasting());
  EXPECT_TRUE(m->notice().contains(QStringLiteral("already been used")))
      << m->notice().toStdString();
  m->back();
  EXPECT_EQ(m->screen(), Screen::kToken);  // the sealed ballot waits for a valid code
  m->submit_token(QStringLiteral("AAAA-AAAA-AAAA-AAAA"));  // well-formed, never committed
  ASSERT_TRUE(wait_for([&] {
    return m->screen() == Screen::kToken && !m->notice().isEmpty() &&
           m->notice().contains(QStringLiteral("not valid"));
  }));
  m->submit_token(QString::fromStdString(demo_.tokens[1]));
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  EXPECT_EQ(m->receipt().tracking_code, code);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 2u);
  // Refusals stay visible to poll workers.
  ASSERT_TRUE(wait_for([&] { return m->poll_status().rejected.size() == 2; }));
}

TEST_F(KioskTest, VotingCodeIsCheckedWithTheLedgerBeforeAnythingIsMarked) {
  auto m = open_model();
  auto refused = [&](const std::string& token) {
    m->start_voting();
    m->submit_token(QString::fromStdString(token));
    EXPECT_TRUE(m->token_check_busy());
    EXPECT_EQ(m->screen(), Screen::kToken);  // nothing to mark until the ledger answers
    EXPECT_TRUE(wait_for([&] { return !m->token_check_busy(); }));
    EXPECT_EQ(m->screen(), Screen::kToken);
    EXPECT_TRUE(m->token_text().isEmpty());
    const QString why = m->notice();
    m->back();
    return why;
  };
  EXPECT_TRUE(refused("AAAA-AAAA-AAAA-AAAA").contains(QStringLiteral("not valid")));
  vote(*m, demo_.tokens[0], {{0}, {}, {}});
  EXPECT_TRUE(m->notice().isEmpty());
  seal(*m);
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  m->done();
  EXPECT_TRUE(refused(demo_.tokens[0]).contains(QStringLiteral("already been used")));
  // Offline: accepted, and the voter is told the check is pending.
  demo_.ledger->set_reachable(false);
  m->start_voting();
  m->submit_token(QString::fromStdString(demo_.tokens[1]));
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kContest; }));
  EXPECT_TRUE(m->notice().contains(QStringLiteral("could not be checked")));
  demo_.ledger->set_reachable(true);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 1u);
}

TEST_F(KioskTest, InactivityResetsAndWipesSecrets) {
  auto m = open_model(/*idle_ms=*/150);
  vote(*m, demo_.tokens[0], {{0}, {1}, {}});
  seal(*m);
  EXPECT_TRUE(m->holds_voter_data());
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kWelcome; }, 5000));
  EXPECT_FALSE(m->holds_voter_data());
  EXPECT_TRUE(m->token_text().isEmpty());
  EXPECT_EQ(demo_.ledger->submissions(), 0u);
  // Accessibility choices are the voter's too.
  m->set_text_size(2);
  m->set_high_contrast(true);
  m->choose_language(QStringLiteral("es"));
  ASSERT_TRUE(wait_for([&] { return !m->high_contrast(); }, 5000));
  EXPECT_EQ(m->text_size(), 0);
  EXPECT_EQ(m->language(), QStringLiteral("en"));
}

TEST_F(KioskTest, InactivityShowsACountdownFirstAndActivityKeepsTheSession) {
  // 1 s of quiet, the last half of it a visible countdown.
  auto m = open_model(/*idle_ms=*/1000);
  vote(*m, demo_.tokens[0], {{0}, {1}, {}});
  seal(*m);
  ASSERT_EQ(m->screen(), Screen::kTracking);
  int ticks = 0;
  QObject::connect(m.get(), &KioskModel::idle_changed, m.get(), [&] { ++ticks; });
  ASSERT_TRUE(wait_for([&] { return m->idle_warning(); }, 5000));
  // The warning is on the sealed ballot: it is not cast, and the session is still whole.
  EXPECT_TRUE(m->sealed_not_cast());
  EXPECT_TRUE(m->holds_voter_data());
  EXPECT_EQ(m->screen(), Screen::kTracking);
  EXPECT_GE(m->idle_seconds_left(), 0);
  EXPECT_LE(m->idle_seconds_left(), 1);
  // The voter is still there: the warning goes, the ballot stays.
  m->user_activity();
  EXPECT_FALSE(m->idle_warning());
  EXPECT_EQ(m->screen(), Screen::kTracking);
  EXPECT_TRUE(m->holds_voter_data());
  EXPECT_GE(ticks, 2);  // shown, then hidden
  // Quiet again: warning, then the session is cleared and nothing was cast.
  ASSERT_TRUE(wait_for([&] { return m->idle_warning(); }, 5000));
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kWelcome; }, 5000));
  EXPECT_FALSE(m->idle_warning());
  EXPECT_FALSE(m->holds_voter_data());
  EXPECT_EQ(demo_.ledger->submissions(), 0u);
}

TEST_F(KioskTest, RefusalsAreExplainedInPlainWords) {
  RejectedEntry r;
  r.kind = EntryKind::kCast;
  // Decided by the reason, never by the message's words.
  r.error = make_error(ErrorCode::kConflict, "x", "body.token_hash", ErrorReason::kTokenSpent);
  EXPECT_TRUE(KioskModel::refusal_text(r).contains(QStringLiteral("used twice")));
  r.error =
      make_error(ErrorCode::kConflict, "spent", "body.token_hash", ErrorReason::kTokenNotCommitted);
  EXPECT_TRUE(KioskModel::refusal_text(r).contains(QStringLiteral("not valid")));
  r.error = make_error(ErrorCode::kConflict, "x", "phase", ErrorReason::kPollsNotOpen);
  EXPECT_TRUE(KioskModel::refusal_text(r).contains(QStringLiteral("polls were not open")));
  r.error =
      make_error(ErrorCode::kConflict, "x", "body.ballot.previous_code", ErrorReason::kKioskChain);
  EXPECT_TRUE(KioskModel::refusal_text(r).contains(QStringLiteral("out of order")));
  r.error = make_error(ErrorCode::kPermission, "x", "entry.author", ErrorReason::kKioskNotAllowed);
  EXPECT_TRUE(KioskModel::refusal_text(r).contains(QStringLiteral("not allowed")));
  // A message that mentions the polls without the reason is not taken for one.
  r.error = make_error(ErrorCode::kConflict, "polls are not open");
  EXPECT_FALSE(KioskModel::refusal_text(r).contains(QStringLiteral("polls were not open")));
  // No ledger jargon for the poll worker.
  for (const char* msg : {"token already spent", "polls are not open"}) {
    r.error = make_error(ErrorCode::kConflict, msg, "body.token_hash");
    EXPECT_FALSE(KioskModel::refusal_text(r).contains(QStringLiteral("body.")));
  }
  EXPECT_EQ(KioskModel::phase_text("open"), QStringLiteral("polls open"));
  EXPECT_EQ(KioskModel::phase_text("closed"), QStringLiteral("polls closed"));
}

TEST_F(KioskTest, ExplicitResetWipesEverything) {
  auto m = open_model();
  vote(*m, demo_.tokens[0], {{0}, {1}, {}});
  seal(*m);
  m->reset();
  EXPECT_EQ(m->screen(), Screen::kWelcome);
  EXPECT_FALSE(m->holds_voter_data());
  for (const auto& row : m->review()) EXPECT_TRUE(row.choices.isEmpty());
}

TEST_F(KioskTest, OfflineBallotsAreQueuedAndDeliveredInOrderAfterRestart) {
  std::string first_code;
  {
    auto m = open_model();
    demo_.ledger->set_reachable(false);
    for (int v = 0; v < 2; ++v) {
      vote(*m, demo_.tokens[static_cast<std::size_t>(v)], {{v}, {}, {}});
      seal(*m);
      if (v == 0) first_code = m->tracking_code().toStdString();
      m->cast();
      ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
      EXPECT_EQ(m->receipt().outcome, CastOutcome::kPending);
      EXPECT_FALSE(m->receipt().tracking_code.isEmpty());
      m->done();
    }
    ASSERT_TRUE(wait_for([&] { return m->poll_status().queue_length == 2; }));
    EXPECT_EQ(m->next_sequence(), 3u);
    EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 0u);
  }  // the kiosk stops with two ballots queued
  demo_.ledger->set_reachable(true);
  auto m = make_model();
  ASSERT_TRUE(wait_for([&] { return ledger_count(record::EntryType::kCastBallot) == 2; }));
  ASSERT_TRUE(wait_for(
      [&] { return m->poll_status().queue_length == 0 && m->poll_status().cast_here == 2; }));
  auto entries = demo_.ledger->entries();
  std::vector<std::uint64_t> seqs;
  for (const auto& b : entries) {
    auto e = record::Entry::decode(b);
    if (e->type != record::EntryType::kCastBallot) continue;
    auto body = record::CastBallotBody::decode(e->body);
    seqs.push_back(body->ballot.sequence);
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(m->poll_status().cast_here, 2u);
  EXPECT_EQ(m->next_sequence(), 3u);  // chain state restored from the same SQLite file
}

TEST_F(KioskTest, SlowLedgerGivesPendingNoticeAfterPatience) {
  lose_ = 1;  // the first answer is lost: the kiosk cannot tell the voter "recorded"
  auto m = open_model(600000, /*patience_ms=*/100);
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[0], {{0}, {}, {}}));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kPending);
}

TEST_F(KioskTest, LostAnswerIsResentIdenticallyAndRecordedOnce) {
  lose_ = 2;
  auto m = open_model();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[0], {{0}, {}, {}}));
  // Sent three times (two answers lost) ... then a status report that follows the delivery round
  // shows the queue empty. (A report from before the cast also said "0 queued": not enough.)
  ASSERT_TRUE(wait_for([&] { return demo_.ledger->submissions() >= 3u; }));
  ASSERT_TRUE(wait_for([&] {
    const std::uint64_t seen = m->status_reports();
    m->retry_delivery();
    return wait_for([&] { return m->status_reports() > seen; }) &&
           m->poll_status().queue_length == 0;
  }));
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 1u);  // ... recorded once
}

TEST_F(KioskTest, RefusedBallotIsSurfacedNotDropped) {
  auto m = open_model();
  vote(*m, demo_.tokens[0], {{0}, {}, {}});
  seal(*m);
  // The polls close while the voter is at the tracking screen.
  ASSERT_TRUE(demo_.ledger->close_polls().ok());
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRefused);
  EXPECT_TRUE(m->notice().contains(QStringLiteral("closed")));
  ASSERT_TRUE(wait_for([&] { return m->poll_status().rejected.size() == 1; }));
  EXPECT_EQ(m->poll_status().rejected[0].error.reason, ErrorReason::kPollsNotOpen);
  EXPECT_EQ(m->next_sequence(), 1u);  // the chain follows the ledger again
  m->done();
  EXPECT_FALSE(m->holds_voter_data());
}

TEST_F(KioskTest, ClosedPollsStopNewSessionsWhateverTheKioskSwitchSays) {
  auto m = open_model();
  ASSERT_EQ(m->screen(), Screen::kWelcome);
  EXPECT_FALSE(m->polls_closed());
  ASSERT_TRUE(demo_.ledger->close_polls().ok());
  m->retry_delivery();  // asks for a status report now
  ASSERT_TRUE(wait_for([&] { return m->polls_closed(); }));
  EXPECT_TRUE(m->kiosk_open());             // the poll worker's switch is still "open" ...
  EXPECT_EQ(m->screen(), Screen::kClosed);  // ... but the welcome screen says closed
  m->reset();
  EXPECT_EQ(m->screen(), Screen::kClosed);
  m->start_voting();
  EXPECT_EQ(m->screen(), Screen::kClosed);
  EXPECT_FALSE(m->holds_voter_data());
}

// The poll worker's reports, made on the poll-worker screen from the dispatcher's data.
class PollReportTest : public KioskTest {
 protected:
  std::optional<PollReport> report(KioskModel& m, PollReportKind kind) {
    if (m.screen() != Screen::kPollWorker) {
      m.enter_poll_worker();
      m.submit_pin(QStringLiteral("2468"));
    }
    EXPECT_EQ(m.screen(), Screen::kPollWorker);
    m.request_poll_report(kind);
    EXPECT_TRUE(m.poll_report_busy());
    EXPECT_TRUE(wait_for([&] { return m.poll_report().has_value(); }));
    EXPECT_FALSE(m.poll_report_busy());
    return m.poll_report();
  }
  record::PollsCloseBody polls_close_entry() {
    auto entries = demo_.ledger->entries();
    auto e = record::Entry::decode(entries.back());
    EXPECT_EQ(e->type, record::EntryType::kPollsClose);
    return *record::PollsCloseBody::decode(e->body);
  }
};

TEST_F(PollReportTest, OpenedZeroReportThenClosedReportEqualsThePollsCloseEntry) {
  auto m = open_model();
  auto opened = report(*m, PollReportKind::kOpened);
  ASSERT_TRUE(opened && opened->produced) << opened->refusal.toStdString();
  EXPECT_TRUE(opened->ok()) << opened->problems.join(QStringLiteral("; ")).toStdString();
  EXPECT_EQ(opened->cast, 0u);
  EXPECT_EQ(opened->challenged, 0u);
  EXPECT_EQ(opened->queued, 0u);
  EXPECT_EQ(opened->kiosk_name, QStringLiteral("kiosk-1"));
  EXPECT_EQ(opened->precinct, QStringLiteral("precinct-1"));
  EXPECT_EQ(opened->fingerprint, m->kiosk_fingerprint());
  EXPECT_EQ(opened->election_id, QStringLiteral("demo-general-2026"));
  EXPECT_EQ(opened->state, QStringLiteral("open for voters"));
  const auto rec = demo_.ledger->kiosk(key_->verify_key().bytes());
  EXPECT_EQ(opened->chain_head, rec->chain_head);  // the chain seed: no ballot yet
  const QString text = opened->lines().join(QLatin1Char('\n'));
  EXPECT_TRUE(text.contains(QStringLiteral("Zero report: no ballot"))) << text.toStdString();
  EXPECT_TRUE(text.contains(QStringLiteral("Kiosk fingerprint: ") + m->kiosk_fingerprint()));
  EXPECT_TRUE(text.contains(QString::fromStdString(to_hex(rec->chain_head))));

  // The polls are open: no polls-closed report, and the reason in plain words.
  auto early = report(*m, PollReportKind::kClosed);
  ASSERT_TRUE(early);
  EXPECT_FALSE(early->produced);
  EXPECT_TRUE(early->refusal.contains(QStringLiteral("not closed yet")));
  m->leave_poll_worker();

  // Two ballots cast, one checked.
  vote(*m, demo_.tokens[0], {{0}, {}, {}});
  seal(*m);
  m->challenge();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kChallenged; }));
  m->challenge_done();
  seal(*m);
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  m->done();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[1], {{1}, {}, {}}));
  ASSERT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  const QString last_code = m->receipt().code_hex;
  m->done();

  ASSERT_TRUE(demo_.ledger->close_polls().ok());
  m->retry_delivery();
  ASSERT_TRUE(wait_for([&] { return m->polls_closed(); }));
  auto late = report(*m, PollReportKind::kOpened);
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->produced);
  EXPECT_TRUE(late->refusal.contains(QStringLiteral("already closed")));

  auto closed = report(*m, PollReportKind::kClosed);
  ASSERT_TRUE(closed && closed->produced) << closed->refusal.toStdString();
  EXPECT_TRUE(closed->ok()) << closed->problems.join(QStringLiteral("; ")).toStdString();
  const auto close = polls_close_entry();
  ASSERT_EQ(close.kiosks.size(), 1u);
  EXPECT_EQ(close.kiosks[0].key, key_->verify_key().bytes());
  EXPECT_EQ(closed->cast, close.kiosks[0].cast);
  EXPECT_EQ(closed->challenged, close.kiosks[0].challenged);
  EXPECT_EQ(closed->chain_head, close.kiosks[0].chain_head);
  EXPECT_EQ(closed->cast, 2u);
  EXPECT_EQ(closed->challenged, 1u);
  EXPECT_EQ(QString::fromStdString(to_hex(closed->chain_head)), last_code);  // the last ballot
  EXPECT_EQ(closed->last_sequence, 3u);
  // One state: the kiosk's switch is still "open", but the report never says so.
  EXPECT_TRUE(m->kiosk_open());
  EXPECT_EQ(closed->state, QStringLiteral("not accepting ballots: the polls are closed"));
  const QString closed_text = closed->lines().join(QLatin1Char('\n'));
  EXPECT_FALSE(closed_text.contains(QStringLiteral("open for voters")));
  EXPECT_TRUE(closed_text.contains(QStringLiteral("Ballots cast: 2")));
  EXPECT_TRUE(closed_text.contains(QStringLiteral("Nothing to report")));
  m->leave_poll_worker();
  EXPECT_FALSE(m->poll_report().has_value());
}

TEST_F(PollReportTest, RefusedBallotIsExplainedAndReported) {
  auto m = open_model();
  vote(*m, demo_.tokens[0], {{0}, {}, {}});
  seal(*m);
  ASSERT_TRUE(demo_.ledger->close_polls().ok());  // while the voter is at the tracking screen
  m->cast();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kCastDone; }));
  ASSERT_EQ(m->receipt().outcome, CastOutcome::kRefused);
  m->done();
  auto closed = report(*m, PollReportKind::kClosed);
  ASSERT_TRUE(closed && closed->produced) << closed->refusal.toStdString();
  EXPECT_FALSE(closed->ok());
  EXPECT_EQ(closed->cast, 0u);
  EXPECT_EQ(closed->rejected, 1u);
  ASSERT_EQ(closed->refused.size(), 1);
  EXPECT_TRUE(closed->refused[0].contains(QStringLiteral("when the polls were not open")));
  EXPECT_TRUE(closed->lines().join(QLatin1Char('\n')).contains(closed->refused[0]));
}

TEST_F(PollReportTest, UnreachableLedgerRefusesTheClosedReportAndMarksTheOpenedOne) {
  auto m = open_model();
  demo_.ledger->set_reachable(false);
  auto closed = report(*m, PollReportKind::kClosed);
  ASSERT_TRUE(closed);
  EXPECT_FALSE(closed->produced);
  EXPECT_TRUE(closed->refusal.contains(QStringLiteral("cannot be reached")));
  auto opened = report(*m, PollReportKind::kOpened);
  ASSERT_TRUE(opened && opened->produced);
  EXPECT_FALSE(opened->ok());  // counts are the kiosk's own: said so
  EXPECT_TRUE(opened->kiosk_name.isEmpty());
  EXPECT_TRUE(
      opened->problems.join(QLatin1Char(' ')).contains(QStringLiteral("could not be reached")));
}

TEST_F(KioskTest, NotEnrolledKioskShowsItsKey) {
  key_ = std::make_shared<const SigningKey>(SigningKey::generate());  // not in the election
  auto m = make_model();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kUnavailable && m->not_enrolled(); }));
  EXPECT_EQ(m->kiosk_public_key_hex().size(), 64);
  EXPECT_EQ(m->kiosk_fingerprint().size(), 19);
}

TEST_F(KioskTest, UnreachableLedgerOnFirstStartIsNotReadyThenRecovers) {
  demo_.ledger->set_reachable(false);
  auto m = make_model();
  ASSERT_TRUE(wait_for([&] { return m->screen() == Screen::kUnavailable; }));
  EXPECT_FALSE(m->technical_detail().isEmpty());
  demo_.ledger->set_reachable(true);
  ASSERT_TRUE(wait_for([&] { return m->ready(); }));
  EXPECT_EQ(m->screen(), Screen::kClosed);
}

// ------------------------------------------------------------------------------ witnesses

// The manifest names 2 witnesses with quorum 2: a receipt cosigned by one of them is valid (the
// ledger holds the ballot) but not final; the kiosk keeps it queued as acknowledged, still
// delivers the next voter's ballot, and records both once the cosigned receipts arrive, without
// a second copy in the ledger.
TEST_F(KioskTest, ReceiptWithoutWitnessQuorumIsNotFinal) {
  load("ballots/demo-general.json", 2, 2);
  demo_.ledger->set_active_witnesses(1);
  auto m = open_model();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[0], {{0}, {}, {}}));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kPending);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 1u);  // acknowledged by the ledger
  ASSERT_TRUE(wait_for([&] {
    return m->poll_status().queue_length == 1 && m->poll_status().awaiting_cosignatures == 1;
  }));
  EXPECT_NE(m->poll_status().last_error.find("awaiting witness cosignatures"), std::string::npos)
      << m->poll_status().last_error;
  m->done();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[1], {{1}, {}, {}}));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kPending);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 2u);
  ASSERT_TRUE(wait_for([&] { return m->poll_status().awaiting_cosignatures == 2; }));

  demo_.ledger->set_active_witnesses(2);  // the witnesses caught up
  ASSERT_TRUE(wait_for(
      [&] { return m->poll_status().queue_length == 0 && m->poll_status().cast_here == 2; }));
  EXPECT_EQ(m->poll_status().awaiting_cosignatures, 0u);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 2u);  // each appended once
}

TEST_F(KioskTest, ReceiptWithWitnessQuorumIsFinal) {
  load("ballots/demo-general.json", 2, 2);
  demo_.ledger->set_active_witnesses(2);
  auto m = open_model();
  ASSERT_NO_FATAL_FAILURE(vote_and_cast(*m, demo_.tokens[0], {{0}, {}, {}}));
  EXPECT_EQ(m->receipt().outcome, CastOutcome::kRecorded);
  ASSERT_TRUE(wait_for([&] { return m->poll_status().queue_length == 0; }));
}

// ------------------------------------------------------------------- store and pure checks

TEST_F(KioskTest, StoreEnqueuesAtomicallyWithTheChainAndKeepsRejected) {
  auto s = KioskStore::open(dir_.filePath(QStringLiteral("s.db")).toStdString());
  ASSERT_TRUE(s.ok());
  auto& store = **s;
  EXPECT_FALSE(store.chain_state()->has_value());
  QueuedEntry q;
  q.entry = {1, 2, 3};
  q.sequence = 1;
  q.code[0] = 7;
  auto id = store.enqueue(q, ChainState{1, q.code});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(**store.chain_state(), (ChainState{1, q.code}));
  q.entry = {4};
  q.sequence = 2;
  auto id2 = store.enqueue(q, ChainState{2, q.code});
  ASSERT_TRUE(id2.ok());
  auto p = store.pending();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].entry, (Bytes{1, 2, 3}));
  ASSERT_TRUE(store
                  .mark_rejected(*id, make_error(ErrorCode::kConflict, "polls are not open"),
                                 ChainState{0, Digest{}})
                  .ok());
  EXPECT_EQ(store.pending()->size(), 1u);
  ASSERT_EQ(store.rejected()->size(), 1u);
  EXPECT_EQ((*store.rejected())[0].error.code, ErrorCode::kConflict);
  EXPECT_EQ((**store.chain_state()).sequence, 0u);
  ASSERT_TRUE(store.mark_delivered(*id2, 9, "cp").ok());
  EXPECT_TRUE(store.pending()->empty());
  EXPECT_EQ(*store.count(EntryKind::kCast), 1u);
}

class ReceiptTest : public KioskTest {
 protected:
  void SetUp() override {
    KioskTest::SetUp();
    auto entries = demo_.ledger->election();
    ASSERT_TRUE(entries.ok());
    auto el = client::load_kiosk_election(*entries, demo_.authority->verify_key().bytes());
    ASSERT_TRUE(el.ok()) << el.error().describe();
    election_ = std::move(*el);
    // A challenged ballot is a valid entry to get a receipt for.
    election::PlaintextBallot pb;
    auto enc = election::encrypt_ballot(
        *election_.context, pb, 1,
        election::chain_seed(election_.context->q, key_->verify_key().bytes()));
    ASSERT_TRUE(enc.ok());
    entry_ = record::Entry::make(record::EntryType::kChallengedBallot, election_.context->q,
                                 election::open_ballot(enc->first, enc->second).encode(), *key_)
                 .encode();
    auto r = demo_.ledger->submit(entry_);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    receipt_ = *r;
  }
  KioskElection election_;
  Bytes entry_;
  Receipt receipt_;
};

// The kiosk's election setup gives the shared receipt check (ledger::check_receipt, tested row by
// row in tests/unit/receipt_test.cpp) what it needs: a real receipt of the ledger is final.
TEST_F(ReceiptTest, GoodReceiptVerifies) {
  auto cp = ledger::check_receipt(receipt_, entry_, *election_.trust);
  ASSERT_TRUE(cp.final()) << cp.detail;
  EXPECT_EQ(cp.checkpoint.size, receipt_.tree_size);
}

TEST_F(ReceiptTest, EveryTamperingIsRefused) {
  std::vector<std::pair<const char*, std::function<void(Receipt&, Bytes&)>>> cases = {
      {"leaf", [](Receipt& r, Bytes&) { r.leaf_hash[0] ^= 1; }},
      {"entry", [](Receipt&, Bytes& e) { e[e.size() - 1] ^= 1; }},
      {"proof", [](Receipt& r, Bytes&) { r.inclusion_proof[0][5] ^= 1; }},
      {"index", [](Receipt& r, Bytes&) { r.index ^= 1; }},
      {"size", [](Receipt& r, Bytes&) { r.tree_size += 1; }},
      {"signature",
       [](Receipt& r, Bytes&) {
         auto pos = r.checkpoint.rfind(' ');
         r.checkpoint[pos + 8] = r.checkpoint[pos + 8] == 'A' ? 'B' : 'A';
       }},
      {"root",
       [](Receipt& r, Bytes&) {
         r.checkpoint[r.checkpoint.find('\n', r.checkpoint.find('\n') + 1) + 3] ^= 1;
       }},
  };
  for (auto& [name, tamper] : cases) {
    Receipt r = receipt_;
    Bytes e = entry_;
    tamper(r, e);
    EXPECT_FALSE(ledger::check_receipt(r, e, *election_.trust).final()) << name;
  }
}

// With witnesses in the manifest, check_receipt needs their quorum; a receipt that has
// everything else is "awaiting cosignatures", anything else wrong is not.
TEST_F(KioskTest, WitnessQuorumIsPartOfTheReceiptCheck) {
  load("ballots/demo-general.json", 3, 2);
  auto entries = demo_.ledger->election();
  ASSERT_TRUE(entries.ok());
  auto el = client::load_kiosk_election(*entries, demo_.authority->verify_key().bytes());
  ASSERT_TRUE(el.ok()) << el.error().describe();
  election::PlaintextBallot pb;
  auto enc = election::encrypt_ballot(
      *el->context, pb, 1, election::chain_seed(el->context->q, key_->verify_key().bytes()));
  ASSERT_TRUE(enc.ok());
  Bytes entry = record::Entry::make(record::EntryType::kChallengedBallot, el->context->q,
                                    election::open_ballot(enc->first, enc->second).encode(), *key_)
                    .encode();
  for (std::size_t active : {0u, 1u, 2u, 3u}) {
    demo_.ledger->set_active_witnesses(active);
    auto r = demo_.ledger->submit(entry);  // idempotent: the same index, a fresh receipt
    ASSERT_TRUE(r.ok()) << r.error().describe();
    auto cp = ledger::check_receipt(*r, entry, *el->trust);
    if (active >= 2) {
      EXPECT_TRUE(cp.final()) << active << ": " << cp.detail;
    } else {
      ASSERT_FALSE(cp.final()) << active;
      EXPECT_TRUE(cp.awaiting()) << cp.detail;
      Receipt bad = *r;
      bad.inclusion_proof[0][0] ^= 1;
      auto broken = ledger::check_receipt(bad, entry, *el->trust);
      EXPECT_EQ(broken.outcome, ledger::LogOutcome::kInvalid) << broken.detail;
      EXPECT_EQ(broken.fault, ledger::LogFault::kBadInclusionProof) << broken.detail;
    }
  }
}

TEST_F(ReceiptTest, ElectionFromAnotherAuthorityIsRefused) {
  auto entries = *demo_.ledger->election();
  EXPECT_FALSE(client::load_kiosk_election(entries, key_->verify_key().bytes()).ok());
  auto bad = entries;
  bad.back().back() ^= 1;  // the election-key entry's signature
  EXPECT_FALSE(client::load_kiosk_election(bad, std::nullopt).ok());
  std::swap(bad.front(), bad.back());
  EXPECT_FALSE(client::load_kiosk_election(bad, std::nullopt).ok());
  EXPECT_TRUE(client::load_kiosk_election(entries, std::nullopt).ok());
}

// ------------------------------------------------------------- simulated voters (headless)

TEST_F(KioskTest, SimulatedVotersCastThroughTheModel) {
  auto m = make_model();
  SimulationOptions o;
  o.tokens = {demo_.tokens[0], demo_.tokens[1], demo_.tokens[2]};
  o.challenge = 1;
  o.seed = 11;
  o.pin = QStringLiteral("2468");  // the kiosk starts closed: opened through the PIN screen
  o.drain_timeout_ms = 10000;
  std::vector<int> seen;
  auto r = simulate_voters(*m, o, [&](const SimulatedVoter& v) { seen.push_back(v.number); });
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r->recorded, 3);
  EXPECT_EQ(r->challenged, 1);
  EXPECT_TRUE(r->drained);
  EXPECT_TRUE(r->all_confirmed());
  EXPECT_TRUE(r->voters[0].challenged);
  EXPECT_FALSE(r->voters[1].challenged);
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 3u);
  EXPECT_EQ(ledger_count(record::EntryType::kChallengedBallot), 1u);
  // The totals are the marks made, and every mark respects its contest's limits.
  const auto& manifest = m->election()->context->manifest;
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    std::uint64_t total = 0;
    for (const auto& [id, n] : r->counts.at(manifest.contests[c].id)) total += n;
    std::uint64_t marked = 0;
    for (const auto& v : r->voters) {
      EXPECT_GE(v.choice_ids[c].size(), manifest.contests[c].min);
      EXPECT_LE(v.choice_ids[c].size(), manifest.contests[c].max);
      marked += v.choice_ids[c].size();
    }
    EXPECT_EQ(total, marked);
  }
  EXPECT_FALSE(m->holds_voter_data());
}

TEST_F(KioskTest, SimulatedVoterWithASpentTokenIsNotConfirmed) {
  auto m = make_model();
  SimulationOptions o;
  o.tokens = {demo_.tokens[0], demo_.tokens[0]};
  o.pin = QStringLiteral("2468");
  o.drain_timeout_ms = 5000;
  auto r = simulate_voters(*m, o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->recorded, 1);
  EXPECT_EQ(r->refused, 1);
  EXPECT_FALSE(r->all_confirmed());
  EXPECT_NE(r->voters[1].error.indexOf(QStringLiteral("already been used")), -1)
      << r->voters[1].error.toStdString();
  EXPECT_EQ(m->screen(), Screen::kWelcome);  // the session was ended, nothing kept
  EXPECT_FALSE(m->holds_voter_data());
}

TEST_F(KioskTest, SimulatedVotersOfflineArePendingThenDelivered) {
  auto m = make_model(600000, 20000);
  ASSERT_TRUE(wait_for([&] { return m->ready(); }));  // the election is loaded and cached
  demo_.ledger->set_reachable(false);
  SimulationOptions o;
  o.tokens = {demo_.tokens[0]};
  o.pin = QStringLiteral("2468");
  o.drain_timeout_ms = 0;
  auto r = simulate_voters(*m, o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->pending, 1);
  EXPECT_FALSE(r->drained);
  EXPECT_FALSE(r->all_confirmed());  // not yet in the ledger
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 0u);
  demo_.ledger->set_reachable(true);
  o.tokens.clear();
  o.drain_timeout_ms = 10000;
  auto again = simulate_voters(*m, o);
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_TRUE(again->drained);
  EXPECT_TRUE(again->all_confirmed());
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 1u);
}

TEST_F(KioskTest, SimulationRefusesAClosedKioskWithoutTheRightPin) {
  auto m = make_model();
  SimulationOptions o;
  o.tokens = {demo_.tokens[0]};
  o.pin = QStringLiteral("1111");
  auto r = simulate_voters(*m, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "pin");
  EXPECT_EQ(ledger_count(record::EntryType::kCastBallot), 0u);
}

TEST(PinTest, HashAndCheck) {
  const std::string h = hash_pin("482913", 1000);
  EXPECT_TRUE(check_pin("482913", h));
  EXPECT_FALSE(check_pin("482914", h));
  EXPECT_FALSE(check_pin("482913", h.substr(0, h.size() - 2)));
  EXPECT_FALSE(check_pin("482913", "sha256$1$00$00"));
  EXPECT_NE(hash_pin("482913", 1000), h);  // salted
}

}  // namespace
}  // namespace tabella::kiosk
