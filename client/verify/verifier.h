// tabella-verify's engine: streams a published record through every numbered check of
// docs/spec.md §11, trusting nobody. Proofs and signatures are checked on all cores; the election
// rules are replayed in log order on one thread. Memory holds one batch of entries, the election
// state (keys, kiosk chains, token hashes) and O(log n) Merkle hashes — never the ballots.
// Thread-safety: one Verifier per run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabella/election/manifest.h"
#include "tabella/ledger/merkle.h"
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

// Who and what the record is about: what an auditor compares with what the authority published
// (and may pin with --expect-authority / --expect-q, check 35).
struct Identity {
  std::string q;                      // hex, the election base hash Q
  std::string manifest_hash;          // hex
  std::string authority_key;          // hex, raw Ed25519 public key
  std::string authority_fingerprint;  // "ABCD-EFGH-IJKL-MNOP"
  std::string ledger_key;             // C2SP note verifier key from the election entry
  std::vector<std::pair<std::string, std::string>> witnesses;  // (name, verifier key)
  std::uint32_t witness_quorum = 0;
  // The latest checkpoint (largest size, last in record order), when the record has one.
  std::optional<std::uint64_t> checkpoint_size;
  std::string checkpoint_root;  // hex
};

struct Report {
  Identity identity;
  std::shared_ptr<const election::Manifest> manifest;  // when the record defines the election
  ledger::Hash record_root{};                          // MTH of all the record's entries
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
  // Facts an auditor should see that are not failures (docs/spec.md §11.3): polls opened or
  // closed outside the manifest's window.
  std::vector<std::string> notes;
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
  // Pins (check 35): the authority's key as its fingerprint or 64 hex digits, Q as hex. Empty:
  // not pinned.
  std::string expect_authority;
  std::string expect_q;
  // The record came from a ledger URL: check 36 (check_ledger_checkpoint) is listed.
  bool from_ledger = false;
  // Where checks 12 and 15 keep the voter tokens while the record streams through (an unnamed
  // temporary file, 48 bytes per voter token and per ballot; record::TokenAudit). Empty: $TMPDIR,
  // else /tmp.
  std::filesystem::path temp_dir;
  // Called now and then with (entries verified so far); may be empty.
  std::function<void(std::uint64_t)> progress;
};

// Verifies the record at `path` (file or directory). Err only when the input cannot be read at
// all (exit code 2); every check failure is in the Report (exit code 1).
Result<Report> verify_record(const std::filesystem::path& path, const Options& options);

// Check 36, for a record fetched from a ledger: the ledger's current checkpoint (`signed_note`,
// as GET /checkpoint served it) is signed by the election's ledger key for its origin, carries
// the witnesses' quorum when the manifest names witnesses, and its log extends the record:
// equal roots at equal size, or `consistency_proof(record size, checkpoint size)` (the ledger's
// PROOF(m, n)) verifies from the record's root to the checkpoint's. Adds the pass or the failure
// to `report`.
void check_ledger_checkpoint(
    Report& report, std::string_view signed_note,
    const std::function<Result<std::vector<ledger::Hash>>(std::uint64_t, std::uint64_t)>&
        consistency_proof);

std::string format_report(const Report& report);  // the human form
std::string report_json(const Report& report);    // --json

}  // namespace tabella::verify
