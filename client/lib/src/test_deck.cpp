#include "tabella/client/test_deck.h"

#include <algorithm>

#include "tabella/util/bytes.h"

namespace tabella::client {

using nlohmann::json;

std::string deck_manifest_hash(const election::Manifest& m) {
  election::Manifest real = m;
  if (real.test) {
    real.test = false;
    real.origin.resize(real.origin.size() - election::kTestOriginSuffix.size());
  }
  return to_hex(election::manifest_hash(real));
}

namespace {

// Contest c's marks for every ballot it needs: choice i gets i + 1 marks, each ballot at most
// max distinct choices (those with the most marks left first) and at least min.
std::vector<std::vector<std::string>> contest_pattern(const election::Contest& c) {
  std::vector<std::uint32_t> left(c.choices.size());
  for (std::size_t i = 0; i < left.size(); ++i) left[i] = static_cast<std::uint32_t>(i + 1);
  std::vector<std::vector<std::string>> ballots;
  for (;;) {
    std::vector<std::size_t> order(left.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return left[a] > left[b]; });
    if (left[order.front()] == 0) break;
    std::vector<std::size_t> marked;
    for (std::size_t i : order) {
      if (marked.size() == c.max || left[i] == 0) break;
      marked.push_back(i);
      --left[i];
    }
    for (std::size_t i = 0; marked.size() < c.min && i < c.choices.size(); ++i) {
      if (std::find(marked.begin(), marked.end(), i) == marked.end()) marked.push_back(i);
    }
    std::sort(marked.begin(), marked.end());  // ballot order
    std::vector<std::string> ids;
    for (std::size_t i : marked) ids.push_back(c.choices[i].id);
    ballots.push_back(std::move(ids));
  }
  return ballots;
}

// The fewest marks a ballot may carry in c: its first min choices.
std::vector<std::string> minimal_marks(const election::Contest& c) {
  std::vector<std::string> ids;
  for (std::uint32_t i = 0; i < c.min; ++i) ids.push_back(c.choices[i].id);
  return ids;
}

void add_counts(TestDeck& deck, const election::Manifest& m) {
  deck.counts.clear();
  deck.undervotes.clear();
  for (const auto& c : m.contests) {
    auto& per = deck.counts[c.id];
    for (const auto& ch : c.choices) per[ch.id] = 0;
  }
  for (const auto& b : deck.ballots) {
    for (const auto& marks : b.contests) {
      for (const auto& id : marks.choice_ids) ++deck.counts[marks.contest_id][id];
    }
  }
  for (const auto& c : m.contests) {
    std::uint64_t marks = 0;
    for (const auto& [id, n] : deck.counts[c.id]) marks += n;
    deck.undervotes[c.id] = std::uint64_t{c.max} * deck.ballots.size() - marks;
  }
}

}  // namespace

TestDeck make_test_deck(const election::Manifest& m) {
  TestDeck deck;
  deck.election_id = m.election_id;
  deck.manifest_hash_hex = deck_manifest_hash(m);
  std::vector<std::vector<std::vector<std::string>>> patterns;
  std::size_t size = 0;
  for (const auto& c : m.contests) {
    patterns.push_back(contest_pattern(c));
    size = std::max(size, patterns.back().size());
  }
  ++size;  // the last ballot: blank wherever a contest allows it
  deck.ballots.resize(size);
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    for (std::size_t b = 0; b < size; ++b) {
      election::ContestMarks marks{m.contests[c].id, {}};
      marks.choice_ids = b < patterns[c].size() ? patterns[c][b] : minimal_marks(m.contests[c]);
      deck.ballots[b].contests.push_back(std::move(marks));
    }
  }
  add_counts(deck, m);
  return deck;
}

json to_json(const TestDeck& deck) {
  json ballots = json::array();
  for (std::size_t i = 0; i < deck.ballots.size(); ++i) {
    json choices = json::object();
    for (const auto& c : deck.ballots[i].contests) choices[c.contest_id] = c.choice_ids;
    ballots.push_back({{"number", i + 1}, {"choices", std::move(choices)}});
  }
  return {{"format", std::string(kTestDeckFormat)},
          {"election_id", deck.election_id},
          {"manifest_hash", deck.manifest_hash_hex},
          {"ballots", std::move(ballots)},
          {"expected",
           {{"ballots_cast", deck.ballots.size()},
            {"counts", deck.counts},
            {"undervotes", deck.undervotes}}}};
}

