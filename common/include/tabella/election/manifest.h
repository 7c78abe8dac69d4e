// The election manifest: a ballot definition loaded from JSON (docs/ballot-format.md) and its
// canonical binary encoding and hash (docs/spec.md, "Election manifest").
//
//   canonical_bytes(M)  = the length-prefixed encoding of every field, in a fixed order
//   manifest_hash(M)    = H("tabella/v1/manifest"; canonical_bytes(M))
//
// Loading is strict and all-or-nothing: every problem in the document (JSON syntax, duplicate
// keys, unknown fields, wrong types, missing fields, limits, cross-field rules) is reported with
// its JSON path, and no Manifest is returned unless the document is entirely valid. JSON is only
// the transport form; hashes and signatures are computed over canonical_bytes.
// Thread-safety: value types and pure functions; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/crypto/hash.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::election {

inline constexpr std::string_view kManifestFormat = "tabella-election/1";
inline constexpr std::string_view kManifestHashTag = "tabella/v1/manifest";
// The origin of a test election is its real election's origin with this suffix.
inline constexpr std::string_view kTestOriginSuffix = "/test";

// Limits (docs/ballot-format.md, "Limits"). Text lengths are in UTF-8 bytes.
inline constexpr std::size_t kMaxDocumentSize = 4u << 20;  // JSON text, bytes
inline constexpr std::size_t kMaxJsonDepth = 16;
inline constexpr std::size_t kMinElectionIdLength = 3;
inline constexpr std::size_t kMaxIdLength = 64;
inline constexpr std::size_t kMaxLanguages = 16;
inline constexpr std::size_t kMaxLanguageTagLength = 35;
inline constexpr std::size_t kMaxOriginLength = 255;
inline constexpr std::uint32_t kMaxGuardians = 32;
inline constexpr std::size_t kMaxWitnesses = 32;
inline constexpr std::size_t kMaxWitnessNameLength = 255;
inline constexpr std::size_t kMaxWitnessKeyLength = 1024;
inline constexpr std::size_t kMaxContests = 200;
inline constexpr std::size_t kMaxChoices = 100;
inline constexpr std::uint32_t kMaxSelectionsPerContest = 64;  // a contest's max
inline constexpr std::size_t kMaxTitleLength = 256;            // election and contest titles
inline constexpr std::size_t kMaxInstructionsLength = 1024;
inline constexpr std::size_t kMaxLabelLength = 256;  // choice labels
inline constexpr std::size_t kMaxPartyLength = 128;

// Text in every language of the election, in the order of Manifest::languages.
struct LocalizedText {
  std::vector<std::pair<std::string, std::string>> entries;  // (language tag, text)

  // The text in `lang`, or in the default (first) language when `lang` is not present;
  // an empty string when there is no text at all.
  const std::string& in(std::string_view lang) const;
  bool empty() const { return entries.empty(); }
  bool operator==(const LocalizedText&) const = default;
};

enum class ContestKind {
  kCandidate,   // choose between min and max candidates
  kApproval,    // approve any number of choices, up to max (min is 0)
  kReferendum,  // exactly the choices "yes" and "no"; max 1, min 0 (may abstain) or 1
};

std::string_view contest_kind_name(ContestKind kind);  // "candidate", "approval", "referendum"
std::optional<ContestKind> contest_kind_from_name(std::string_view name);

struct Choice {
  std::string id;       // [a-z0-9-]{1,64}, unique within its contest
  LocalizedText label;  //
  LocalizedText party;  // empty when the choice has no party (never for referendums)
  bool operator==(const Choice&) const = default;
};

struct Contest {
  std::string id;  // [a-z0-9-]{1,64}, unique within the election
  ContestKind kind = ContestKind::kCandidate;
  LocalizedText title;
  LocalizedText instructions;
  std::uint32_t min = 0;        // fewest marks a voter may make
  std::uint32_t max = 1;        // most marks: 1 <= max <= min(64, choices.size())
  std::vector<Choice> choices;  // ballot order
  bool operator==(const Contest&) const = default;
};

struct Witness {
  std::string name;  // the witness's key name (C2SP signed-note), opaque here
  std::string key;   // its verifier key string, opaque here
  bool operator==(const Witness&) const = default;
};

struct Manifest {
  std::string format;       // kManifestFormat
  std::string election_id;  // [a-z0-9-]{3,64}
  std::string origin;       // the log's C2SP checkpoint origin
  LocalizedText title;
  std::string start;                   // RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::string end;                     // same form, after start
  std::vector<std::string> languages;  // BCP 47 tags; the first is the default
  std::uint32_t guardians = 0;         // n
  std::uint32_t quorum = 0;            // k, 1 <= k <= n <= 32
  std::vector<Witness> witnesses;      // may be empty
  std::uint32_t witness_quorum = 0;    // 0 iff no witnesses, else 1..witnesses.size()
  std::vector<Contest> contests;       // ballot order
  // A logic-and-accuracy test election (docs/ballot-format.md, "Test elections"): its origin
  // ends in kTestOriginSuffix, and only a test election's does.
  bool test = false;

  // nullptr when no contest has this id.
  const Contest* find_contest(std::string_view id) const;
  // The number of selections (choices summed over all contests): one ciphertext each.
  std::size_t selection_count() const;
  bool operator==(const Manifest&) const = default;
};

// Every problem in the document, each with field = its JSON path ("contests[2].choices[1].id")
// and message = the reason ("duplicate id \"c7\""); empty when the document is valid.
std::vector<Error> validate_manifest_json(const nlohmann::json& doc);

// Parses and validates JSON text. On failure the Error's message lists every problem, one
// "path: reason" per line, and its field is empty. Never throws.
Result<Manifest> parse_manifest(std::string_view json_text);
// Reads a file (at most kMaxDocumentSize bytes) and parses it; I/O errors name the path.
Result<Manifest> load_manifest_file(const std::filesystem::path& path);

// The test election of a real one: test = true, origin + kTestOriginSuffix, everything else the
// same. kInvalidArgument when `real` is a test election already or the origin would be too long.
Result<Manifest> derive_test_manifest(const Manifest& real);

// The JSON form; parse_manifest(to_json(m).dump()) == m for every loaded manifest m.
nlohmann::json to_json(const Manifest& manifest);

// The canonical binary encoding (docs/spec.md, "Election manifest"), the bytes that are hashed.
Bytes canonical_bytes(const Manifest& manifest);
// H("tabella/v1/manifest"; canonical_bytes(manifest))
Digest manifest_hash(const Manifest& manifest);

}  // namespace tabella::election
