// The kiosk's worker: owns the SQLite store (kiosk_store.h) and the LedgerClient and runs on its
// own QThread, so that no network call or fsync ever blocks the UI thread.
//
//   start()    loads the election (its setup entries from the store, else from the ledger, then
//              cached) with client::load_kiosk_election, the chain state (store, else the
//              ledger's record of this kiosk, checked by KioskEngine::chain_of), the open/closed
//              flag -> on_ready with the kiosk engine the view-model seals and signs with
//   submit()   durably enqueues a signed entry together with the next chain state (one SQLite
//              transaction) -> on_queued; then delivers the queue -> on_submitted for it
//   deliver()  sends queued entries oldest first, each until the ledger answers: a verified
//              receipt moves it to `delivered`; a transport failure stops the round (retried by
//              a timer, and after a restart); a refusal moves it to `rejected`, shown to poll
//              workers. Exactly once: an entry leaves the queue only after its verified receipt,
//              and resending identical bytes is idempotent at the ledger.
//              When the manifest names witnesses, a receipt is final only with their quorum
//              (check_receipt): a valid ledger receipt without it marks the entry acknowledged
//              (kept queued, reported kPending) and the round goes on with the next entries;
//              acknowledged entries are asked again (identical bytes: the ledger answers with
//              its latest, possibly cosigned, receipt) in later rounds, oldest first, stopping
//              at the first that is still not cosigned.
//   After a refusal that leaves the queue empty the chain state is re-read from the ledger (or,
//   if unreachable, rolled back to before the refused entry when it was the newest), so the next
//   ballot chains onto what the ledger actually holds.
//
// Results go to a DispatcherListener, invoked on the listener's thread through queued calls on
// `context` (the view-model): no shared state between the threads.
// Thread-safety: after moveToThread, call the public methods only on the dispatcher's thread
// (QMetaObject::invokeMethod(dispatcher, ..., Qt::QueuedConnection)).
#pragma once

#include <QObject>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/kiosk_store.h"
#include "core/ledger_client.h"
#include "tabella/client/kiosk_engine.h"

namespace tabella::kiosk {

struct PollReport;
enum class PollReportKind;

using client::KioskElection;

struct ReadyInfo {
  std::shared_ptr<const client::KioskEngine> engine;  // the election and this kiosk's key
  ChainState chain;
  bool kiosk_open = false;
};

enum class SubmitVerdict {
  kRecorded,  // in the ledger, receipt verified
  kPending,   // durable in the local queue; the ledger has not confirmed it yet, or has but
              // without the witnesses' quorum (receipt set; acknowledged, awaiting cosignatures)
  kRejected,  // refused by the ledger (kept in `rejected`)
  kFailed,    // could not even be stored locally
};

struct SubmitReport {
  std::uint64_t ticket = 0;
  SubmitVerdict verdict = SubmitVerdict::kPending;
  Receipt receipt;                               // kRecorded
  std::optional<ledger::Checkpoint> checkpoint;  // kRecorded
  Error error;                                   // kRejected, kFailed; why kPending (transport)
};

struct PollStatus {
  bool checked = false;    // at least one status request finished
  bool reachable = false;  // the last request reached the ledger
  std::string ledger_phase;
  std::uint64_t queue_length = 0;
  std::uint64_t awaiting_cosignatures = 0;  // of the queue: acknowledged, not yet cosigned
  std::uint64_t cast_here = 0;
  std::uint64_t challenged_here = 0;
  std::vector<RejectedEntry> rejected;
  std::string last_error;
  bool kiosk_open = false;
};

// A voting code checked with the ledger as it is typed.
struct TokenCheck {
  enum class Verdict {
    kValid,          // committed, unspent, for this kiosk's precinct
    kNotCommitted,   // no such code in this election
    kSpent,          // already used for a cast ballot
    kOtherPrecinct,  // committed for another precinct
    kUnchecked,      // the ledger could not be asked (offline): accepted, checked at cast
  };
  Verdict verdict = Verdict::kUnchecked;
  std::string precinct;        // the code's (kOtherPrecinct)
  std::string kiosk_precinct;  // this kiosk's
  Error error;                 // kUnchecked: why
};

class DispatcherListener {
 public:
  virtual ~DispatcherListener() = default;
  virtual void on_ready(const ReadyInfo& info) = 0;
  virtual void on_not_ready(const Error& why) = 0;  // start() is retried by a timer
  virtual void on_queued(std::uint64_t ticket) = 0;
  virtual void on_submitted(const SubmitReport& report) = 0;
  virtual void on_chain_changed(const ChainState& chain) = 0;
  virtual void on_status(const PollStatus& status) = 0;
  virtual void on_poll_report(std::uint64_t request, const PollReport& report) = 0;
  virtual void on_token_checked(std::uint64_t request, const TokenCheck& check) = 0;
};

struct DispatcherOptions {
  std::string db_path;
  std::shared_ptr<const SigningKey> kiosk_key;
  std::optional<PublicKeyBytes> authority;  // pin the election's authority key
  int retry_interval_ms = 10000;            // queue delivery and start() retries
  int status_interval_ms = 15000;           // ledger status poll for the poll-worker screen
};

class Dispatcher : public QObject {
  Q_OBJECT
 public:
  using ClientFactory = std::function<Result<std::unique_ptr<LedgerClient>>()>;

  // The factory runs on the dispatcher's thread in start(). `context` lives on the listener's
  // thread and outlives no call: calls to a destroyed context are dropped by Qt.
  Dispatcher(ClientFactory factory, DispatcherOptions options, DispatcherListener* listener,
             QObject* context);
  ~Dispatcher() override;

  void start();
  // REQUIRES: start() reported ready.
  void submit(std::uint64_t ticket, EntryKind kind, Bytes entry, Digest code,
              std::uint64_t sequence, ChainState next);
  void deliver();
  void refresh_status();
  void set_kiosk_open(bool open);
  // Gathers what a poll worker's report needs (this kiosk's store; the ledger's status, its
  // record of this kiosk and, for the closed report, the polls-close entry) and reports
  // make_poll_report()'s result (core/poll_report.h) -> on_poll_report(request, ...).
  void poll_report(std::uint64_t request, PollReportKind kind);
  // Asks the ledger about one voting code (by its hash) and this kiosk's precinct ->
  // on_token_checked(request, ...).
  void check_token(std::uint64_t request, Digest token_hash);

 private:
  template <class F>
  void notify(F&& f);
  // Sends the queue, oldest first, until a transport failure or a receipt that does not verify
  // ends the round (see deliver() above).
  void deliver_round();
  void after_rejection(const QueuedEntry& refused, bool newest);
  void publish_status();
  Status load();

  ClientFactory factory_;
  DispatcherOptions options_;
  DispatcherListener* listener_;
  QPointer<QObject> context_;
  std::unique_ptr<LedgerClient> client_;
  std::unique_ptr<KioskStore> store_;
  std::shared_ptr<const client::KioskEngine> engine_;
  bool ready_ = false;
  bool delivering_ = false;
  PollStatus status_;
  std::string precinct_;  // this kiosk's, from the ledger's record of it (once known)
  std::map<std::int64_t, std::uint64_t> tickets_;  // queue id -> ticket awaiting a report
  QTimer* retry_timer_;
  QTimer* status_timer_;
};

// The dispatcher's thread: an event loop that frees its OpenSSL state before it reports its
// end, so the process may exit as soon as wait() returns (tabella/crypto/thread_state.h).
class DispatcherThread final : public QThread {
 protected:
  void run() override;
};

}  // namespace tabella::kiosk
