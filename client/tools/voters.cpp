// tabella-voters: a voter simulator on the kiosk client library (KioskClient), for demos, load
// tests and end-to-end tests. Each kiosk key runs on its own thread with its own connection:
// random valid ballots, some challenged first (the opened ballot must show exactly the choices
// made) and then cast; every receipt is checked (KioskClient: ledger::check_receipt, with the
// manifest's witnesses; a receipt awaiting their cosignatures is asked for again until final).
// Prints throughput and, with --json, the plaintext totals it cast, so a test can compare them with
// the published result.
//
//   tabella-voters keygen --out kiosk-1.key
//   tabella-voters run --ledger URL --kiosk-key k1.key --kiosk-key k2.key --tokens tokens.csv
//                      --count 200 --challenge 3
//   tabella-voters run --ledger URL --kiosk-key k1.key --tokens tokens.csv --deck test-deck.json
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "tabella/client/cli_support.h"
#include "tabella/client/key_files.h"
#include "tabella/client/kiosk_client.h"
#include "tabella/client/test_deck.h"
#include "tabella/election/token.h"
#include "tabella/util/cli_parse.h"
#include "tabella/util/mutex.h"

namespace {

using namespace tabella;

constexpr std::string_view kProgram = "tabella-voters";

Result<std::vector<std::string>> read_tokens(const std::string& path) {
  auto data = client::read_private_file(path, 64u << 20);
  if (!data) return data.error();
  std::vector<std::string> tokens;
  std::istringstream in(to_string(data->view()));
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line.rfind("token", 0) == 0) continue;
    std::string token = line.substr(0, line.find(','));
    auto norm = election::normalize_token(token);
    if (!norm) return norm.error().with_prefix(path + ":" + std::to_string(n));
    tokens.push_back(*norm);
  }
  return tokens;
}

election::PlaintextBallot random_ballot(const election::Manifest& m, std::mt19937_64& rng) {
  election::PlaintextBallot b;
  for (const auto& c : m.contests) {
    std::uniform_int_distribution<std::uint32_t> how_many(c.min, c.max);
    std::uint32_t k = how_many(rng);
    std::vector<std::size_t> idx(c.choices.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::shuffle(idx.begin(), idx.end(), rng);
    election::ContestMarks marks{c.id, {}};
    for (std::uint32_t i = 0; i < k; ++i) marks.choice_ids.push_back(c.choices[idx[i]].id);
    b.contests.push_back(std::move(marks));
  }
  return b;
}

struct Totals {
  Mutex mu;
  std::map<std::string, std::map<std::string, std::uint64_t>> counts TABELLA_GUARDED_BY(mu);
  std::atomic<std::uint64_t> cast{0}, challenged{0};
  std::vector<std::string> errors TABELLA_GUARDED_BY(mu);
  // Every ballot with its short code and the voter's marks (--ballots), for tests that check
  // what a board shows against what the voter marked.
  nlohmann::json ballots TABELLA_GUARDED_BY(mu) = nlohmann::json::array();
};

nlohmann::json marks_json(const election::PlaintextBallot& ballot) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& c : ballot.contests) out[c.contest_id] = c.choice_ids;
  return out;
}