Result<TestDeck> parse_test_deck(const json& doc, const election::Manifest& m) {
  auto bad = [](const std::string& why, const std::string& where) {
    return make_error(ErrorCode::kInvalidArgument, why, where);
  };
  try {
    if (!doc.is_object() || doc.value("format", std::string()) != kTestDeckFormat) {
      return bad("not a test deck (expected \"format\": \"" + std::string(kTestDeckFormat) + "\")",
                 "format");
    }
    TestDeck deck;
    deck.election_id = doc.at("election_id").get<std::string>();
    deck.manifest_hash_hex = doc.at("manifest_hash").get<std::string>();
    if (deck.election_id != m.election_id || deck.manifest_hash_hex != deck_manifest_hash(m)) {
      return bad("this deck was made for election " + deck.election_id + " (manifest hash " +
                     deck.manifest_hash_hex.substr(0, 16) + "...), not for " + m.election_id +
                     " (manifest hash " + deck_manifest_hash(m).substr(0, 16) +
                     "...): make the deck from the same ballot file",
                 "manifest_hash");
    }
    const json& ballots = doc.at("ballots");
    if (!ballots.is_array() || ballots.empty()) return bad("no ballots", "ballots");
    for (std::size_t i = 0; i < ballots.size(); ++i) {
      const std::string where = "ballots[" + std::to_string(i) + "]";
      const json& choices = ballots[i].at("choices");
      election::PlaintextBallot b;
      for (const auto& c : m.contests) {
        election::ContestMarks marks{c.id, {}};
        if (choices.contains(c.id)) {
          marks.choice_ids = choices.at(c.id).get<std::vector<std::string>>();
        }
        b.contests.push_back(std::move(marks));
      }
      for (const auto& item : choices.items()) {
        if (m.find_contest(item.key()) == nullptr) {
          return bad("unknown contest " + item.key(), where + ".choices");
        }
      }
      if (Status st = election::validate(m, b); !st.ok()) return st.error().with_prefix(where);
      deck.ballots.push_back(std::move(b));
    }
    add_counts(deck, m);
    const json& expected = doc.at("expected");
    if (expected.at("ballots_cast").get<std::uint64_t>() != deck.ballots.size() ||
        expected.at("counts") != json(deck.counts) ||
        expected.at("undervotes") != json(deck.undervotes)) {
      return bad("the expected tally is not the sum of the deck's ballots (edited?)", "expected");
    }
    return deck;
  } catch (const json::exception& e) {
    return bad(std::string("malformed test deck: ") + e.what(), "");
  }
}

DeckCheck compare_test_deck(const TestDeck& deck, const election::Manifest& m,
                            const std::vector<std::vector<std::uint64_t>>& counts,
                            std::uint64_t cast) {
  DeckCheck out;
  out.expected_ballots = deck.ballots.size();
  out.counted_ballots = cast;
  out.pass = cast == deck.ballots.size();
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    ContestCheck check{contest.id, true, {}};
    std::uint64_t marks = 0;
    const auto want = deck.counts.find(contest.id);
    for (std::size_t i = 0; i < contest.choices.size(); ++i) {
      const std::uint64_t got = c < counts.size() && i < counts[c].size() ? counts[c][i] : 0;
      marks += got;
      std::uint64_t expected = 0;
      if (want != deck.counts.end()) {
        auto it = want->second.find(contest.choices[i].id);
        if (it != want->second.end()) expected = it->second;
      }
      if (got != expected) {
        check.differences.push_back("choice " + contest.choices[i].id + ": expected " +
                                    std::to_string(expected) + ", counted " + std::to_string(got));
      }
    }
    const std::uint64_t room = std::uint64_t{contest.max} * cast;
    const std::uint64_t under = marks <= room ? room - marks : 0;
    const auto uw = deck.undervotes.find(contest.id);
    const std::uint64_t expected_under = uw == deck.undervotes.end() ? 0 : uw->second;
    if (under != expected_under) {
      check.differences.push_back("under-votes: expected " + std::to_string(expected_under) +
                                  ", counted " + std::to_string(under));
    }
    check.pass = check.differences.empty();
    out.pass = out.pass && check.pass;
    out.contests.push_back(std::move(check));
  }
  return out;
}

}  // namespace tabella::client
