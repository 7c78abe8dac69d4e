// Simulated voters on the kiosk's own code path: drives a started KioskModel — the very object the
// window drives, with its dispatcher thread, SQLite queue and LedgerClient — through each voter's
// whole path, exactly as the buttons do:
//
//   Welcome: choose_language(languages[v % n]) -> start_voting -> submit_token(token v)
//   -> per contest: k random in [min, max], k distinct random choices (toggle_choice), next
//   -> Review -> encrypt -> Tracking
//   -> [the first `challenge` voters: challenge -> Challenged (the opened contents, as the
//       screen shows them, must equal the choices made) -> challenge_done -> encrypt]
//   -> cast -> CastDone (recorded: receipt verified; pending: queued, the ledger has not
//      confirmed; refused) or Token (code refused by the ledger) -> done
//
// After the last voter it waits up to `drain_timeout_ms` for the kiosk's queue to empty (asking
// the dispatcher to deliver every second), so a ballot that was pending counts as confirmed once
// it left the queue without joining the refused entries.
// Thread-safety: call on the model's (UI) thread; it runs that thread's event loop
// (QCoreApplication::processEvents) while it waits. REQUIRES: a QCoreApplication exists.
#pragma once

#include <QString>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/kiosk_model.h"
#include "tabella/util/result.h"

namespace tabella::kiosk {

struct SimulationOptions {
  std::vector<std::string> tokens;  // one voter per token, in order
  int challenge = 0;                // the first `challenge` voters check a ballot first
  std::uint64_t seed = 1;           // choices are a function of the seed alone
  QString pin;                      // opens a closed kiosk through the poll-worker screen
  int start_timeout_ms = 120000;    // the election loads
  int step_timeout_ms = 120000;     // one encryption or submission
  int drain_timeout_ms = 60000;     // the queue empties after the last voter; 0: do not wait
};

struct SimulatedVoter {
  int number = 0;  // 1-based
  QString language;
  bool challenged = false;  // checked a ballot (published, not counted) before casting
  QString challenge_code;   // tracking code of the checked ballot
  QString tracking_code;    // of the cast ballot
  QString code_hex;         // full ballot code
  CastOutcome outcome = CastOutcome::kRefused;
  std::uint64_t index = 0;  // ledger index when recorded
  QString checkpoint;       // as the receipt screen shows it, when recorded
  QString error;            // why not recorded / pending, or a failed check
  std::vector<std::vector<std::string>> choice_ids;  // per contest, what was marked
};

struct SimulationReport {
  std::vector<SimulatedVoter> voters;
  int recorded = 0;  // confirmed at once (verified receipt on the voter's screen)
  int pending = 0;   // queued on the kiosk when the voter left
  int refused = 0;   // refused or failed (error says why)
  int challenged = 0;
  bool drained = false;            // the queue was empty at the end
  std::uint64_t queue_left = 0;    // entries still queued at the end
  std::uint64_t rejected_new = 0;  // entries refused by the ledger during this run
  // Plaintext totals of the ballots cast (recorded or pending): contest id -> choice id -> n,
  // every choice of every contest present (as tabella-voters --json prints them).
  std::map<std::string, std::map<std::string, std::uint64_t>> counts;

  // Every voter's ballot is in the ledger with a verified receipt: recorded at once, or
  // pending and then delivered (queue drained, nothing refused).
  bool all_confirmed() const {
    return refused == 0 && (pending == 0 || (drained && rejected_new == 0));
  }
};

// Runs the event loop (QCoreApplication::processEvents) until `pred` holds or `ms` pass; false on
// timeout. What a driver without a window waits with.
bool pump_until(const std::function<bool()>& pred, int ms);

// Runs the voters one after another on `model` (started; it is waited for). Returns an error
// only when the kiosk cannot serve voters at all (election not loaded, not enrolled, closed and
// the PIN does not open it); a voter's failure is in that voter's row. `on_voter` is called as
// each voter leaves.
Result<SimulationReport> simulate_voters(
    KioskModel& model, const SimulationOptions& options,
    const std::function<void(const SimulatedVoter&)>& on_voter = {});

}  // namespace tabella::kiosk