// Asks again for each receipt until the witnesses' quorum is on it (at most 60 s in all).
template <class Fail>
void confirm_all(client::KioskClient& kiosk, const std::vector<client::BallotReceipt>& awaiting,
                 const Fail& fail) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const auto& r : awaiting) {
    const std::string what = "confirm the ballot at index " + std::to_string(r.index);
    for (;;) {
      auto again = kiosk.confirm(r);
      if (!again) return fail(what, again.error());
      if (again->final()) break;
      if (std::chrono::steady_clock::now() > deadline) {
        return fail(what, make_error(ErrorCode::kInvalidSignature,
                                     "still not cosigned by the witnesses' quorum after 60 s"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
}

// deck: a test deck's JSON (client/test_deck.h), or null for random ballots; this kiosk casts
// its ballots deck_offset, deck_offset + 1, ...
void run_kiosk(const std::string& url, const std::string& key_file,
               const std::vector<std::string>& tokens, std::uint64_t count, std::uint64_t challenge,
               std::uint64_t seed, const nlohmann::json& deck_json, std::size_t deck_offset,
               Totals& totals) {
  auto fail = [&](const std::string& what, const Error& e) {
    MutexLock lock(totals.mu);
    totals.errors.push_back(key_file + ": " + what + ": " + e.describe());
  };
  auto key =
      client::load_signing_key(key_file, "kiosk key", "create one with `tabella-voters keygen`");
  if (!key) return fail("key", key.error());
  auto ledger = client::LedgerConnection::connect(url);
  if (!ledger) return fail("ledger", ledger.error());
  auto kiosk = client::KioskClient::start(std::move(*ledger), std::move(*key));
  if (!kiosk) return fail("start", kiosk.error());
  const auto& m = kiosk->context().manifest;
  std::optional<client::TestDeck> deck;
  if (!deck_json.is_null()) {
    if (!m.test) {
      return fail("--deck", make_error(ErrorCode::kConflict,
                                       "the ledger holds the real election " + m.election_id +
                                           "; a test deck is cast only in its test election"));
    }
    auto parsed = client::parse_test_deck(deck_json, m);
    if (!parsed) return fail("--deck", parsed.error());
    if (deck_offset + count > parsed->ballots.size()) {
      return fail("--deck", make_error(ErrorCode::kInvalidArgument,
                                       "the deck has " + std::to_string(parsed->ballots.size()) +
                                           " ballots, fewer than --count"));
    }
    deck = std::move(*parsed);
  }
  std::mt19937_64 rng(seed);
  // Receipts acknowledged but not yet cosigned by the witnesses' quorum: confirmed at the end.
  std::vector<client::BallotReceipt> awaiting;
  for (std::uint64_t i = 0; i < count; ++i) {
    election::PlaintextBallot ballot =
        deck ? deck->ballots[deck_offset + i] : random_ballot(m, rng);
    if (i < challenge) {
      auto pending = kiosk->encrypt(ballot);
      if (!pending) return fail("encrypt", pending.error());
      std::string challenged_code = pending->short_code;
      auto opened = kiosk->challenge(*pending);
      if (!opened) return fail("challenge", opened.error());
      {
        MutexLock lock(totals.mu);
        totals.ballots.push_back({{"kiosk", key_file},
                                  {"type", "challenged"},
                                  {"short_code", challenged_code},
                                  {"choices", marks_json(ballot)}});
      }
      // The opened ballot must hold exactly the voter's choices.
      for (std::size_t c = 0; c < m.contests.size(); ++c) {
        auto want = ballot.contests[c].choice_ids;
        auto got = opened->choice_ids[c];
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        if (want != got) {
          return fail("challenge", make_error(ErrorCode::kInvalidProof,
                                              "the opened ballot does not show the choices made",
                                              "contests[" + std::to_string(c) + "]"));
        }
      }
      ++totals.challenged;
    }
    auto pending = kiosk->encrypt(ballot);
    if (!pending) return fail("encrypt", pending.error());
    auto receipt = kiosk->cast(*pending, tokens[i]);
    if (!receipt) return fail("cast ballot " + std::to_string(i + 1), receipt.error());
    if (!receipt->final()) awaiting.push_back(*receipt);
    ++totals.cast;
    MutexLock lock(totals.mu);
    totals.ballots.push_back({{"kiosk", key_file},
                              {"type", "cast"},
                              {"short_code", receipt->short_code},
                              {"index", receipt->index},
                              {"choices", marks_json(ballot)}});
    for (const auto& c : ballot.contests) {
      auto& per = totals.counts[c.contest_id];
      for (const auto& ch : m.find_contest(c.contest_id)->choices) per.emplace(ch.id, 0);
      for (const auto& id : c.choice_ids) ++per[id];
    }
  }
  confirm_all(*kiosk, awaiting, fail);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tabella-voters: simulated voters casting ballots through kiosks (KioskClient)"};
  app.require_subcommand(1);
  std::string out;
  auto* keygen = app.add_subcommand("keygen", "Create a kiosk signing key (0600)");
  keygen->add_option("--out", out, "Key file")->required();
  bool json = false;
  keygen->add_flag("--json", json, "JSON output");

  std::string url = "http://127.0.0.1:8640", tokens_file;
  std::vector<std::string> keys;
  std::uint64_t count = 0, challenge = 0, seed = 0;
  auto* run = app.add_subcommand("run", "Cast ballots through one thread per kiosk key");
  run->add_option("--ledger", url, "Ledger base URL")->capture_default_str();
  run->add_option("--kiosk-key", keys, "Enrolled kiosk key file (repeat for several kiosks)")
      ->required();
  run->add_option("--tokens", tokens_file, "tokens.csv from `tabella-admin tokens issue`")
      ->required();
  auto* count_opt = run->add_option("--count", count, "Ballots to cast (in total)");
  std::string deck_file;
  run->add_option(
         "--deck", deck_file,
         "Cast the pre-marked ballots of this test deck (test-deck.json from tabella-admin "
         "test-deck) in order instead of random ones; --count defaults to all of them")
      ->check(CLI::ExistingFile);
  run->add_option("--challenge", challenge, "Ballots challenged (opened) first, then cast")
      ->capture_default_str();
  run->add_option("--seed", seed, "Seed of the random choices (0: random)");
  run->add_flag("--json", json, "Print totals as JSON");
  std::string ballots_file;
  run->add_option("--ballots", ballots_file,
                  "Write every ballot's short code, cast/challenged and marks (JSON) to this file");
  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;

  if (keygen->parsed()) {
    SigningKey key = SigningKey::generate();
    if (Status st = key.save_pem(out); !st.ok())
      return client::report_error(kProgram, st.error(), json);
    const auto& vk = key.verify_key();
    if (json) {
      client::print_json({{"ok", true},
                          {"key_file", out},
                          {"public_key", vk.to_hex()},
                          {"fingerprint", vk.fingerprint()}});
    } else {
      std::cout << "kiosk key written to " << out << "\n  public key:  " << vk.to_hex()
                << "\n  fingerprint: " << vk.fingerprint() << "\n";
    }
    return 0;
  }

  nlohmann::json deck_json;
  if (!deck_file.empty()) {
    std::ifstream in(deck_file);
    deck_json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (deck_json.is_discarded() || !deck_json.contains("ballots") ||
        !deck_json["ballots"].is_array()) {
      return client::report_error(
          kProgram, make_error(ErrorCode::kInvalidArgument, "not a test deck (JSON)", deck_file),
          json);
    }
    if (count_opt->count() == 0) count = deck_json["ballots"].size();
  } else if (count_opt->count() == 0) {
    std::cerr << kProgram << " run: --count is required (or --deck)\n"
              << "Run with --help for more information.\n";
    return tabella::kExitUsage;
  }
  auto tokens = read_tokens(tokens_file);
  if (!tokens) return client::report_error(kProgram, tokens.error(), json);
  if (tokens->size() < count) {
    return client::report_error(kProgram,
                                make_error(ErrorCode::kInvalidArgument,
                                           "only " + std::to_string(tokens->size()) +
                                               " tokens for " + std::to_string(count) + " ballots",
                                           "--tokens"),
                                json);
  }
  if (seed == 0) seed = std::random_device{}();
  Totals totals;
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  std::size_t k = keys.size();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < k; ++i) {
    std::uint64_t n = count / k + (i < count % k ? 1 : 0);
    std::uint64_t ch = challenge / k + (i < challenge % k ? 1 : 0);
    std::vector<std::string> mine(tokens->begin() + static_cast<std::ptrdiff_t>(offset),
                                  tokens->begin() + static_cast<std::ptrdiff_t>(offset + n));
    offset += n;
    threads.emplace_back(run_kiosk, url, keys[i], std::move(mine), n, std::min(ch, n), seed + i,
                         std::cref(deck_json), offset - n, std::ref(totals));
  }
  for (auto& t : threads) t.join();
  MutexLock joined(totals.mu);  // the kiosk threads are done: uncontended, for the analysis
  if (!ballots_file.empty()) {
    std::ofstream f(ballots_file);
    f << totals.ballots.dump(1) << "\n";
    if (!f) {
      return client::report_error(
          kProgram, make_error(ErrorCode::kIo, "cannot write " + ballots_file, "--ballots"), json);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate = seconds > 0 ? static_cast<double>(totals.cast + totals.challenged) / seconds : 0;
  if (json) {
    client::print_json({{"ok", totals.errors.empty()},
                        {"cast", totals.cast.load()},
                        {"challenged", totals.challenged.load()},
                        {"seconds", seconds},
                        {"ballots_per_second", rate},
                        {"counts", totals.counts},
                        {"errors", totals.errors}});
  } else {
    std::printf(
        "%llu ballots cast, %llu challenged and opened, through %zu kiosks in %.1fs "
        "(%.1f ballots/s); every receipt verified\n",
        static_cast<unsigned long long>(totals.cast.load()),
        static_cast<unsigned long long>(totals.challenged.load()), k, seconds, rate);
    for (const auto& e : totals.errors) std::cerr << kProgram << ": error: " << e << "\n";
  }
  return totals.errors.empty() ? 0 : client::kExitFailure;
}
