#include "core/poll_report.h"

#include <QCoreApplication>
#include <algorithm>

#include "core/kiosk_model.h"
#include "tabella/election/ballot.h"
#include "tabella/util/bytes.h"

namespace tabella::kiosk {

namespace {

bool closed_phase(const std::string& p) {
  return !(p.empty() || p == "empty" || p == "setup" || p == "keyed" || p == "open");
}

QString code_text(const Digest& code) {
  return QString::fromStdString(election::short_code(code));
}

}  // namespace

QString poll_report_kind_name(PollReportKind kind) {
  return kind == PollReportKind::kOpened ? QStringLiteral("opened") : QStringLiteral("closed");
}

PollReport make_poll_report(const PollReportInputs& in) {
  PollReport r;
  r.kind = in.kind;
  r.time = in.time.toUTC();
  const bool opened = in.kind == PollReportKind::kOpened;
  r.heading =
      opened ? QCoreApplication::translate("tabella::kiosk::PollReport",
                                           "Polls-opened report (zero report)")
             : QCoreApplication::translate("tabella::kiosk::PollReport", "Polls-closed report");
  if (!in.election) {
    r.refusal = QCoreApplication::translate(
        "tabella::kiosk::PollReport",
        "This kiosk has not loaded the election yet, so no report can be made. Check that "
        "it is enrolled and can reach the election record, then try again.");
    return r;
  }
  const auto& m = in.election->context->manifest;
  r.election_title = QString::fromStdString(m.title.in(m.languages.empty() ? "" : m.languages[0]));
  r.election_id = QString::fromStdString(m.election_id);
  r.origin = QString::fromStdString(m.origin);
  if (auto k = VerifyKey::from_bytes(in.kiosk_key); k.ok()) {
    r.fingerprint = QString::fromStdString(k->fingerprint());
  }
  if (in.ledger_kiosk) {
    r.kiosk_name = QString::fromStdString(in.ledger_kiosk->name);
    r.precinct = QString::fromStdString(in.ledger_kiosk->precinct);
  }

  const bool reached = in.ledger_status.has_value();
  const std::string phase = reached ? in.ledger_status->phase : std::string();
  const bool closed = (reached && closed_phase(phase)) || in.polls_close.has_value();
  r.phase = reached ? KioskModel::phase_text(phase)
                    : QCoreApplication::translate("tabella::kiosk::PollReport",
                                                  "could not be reached (%1)")
                          .arg(QString::fromStdString(in.ledger_error.describe()));
  // One state, never "open" once the polls have closed.
  if (closed) {
    r.state = QCoreApplication::translate("tabella::kiosk::PollReport",
                                          "not accepting ballots: the polls are closed");
  } else if (in.local.kiosk_open) {
    r.state = QCoreApplication::translate("tabella::kiosk::PollReport", "open for voters");
  } else {
    r.state = QCoreApplication::translate("tabella::kiosk::PollReport",
                                          "closed to voters (a poll worker can open it)");
  }
  r.queued = in.local.queue_length;
  r.rejected = in.local.rejected.size();
  for (auto it = in.local.rejected.rbegin(); it != in.local.rejected.rend(); ++it) {
    r.refused.push_back(KioskModel::refusal_text(*it));
  }

  if (opened) {
    if (closed) {
      r.refusal = QCoreApplication::translate(
          "tabella::kiosk::PollReport",
          "The polls are already closed, so there is no polls-opened report to make. Print the "
          "polls-closed report instead.");
      return r;
    }
    if (in.ledger_kiosk) {
      r.cast = in.ledger_kiosk->cast;
      r.challenged = in.ledger_kiosk->challenged;
      r.last_sequence = in.ledger_kiosk->last_sequence;
      r.chain_head = in.ledger_kiosk->chain_head;
    } else {
      r.cast = in.local.cast_here;
      r.challenged = in.local.challenged_here;
      r.last_sequence = in.chain.sequence;
      r.chain_head = in.chain.head;
      r.problems.push_back(QCoreApplication::translate(
          "tabella::kiosk::PollReport",
          "The election record could not be reached: the counts are this kiosk's own, and its "
          "name and precinct are not shown. Print the report again when the network is back."));
    }
    if (r.cast != 0 || r.challenged != 0 || in.local.cast_here != 0 ||
        in.local.challenged_here != 0) {
      r.problems.push_back(QCoreApplication::translate(
          "tabella::kiosk::PollReport",
          "This is NOT a zero report: ballots were already cast or checked on this kiosk."));
    }
  } else {
    if (!in.polls_close) {
      r.refusal =
          reached
              ? QCoreApplication::translate(
                    "tabella::kiosk::PollReport",
                    "The polls are not closed yet, so the polls-closed report cannot be made. It "
                    "can be printed once the election office has closed the polls.")
              : QCoreApplication::translate(
                    "tabella::kiosk::PollReport",
                    "The election record cannot be reached. The polls-closed report needs its "
                    "closing entry, which names this kiosk's counts: try again when the network "
                    "is back.");
      return r;
    }
    const auto& heads = in.polls_close->kiosks;
    auto head = std::find_if(heads.begin(), heads.end(),
                             [&](const record::KioskHead& h) { return h.key == in.kiosk_key; });
    if (head == heads.end()) {
      r.problems.push_back(QCoreApplication::translate(
          "tabella::kiosk::PollReport",
          "The election record's closing entry does not name this kiosk: it was not enrolled "
          "for this election. Call the election office."));
      r.cast = in.local.cast_here;
      r.challenged = in.local.challenged_here;
      r.chain_head = in.chain.head;
      r.last_sequence = in.chain.sequence;
    } else {
      r.cast = head->cast;
      r.challenged = head->challenged;
      r.chain_head = head->chain_head;
      r.last_sequence = in.ledger_kiosk ? in.ledger_kiosk->last_sequence : in.chain.sequence;
      if (in.chain.head != head->chain_head) {
        r.problems.push_back(
            QCoreApplication::translate(
                "tabella::kiosk::PollReport",
                "The last ballot this kiosk sealed (number %1, code %2) is not the last one the "
                "election record holds for it (code %3): ballots of this kiosk are missing from "
                "the record. Call the election office.")
                .arg(in.chain.sequence)
                .arg(code_text(in.chain.head), code_text(head->chain_head)));
      }
    }
  }
  if (r.queued != 0) {
    r.problems.push_back(
        opened ? QCoreApplication::translate(
                     "tabella::kiosk::PollReport",
                     "%1 ballots are waiting on this kiosk to be sent to the election record.")
                     .arg(r.queued)
               : QCoreApplication::translate(
                     "tabella::kiosk::PollReport",
                     "%1 ballots are still on this kiosk and were never confirmed by the election "
                     "record: they are NOT counted. Call the election office.")
                     .arg(r.queued));
  }
  if (r.rejected != 0) {
    r.problems.push_back(
        QCoreApplication::translate(
            "tabella::kiosk::PollReport",
            "The election record refused %1 entries from this kiosk (listed above).")
            .arg(r.rejected));
  }
  r.produced = true;
  return r;
}

QStringList PollReport::lines() const {
  QStringList l;
  l << heading;
  if (!produced) {
    l << refusal;
    return l;
  }
  const QString none = QCoreApplication::translate(
      "tabella::kiosk::PollReport", "(unknown: the election record could not be reached)");
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Election: %1")
           .arg(election_title);
  l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                   "Election identity: %1 (record %2)")
           .arg(election_id, origin);
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Kiosk: %1")
           .arg(kiosk_name.isEmpty() ? none : kiosk_name);
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Kiosk fingerprint: %1")
           .arg(fingerprint);
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Precinct: %1")
           .arg(precinct.isEmpty() ? none : precinct);
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Time: %1 UTC")
           .arg(time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Kiosk state: %1").arg(state);
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Election record: %1").arg(phase);
  if (kind == PollReportKind::kClosed) {
    l << QCoreApplication::translate(
        "tabella::kiosk::PollReport",
        "Counts and last ballot as the election record's polls-close entry names them:");
  }
  l << QCoreApplication::translate("tabella::kiosk::PollReport", "Ballots cast: %1").arg(cast);
  l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                   "Ballots checked (opened for checking, not counted): %1")
           .arg(challenged);
  l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                   "Waiting on this kiosk to be sent: %1")
           .arg(queued);
  l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                   "Refused by the election record: %1")
           .arg(rejected);
  for (const QString& s : refused) l << QStringLiteral("  - ") + s;
  l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                   "Ballots sealed on this kiosk (last number): %1")
           .arg(last_sequence);
  l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                   "Chain head (the last ballot's code): %1")
           .arg(code_text(chain_head));
  l << QStringLiteral("  ") + QString::fromStdString(to_hex(chain_head));
  if (kind == PollReportKind::kOpened && cast == 0 && challenged == 0) {
    l << QCoreApplication::translate(
        "tabella::kiosk::PollReport",
        "Zero report: no ballot has been cast or checked on this kiosk.");
  }
  if (problems.isEmpty()) {
    l << QCoreApplication::translate(
        "tabella::kiosk::PollReport",
        "Nothing to report: every ballot of this kiosk is in the election record.");
  } else {
    l << QCoreApplication::translate("tabella::kiosk::PollReport",
                                     "To report to the election office:");
    for (const QString& s : problems) l << QStringLiteral("  - ") + s;
  }
  l << QCoreApplication::translate(
      "tabella::kiosk::PollReport",
      "Poll worker: ____________________    Poll worker: ____________________");
  return l;
}

}  // namespace tabella::kiosk
