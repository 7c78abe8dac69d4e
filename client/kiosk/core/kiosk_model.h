// The kiosk's view-model: the voter's path and the poll-worker mode as a state machine, with
// everything a screen shows exposed as plain values. Widgets (client/kiosk/ui) only read these
// and call the actions; tests drive the same object without any window.
//
//   Welcome -> Token -> Contest 1..n -> Review -> (encrypt) Tracking -> Cast -> CastDone
//                                         ^            |
//                                         +-- Challenged <- Challenge
//   Welcome/Closed/Unavailable -> Pin -> PollWorker
//
// Secrets: the token, the marks, the encryption nonces (election::BallotSecrets) and what a
// challenged ballot contained live only here and are wiped on reset() (Done, inactivity
// timeout) — secrets of a cast ballot as soon as it is signed.
// Network and disk work run on the Dispatcher's thread; results come back as queued calls.
// Thread-safety: a QObject of the UI thread; call everything on that thread.
#pragma once

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/dispatcher.h"
#include "core/poll_report.h"
#include "tabella/election/ballot.h"

namespace tabella::kiosk {

enum class Screen {
  kStarting,     // loading the election
  kUnavailable,  // no election / not enrolled / local fault: ask a poll worker
  kClosed,       // kiosk closed by a poll worker
  kWelcome,      // language, text size, contrast
  kToken,        // voting code
  kContest,      // one contest
  kReview,       // every contest
  kWorking,      // encrypting / casting / publishing a challenge
  kTracking,     // tracking code: cast or challenge
  kChallenged,   // what the challenged ballot contained
  kCastDone,     // recorded / pending / refused
  kPin,          // poll-worker PIN
  kPollWorker,   // poll-worker status and controls
};

enum class CastOutcome { kRecorded, kPending, kRefused };

struct LanguageOption {
  QString tag;
  QString name;  // in its own language: "English", "Español"
};

struct ChoiceView {
  QString label;
  QString party;
  bool selected = false;
  bool available = true;  // false: choosing it now would be an over-vote
};

struct ContestView {
  int index = 0;  // 0-based
  int count = 0;
  QString title;
  QString instructions;  // from the ballot
  QString rule;          // "Choose up to 2."
  QString progress;      // "Contest 2 of 4"
  QString status;        // "You have chosen 1 of 2."
  int min = 0;
  int max = 1;
  int selected = 0;
  std::vector<ChoiceView> choices;
};

struct ReviewRow {
  int contest = 0;
  QString title;
  QStringList choices;  // labels of the marked choices
  bool undervote = false;
  QString note;  // what is missing, for under-votes
};

struct ChallengeRow {
  QString title;
  QStringList choices;
};

struct ReceiptView {
  QString election_title;
  QString tracking_code;  // short form
  QString code_hex;       // full 64-hex ballot code
  QString lookup;         // what the QR code holds
  QDateTime time;
  CastOutcome outcome = CastOutcome::kPending;
  QString checkpoint;  // "<origin> size <n> root <hex>" when confirmed
  std::uint64_t index = 0;
};

class KioskModel : public QObject, private DispatcherListener {
  Q_OBJECT
 public:
  struct Options {
    Dispatcher::ClientFactory client_factory;
    QString db_path;
    std::shared_ptr<const SigningKey> kiosk_key;
    std::optional<PublicKeyBytes> authority;
    QString pin_hash;  // empty: poll-worker mode cannot be entered
    QString ledger_url;
    // Where a voter looks a ballot up (the bulletin board's /ballot/<code> page); empty: the
    // ledger_url, which serves the board too.
    QString public_url;
    int idle_timeout_ms = 120000;
    // The last part of idle_timeout_ms is a visible "Are you still voting?" countdown (at most
    // half of the timeout).
    int idle_warning_ms = 30000;
    int cast_patience_ms = 8000;  // then "recorded on this kiosk, confirmation pending"
    int retry_interval_ms = 10000;
    int status_interval_ms = 15000;
    int pin_lockout_ms = 60000;  // after 5 wrong PINs
    // Where ballot nonces come from; nullptr: SystemRng. Tests give a seeded source to compare
    // the entries with the synchronous client's. Used on the model's thread only.
    Rng* rng = nullptr;
  };

  explicit KioskModel(Options options, QObject* parent = nullptr);
  ~KioskModel() override;

