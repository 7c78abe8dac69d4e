// tabella-tally-bench: what the tally of a large election costs (docs/benchmarks.md, "Tally of a
// million ballots").
//
//   tabella-tally-bench [--ballots N] [--threads T] [--manifest ballots/demo-general.json]
//
// Builds a small real election (election_sim.h: guardians, key ceremony, joint key K, one cast
// ballot), then times, for N cast ballots of that election's shape:
//   1. the homomorphic sum (TallyAccumulator::add, split over T threads and merged): ballot i is
//      the real ballot re-randomised by i (A + i*G, B + i*K per selection, one point addition
//      each from ballot i-1), so every ciphertext added is a distinct point and the expected
//      counts are N times the real ballot's choices;
//   2. each present guardian's partial decryption of the tally and its verification;
//   3. the discrete-log table for counts up to N and combine_tally (the counts' recovery).
// It checks that every recovered count is the expected one (exit 1 otherwise) and reports wall
// time, process CPU time and peak RSS. Generating the re-randomised ballots is not counted in
// the sum's time: only the add() calls are.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/cpu_clock.h"
#include "support/election_sim.h"

namespace {

using namespace tabella;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Wall and process CPU time of one step, printed as "<what>: W s wall, C s CPU".
class Step {
 public:
  explicit Step(const char* what)
      : what_(what), wall_(Clock::now()), cpu_(testing::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID)) {}
  double done(const char* extra = "") {
    double wall = seconds_since(wall_);
    double cpu = testing::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_;
    std::printf("%s: %.3f s wall, %.3f s CPU%s\n", what_, wall, cpu, extra);
    std::fflush(stdout);
    return cpu;
  }

 private:
  const char* what_;
  Clock::time_point wall_;
  double cpu_;
};

