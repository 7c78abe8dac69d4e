#include "core/voter_simulator.h"

#include <QCoreApplication>
#include <QThread>
#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

namespace tabella::kiosk {

bool pump_until(const std::function<bool()>& pred, int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(2);
  }
  return true;
}

namespace {

// Asks the dispatcher for a delivery round and waits for the status it reports afterwards.
bool fresh_status(KioskModel& model, int ms) {
  const std::uint64_t seen = model.status_reports();
  model.retry_delivery();
  return pump_until([&] { return model.status_reports() > seen; }, ms);
}

Error not_serving(const KioskModel& model, const std::string& what) {
  std::string detail = model.technical_detail().toStdString();
  if (detail.empty()) detail = model.unavailable_text().toStdString();
  return make_error(ErrorCode::kConflict, what + (detail.empty() ? "" : ": " + detail), "kiosk");
}

Status open_kiosk(KioskModel& model, const SimulationOptions& o) {
  if (model.kiosk_open()) return {};
  model.enter_poll_worker();
  model.submit_pin(o.pin);
  if (model.screen() != Screen::kPollWorker) {
    const std::string why = model.notice().toStdString();
    model.leave_poll_worker();
    model.back();
    return make_error(ErrorCode::kPermission,
                      "the kiosk is closed and the poll-worker PIN did not open it" +
                          (why.empty() ? std::string() : " (" + why + ")"),
                      "pin");
  }
  model.set_kiosk_open(true);
  const bool opened = pump_until([&] { return model.kiosk_open(); }, o.step_timeout_ms);
  model.leave_poll_worker();
  if (!opened) return not_serving(model, "the kiosk did not open");
  return {};
}

QStringList sorted(QStringList l) {
  l.sort();
  return l;
}

// One voter's whole path; fills `v` (outcome kRefused and `error` when the voter could not
// finish, and the session is then ended as a poll worker would).
void vote(KioskModel& model, const SimulationOptions& o, const std::string& token,
          std::mt19937_64& rng, SimulatedVoter& v) {
  const auto& manifest = model.election()->context->manifest;
  const auto langs = model.languages();
  v.language = langs[static_cast<std::size_t>(v.number - 1) % langs.size()].tag;
  auto fail = [&](const QString& why) {
    v.outcome = CastOutcome::kRefused;
    v.error = why;
    model.reset();  // the voter walks away; a poll worker would end the session the same way
  };
  auto wait_done_working = [&] {
    return pump_until([&] { return model.screen() != Screen::kWorking; }, o.step_timeout_ms);
  };

  if (model.screen() != Screen::kWelcome)
    return fail(QStringLiteral("the kiosk is not on the welcome screen"));
  model.choose_language(v.language);
  model.start_voting();
  model.submit_token(QString::fromStdString(token));
  // The kiosk checks the code with the ledger before the first contest.
  if (!pump_until([&] { return !model.token_check_busy(); }, o.step_timeout_ms))
    return fail(QStringLiteral("voting code: the check did not finish"));
  if (model.screen() != Screen::kContest)
    return fail(QStringLiteral("voting code: ") + model.notice());

  // Mark every contest with a random valid choice, as the voter's finger would.
  std::vector<QStringList> labels(manifest.contests.size());
  v.choice_ids.assign(manifest.contests.size(), {});
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const ContestView view = model.contest();
    if (model.screen() != Screen::kContest || view.index != static_cast<int>(c)) {
      return fail(QStringLiteral("expected contest %1").arg(c + 1));
    }
    std::uniform_int_distribution<int> how_many(view.min, view.max);
    const int k = std::min(how_many(rng), static_cast<int>(view.choices.size()));
    std::vector<int> idx(view.choices.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(static_cast<std::size_t>(k));
    std::sort(idx.begin(), idx.end());
    for (int j : idx) {
      model.toggle_choice(j);
      labels[c] << view.choices[static_cast<std::size_t>(j)].label;
      v.choice_ids[c].push_back(manifest.contests[c].choices[static_cast<std::size_t>(j)].id);
    }
    if (model.contest().selected != k) {
      return fail(QStringLiteral("contest %1: %2 chosen, the screen shows %3")
                      .arg(c + 1)
                      .arg(k)
                      .arg(model.contest().selected));
    }
    model.next();
  }
  if (model.screen() != Screen::kReview) return fail(QStringLiteral("review: ") + model.notice());

  auto seal = [&]() -> bool {
    model.encrypt();
    if (!wait_done_working() || model.screen() != Screen::kTracking) {
      fail(QStringLiteral("sealing: ") + model.notice() + QStringLiteral(" ") +
           model.technical_detail());
      return false;
    }
    return true;
  };
  if (!seal()) return;

  if (v.number <= o.challenge) {
    // Check this ballot: the screen must show, recomputed from the opening, what was marked.
    v.challenged = true;
    v.challenge_code = model.tracking_code();
    model.challenge();
    if (!wait_done_working() || model.screen() != Screen::kChallenged) {
      return fail(QStringLiteral("challenge: ") + model.notice());
    }
    const auto rows = model.challenge_rows();
    if (rows.size() != labels.size()) return fail(QStringLiteral("challenge: wrong contest count"));
    for (std::size_t c = 0; c < rows.size(); ++c) {
      if (sorted(rows[c].choices) != sorted(labels[c])) {
        return fail(QStringLiteral("challenge: contest %1 opened as [%2], marked [%3]")
                        .arg(c + 1)
                        .arg(rows[c].choices.join(QStringLiteral(", ")),
                             labels[c].join(QStringLiteral(", "))));
      }
    }
    if (!model.challenge_published()) {
      v.error = QStringLiteral("checked ballot not yet published: ") + model.notice();
    }
    model.challenge_done();
    if (!seal()) return;
  }

  // Cast. If the chain moved since sealing, the kiosk reseals and shows the new code: cast it.
  for (int attempt = 0; attempt < 3 && model.screen() == Screen::kTracking; ++attempt) {
    v.tracking_code = model.tracking_code();
    model.cast();
    if (!wait_done_working()) return fail(QStringLiteral("casting: no answer in time"));
  }
  if (model.screen() == Screen::kToken) {
    return fail(QStringLiteral("voting code refused by the ledger: ") + model.notice());
  }
  if (model.screen() != Screen::kCastDone) return fail(QStringLiteral("casting did not finish"));
  const ReceiptView& r = model.receipt();
  v.outcome = r.outcome;
  v.tracking_code = r.tracking_code;
  v.code_hex = r.code_hex;
  v.index = r.index;
  v.checkpoint = r.checkpoint;
  if (r.outcome != CastOutcome::kRecorded && v.error.isEmpty()) v.error = model.notice();
  model.done();
}

}  // namespace

