#include "core/kiosk_model.h"

#include <QLocale>
#include <algorithm>
#include <ctime>

#include "core/kiosk_config.h"
#include "tabella/election/token.h"

namespace tabella::kiosk {

KioskModel::KioskModel(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
  idle_timer_.setSingleShot(true);
  idle_timer_.setInterval(options_.idle_timeout_ms - warning_ms());
  connect(&idle_timer_, &QTimer::timeout, this, &KioskModel::on_idle_timeout);
  countdown_timer_.setInterval(250);
  connect(&countdown_timer_, &QTimer::timeout, this, [this] {
    if (!idle_warning_) return;
    if (QDateTime::currentMSecsSinceEpoch() >= idle_deadline_ms_) {
      end_idle_warning();
      reset();
      return;
    }
    emit idle_changed();
  });
  patience_timer_.setSingleShot(true);
  patience_timer_.setInterval(options_.cast_patience_ms);
  connect(&patience_timer_, &QTimer::timeout, this, [this] {
    if (screen_ != Screen::kWorking || ticket_ == 0 || ticket_kind_ != EntryKind::kCast) return;
    // Durable on this kiosk; the ledger is slow. The voter need not wait.
    ticket_ = 0;
    receipt_.outcome = CastOutcome::kPending;
    recasting_ = false;
    set_screen(Screen::kCastDone);
  });
  pin_lock_timer_.setSingleShot(true);
  pin_lock_timer_.setInterval(options_.pin_lockout_ms);
  connect(&pin_lock_timer_, &QTimer::timeout, this, [this] { pin_failures_ = 0; });
}

KioskModel::~KioskModel() {
  wipe_voter();
  if (dispatcher_ != nullptr) {
    Dispatcher* d = dispatcher_;
    QMetaObject::invokeMethod(
        d, [d] { delete d; }, Qt::BlockingQueuedConnection);
    dispatcher_ = nullptr;
  }
  thread_.quit();
  thread_.wait();
}

void KioskModel::start() {
  DispatcherOptions o;
  o.db_path = options_.db_path.toStdString();
  o.kiosk_key = options_.kiosk_key;
  o.authority = options_.authority;
  o.retry_interval_ms = options_.retry_interval_ms;
  o.status_interval_ms = options_.status_interval_ms;
  dispatcher_ = new Dispatcher(options_.client_factory, o, this, this);
  dispatcher_->moveToThread(&thread_);
  thread_.setObjectName(QStringLiteral("kiosk-dispatcher"));
  thread_.start();
  Dispatcher* d = dispatcher_;
  QMetaObject::invokeMethod(
      d, [d] { d->start(); }, Qt::QueuedConnection);
  set_screen(Screen::kStarting);
}

// ------------------------------------------------------------------------------- listener

void KioskModel::on_ready(const ReadyInfo& info) {
  engine_ = info.engine;
  chain_ = info.chain;
  kiosk_open_ = info.kiosk_open;
  poll_status_.kiosk_open = info.kiosk_open;
  not_enrolled_ = false;
  technical_detail_.clear();
  const auto& langs = engine_->context().manifest.languages;
  if (std::find(langs.begin(), langs.end(), language_.toStdString()) == langs.end()) {
    language_ = QString::fromStdString(langs.front());
    emit language_changed(language_);
  }
  marks_.assign(engine_->context().manifest.contests.size(), {});
  if (screen_ == Screen::kStarting || screen_ == Screen::kUnavailable) set_screen(idle_screen());
  emit changed();
}

void KioskModel::on_not_ready(const Error& why) {
  technical_detail_ = QString::fromStdString(why.describe());
  not_enrolled_ = why.code == ErrorCode::kNotFound && why.field == "kiosk_key";
  unavailable_text_ =
      not_enrolled_
          ? tr("This kiosk is not yet enrolled for this election. Please ask a poll worker.")
          : tr("This kiosk is not ready yet. Please ask a poll worker for help.");
  if (screen_ == Screen::kStarting || screen_ == Screen::kUnavailable) {
    set_screen(Screen::kUnavailable);
  }
  emit changed();
}

void KioskModel::on_queued(std::uint64_t ticket) {
  if (ticket != ticket_) return;
  if (ticket_kind_ == EntryKind::kCast) {
    // Durable here: the chain moved on; tell the voter once the ledger confirms or patience ends.
    patience_timer_.start();
  }
}

void KioskModel::on_submitted(const SubmitReport& report) {
  // A late answer about a voter who already left is for the poll-worker status only.
  if (report.ticket != ticket_ || ticket_ == 0) return;
  ticket_ = 0;
  patience_timer_.stop();
  if (ticket_kind_ == EntryKind::kChallenged) {
    challenge_published_ = report.verdict == SubmitVerdict::kRecorded;
    notice_ = report.verdict == SubmitVerdict::kRecorded
                  ? tr("This checked ballot is now published on the election record. It will "
                       "not be counted.")
              : report.verdict == SubmitVerdict::kPending
                  ? tr("This checked ballot is saved on this kiosk and will be published on the "
                       "election record. It will not be counted.")
                  : tr("This checked ballot could not be published. A poll worker has been "
                       "alerted. It will not be counted.");
    set_screen(Screen::kChallenged);
    return;
  }
  switch (report.verdict) {
    case SubmitVerdict::kRecorded: {
      receipt_.outcome = CastOutcome::kRecorded;
      receipt_.index = report.receipt.index;
      const auto& cp = *report.checkpoint;
      receipt_.checkpoint = QString::fromStdString(cp.origin) + QStringLiteral(" · ") +
                            tr("log size %1").arg(cp.size) + QStringLiteral(" · ") +
                            QString::fromStdString(to_hex(cp.root)).left(16);
      pending_.reset();
      recasting_ = false;
      set_screen(Screen::kCastDone);
      return;
    }
    case SubmitVerdict::kPending:
      receipt_.outcome = CastOutcome::kPending;
      pending_.reset();
      recasting_ = false;
      set_screen(Screen::kCastDone);
      return;
    case SubmitVerdict::kRejected:
    case SubmitVerdict::kFailed:
      break;
  }
  const Error& e = report.error;
  if (report.verdict == SubmitVerdict::kRejected && e.field == "body.token_hash") {
    // The ledger decides whether a token is committed and unspent. The encrypted ballot does not
    // contain the token, so it can be cast with another one.
    const bool spent = e.reason == ErrorReason::kTokenSpent;
    notice_ = spent ? tr("This voting code has already been used. Please ask a poll worker for "
                         "a new code, then type it here. Your choices are kept.")
                    : tr("This voting code is not valid for this election. Please check it, or "
                         "ask a poll worker for a new code. Your choices are kept.");
    secure_zero(token_.data(), token_.size());
    token_.clear();
    recasting_ = true;
    set_screen(Screen::kToken);
    return;
  }
  receipt_.outcome = CastOutcome::kRefused;
  pending_.reset();
  recasting_ = false;
  notice_ = e.reason == ErrorReason::kPollsNotOpen
                ? tr("Your ballot could not be recorded because voting is closed. Please ask a "
                     "poll worker for help.")
                : tr("Your ballot could not be recorded. Please ask a poll worker for help.");
  set_screen(Screen::kCastDone);
}

void KioskModel::on_chain_changed(const ChainState& chain) {
  chain_ = chain;
}

void KioskModel::on_status(const PollStatus& status) {
  const PollStatus& o = poll_status_;
  const bool same =
      o.checked == status.checked && o.reachable == status.reachable &&
      o.ledger_phase == status.ledger_phase && o.queue_length == status.queue_length &&
      o.awaiting_cosignatures == status.awaiting_cosignatures && o.cast_here == status.cast_here &&
      o.challenged_here == status.challenged_here && o.rejected.size() == status.rejected.size() &&
      o.last_error == status.last_error && o.kiosk_open == status.kiosk_open;
  poll_status_ = status;
  ++status_reports_;
  const bool closed_before = polls_closed();
  const bool open_before = kiosk_open_;
  kiosk_open_ = status.kiosk_open;
  if (screen_ == Screen::kWelcome && idle_screen() == Screen::kClosed) {
    set_screen(Screen::kClosed);
    return;
  }
  if (screen_ == Screen::kClosed && idle_screen() == Screen::kWelcome) {
    set_screen(Screen::kWelcome);
    return;
  }
  // Only a screen that shows the status is redrawn: a voter's screen is left alone.
  if ((screen_ == Screen::kPollWorker && !same) ||
      (screen_ == Screen::kClosed &&
       (closed_before != polls_closed() || open_before != kiosk_open_)))
    emit changed();
}

// ---------------------------------------------------------------------------------- views

QString KioskModel::text(const election::LocalizedText& t) const {
  return QString::fromStdString(t.in(lang()));
}

QString KioskModel::election_title() const {
  if (!engine_) return QString();
  const QString title = text(engine_->context().manifest.title);
  // A test election (logic and accuracy testing) says so on every screen's header and slip.
  return test_election() ? tr("TEST ELECTION — %1").arg(title) : title;
}

bool KioskModel::test_election() const {
  return engine_ && engine_->context().manifest.test;
}

std::vector<LanguageOption> KioskModel::languages() const {
  std::vector<LanguageOption> out;
  if (!engine_) return out;
  for (const auto& tag : engine_->context().manifest.languages) {
    QString q = QString::fromStdString(tag);
    // The language's own name without a country ("Español", not "Español de España").
    static const std::pair<const char*, const char*> kNames[] = {
        {"en", "English"},  {"es", "Español"},       {"fr", "Français"}, {"de", "Deutsch"},
        {"it", "Italiano"}, {"pt", "Português"},     {"zh", "中文"},     {"vi", "Tiếng Việt"},
        {"ko", "한국어"},   {"tl", "Tagalog"},       {"ar", "العربية"},  {"ru", "Русский"},
        {"ja", "日本語"},   {"ht", "Kreyòl ayisyen"}};
    QString name;
    for (const auto& [code, native] : kNames) {
      if (tag == code) name = QString::fromUtf8(native);
    }
    if (name.isEmpty()) name = QLocale(q).nativeLanguageName();
    if (name.isEmpty()) name = q;
    name[0] = name[0].toUpper();
    out.push_back({q, name});
  }
  return out;
}

int KioskModel::contest_count() const {
  return engine_ ? static_cast<int>(engine_->context().manifest.contests.size()) : 0;
}

ContestView KioskModel::contest() const {
  ContestView v;
  if (!engine_ || contest_ >= contest_count()) return v;
  const auto& c = engine_->context().manifest.contests[static_cast<std::size_t>(contest_)];
  const auto& marked = marks_[static_cast<std::size_t>(contest_)];
  v.index = contest_;
  v.count = contest_count();
  v.title = text(c.title);
  v.instructions = text(c.instructions);
  v.min = static_cast<int>(c.min);
  v.max = static_cast<int>(c.max);
  v.selected = static_cast<int>(marked.size());
  if (c.min > 0 && c.min == c.max) {
    v.rule = c.max == 1 ? tr("Choose one.") : tr("Choose exactly %1.").arg(c.max);
  } else if (c.max == 1) {
    v.rule = tr("Choose one, or leave it blank.");
  } else {
    v.rule = tr("Choose up to %1.").arg(c.max);
  }
  v.progress = tr("Contest %1 of %2").arg(contest_ + 1).arg(v.count);
  v.status = v.selected == 0 ? tr("You have not chosen anything yet.")
                             : tr("You have chosen %1 of %2.").arg(v.selected).arg(v.max);
  for (std::size_t j = 0; j < c.choices.size(); ++j) {
    ChoiceView cv;
    cv.label = text(c.choices[j].label);
    cv.party = c.choices[j].party.empty() ? QString() : text(c.choices[j].party);
    cv.selected = marked.count(static_cast<int>(j)) != 0;
    cv.available = cv.selected || v.selected < v.max || v.max == 1;
    v.choices.push_back(cv);
  }
  return v;
}

std::vector<ReviewRow> KioskModel::review() const {
  std::vector<ReviewRow> rows;
  if (!engine_) return rows;
  const auto& m = engine_->context().manifest;
  for (std::size_t i = 0; i < m.contests.size(); ++i) {
    const auto& c = m.contests[i];
    ReviewRow r;
    r.contest = static_cast<int>(i);
    r.title = text(c.title);
    for (int j : marks_[i]) r.choices << text(c.choices[static_cast<std::size_t>(j)].label);
    const auto n = static_cast<std::uint32_t>(marks_[i].size());
    r.undervote = n < c.max;
    if (n == 0) {
      r.note = tr("No choice made: this contest will be left blank.");
    } else if (n < c.max) {
      r.note = tr("You chose %1 of %2. You may choose %3 more.").arg(n).arg(c.max).arg(c.max - n);
    }
    rows.push_back(r);
  }
  return rows;
}

QString KioskModel::tracking_code() const {
  return pending_ ? QString::fromStdString(pending_->short_code) : receipt_.tracking_code;
}

QString KioskModel::kiosk_fingerprint() const {
  return QString::fromStdString(options_.kiosk_key->verify_key().fingerprint());
}
QString KioskModel::kiosk_public_key_hex() const {
  return QString::fromStdString(options_.kiosk_key->verify_key().to_hex());
}

bool KioskModel::holds_voter_data() const {
  bool marks = false;
  for (const auto& m : marks_) marks = marks || !m.empty();
  return marks || !token_.empty() || pending_.has_value() || !challenge_rows_.empty() ||
         !receipt_.tracking_code.isEmpty() || recasting_ || return_to_review_ || contest_ != 0;
}

// -------------------------------------------------------------------------------- actions

void KioskModel::set_screen(Screen s) {
  if (s != Screen::kToken && s != Screen::kContest && s != Screen::kCastDone &&
      s != Screen::kChallenged && s != Screen::kPin) {
    notice_.clear();
  }
  if (s != Screen::kPollWorker) {
    poll_report_.reset();
    report_request_ = 0;
  }
  if (s != Screen::kToken) token_request_ = 0;  // a late answer is for a screen left
  screen_ = s;
  touch();
  emit changed();
}

void KioskModel::touch() {
  end_idle_warning();
  const bool default_look =
      text_size_ == 0 && contrast_ == 0 &&
      (!engine_ || language_ == QString::fromStdString(engine_->context().manifest.languages[0]));
  if (screen_ == Screen::kStarting || screen_ == Screen::kUnavailable ||
      screen_ == Screen::kClosed ||
      (screen_ == Screen::kWelcome && !holds_voter_data() && default_look)) {
    idle_timer_.stop();
  } else {
    idle_timer_.start();
  }
}

void KioskModel::user_activity() {
  touch();
}

int KioskModel::warning_ms() const {
  return std::min(options_.idle_warning_ms, options_.idle_timeout_ms / 2);
}

int KioskModel::idle_seconds_left() const {
  if (!idle_warning_) return 0;
  const qint64 left = idle_deadline_ms_ - QDateTime::currentMSecsSinceEpoch();
  return left <= 0 ? 0 : static_cast<int>((left + 999) / 1000);
}

void KioskModel::end_idle_warning() {
  if (!idle_warning_) return;
  idle_warning_ = false;
  countdown_timer_.stop();
  emit idle_changed();
}

bool KioskModel::polls_closed() const {
  if (!poll_status_.checked || !poll_status_.reachable) return false;  // offline: keep voting
  const std::string& p = poll_status_.ledger_phase;
  return !(p.empty() || p == "empty" || p == "setup" || p == "keyed" || p == "open");
}

Screen KioskModel::idle_screen() const {
  if (!engine_) return Screen::kUnavailable;
  return kiosk_open_ && !polls_closed() ? Screen::kWelcome : Screen::kClosed;
}

void KioskModel::choose_language(const QString& tag) {
  if (!engine_) return;
  for (const auto& l : languages()) {
    if (l.tag == tag) {
      language_ = tag;
      emit language_changed(tag);
      touch();
      emit changed();
      return;
    }
  }
}

void KioskModel::set_text_size(int size) {
  text_size_ = std::clamp(size, 0, kTextSizes - 1);
  touch();
  emit changed();
}

void KioskModel::set_contrast(int mode) {
  contrast_ = std::clamp(mode, 0, kContrastModes - 1);
  touch();
  emit changed();
}

void KioskModel::start_voting() {
  if (screen_ != Screen::kWelcome || !engine_ || !kiosk_open_ || polls_closed()) return;
  set_screen(Screen::kToken);
}

void KioskModel::submit_token(const QString& typed) {
  if (screen_ != Screen::kToken) return;
  std::string raw = typed.toStdString();
  auto t = election::normalize_token(raw);
  secure_zero(raw.data(), raw.size());
  if (!t.ok()) {
    notice_ =
        tr("That voting code is not complete or has a typing error. A voting code has 16 "
           "letters and digits, like ABCD-EFGH-JKLM-NPQR. Please check it and try again.");
    touch();
    emit changed();
    return;
  }
  if (token_request_ != 0) return;  // the code before it is being checked (a scanner's Enter)
  token_ = std::move(*t);
  notice_.clear();
  if (recasting_ && pending_) {
    cast();
    return;
  }
  // Checked with the ledger before anything is marked; the answer comes to on_token_checked.
  if (dispatcher_ == nullptr || !engine_) {
    contest_ = 0;
    set_screen(Screen::kContest);
    return;
  }
  Dispatcher* d = dispatcher_;
  const std::uint64_t request = next_token_request_++;
  token_request_ = request;
  const Digest hash = engine_->token_hash(token_);
  QMetaObject::invokeMethod(
      d, [d, request, hash] { d->check_token(request, hash); }, Qt::QueuedConnection);
  notice_ = tr("Checking your voting code…");
  touch();
  emit changed();
}

void KioskModel::on_token_checked(std::uint64_t request, const TokenCheck& check) {
  if (request != token_request_) return;
  token_request_ = 0;
  if (screen_ != Screen::kToken) return;  // the voter left (Back, timeout): nothing to do
  using V = TokenCheck::Verdict;
  if (check.verdict == V::kValid || check.verdict == V::kUnchecked) {
    notice_ = check.verdict == V::kValid
                  ? QString()
                  : tr("Your voting code could not be checked now because the election record "
                       "cannot be reached. You can vote; the code is checked when your ballot "
                       "is cast.");
    contest_ = 0;
    set_screen(Screen::kContest);
    return;
  }
  secure_zero(token_.data(), token_.size());
  token_.clear();
  switch (check.verdict) {
    case V::kSpent:
      notice_ =
          tr("This voting code has already been used. Please ask a poll worker for a new "
             "code.");
      break;
    case V::kOtherPrecinct:
      notice_ = tr("This voting code is for another polling place (%1), not this one (%2). "
                   "Please ask a poll worker.")
                    .arg(QString::fromStdString(check.precinct),
                         QString::fromStdString(check.kiosk_precinct));
      break;
    default:
      notice_ =
          tr("This voting code is not valid for this election. Please check it and try "
             "again, or ask a poll worker.");
      break;
  }
  touch();
  emit changed();
}

void KioskModel::toggle_choice(int choice) {
  if (screen_ != Screen::kContest || !engine_) return;
  const auto& c = engine_->context().manifest.contests[static_cast<std::size_t>(contest_)];
  if (choice < 0 || choice >= static_cast<int>(c.choices.size())) return;
  auto& marked = marks_[static_cast<std::size_t>(contest_)];
  notice_.clear();
  if (marked.erase(choice) == 0) {
    if (marked.size() < c.max) {
      marked.insert(choice);
    } else if (c.max == 1) {
      marked.clear();  // one choice: choosing another replaces it
      marked.insert(choice);
    } else {
      notice_ = tr("You have already chosen %1, the most allowed in this contest. To choose "
                   "this one, first remove one of your choices.")
                    .arg(c.max);
    }
  }
  touch();
  emit changed();
}

void KioskModel::next() {
  if (screen_ == Screen::kWelcome) {
    start_voting();
    return;
  }
  if (screen_ != Screen::kContest) return;
  const auto& c = engine_->context().manifest.contests[static_cast<std::size_t>(contest_)];
  if (marks_[static_cast<std::size_t>(contest_)].size() < c.min) {
    notice_ = tr("Please choose at least %1 in this contest.").arg(c.min);
    touch();
    emit changed();
    return;
  }
  notice_.clear();  // a notice belongs to the contest it was about
  if (return_to_review_ || contest_ + 1 >= contest_count()) {
    return_to_review_ = false;
    set_screen(Screen::kReview);
    return;
  }
  ++contest_;
  set_screen(Screen::kContest);
}

void KioskModel::back() {
  switch (screen_) {
    case Screen::kToken:
      if (recasting_) return;  // the ballot is sealed; a new code or a poll worker
      secure_zero(token_.data(), token_.size());
      token_.clear();
      set_screen(Screen::kWelcome);
      return;
    case Screen::kContest:
      notice_.clear();  // a notice belongs to the contest it was about
      if (return_to_review_) {
        return_to_review_ = false;
        set_screen(Screen::kReview);
      } else if (contest_ > 0) {
        --contest_;
        set_screen(Screen::kContest);
      } else {
        set_screen(Screen::kToken);
      }
      return;
    case Screen::kReview:
      contest_ = contest_count() - 1;
      set_screen(Screen::kContest);
      return;
    case Screen::kTracking:
      pending_.reset();  // never submitted: discarded, the chain does not move
      set_screen(Screen::kReview);
      return;
    case Screen::kPin:
      set_screen(before_pin_);
      return;
    case Screen::kPollWorker:
      leave_poll_worker();
      return;
    case Screen::kChallenged:
      challenge_done();
      return;
    case Screen::kStarting:
    case Screen::kUnavailable:
    case Screen::kClosed:
    case Screen::kWelcome:
    case Screen::kWorking:
    case Screen::kCastDone:
      return;
  }
}

void KioskModel::edit_contest(int contest) {
  if (screen_ != Screen::kReview || contest < 0 || contest >= contest_count()) return;
  contest_ = contest;
  return_to_review_ = true;
  notice_.clear();
  set_screen(Screen::kContest);
}

election::PlaintextBallot KioskModel::plaintext() const {
  election::PlaintextBallot b;
  const auto& m = engine_->context().manifest;
  for (std::size_t i = 0; i < m.contests.size(); ++i) {
    election::ContestMarks cm{m.contests[i].id, {}};
    for (int j : marks_[i])
      cm.choice_ids.push_back(m.contests[i].choices[static_cast<std::size_t>(j)].id);
    b.contests.push_back(std::move(cm));
  }
  return b;
}

void KioskModel::encrypt() {
  if (screen_ != Screen::kReview) return;
  working_text_ = tr("Sealing your ballot…");
  set_screen(Screen::kWorking);
  // Let the screen paint first; the encryption itself takes milliseconds.
  QTimer::singleShot(0, this, [this] { do_encrypt(); });
}

void KioskModel::do_encrypt() {
  if (screen_ != Screen::kWorking || !engine_) return;
  auto pb = plaintext();
  auto sealed =
      engine_->seal(pb, chain_, options_.rng != nullptr ? *options_.rng : SystemRng::instance());
  for (auto& c : pb.contests) c.choice_ids.clear();
  if (!sealed.ok()) {
    notice_ = tr("Your choices could not be sealed. Please review them again.");
    technical_detail_ = QString::fromStdString(sealed.error().describe());
    screen_ = Screen::kReview;
    touch();
    emit changed();
    return;
  }
  pending_ = std::move(*sealed);
  set_screen(Screen::kTracking);
}

void KioskModel::submit_entry(EntryKind kind, const Bytes& entry) {
  ticket_ = next_ticket_++;
  ticket_kind_ = kind;
  const ChainState next = pending_->chain_after();
  chain_ = next;
  Dispatcher* d = dispatcher_;
  const std::uint64_t ticket = ticket_;
  const Digest code = pending_->code;
  const std::uint64_t seq = pending_->sequence();
  QMetaObject::invokeMethod(
      d,
      [d, ticket, kind, entry, code, seq, next] {
        d->submit(ticket, kind, entry, code, seq, next);
      },
      Qt::QueuedConnection);
}

void KioskModel::cast() {
  const bool from_token = screen_ == Screen::kToken && recasting_;
  if ((screen_ != Screen::kTracking && !from_token) || !pending_ || token_.empty()) return;
  // The chain may have moved since encryption (a queued ballot refused and resynchronised):
  // such a ballot would be refused, so seal it afresh and show the new code.
  if (!client::KioskEngine::chains_onto(*pending_, chain_)) {
    if (pending_->secrets.marks.empty()) {
      pending_.reset();
      notice_ = tr("Your ballot could not be recorded. Please ask a poll worker for help.");
      receipt_.outcome = CastOutcome::kRefused;
      set_screen(Screen::kCastDone);
      return;
    }
    pending_.reset();
    working_text_ = tr("Sealing your ballot…");
    set_screen(Screen::kWorking);
    do_encrypt();
    return;
  }
  pending_->secrets.wipe();  // a cast ballot is never opened
  auto entry = engine_->cast_entry(*pending_, token_);
  secure_zero(token_.data(), token_.size());
  token_.clear();
  if (!entry.ok()) {  // cannot happen: the token was normalised when typed
    technical_detail_ = QString::fromStdString(entry.error().describe());
    pending_.reset();
    notice_ = tr("Your ballot could not be recorded. Please ask a poll worker for help.");
    receipt_.outcome = CastOutcome::kRefused;
    set_screen(Screen::kCastDone);
    return;
  }
  receipt_ = ReceiptView();
  receipt_.election_title = election_title();
  receipt_.tracking_code = QString::fromStdString(pending_->short_code);
  receipt_.code_hex = QString::fromStdString(to_hex(pending_->code));
  receipt_.lookup = lookup_url(receipt_.tracking_code);
  receipt_.time = QDateTime::currentDateTimeUtc();
  working_text_ = tr("Recording your ballot…");
  submit_entry(EntryKind::kCast, *entry);
  set_screen(Screen::kWorking);
}

void KioskModel::challenge() {
  if (screen_ != Screen::kTracking || !pending_ || pending_->secrets.marks.empty()) return;
  client::ChallengeEntry opened = engine_->challenge_entry(*pending_);
  pending_->secrets.wipe();  // published in the entry; no copy stays here
  // Show what the kiosk really encrypted: recomputed from the opening, not from our marks.
  challenge_rows_.clear();
  const auto& m = engine_->context().manifest;
  if (opened.choice_ids.ok()) {
    const auto& ids = *opened.choice_ids;
    for (std::size_t c = 0; c < m.contests.size(); ++c) {
      ChallengeRow row{text(m.contests[c].title), {}};
      for (const auto& id : ids[c]) {
        for (const auto& ch : m.contests[c].choices) {
          if (ch.id == id) row.choices << text(ch.label);
        }
      }
      challenge_rows_.push_back(row);
    }
  } else {
    technical_detail_ = QString::fromStdString(opened.choice_ids.error().describe());
  }
  receipt_ = ReceiptView();
  receipt_.election_title = election_title();
  receipt_.tracking_code = QString::fromStdString(pending_->short_code);
  receipt_.code_hex = QString::fromStdString(to_hex(pending_->code));
  receipt_.time = QDateTime::currentDateTimeUtc();
  challenge_published_ = false;
  working_text_ = tr("Opening your ballot for checking…");
  submit_entry(EntryKind::kChallenged, opened.entry);
  pending_.reset();  // the secrets are published now; a fresh encryption follows
  set_screen(Screen::kWorking);
}

void KioskModel::challenge_done() {
  if (screen_ != Screen::kChallenged) return;
  challenge_rows_.clear();
  receipt_ = ReceiptView();
  set_screen(Screen::kReview);
}

void KioskModel::done() {
  if (screen_ != Screen::kCastDone) return;
  reset();
}

void KioskModel::wipe_voter() {
  if (pending_) pending_->secrets.wipe();
  pending_.reset();
  secure_zero(token_.data(), token_.size());
  token_.clear();
  for (auto& m : marks_) m.clear();
  contest_ = 0;
  return_to_review_ = false;
  recasting_ = false;
  challenge_rows_.clear();
  challenge_published_ = false;
  receipt_ = ReceiptView();
  notice_.clear();
  ticket_ = 0;
  patience_timer_.stop();
}

void KioskModel::reset() {
  emit session_cleared();
  wipe_voter();
  text_size_ = 0;
  contrast_ = 0;
  if (engine_ && language_ != QString::fromStdString(engine_->context().manifest.languages[0])) {
    language_ = QString::fromStdString(engine_->context().manifest.languages[0]);
    emit language_changed(language_);
  }
  set_screen(idle_screen());
}

QString KioskModel::refusal_text(const RejectedEntry& r) {
  const Error& e = r.error;
  const bool cast = r.kind == EntryKind::kCast;
  if (e.field == "body.token_hash") {
    if (e.reason == ErrorReason::kTokenSpent)
      return tr(
          "a voting code was used twice — the voter was asked for a new code; the same "
          "sealed ballot is cast with it");
    return tr(
        "a voting code that is not valid for this election was typed — the voter was "
        "asked for a valid code");
  }
  if (e.reason == ErrorReason::kPollsNotOpen || e.reason == ErrorReason::kPhase)
    return cast ? tr("a ballot arrived when the polls were not open — it was not counted")
                : tr("a checked ballot arrived when the polls were not open");
  if (e.reason == ErrorReason::kKioskChain)
    return tr(
        "a ballot arrived out of order after an earlier one was refused — the election "
        "office must review this kiosk's ballots");
  if (e.reason == ErrorReason::kKioskNotAllowed)
    return tr(
        "this kiosk is not allowed to record ballots (not enrolled or removed) — call the "
        "election office");
  return tr("refused by the election record (%1) — call the election office")
      .arg(QString::fromStdString(e.describe()));
}

QString KioskModel::phase_text(const std::string& phase) {
  if (phase == "open") return tr("polls open");
  if (phase == "empty" || phase == "setup" || phase == "keyed") return tr("polls not yet open");
  if (phase == "closed") return tr("polls closed");
  return tr("polls closed, counting (%1)").arg(QString::fromStdString(phase));
}

QString KioskModel::lookup_url(const QString& tracking_code) const {
  QString base = options_.public_url.isEmpty() ? options_.ledger_url : options_.public_url;
  while (base.endsWith(QLatin1Char('/'))) base.chop(1);
  if (base.isEmpty()) return tracking_code;
  QString url = base + QStringLiteral("/ballot/") + tracking_code;
  // The board's page in the voter's language (the first language is its default).
  if (engine_ && language_ != QString::fromStdString(engine_->context().manifest.languages[0]))
    url += QStringLiteral("?lang=") + language_;
  return url;
}

void KioskModel::on_idle_timeout() {
  switch (screen_) {
    case Screen::kWorking:
      idle_timer_.start();  // never interrupt a submission
      return;
    case Screen::kPin:
    case Screen::kPollWorker:
      set_screen(idle_screen());
      return;
    case Screen::kStarting:
    case Screen::kUnavailable:
    case Screen::kClosed:
      return;
    case Screen::kWelcome:
    case Screen::kToken:
    case Screen::kContest:
    case Screen::kReview:
    case Screen::kTracking:
    case Screen::kChallenged:
    case Screen::kCastDone:
      // "Are you still voting?": the session is cleared when the countdown runs out.
      if (!idle_warning_) {
        idle_warning_ = true;
        idle_deadline_ms_ = QDateTime::currentMSecsSinceEpoch() + warning_ms();
        countdown_timer_.start();
        emit idle_changed();
      }
      return;
  }
}

// ---------------------------------------------------------------------------- poll worker

void KioskModel::enter_poll_worker() {
  if (screen_ != Screen::kWelcome && screen_ != Screen::kClosed &&
      screen_ != Screen::kUnavailable && screen_ != Screen::kStarting) {
    return;  // never in the middle of a voter's session
  }
  before_pin_ = screen_;
  notice_.clear();
  set_screen(Screen::kPin);
}

void KioskModel::submit_pin(const QString& pin) {
  if (screen_ != Screen::kPin) return;
  if (pin_failures_ >= 5) {
    notice_ = tr("Too many wrong PINs. Try again in a minute.");
    emit changed();
    return;
  }
  std::string p = pin.toStdString();
  const bool ok = !options_.pin_hash.isEmpty() && check_pin(p, options_.pin_hash.toStdString());
  secure_zero(p.data(), p.size());
  if (!ok) {
    if (++pin_failures_ >= 5) pin_lock_timer_.start();
    notice_ = options_.pin_hash.isEmpty() ? tr("No poll-worker PIN is configured on this kiosk.")
                                          : tr("Wrong PIN.");
    touch();
    emit changed();
    return;
  }
  pin_failures_ = 0;
  set_screen(Screen::kPollWorker);
  retry_delivery();
}

void KioskModel::set_kiosk_open(bool open) {
  if (screen_ != Screen::kPollWorker || dispatcher_ == nullptr) return;
  Dispatcher* d = dispatcher_;
  QMetaObject::invokeMethod(
      d, [d, open] { d->set_kiosk_open(open); }, Qt::QueuedConnection);
  touch();
}

void KioskModel::request_poll_report(PollReportKind kind) {
  if (screen_ != Screen::kPollWorker || dispatcher_ == nullptr) return;
  Dispatcher* d = dispatcher_;
  const std::uint64_t request = next_report_++;
  report_request_ = request;
  poll_report_.reset();
  QMetaObject::invokeMethod(
      d, [d, request, kind] { d->poll_report(request, kind); }, Qt::QueuedConnection);
  touch();
}

void KioskModel::on_poll_report(std::uint64_t request, const PollReport& report) {
  if (request != report_request_ || screen_ != Screen::kPollWorker) return;
  report_request_ = 0;
  poll_report_ = report;
  emit poll_report_ready();
}

void KioskModel::retry_delivery() {
  if (dispatcher_ == nullptr) return;
  Dispatcher* d = dispatcher_;
  QMetaObject::invokeMethod(
      d,
      [d] {
        d->start();  // no-op once ready
        d->refresh_status();
      },
      Qt::QueuedConnection);
  touch();
}

void KioskModel::leave_poll_worker() {
  if (screen_ != Screen::kPollWorker && screen_ != Screen::kPin) return;
  set_screen(idle_screen());
}

}  // namespace tabella::kiosk