// Sums ballots [begin, end) of the re-randomised sequence into acc; returns the thread CPU
// seconds spent in add() alone.
double sum_range(const record::EncryptedBallot& base, const Point& k, std::uint64_t begin,
                 std::uint64_t end, election::TallyAccumulator& acc) {
  record::EncryptedBallot b = base;
  // Ballot `begin`: A + begin*G, B + begin*K.
  const Point shift_a = Point::base_mul(Scalar::from_u64(begin));
  const Point shift_b = begin == 0 ? Point::identity() : k * Scalar::from_u64(begin);
  for (auto& c : b.contests) {
    for (auto& s : c.selections) {
      s.ciphertext.alpha += shift_a;
      s.ciphertext.beta += shift_b;
    }
  }
  const Point& g = Point::generator();
  double in_add = 0;
  constexpr std::uint64_t kBatch = 256;
  std::vector<record::EncryptedBallot> batch;
  batch.reserve(kBatch);
  for (std::uint64_t i = begin; i < end;) {
    batch.clear();
    for (; i < end && batch.size() < kBatch; ++i) {
      batch.push_back(b);
      for (auto& c : b.contests) {
        for (auto& s : c.selections) {
          s.ciphertext.alpha += g;
          s.ciphertext.beta += k;
        }
      }
    }
    double t = testing::cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (const auto& ballot : batch) acc.add(ballot);
    in_add += testing::cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - t;
  }
  return in_add;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t ballots = 1'000'000;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string manifest = "ballots/demo-general.json";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ballots") == 0 && i + 1 < argc) {
      ballots = std::stoull(argv[++i]);
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = static_cast<unsigned>(std::max(1ul, std::stoul(argv[++i])));
    } else if (std::strcmp(argv[i], "--manifest") == 0 && i + 1 < argc) {
      manifest = argv[++i];
    } else {
      std::printf(
          "usage: %s [--ballots N (1000000)] [--threads T (cores)] [--manifest FILE]\n"
          "Times the homomorphic sum of N ballots, the guardians' partial decryptions and the\n"
          "recovery of counts up to N (docs/benchmarks.md).\n",
          argv[0]);
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  if (ballots == 0 || ballots > DlogTable::kMaxSupported) {
    std::fprintf(stderr, "--ballots: must be between 1 and %llu\n",
                 static_cast<unsigned long long>(DlogTable::kMaxSupported));
    return 2;
  }

  testing::SimOptions o;
  o.manifest_file = manifest;
  o.ballots = 1;
  o.challenged = 0;
  o.finish = false;
  testing::SimElection sim = testing::simulate_election(o);
  auto key_entry = sim.entry(sim.find(record::EntryType::kElectionKey));
  auto key = record::ElectionKeyBody::decode(key_entry.body);
  auto cast_entry = sim.entry(sim.find(record::EntryType::kCastBallot));
  auto cast = record::CastBallotBody::decode(cast_entry.body);
  if (!key.ok() || !cast.ok()) {
    std::fprintf(stderr, "the simulated election did not decode\n");
    return 1;
  }
  const auto ctx = election::ElectionContext::make(sim.manifest, sim.authority, key->joint_key);
  std::size_t selections = 0;
  for (const auto& c : cast->ballot.contests) selections += c.selections.size();
  std::printf(
      "%llu ballots of %s (%zu contests, %zu selections), %u guardians (quorum %u), %u "
      "threads\n",
      static_cast<unsigned long long>(ballots), manifest.c_str(), cast->ballot.contests.size(),
      selections, o.guardians, o.quorum, threads);

  // 1. The homomorphic sum.
  std::vector<election::TallyAccumulator> accs(threads, election::TallyAccumulator(sim.manifest));
  std::vector<double> add_cpu(threads, 0);
  Step sum("sum (generate + add, all threads)");
  {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      std::uint64_t begin = ballots * t / threads, end = ballots * (t + 1) / threads;
      workers.emplace_back([&, t, begin, end] {
        add_cpu[t] = sum_range(cast->ballot, key->joint_key, begin, end, accs[t]);
      });
    }
    for (auto& w : workers) w.join();
  }
  sum.done();
  Step merge("merge of the per-thread sums");
  for (unsigned t = 1; t < threads; ++t) accs[0].merge(accs[t]);
  merge.done();
  double add_total = 0;
  for (double c : add_cpu) add_total += c;
  std::printf("add() alone: %.3f s CPU = %.2f us per ballot = %.3f us per selection\n", add_total,
              add_total * 1e6 / static_cast<double>(ballots),
              add_total * 1e6 / static_cast<double>(ballots * selections));
  auto tally = accs[0].finish(sim.entries.size());

  // 2. Partial decryptions by the quorum, and their verification.
  std::vector<record::PartialDecryptionBody> partials;
  for (std::uint32_t l = 1; l <= o.quorum; ++l) {
    Step make("partial decryption of one guardian");
    auto p = election::partial_decrypt(ctx, l, sim.guardian_shares[l - 1], tally);
    make.done();
    if (!p.ok()) {
      std::fprintf(stderr, "partial decryption %u: %s\n", l, p.error().describe().c_str());
      return 1;
    }
    Step check("its verification");
    Status st = election::verify_partial_decryption(
        ctx, Point::base_mul(sim.guardian_shares[l - 1]), tally, *p);
    check.done();
    if (!st.ok()) {
      std::fprintf(stderr, "partial decryption %u does not verify: %s\n", l,
                   st.error().describe().c_str());
      return 1;
    }
    partials.push_back(std::move(*p));
  }

  // 3. Counts up to N.
  Step table("discrete-log table for 0..N");
  DlogTable dlog(ballots);
  char size_note[64];
  std::snprintf(size_note, sizeof size_note, " (%llu baby steps)",
                static_cast<unsigned long long>(dlog.table_size()));
  table.done(size_note);
  Step combine("combine_tally (Lagrange combination + every count's discrete log)");
  auto result = election::combine_tally(ctx, tally, partials, dlog);
  combine.done();
  if (!result.ok()) {
    std::fprintf(stderr, "combine_tally: %s\n", result.error().describe().c_str());
    return 1;
  }
  for (std::size_t c = 0; c < sim.expected_counts.size(); ++c) {
    for (std::size_t j = 0; j < sim.expected_counts[c].size(); ++j) {
      std::uint64_t want = sim.expected_counts[c][j] * ballots;
      if (result->counts[c][j] != want) {
        std::fprintf(stderr, "count [%zu][%zu] is %llu, expected %llu\n", c, j,
                     static_cast<unsigned long long>(result->counts[c][j]),
                     static_cast<unsigned long long>(want));
        return 1;
      }
    }
  }
  std::printf("counts: every one as expected (cast_count %llu); peak RSS %.1f MB\n",
              static_cast<unsigned long long>(result->cast_count), peak_rss_mb());
  return 0;
}
