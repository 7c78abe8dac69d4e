// The published results: read from a record file (the election entry, the kiosks' enrolments
// and ballots, the result entry and the largest signed checkpoint) and written for people and
// for machines:
//   results.txt   the canvass in plain text;
//   results.html  self-contained (inline SVG bar charts, no script, no outside resource);
//   results.csv   one row per contest and choice (RFC 4180);
//   results-nist-1500-100.json  NIST SP 1500-100 (Election Results Reporting CDF, v2) JSON.
// Per contest: ballots cast, votes per choice, under-votes (and blank ballots where the totals
// determine them), over-votes (none: impossible, every ballot proves it), the winners for the
// number of seats; per kiosk and per precinct the ballots cast and challenged (the result is
// decrypted as one total: the record holds no per-kiosk vote counts); every language of the
// manifest; the election's identity (Q, authority fingerprint, final checkpoint root).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tabella/election/manifest.h"
#include "tabella/util/result.h"

namespace tabella::admin {

// One kiosk's share of the ballots (from the record's entries, not from the decryption).
struct KioskTotals {
  std::string name;
  std::string precinct;
  std::string fingerprint;
  bool revoked = false;
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
};

struct PublishedResults {
  election::Manifest manifest;
  std::string q_hex;              // Q, the election base hash
  std::string manifest_hash_hex;  //
  std::string authority_hex;
  std::string authority_fingerprint;
  std::uint64_t cast_count = 0;
  std::uint64_t challenged_count = 0;
  std::vector<std::uint32_t> guardians;            // the quorum that decrypted
  std::vector<std::vector<std::uint64_t>> counts;  // per contest, per choice
  std::uint64_t log_size = 0;
  std::uint64_t checkpoint_size = 0;
  std::string checkpoint_root_hex;
  std::string checkpoint_note;
  bool verified = false;            // tabella-verify's checks all passed
  std::vector<KioskTotals> kiosks;  // in enrolment order
};

// What the totals of one contest say (contest_summary).
struct ContestSummary {
  std::uint32_t seats = 1;       // candidate: max (vote for up to N); approval, referendum: 1
  std::uint64_t ballots = 0;     // every ballot carries every contest
  std::uint64_t votes = 0;       // marks counted
  std::uint64_t undervotes = 0;  // marks left unused: max * ballots - votes
  // Ballots with no mark in the contest, when the totals determine it (max 1: ballots - votes;
  // min >= 1: 0); otherwise unknown (the tally sums marks, not ballots).
  std::optional<std::uint64_t> blank;
  std::vector<std::size_t> winners;  // choice indices, highest count first
  std::vector<std::size_t> tied;     // choices tied for the last seat (winners empty for them)
};

ContestSummary contest_summary(const PublishedResults& r, std::size_t contest);

// Ballots cast and challenged per precinct, from the kiosks (precinct -> (cast, challenged)).
std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>> precinct_totals(
    const PublishedResults& r);

// Reads the record file. kNotFound when the record has no result entry yet.
Result<PublishedResults> read_results(const std::filesystem::path& record);

// The first line of every results file of a test election (manifest.test).
extern const char* const kTestBanner;

std::string results_text(const PublishedResults& r);
std::string results_html(const PublishedResults& r);
std::string results_csv(const PublishedResults& r);
// generated: the report's GeneratedDate, "YYYY-MM-DDTHH:MM:SSZ".
std::string results_nist_json(const PublishedResults& r, const std::string& generated);

}  // namespace tabella::admin