Result<SimulationReport> simulate_voters(
    KioskModel& model, const SimulationOptions& o,
    const std::function<void(const SimulatedVoter&)>& on_voter) {
  if (!pump_until([&] { return model.ready() || model.not_enrolled(); }, o.start_timeout_ms) ||
      !model.ready()) {
    return not_serving(model, "the kiosk did not become ready");
  }
  if (!fresh_status(model, o.step_timeout_ms)) {
    return not_serving(model, "the kiosk's dispatcher did not report its status");
  }
  TABELLA_TRY(open_kiosk(model, o));
  if (model.screen() != Screen::kWelcome) {
    return not_serving(model, "the kiosk does not show the welcome screen");
  }
  const std::size_t rejected_before = model.poll_status().rejected.size();

  SimulationReport report;
  const auto& manifest = model.election()->context->manifest;
  for (const auto& c : manifest.contests) {
    auto& per = report.counts[c.id];
    for (const auto& ch : c.choices) per.emplace(ch.id, 0);
  }
  std::mt19937_64 rng(o.seed);
  for (std::size_t i = 0; i < o.tokens.size(); ++i) {
    SimulatedVoter v;
    v.number = static_cast<int>(i) + 1;
    vote(model, o, o.tokens[i], rng, v);
    if (v.challenged) ++report.challenged;
    switch (v.outcome) {
      case CastOutcome::kRecorded:
        ++report.recorded;
        break;
      case CastOutcome::kPending:
        ++report.pending;
        break;
      case CastOutcome::kRefused:
        ++report.refused;
        break;
    }
    if (v.outcome != CastOutcome::kRefused) {
      for (std::size_t c = 0; c < v.choice_ids.size(); ++c) {
        for (const auto& id : v.choice_ids[c]) ++report.counts[manifest.contests[c].id][id];
      }
    }
    if (on_voter) on_voter(v);
    report.voters.push_back(std::move(v));
  }

  // The queue: wait until everything this kiosk holds has reached the ledger.
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(o.drain_timeout_ms);
  for (;;) {
    if (fresh_status(model, o.step_timeout_ms)) {
      const auto& s = model.poll_status();
      report.queue_left = s.queue_length;
      report.rejected_new =
          s.rejected.size() > rejected_before ? s.rejected.size() - rejected_before : 0;
      report.drained = s.queue_length == 0;
    }
    if (report.drained || std::chrono::steady_clock::now() >= until) break;
    pump_until([] { return false; }, 1000);
  }
  return report;
}

}  // namespace tabella::kiosk
