// tabella-restart-bench: how long a ledger takes to open (restart) as its log grows, from the
// stored open-phase totals and by replaying the whole log (docs/benchmarks.md, "Start-up").
//
//   tabella-restart-bench [--ballots N] [--dir DIR] [--manifest ballots/demo-general.json]
//                         [--no-replay]
//
// Builds a real SQLite ledger through the real ElectionLedger and Committer: the setup of a
// simulated election (election_sim.h) up to polls-open, token commitments for N voters, then N
// cast ballots from two kiosks with correct chains and signatures. The ballots re-use the
// encrypted contests of one real ballot and are handed to the committer as pre-verified (their
// proofs are not checked: a restart does not check proofs either), so building a large log costs
// seconds, not hours. Then it opens the ledger again, timing wall and process CPU time, once from
// the stored totals and once with them removed (a full replay), and checks both reach the same
// size.
#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>

#include "support/cpu_clock.h"
#include "support/election_sim.h"
#include "tabella/crypto/hash.h"
#include "tabella/election/ballot.h"
#include "tabella/server/committer.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/log.h"
#include "tabella/server/sqlite_storage.h"

namespace {

using namespace tabella;
using record::EntryType;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tabella-restart-bench: %s\n", what.c_str());
  std::exit(1);
}

// Submits entries (with their pre-verified products, or null) and waits for every answer.
void submit_all(server::Committer& committer, const std::vector<Bytes>& entries,
                const std::vector<server::Prepared>& prepared) {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t done = 0;
  std::string failure;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    committer.submit(entries[i], prepared.empty() ? nullptr : prepared[i],
                     [&, i](Result<server::AppendOutcome> r) {
                       std::lock_guard<std::mutex> lock(mu);
                       if (!r && failure.empty()) {
                         failure = "entry " + std::to_string(i) + ": " + r.error().describe();
                       }
                       ++done;
                       cv.notify_all();
                     });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done == entries.size(); });
  if (!failure.empty()) die(failure);
}

struct Opened {
  double wall = 0, cpu = 0;
  bool resumed = false;
  std::uint64_t size = 0;
  std::string status;
};