  // Starts the dispatcher thread and loads the election.
  void start();

  // ---- what the screens show
  Screen screen() const { return screen_; }
  bool ready() const { return engine_ != nullptr; }
  // "TEST ELECTION — <title>" for a test election (manifest "test": true): every screen's header
  // and every slip carry the title.
  QString election_title() const;
  bool test_election() const;
  std::vector<LanguageOption> languages() const;
  QString language() const { return language_; }
  // 0 standard, 1 large, 2 extra large, 3 largest (kTextSizes settings).
  int text_size() const { return text_size_; }
  static constexpr int kTextSizes = 4;
  // 0 standard (dark on light), 1 high contrast dark (white on black), 2 high contrast light
  // (black on white) (kContrastModes settings).
  int contrast() const { return contrast_; }
  static constexpr int kContrastModes = 3;
  bool high_contrast() const { return contrast_ != 0; }
  QString notice() const { return notice_; }  // the current explanation or error, if any
  QString token_text() const { return QString::fromStdString(token_); }
  bool recasting() const { return recasting_; }
  // True while a contest is edited from the review: Next and Back return to the review.
  bool editing_from_review() const { return return_to_review_; }
  ContestView contest() const;
  int contest_count() const;
  std::vector<ReviewRow> review() const;
  QString working_text() const { return working_text_; }
  QString tracking_code() const;
  std::vector<ChallengeRow> challenge_rows() const { return challenge_rows_; }
  bool challenge_published() const { return challenge_published_; }
  const ReceiptView& receipt() const { return receipt_; }
  QString unavailable_text() const { return unavailable_text_; }
  QString technical_detail() const { return technical_detail_; }
  bool not_enrolled() const { return not_enrolled_; }
  QString kiosk_fingerprint() const;
  QString kiosk_public_key_hex() const;
  const PollStatus& poll_status() const { return poll_status_; }
  bool kiosk_open() const { return kiosk_open_; }
  // The ledger reports that the polls have closed (phase "closed" or later): no session starts,
  // whatever the kiosk's own open/closed switch says.
  bool polls_closed() const;
  // The inactivity countdown: true while "Are you still voting?" is shown; the seconds left
  // before the session is cleared. Any activity ends it (idle_changed() on start, tick, end).
  bool idle_warning() const { return idle_warning_; }
  // A refused entry in plain words for the poll worker ("a voting code was used twice — the voter
  // was given a new code"), not the ledger's technical message.
  static QString refusal_text(const RejectedEntry& r);
  // The ledger's phase ("open", "closed", ...) in words.
  static QString phase_text(const std::string& phase);
  // The bulletin board's page for a tracking code, what the receipt's QR code holds:
  // <public_url or ledger_url>/ballot/<code>[?lang=<voter's language>].
  QString lookup_url(const QString& tracking_code) const;
  int idle_seconds_left() const;
  // True while a sealed ballot exists that is not cast (the tracking screen): the warning says
  // it is NOT cast and is discarded on timeout.
  bool sealed_not_cast() const { return pending_.has_value() && screen_ == Screen::kTracking; }
  std::uint64_t next_sequence() const { return chain_.sequence + 1; }
  // The loaded election (nullptr until ready): what a driver such as the voter simulator needs
  // to name choices by id. Read-only.
  std::shared_ptr<const KioskElection> election() const {
    return engine_ ? engine_->election_ptr() : nullptr;
  }
  // How many status reports the dispatcher has sent so far: a report counted after a call to
  // retry_delivery() describes the queue as it is after everything submitted before that call.
  std::uint64_t status_reports() const { return status_reports_; }
  // True while anything of a voter is held (tests check it is false after reset()).
  bool holds_voter_data() const;

  // ---- voter actions (each counts as activity and restarts the inactivity timer)
  void choose_language(const QString& tag);
  void set_text_size(int size);
  void set_contrast(int mode);
  void set_high_contrast(bool on) { set_contrast(on ? 1 : 0); }
  void start_voting();
  void submit_token(const QString& typed);
  void toggle_choice(int choice);
  void next();
  void back();  // also Escape
  void edit_contest(int contest);
  void encrypt();
  void cast();
  void challenge();
  void challenge_done();
  void done();
  void user_activity();

