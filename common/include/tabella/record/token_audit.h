// TokenAudit: checks 12 (a token committed once) and 15 (a token spent once, after its
// commitment, by a kiosk of its precinct) over a whole record in memory that does not grow with
// the election. ElectionState::defer_token_checks hands it every commitment and every spend in
// log order; it keeps up to `run_records` of them in memory, writes each full buffer to a
// temporary file as a run sorted by (token hash, log position), and finish() merges the runs and
// walks each token's events in log order. The verifier uses it (docs/auditors.md, "What it needs");
// the ledger and the kiosk answer token questions at once and keep a TokenStore instead.
//
// Each event is 48 bytes on disk (one per committed token, one per cast ballot); the file has no
// name and goes when the audit does.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabella/crypto/hash.h"
#include "tabella/util/result.h"

namespace tabella::record {

class TokenAudit {
 public:
  // A rule an entry broke, found by finish(). `error` is what ElectionState::apply would have
  // returned for the entry (same code, message, field and reason).
  struct Violation {
    std::uint64_t index = 0;  // the entry's log position
    bool spend = false;       // a cast ballot (else a token-commitments entry)
    Error error;
  };

  // The temporary file is created in `dir` (unlinked at once: nothing is left behind, even after a
  // crash). Errors: the directory is not writable (kIo, naming it).
  static Result<std::unique_ptr<TokenAudit>> create(const std::filesystem::path& dir,
                                                    std::size_t run_records = kDefaultRunRecords);
  ~TokenAudit();
  TokenAudit(const TokenAudit&) = delete;
  TokenAudit& operator=(const TokenAudit&) = delete;

  // Token `position` of the token-commitments entry at log position `index`, for `precinct`.
  // Never fails: a write error of the temporary file is kept and returned by finish(), so that
  // it cannot be mistaken for a rule the entry broke.
  void commit(const Digest& hash, const std::string& precinct, std::uint64_t index,
              std::uint32_t position);
  // The cast ballot at `index`, by a kiosk enrolled for `kiosk_precinct`, spends `hash`.
  void spend(const Digest& hash, const std::string& kiosk_precinct, std::uint64_t index);
  // The entry of the last spend() was refused by a rule checked after the token's (its kiosk
  // chain): the token is checked for that entry as before (the rules report the token first), but
  // it is not spent.
  void refuse_last_spend();
  // Commitments recorded (a token committed twice counts twice; check 12 reports it).
  std::uint64_t committed() const { return committed_; }

  // Merges the runs and returns the violations in log order. Call once, after the last event.
  // Errors: the temporary file could not be written or read back (kIo).
  Result<std::vector<Violation>> finish();

  static constexpr std::size_t kDefaultRunRecords = std::size_t{1} << 16;  // 3 MiB of events

 private:
  struct Event {
    Digest hash{};
    std::uint64_t index = 0;
    std::uint32_t precinct = 0;  // into precincts_
    std::uint32_t position = 0;  // kSpend, or the token's place in its commitments entry
  };
  static constexpr std::uint32_t kSpend = 0xffffffffu;
  static constexpr std::uint32_t kRefusedSpend = 0xfffffffeu;
  static constexpr std::size_t kEventSize = 48;

  TokenAudit(std::FILE* file, std::filesystem::path dir, std::size_t run_records);
  std::uint32_t precinct_id(const std::string& precinct);
  void add(const Event& e);
  Status flush_run();

  std::FILE* file_;
  std::filesystem::path dir_;
  std::size_t run_records_;
  std::vector<Event> buffer_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs_;  // (first event, events) in the file
  std::uint64_t written_ = 0;                                  // events in the file
  std::uint64_t committed_ = 0;
  std::optional<Error> write_error_;  // the first failed write; finish() returns it
  std::map<std::string, std::uint32_t> precinct_ids_;
  std::vector<std::string> precincts_;
};

}  // namespace tabella::record
