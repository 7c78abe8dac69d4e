// Manifests built in code for the unit tests that need a small election of their own (ballots,
// the tally): English texts, 3 guardians with quorum 2, polls on 2030-01-01, and the contests
// the test adds. Header-only. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tabella/election/manifest.h"

namespace tabella::testing {

inline election::LocalizedText en_text(std::string s) {
  return election::LocalizedText{{{"en", std::move(s)}}};
}

// A contest `id` with `min`..`max` marks among `choices` (ids, also their English labels).
inline election::Contest make_contest(
    std::string id, std::uint32_t min, std::uint32_t max, std::vector<std::string> choices,
    election::ContestKind kind = election::ContestKind::kCandidate) {
  election::Contest c;
  c.id = id;
  c.kind = kind;
  c.title = en_text(id);
  c.min = min;
  c.max = max;
  for (auto& ch : choices) c.choices.push_back(election::Choice{ch, en_text(ch), {}});
  return c;
}

// The election `id` (origin "ledger.example/<id>", title `title`) with no contests yet.
inline election::Manifest make_manifest(const std::string& id, const std::string& title) {
  election::Manifest m;
  m.format = std::string(election::kManifestFormat);
  m.election_id = id;
  m.origin = "ledger.example/" + id;
  m.title = en_text(title);
  m.start = "2030-01-01T08:00:00Z";
  m.end = "2030-01-01T20:00:00Z";
  m.languages = {"en"};
  m.guardians = 3;
  m.quorum = 2;
  return m;
}

}  // namespace tabella::testing
