// tabella-kiosk --simulate-voters: the kiosk without a window. The same KioskModel, dispatcher
// thread, SQLite queue and HTTP LedgerClient as the window, under a QCoreApplication, driven by
// core/voter_simulator.h; prints one line per voter and a summary, optionally a JSON summary.
// Thread-safety: call from main() on the application's thread.
#pragma once

#include <QString>
#include <cstdint>
#include <string>
#include <vector>

#include "core/kiosk_model.h"

namespace tabella::kiosk {

struct HeadlessArgs {
  int voters = 0;
  QString tokens_file;              // tokens.csv of `tabella-admin tokens issue` (token,precinct)
  std::vector<std::string> tokens;  // used when tokens_file is empty (--demo)
  int skip_tokens = 0;              // start after this many tokens of the file
  int challenge = 0;       // the first voters who check (challenge) a ballot before casting
  std::uint64_t seed = 0;  // 0: random (printed)
  int drain_timeout_s = 60;
  bool pin_stdin = false;  // read the poll-worker PIN from standard input (opens a closed kiosk)
  QString json_file;       // optional JSON summary
};

// Exit status: 0 when every voter's ballot is in the ledger with a verified receipt (at once,
// or pending and then delivered from the queue), 1 otherwise, 2 for bad arguments.
int run_headless(KioskModel::Options options, const HeadlessArgs& args);

// tabella-kiosk --poll-report opened|closed: the poll worker's report without a window. Waits for
// the election, enters poll-worker mode with the PIN from the first line of standard input, asks
// for the report, prints its lines and writes the PDF to `out` (a directory: the report's own
// file name in it). Exit status 0 when the report was made and lists no problem; 1 when it was
// refused (the reason is printed, no file), lists problems (the file is written), or the PIN is
// wrong; 2 for bad arguments. REQUIRES: a QGuiApplication (the PDF's fonts).
int run_poll_report(KioskModel::Options options, const QString& kind, const QString& out);

}  // namespace tabella::kiosk
