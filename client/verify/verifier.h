// tabella-verify's engine: streams a published record through every numbered check of
// docs/spec.md §11, trusting nobody. Proofs and signatures are checked on all cores; the election
// rules are replayed in log order on one thread. Memory holds one batch of entries, the election
// state (keys, kiosk chains, token hashes) and O(log n) Merkle hashes — never the ballots.
// Thread-safety: one Verifier per run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tabella/record/entry.h"
#include "tabella/util/result.h"

namespace tabella::verify {

struct CheckResult {
  int number = 0;
  std::string name;
  std::string description;
  std::uint64_t passed = 0;  // how many items this check accepted
  std::uint64_t failed = 0;
};

struct Failure {
  std::uint64_t index = 0;  // entry index; UINT64_MAX for record-level failures
  std::string type;         // entry type name, or "checkpoint"/"record"
  int check = 0;
  std::string why;
};

struct Report {
  std::vector<CheckResult> checks;
  // Root cause first: entry failures in log order, each before the checkpoint failures it causes,
  // then record-level failures (no covering checkpoint, no result).
  std::vector<Failure> failures;
  std::uint64_t entries = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t ballots_cast = 0;
  std::uint64_t ballots_challenged = 0;
  std::string phase;         // the election's phase at the end of the record
  bool complete = false;     // a result entry closes the record
  bool in_progress = false;  // audited with Options::in_progress
  std::string election_id;
  std::string title;
  std::vector<std::string> result_lines;  // human-readable counts, when complete
  double seconds = 0;
  bool ok() const { return failures.empty(); }
};

struct Options {
  unsigned threads = 0;    // 0: all cores
  bool fail_fast = false;  // stop at the first failure
  // An audit while the election runs: the record need not end with the result (check 26 is not
  // applied); it must still end with a checkpoint covering every entry (check 24).
  bool in_progress = false;
  std::string ledger_key;  // overrides the key named in the election entry
  // Called now and then with (entries verified so far); may be empty.
  std::function<void(std::uint64_t)> progress;
};

// Verifies the record at `path` (file or directory). Err only when the input cannot be read at
// all (exit code 2); every check failure is in the Report (exit code 1).
Result<Report> verify_record(const std::filesystem::path& path, const Options& options);

std::string format_report(const Report& report);  // the human form
std::string report_json(const Report& report);    // --json

}  // namespace tabella::verify
