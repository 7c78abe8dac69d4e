// The logic-and-accuracy test deck: pre-marked test ballots with known choices, and the tally
// they must produce. `tabella-admin test-deck` writes it (test-deck.json and a printable PDF),
// `tabella-voters run --deck` casts it in a test election, `tabella-admin test-deck check`
// compares the test election's published result with the expected counts, per contest.
//
// The deck (make_test_deck) gives every choice of a contest a different number of votes
// (choice i of n gets i + 1 marks, packed at most `max` to a ballot and at least `min`), so a
// swapped or dropped choice changes the tally; its last ballot leaves every contest that allows
// it blank (min 0), so under-votes are exercised too. A contest that needs fewer ballots than
// the deck has is blank (or carries its `min` marks) on the rest.
//
// test-deck.json: {"format": "tabella-test-deck/1", "election_id", "manifest_hash" (hex, of
// the real election's manifest: the test election differs only in "test" and "origin"),
// "ballots": [{"number": 1.., "choices": {contest id: [choice id, ...]}}],
// "expected": {"ballots_cast": N, "counts": {contest id: {choice id: n}},
// "undervotes": {contest id: n}}}.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/election/ballot.h"
#include "tabella/election/manifest.h"
#include "tabella/util/result.h"

namespace tabella::client {

inline constexpr std::string_view kTestDeckFormat = "tabella-test-deck/1";

struct TestDeck {
  std::string election_id;
  std::string manifest_hash_hex;                   // of the real (non-test) manifest
  std::vector<election::PlaintextBallot> ballots;  // every contest listed, in manifest order
  // contest id -> choice id -> marks, every choice present
  std::map<std::string, std::map<std::string, std::uint64_t>> counts;
  std::map<std::string, std::uint64_t> undervotes;  // contest id -> max * ballots - marks
};

// The manifest hash a deck is bound to: that of `m` as a real election (test flag and origin
// suffix removed), so the deck of a ballot file fits its test election.
std::string deck_manifest_hash(const election::Manifest& m);

TestDeck make_test_deck(const election::Manifest& m);
nlohmann::json to_json(const TestDeck& deck);
// Checks the document against `m` (same election and manifest hash, every ballot valid for the
// manifest, expected counts equal to the ballots' sum); errors name the JSON path.
Result<TestDeck> parse_test_deck(const nlohmann::json& doc, const election::Manifest& m);

// One contest's comparison of the expected counts with the tally.
struct ContestCheck {
  std::string contest_id;
  bool pass = true;
  std::vector<std::string> differences;  // "choice b: expected 2, counted 1", ...
};
struct DeckCheck {
  bool pass = true;  // every contest and the number of ballots
  std::uint64_t expected_ballots = 0;
  std::uint64_t counted_ballots = 0;
  std::vector<ContestCheck> contests;  // manifest order
};

// counts[c][i]: the tally of contest c, choice i (manifest order); cast: ballots counted.
// A contest passes when every choice's count and its under-votes equal the deck's.
DeckCheck compare_test_deck(const TestDeck& deck, const election::Manifest& m,
                            const std::vector<std::vector<std::uint64_t>>& counts,
                            std::uint64_t cast);

}  // namespace tabella::client
