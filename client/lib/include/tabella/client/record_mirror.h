// RecordMirror: a local replay of the ledger's record. Fetches the entries appended since the
// last sync and runs each through the same rules the ledger and tabella-verify run
// (record::precheck + ElectionState::apply), so a tool acts only on a record it has checked.
// Ballots are summed into a TallyAccumulator and then dropped; every other entry is kept.
// Thread-safety: thread-compatible; the LedgerClient it uses must not be used concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tabella/client/ledger_client.h"
#include "tabella/election/tally.h"
#include "tabella/record/state.h"

namespace tabella::client {

class RecordMirror {
 public:
  // REQUIRES: ledger outlives this mirror
  explicit RecordMirror(LedgerClient& ledger) : ledger_(&ledger) {}

  // Fetches and replays new entries. An entry the rules reject is an error naming it
  // ("entry 17 (cast-ballot): ..."): the ledger is serving a record tabella-verify would reject.
  Status sync();

  // Submits an entry, checks its receipt against the ledger key the election entry names (and
  // the checkpoint's origin against the manifest's), then syncs. REQUIRES: the election entry
  // has been synced (ledger_key() non-empty).
  Result<Submitted> submit(const record::Entry& entry);

  const record::ElectionState& state() const { return state_; }
  std::uint64_t size() const { return state_.size(); }
  // The ledger's verifier key as named by the election entry; empty before it.
  const std::string& ledger_key() const { return ledger_key_; }
  // The sum of the cast ballots (present once the polls opened).
  const std::optional<election::TallyAccumulator>& tally() const { return tally_; }
  // Every non-ballot entry with its log index, in order.
  const std::vector<std::pair<std::uint64_t, record::CheckedEntry>>& entries() const {
    return kept_;
  }

  // The bodies of every kept entry of type T, in log order.
  template <class T>
  std::vector<const T*> bodies() const {
    std::vector<const T*> out;
    for (const auto& [index, c] : kept_) {
      if (const T* b = std::get_if<T>(&c.body)) out.push_back(b);
    }
    return out;
  }

 private:
  Status replay(LogEntry&& e);

  LedgerClient* ledger_;
  record::ElectionState state_;
  std::string ledger_key_;
  std::optional<election::TallyAccumulator> tally_;
  std::vector<std::pair<std::uint64_t, record::CheckedEntry>> kept_;
};

}  // namespace tabella::client