  // ---- poll worker
  void enter_poll_worker();
  void submit_pin(const QString& pin);
  void set_kiosk_open(bool open);
  void retry_delivery();
  void leave_poll_worker();
  // Asks for the polls-opened or polls-closed report (core/poll_report.h), on the poll-worker
  // screen only; poll_report_ready() when it is made or refused (PollReport::produced).
  void request_poll_report(PollReportKind kind);
  // The last report made, if any; cleared when the poll-worker screen is left.
  const std::optional<PollReport>& poll_report() const { return poll_report_; }
  bool poll_report_busy() const { return report_request_ != 0; }
  // True while a typed voting code is being checked with the ledger (the code screen says so).
  bool token_check_busy() const { return token_request_ != 0; }

  // Ends the voter's session now (Done, timeout): wipes every secret and returns to Welcome.
  void reset();
  // The inactivity timer fired (public for tests): starts the visible countdown on a voter's
  // screen (the session is cleared when it runs out), leaves poll-worker mode at once.
  void on_idle_timeout();

 signals:
  void changed();
  void language_changed(const QString& tag);
  // The inactivity countdown started, ticked or ended (no change of screen).
  void idle_changed();
  // A requested poll-worker report is ready (poll_report()).
  void poll_report_ready();
  // reset() is clearing the voter's session (Done, inactivity): emitted before anything is wiped.
  void session_cleared();

 private:
  // DispatcherListener (called on this thread)
  void on_ready(const ReadyInfo& info) override;
  void on_not_ready(const Error& why) override;
  void on_queued(std::uint64_t ticket) override;
  void on_submitted(const SubmitReport& report) override;
  void on_chain_changed(const ChainState& chain) override;
  void on_status(const PollStatus& status) override;
  void on_poll_report(std::uint64_t request, const PollReport& report) override;
  void on_token_checked(std::uint64_t request, const TokenCheck& check) override;

  void set_screen(Screen s);
  void touch();
  std::string lang() const { return language_.toStdString(); }
  QString text(const election::LocalizedText& t) const;
  election::PlaintextBallot plaintext() const;
  void do_encrypt();
  void submit_entry(EntryKind kind, const Bytes& entry);
  Screen idle_screen() const;
  void wipe_voter();
  int warning_ms() const;
  void end_idle_warning();

  Options options_;
  DispatcherThread thread_;
  Dispatcher* dispatcher_ = nullptr;
  QTimer idle_timer_;
  QTimer patience_timer_;
  QTimer pin_lock_timer_;
  QTimer countdown_timer_;
  bool idle_warning_ = false;
  qint64 idle_deadline_ms_ = 0;  // QDateTime::currentMSecsSinceEpoch() when the session ends

  // The kiosk engine (client/kiosk_engine.h): seals and signs; nullptr until ready.
  std::shared_ptr<const client::KioskEngine> engine_;
  ChainState chain_;
  bool kiosk_open_ = false;
  PollStatus poll_status_;
  std::uint64_t status_reports_ = 0;
  Screen screen_ = Screen::kStarting;
  Screen before_pin_ = Screen::kWelcome;

  QString language_;
  int text_size_ = 0;
  int contrast_ = 0;
  QString notice_;
  QString working_text_;
  QString unavailable_text_;
  QString technical_detail_;
  bool not_enrolled_ = false;
  int pin_failures_ = 0;
  std::optional<PollReport> poll_report_;
  std::uint64_t report_request_ = 0;  // awaited report, 0 for none
  std::uint64_t next_report_ = 1;
  std::uint64_t token_request_ = 0;  // awaited token check, 0 for none
  std::uint64_t next_token_request_ = 1;

  // The voter's session.
  std::string token_;
  std::vector<std::set<int>> marks_;  // per contest, marked choice indices
  int contest_ = 0;
  bool return_to_review_ = false;
  std::optional<client::SealedBallot> pending_;
  bool recasting_ = false;
  std::uint64_t ticket_ = 0;  // awaited submission, 0 for none
  std::uint64_t next_ticket_ = 1;
  EntryKind ticket_kind_ = EntryKind::kCast;
  Bytes ticket_entry_;
  std::vector<ChallengeRow> challenge_rows_;
  bool challenge_published_ = false;
  ReceiptView receipt_;
};

}  // namespace tabella::kiosk