Opened open_once(const std::filesystem::path& dir, const server::LedgerIdentity& id) {
  auto storage = server::SqliteStorage::open(dir);
  if (!storage) die(storage.error().describe());
  auto t0 = std::chrono::steady_clock::now();
  double c0 = testing::cpu_seconds();
  auto ledger = server::ElectionLedger::open(**storage, id, nullptr);
  Opened o;
  o.cpu = testing::cpu_seconds() - c0;
  o.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!ledger) die("open: " + ledger.error().describe());
  o.resumed = (*ledger)->resumed_from_stored_state();
  o.size = (*ledger)->size();
  ledger->reset();
  (void)(*storage)->close();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t ballots = 10000;
  std::string dir_arg, manifest = "ballots/demo-general.json";
  bool full_replay = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ballots" && i + 1 < argc) {
      ballots = std::stoull(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      dir_arg = argv[++i];
    } else if (a == "--no-replay") {
      full_replay = false;
    } else if (a == "--manifest" && i + 1 < argc) {
      manifest = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "tabella-restart-bench [--ballots N] [--dir DIR] [--manifest FILE] [--no-replay]\n"
          "Builds a ledger of N cast ballots in DIR (default: a temporary directory, removed\n"
          "after) and times opening it from stored state and (unless --no-replay) by a full\n"
          "replay.\n");
      return 0;
    } else {
      die("unknown argument " + a + " (--help)");
    }
  }
  server::set_logging_enabled(false);
  std::filesystem::path dir = dir_arg.empty()
                                  ? std::filesystem::temp_directory_path() /
                                        ("tabella-restart-bench-" + std::to_string(::getpid()))
                                  : std::filesystem::path(dir_arg);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  testing::SimOptions o;
  o.manifest_file = manifest;
  o.kiosks = 2;
  o.ballots = 2;
  o.challenged = 0;
  o.finish = false;
  std::fprintf(stderr, "simulating the election's setup ...\n");
  testing::SimElection sim = testing::simulate_election(o);
  std::size_t first_ballot = sim.find(EntryType::kCastBallot);
  server::LedgerIdentity id{sim.manifest.origin, sim.authority, sim.shared_ledger_signing_key()};

  // Templates: the first ballot of each kiosk (sequence 1, previous code = the chain seed).
  std::vector<std::pair<PublicKeyBytes, record::CastBallotBody>> kiosks;
  for (std::size_t i = first_ballot; i < sim.entries.size() && kiosks.size() < 2; ++i) {
    record::Entry e = sim.entry(i);
    if (e.type != EntryType::kCastBallot) continue;
    auto body = record::CastBallotBody::decode(e.body);
    if (!body) die(body.error().describe());
    if (!kiosks.empty() && kiosks.front().first == e.author) continue;
    kiosks.emplace_back(e.author, *body);
  }
  if (kiosks.size() != 2) die("the simulation has no ballots of two kiosks");
  auto tokens_entry = sim.entry(sim.find(EntryType::kTokenCommitments));
  auto tokens_body = record::TokenCommitmentsBody::decode(tokens_entry.body);
  if (!tokens_body) die(tokens_body.error().describe());
  const SigningKey& authority = *sim.keys.at(sim.authority);

  double build_wall = 0, build_cpu = 0;
  {
    auto storage = server::SqliteStorage::open(dir);
    if (!storage) die(storage.error().describe());
    auto ledger = server::ElectionLedger::open(**storage, id, nullptr);
    if (!ledger) die(ledger.error().describe());
    server::Committer committer(**storage, **ledger, server::Committer::Options{});
    auto t0 = std::chrono::steady_clock::now();
    double c0 = testing::cpu_seconds();
    std::vector<Bytes> setup(sim.entries.begin(),
                             sim.entries.begin() + static_cast<std::ptrdiff_t>(first_ballot));
    submit_all(committer, setup, {});

    std::mt19937_64 rng(42);
    std::vector<Digest> tokens(ballots);
    for (auto& t : tokens) {
      for (auto& b : t) b = static_cast<std::uint8_t>(rng());
    }
    std::vector<Bytes> commitments;
    for (std::size_t at = 0; at < tokens.size(); at += 1000) {
      record::TokenCommitmentsBody b;
      b.precinct = tokens_body->precinct;
      b.token_hashes.assign(tokens.begin() + static_cast<std::ptrdiff_t>(at),
                            tokens.begin() + static_cast<std::ptrdiff_t>(
                                                 std::min<std::size_t>(at + 1000, tokens.size())));
      commitments.push_back(
          record::Entry::make(EntryType::kTokenCommitments, sim.q, b.encode(), authority).encode());
    }
    submit_all(committer, commitments, {});

    std::fprintf(stderr, "building %llu ballots ...\n", static_cast<unsigned long long>(ballots));
    // The last ballots one per batch, as a loaded ledger commits a few at a time: the stored
    // totals are written once the log has grown by kResumeTotalsEvery entries since the last
    // ones (docs/cluster.md), so a start finds them kResumeTotalsEvery - 1 entries behind the
    // log, the most they can lag, and replays those.
    const std::uint64_t tail =
        std::min<std::uint64_t>(ballots, server::ElectionLedger::kResumeTotalsEvery - 1);
    for (std::uint64_t at = 0; at < ballots;) {
      const std::uint64_t chunk = at < ballots - tail ? 10000 : 1;
      const std::uint64_t stop =
          std::min(at + chunk, at < ballots - tail ? ballots - tail : ballots);
      std::vector<Bytes> entries;
      std::vector<server::Prepared> prepared;
      for (std::uint64_t i = at; i < stop; ++i) {
        auto& [kiosk, body] = kiosks[i % 2];
        body.token_hash = tokens[i];
        record::Entry e =
            record::Entry::make(EntryType::kCastBallot, sim.q, body.encode(), *sim.keys.at(kiosk));
        Bytes bytes = e.encode();
        auto checked = std::make_shared<record::CheckedEntry>(record::CheckedEntry{
            e, body, sha256(bytes), /*proofs_checked=*/true, ledger::leaf_hash(bytes)});
        entries.push_back(std::move(bytes));
        prepared.push_back(std::move(checked));
        // The kiosk's next ballot continues its chain.
        body.ballot.previous_code = election::ballot_code(sim.q, kiosk, body.ballot);
        ++body.ballot.sequence;
      }
      submit_all(committer, entries, prepared);
      at = stop;
      if (chunk > 1 || at == ballots) {
        std::fprintf(stderr, "  %llu ballots\n", static_cast<unsigned long long>(at));
      }
    }
    build_cpu = testing::cpu_seconds() - c0;
    build_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    committer.stop();
    (void)(*ledger)->publish_checkpoint();
    ledger->reset();
    (void)(*storage)->close();
  }
  std::uintmax_t bytes = std::filesystem::file_size(dir / "ledger.sqlite");

  Opened stored = open_once(dir, id);
  // The same ledger without the stored totals: the whole log is replayed.
  auto set_totals = [&dir](std::optional<Bytes> value) {
    auto storage = server::SqliteStorage::open(dir);
    if (!storage) die(storage.error().describe());
    auto row = (*storage)->get_state("resume/open");
    if (!row) die(row.error().describe());
    if (Status st = (*storage)->put_state({{"resume/open", std::move(value)}}); !st.ok()) {
      die(st.error().describe());
    }
    (void)(*storage)->close();
    return *row;
  };
  std::printf("ballots %llu, entries %llu, database %.1f MB; built in %.1f s (%.1f s CPU)\n",
              static_cast<unsigned long long>(ballots),
              static_cast<unsigned long long>(stored.size), static_cast<double>(bytes) / 1e6,
              build_wall, build_cpu);
  std::uint64_t behind = 0;  // entries the start replayed after the stored totals
  {
    auto storage = server::SqliteStorage::open(dir);
    if (!storage) die(storage.error().describe());
    auto row = (*storage)->get_state("resume/open");
    if (!row || !*row) die("no stored totals were written");
    auto totals = record::ElectionState::OpenTotals::decode(**row);
    if (!totals) die(totals.error().describe());
    behind = stored.size - totals->size;
    (void)(*storage)->close();
  }
  std::printf(
      "open from stored state: %.3f s wall, %.3f s CPU (%.2f us CPU per ballot; the totals %llu "
      "entries behind the log, replayed)\n",
      stored.wall, stored.cpu,
      1e6 * stored.cpu / static_cast<double>(std::max<std::uint64_t>(1, ballots)),
      static_cast<unsigned long long>(behind));
  if (!stored.resumed) die("the ledger did not start from the stored state");
  if (full_replay) {
    std::optional<Bytes> totals = set_totals(std::nullopt);
    if (!totals) die("no stored totals were written");
    Opened replayed = open_once(dir, id);
    set_totals(totals);
    if (replayed.resumed) die("the ledger did not replay the whole log");
    if (stored.size != replayed.size) die("the two starts disagree on the size");
    std::printf("open by full replay:    %.3f s wall, %.3f s CPU (%.3f ms CPU per entry)\n",
                replayed.wall, replayed.cpu,
                1e3 * replayed.cpu / static_cast<double>(std::max<std::uint64_t>(1, stored.size)));
  }
  if (dir_arg.empty()) std::filesystem::remove_all(dir);
  return 0;
}
