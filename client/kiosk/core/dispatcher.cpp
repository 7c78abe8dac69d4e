#include "core/dispatcher.h"

#include "core/poll_report.h"
#include "tabella/crypto/thread_state.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"

namespace tabella::kiosk {

namespace {

bool transient(const Error& e) {
  return e.code == ErrorCode::kIo || e.code == ErrorCode::kCrypto ||
         e.code == ErrorCode::kUnavailable;
}

}  // namespace

Dispatcher::Dispatcher(ClientFactory factory, DispatcherOptions options,
                       DispatcherListener* listener, QObject* context)
    : factory_(std::move(factory)),
      options_(std::move(options)),
      listener_(listener),
      context_(context),
      retry_timer_(new QTimer(this)),
      status_timer_(new QTimer(this)) {
  retry_timer_->setInterval(options_.retry_interval_ms);
  status_timer_->setInterval(options_.status_interval_ms);
  connect(retry_timer_, &QTimer::timeout, this, [this] {
    if (!ready_) {
      start();
    } else {
      deliver();
    }
  });
  connect(status_timer_, &QTimer::timeout, this, [this] { refresh_status(); });
}

Dispatcher::~Dispatcher() = default;

template <class F>
void Dispatcher::notify(F&& f) {
  if (context_.isNull()) return;
  DispatcherListener* l = listener_;
  QMetaObject::invokeMethod(
      context_.data(), [l, f = std::forward<F>(f)]() { f(*l); }, Qt::QueuedConnection);
}

Status Dispatcher::load() {
  if (!store_) {
    auto s = KioskStore::open(options_.db_path);
    if (!s.ok()) return s.error();
    store_ = std::move(*s);
  }
  if (!client_) {
    auto c = factory_();
    if (!c.ok()) return c.error();
    client_ = std::move(*c);
  }
  // The election: cached entries first (a kiosk restarts offline), else the ledger.
  auto cached = store_->election();
  if (!cached.ok()) return cached.error();
  std::vector<Bytes> setup;
  if (*cached) {
    setup = std::move(**cached);
  } else {
    auto fetched = client_->election();
    if (!fetched.ok()) return fetched.error();
    setup = std::move(*fetched);
  }
  auto el = client::load_kiosk_election(std::move(setup), options_.authority);
  if (!el.ok()) return el.error();
  if (!*cached) TABELLA_TRY(store_->save_election(el->setup));
  engine_ = std::make_shared<const client::KioskEngine>(
      std::make_shared<const KioskElection>(std::move(*el)), options_.kiosk_key);

  // The chain: ours if we have one (it may be ahead of the ledger: queued ballots), else the
  // ledger's record of this kiosk.
  auto chain = store_->chain_state();
  if (!chain.ok()) return chain.error();
  if (!*chain) {
    auto rec = client_->kiosk(engine_->kiosk_key());
    if (!rec.ok()) return engine_->enrolment_error(rec.error());
    auto checked = engine_->chain_of(rec->revoked, ChainState{rec->last_sequence, rec->chain_head});
    if (!checked.ok()) return checked.error();
    TABELLA_TRY(store_->set_chain_state(*checked));
    chain = store_->chain_state();
    if (!chain.ok()) return chain.error();
  }
  auto open = store_->kiosk_open();
  if (!open.ok()) return open.error();
  ReadyInfo info{engine_, **chain, *open};
  status_.kiosk_open = *open;
  ready_ = true;
  notify([info](DispatcherListener& l) { l.on_ready(info); });
  return {};
}

void Dispatcher::start() {
  if (ready_) return;
  Status s = load();
  if (!s.ok()) {
    Error e = s.error();
    notify([e](DispatcherListener& l) { l.on_not_ready(e); });
    retry_timer_->start();
    return;
  }
  retry_timer_->start();
  status_timer_->start();
  refresh_status();
  deliver();
}

void Dispatcher::submit(std::uint64_t ticket, EntryKind kind, Bytes entry, Digest code,
                        std::uint64_t sequence, ChainState next) {
  QueuedEntry q;
  q.kind = kind;
  q.entry = std::move(entry);
  q.code = code;
  q.sequence = sequence;
  auto id = store_ ? store_->enqueue(q, next)
                   : Result<std::int64_t>(make_error(ErrorCode::kIo, "kiosk is not ready"));
  if (!id.ok()) {
    SubmitReport r;
    r.ticket = ticket;
    r.verdict = SubmitVerdict::kFailed;
    r.error = id.error();
    notify([r](DispatcherListener& l) { l.on_submitted(r); });
    return;
  }
  tickets_.emplace(*id, ticket);
  notify([ticket](DispatcherListener& l) { l.on_queued(ticket); });
  deliver();
}

void Dispatcher::deliver() {
  if (!ready_ || delivering_) return;
  delivering_ = true;
  deliver_round();
  delivering_ = false;
  publish_status();
}

void Dispatcher::deliver_round() {
  auto pending = store_->pending();
  if (!pending.ok()) {
    status_.last_error = pending.error().describe();
    return;
  }
  // An acknowledged entry whose receipt still lacks the witnesses' quorum: the later
  // acknowledged ones (higher indices) cannot have it either, so they are not asked this round.
  bool cosignatures_missing = false;
  for (const QueuedEntry& q : *pending) {
    if (q.acknowledged_index && cosignatures_missing) continue;
    auto ticket_it = tickets_.find(q.id);
    auto report = [&](SubmitReport r) {
      if (ticket_it == tickets_.end()) return;
      r.ticket = ticket_it->second;
      tickets_.erase(ticket_it);
      notify([r](DispatcherListener& l) { l.on_submitted(r); });
    };
    // Identical bytes: a new entry is appended once; an acknowledged one gets its latest receipt.
    auto receipt = client_->submit(q.entry);
    if (!receipt.ok() && transient(receipt.error())) {
      status_.reachable = false;
      status_.checked = true;
      status_.last_error = receipt.error().describe();
      (void)store_->note_attempt(q.id, receipt.error().describe());
      // Everything still queued waits for the next round; tell waiting voters so.
      for (const auto& p : *pending) {
        auto it = tickets_.find(p.id);
        if (it == tickets_.end()) continue;
        SubmitReport r;
        r.ticket = it->second;
        r.verdict = SubmitVerdict::kPending;
        r.error = receipt.error();
        tickets_.erase(it);
        notify([r](DispatcherListener& l) { l.on_submitted(r); });
      }
      return;
    }
    status_.reachable = true;
    status_.checked = true;
    if (!receipt.ok()) {
      Error e = receipt.error();
      bool newest = true;  // no later entry still to be delivered chains onto it
      for (const auto& p : *pending) {
        if (p.id > q.id) newest = false;
      }
      auto marked = store_->mark_rejected(q.id, e, std::nullopt);
      if (!marked.ok()) {
        status_.last_error = marked.error().describe();
        return;
      }
      SubmitReport r;
      r.verdict = SubmitVerdict::kRejected;
      r.error = e;
      after_rejection(q, newest);
      report(r);
      continue;
    }
    const ledger::LogCheck cp =
        ledger::check_receipt(*receipt, q.entry, *engine_->election().trust);
    if (cp.awaiting()) {
      // In the ledger (a valid ledger-signed receipt) but not yet cosigned by the witnesses:
      // not final. Kept queued as acknowledged; asked again next round.
      cosignatures_missing = true;
      const std::string why = "acknowledged by the ledger at index " +
                              std::to_string(receipt->index) +
                              ", awaiting witness cosignatures: " + cp.error().message;
      status_.last_error = why;
      auto marked = store_->mark_acknowledged(q.id, receipt->index, why);
      if (!marked.ok()) {
        status_.last_error = marked.error().describe();
        return;
      }
      SubmitReport r;
      r.verdict = SubmitVerdict::kPending;
      r.receipt = *receipt;
      r.error = make_error(ErrorCode::kInvalidSignature, why, cp.error().field);
      report(r);
      continue;
    }
    if (!cp.final()) {
      // The ledger answered but its receipt does not prove inclusion: keep the entry queued
      // (resending is idempotent) and alert the poll worker.
      status_.last_error = "receipt did not verify: " + cp.error().describe();
      (void)store_->note_attempt(q.id, status_.last_error);
      SubmitReport r;
      r.verdict = SubmitVerdict::kPending;
      r.error = cp.error();
      report(r);
      return;
    }
    auto marked = store_->mark_delivered(q.id, receipt->index, receipt->checkpoint);
    if (!marked.ok()) {
      status_.last_error = marked.error().describe();
      return;
    }
    SubmitReport r;
    r.verdict = SubmitVerdict::kRecorded;
    r.receipt = *receipt;
    r.checkpoint = cp.checkpoint;
    report(r);
  }
}

void Dispatcher::after_rejection(const QueuedEntry& refused, bool newest) {
  auto pending = store_->pending();
  if (!pending.ok()) return;
  for (const auto& p : *pending) {
    if (!p.acknowledged_index) return;  // later entries still chain onto it
  }
  std::optional<ChainState> chain;
  auto rec = client_->kiosk(options_.kiosk_key->verify_key().bytes());
  if (rec.ok()) {
    chain = ChainState{rec->last_sequence, rec->chain_head};
  } else if (newest) {
    // Unreachable now: undo our own step; the refused entry named the previous head.
    auto e = record::Entry::decode(refused.entry);
    if (!e.ok()) return;
    Digest prev{};
    if (e->type == record::EntryType::kCastBallot) {
      auto b = record::CastBallotBody::decode(e->body);
      if (!b.ok()) return;
      prev = b->ballot.previous_code;
    } else {
      auto b = record::ChallengedBallotBody::decode(e->body);
      if (!b.ok()) return;
      prev = b->ballot.previous_code;
    }
    chain = ChainState{refused.sequence - 1, prev};
  }
  if (!chain) return;
  if (!store_->set_chain_state(*chain).ok()) return;
  ChainState c = *chain;
  notify([c](DispatcherListener& l) { l.on_chain_changed(c); });
}

void Dispatcher::refresh_status() {
  if (!client_) return;
  auto s = client_->status();
  status_.checked = true;
  status_.reachable = s.ok();
  if (s.ok()) {
    status_.ledger_phase = s->phase;
  } else {
    status_.last_error = s.error().describe();
  }
  if (s.ok() && ready_) {
    deliver();  // publishes
    return;
  }
  publish_status();
}

void Dispatcher::set_kiosk_open(bool open) {
  if (store_ && store_->set_kiosk_open(open).ok()) status_.kiosk_open = open;
  publish_status();
}

void Dispatcher::poll_report(std::uint64_t request, PollReportKind kind) {
  PollReportInputs in;
  in.kind = kind;
  in.election = engine_ ? engine_->election_ptr() : nullptr;
  in.kiosk_key = options_.kiosk_key->verify_key().bytes();
  in.time = QDateTime::currentDateTimeUtc();
  if (store_) {
    if (auto c = store_->chain_state(); c.ok() && *c) in.chain = **c;
  }
  publish_status();  // the store's counts, queue and refused entries, as of now
  in.local = status_;
  if (!client_) {
    in.ledger_error = make_error(ErrorCode::kIo, "not connected to the election record", "ledger");
  } else if (auto st = client_->status(); !st.ok()) {
    in.ledger_error = st.error();
  } else {
    in.ledger_status = *st;
    if (auto k = client_->kiosk(options_.kiosk_key->verify_key().bytes()); k.ok()) {
      in.ledger_kiosk = *k;
    } else {
      in.ledger_error = k.error();
    }
    if (kind == PollReportKind::kClosed) {
      if (auto pc = client_->polls_close(); pc.ok()) {
        in.polls_close = std::move(*pc);
      } else if (pc.error().code != ErrorCode::kNotFound) {
        in.ledger_status.reset();  // not "not closed yet": the closing entry could not be read
        in.ledger_error = pc.error();
      }
    }
  }
  PollReport report = make_poll_report(in);
  notify([request, report](DispatcherListener& l) { l.on_poll_report(request, report); });
}

void Dispatcher::check_token(std::uint64_t request, Digest token_hash) {
  TokenCheck check;
  auto answer = [&] {
    notify([request, check](DispatcherListener& l) { l.on_token_checked(request, check); });
  };
  if (!client_) {
    check.error = make_error(ErrorCode::kIo, "not connected to the election record", "ledger");
    return answer();
  }
  if (precinct_.empty()) {
    auto k = client_->kiosk(options_.kiosk_key->verify_key().bytes());
    if (!k.ok()) {
      check.error = k.error();
      return answer();
    }
    precinct_ = k->precinct;
  }
  check.kiosk_precinct = precinct_;
  auto t = client_->token(token_hash);
  if (!t.ok()) {
    if (t.error().code == ErrorCode::kNotFound) {
      check.verdict = TokenCheck::Verdict::kNotCommitted;
    } else {
      check.error = t.error();
    }
    return answer();
  }
  check.precinct = t->precinct;
  if (t->spent) {
    check.verdict = TokenCheck::Verdict::kSpent;
  } else if (t->precinct != precinct_) {
    check.verdict = TokenCheck::Verdict::kOtherPrecinct;
  } else {
    check.verdict = TokenCheck::Verdict::kValid;
  }
  answer();
}

void Dispatcher::publish_status() {
  if (store_) {
    if (auto p = store_->pending(); p.ok()) {
      status_.queue_length = p->size();
      status_.awaiting_cosignatures = 0;
      for (const auto& q : *p) status_.awaiting_cosignatures += q.acknowledged_index ? 1 : 0;
    }
    if (auto n = store_->count(EntryKind::kCast); n.ok()) status_.cast_here = *n;
    if (auto n = store_->count(EntryKind::kChallenged); n.ok()) status_.challenged_here = *n;
    if (auto r = store_->rejected(); r.ok()) status_.rejected = std::move(*r);
  }
  PollStatus s = status_;
  notify([s](DispatcherListener& l) { l.on_status(s); });
}

void DispatcherThread::run() {
  QThread::run();  // the event loop, until quit()
  release_thread_crypto_state();
}

}  // namespace tabella::kiosk
