// The poll worker's reports: the polls-opened ("zero") report and the polls-closed report.
//
// The dispatcher gathers PollReportInputs on its thread (this kiosk's store, the ledger's record
// of the kiosk, its status and, for the closed report, the polls-close entry); make_poll_report
// turns them into a PollReport: plain values and the report's text, line by line. No window is
// involved: the PDF (ui/poll_report_pdf.h) only draws PollReport::lines(), and tests read the
// same values.
//
// The closed report's counts and chain head are the ones the ledger's polls-close entry names for
// this kiosk (what the verifier checks, docs/spec.md check 31); the kiosk's own chain head is
// compared with it and any difference is listed as a problem in plain words.
// Thread-safety: value types and a pure function.
#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/dispatcher.h"
#include "core/kiosk_store.h"
#include "core/ledger_client.h"
#include "tabella/record/bodies.h"

namespace tabella::kiosk {

enum class PollReportKind { kOpened, kClosed };

struct PollReportInputs {
  PollReportKind kind = PollReportKind::kOpened;
  std::shared_ptr<const KioskElection> election;  // nullptr: not loaded
  PublicKeyBytes kiosk_key{};
  ChainState chain;  // this kiosk's chain (kiosk.db)
  PollStatus local;  // this kiosk's queue, counts, refused entries, open/closed switch
  std::optional<LedgerStatus> ledger_status;
  std::optional<KioskRecord> ledger_kiosk;
  std::optional<record::PollsCloseBody> polls_close;
  Error ledger_error;  // why ledger_status/ledger_kiosk/polls_close are missing (if they are)
  QDateTime time;      // when the report was made (UTC)
};

struct PollReport {
  PollReportKind kind = PollReportKind::kOpened;
  // False: no report can be made now; `refusal` says why and what to do, in plain words.
  bool produced = false;
  QString refusal;

  QString heading;         // "Polls-opened report (zero report)" / "Polls-closed report"
  QString election_title;  // in the election's first language
  QString election_id;     // manifest election_id
  QString origin;          // the election record's name (checkpoint origin)
  QString kiosk_name;      // as enrolled; empty when the ledger could not be asked
  QString precinct;        // as enrolled
  QString fingerprint;     // of the kiosk's key
  QDateTime time;
  QString state;  // "open for voters" / "closed to voters" / "not accepting ballots: ..."
  QString phase;  // the ledger's phase in words

  // Closed: from the polls-close entry. Opened: the ledger's record of this kiosk (else this
  // kiosk's own store).
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
  std::uint64_t last_sequence = 0;
  Digest chain_head{};         // the code of the kiosk's last ballot (its chain seed if none)
  std::uint64_t queued = 0;    // entries on this kiosk not yet confirmed by the ledger
  std::uint64_t rejected = 0;  // entries the ledger refused
  QStringList refused;         // the refused entries in plain words, newest first
  QStringList problems;        // anything a poll worker must report, in plain words

  bool ok() const { return produced && problems.isEmpty(); }
  // The report as printed, one line each (the PDF draws exactly these).
  QStringList lines() const;
};

PollReport make_poll_report(const PollReportInputs& in);

// "opened" / "closed" (the command line's names).
QString poll_report_kind_name(PollReportKind kind);

}  // namespace tabella::kiosk
