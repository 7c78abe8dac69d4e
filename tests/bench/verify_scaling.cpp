// tabella-verify-bench: how fast the verifier checks a generated election, against the bound set
// by its scalar multiplications.
//
//   tabella-verify-bench [--ballots N] [--manifest ballots/demo-general.json] [--bound-only]
//
// Builds an election with N cast ballots (election_sim.h), writes its record, then times
// tabella-verify's engine with 1 and with 2 threads. The bound is the sum of the double scalar
// multiplications the ballot proofs need (4 per selection, 2 per branch of each contest limit
// proof), each timed here with Point::base_mul_add and FixedBase::mul_add.
//
// Both wall time and CPU time are reported: on a shared machine the CPU time (the bound's
// multiplications in thread CPU time, the verifier's in process CPU time) is what compares
// the verifier with its bound; the wall-time speed-up with 2 threads needs an idle machine.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "support/cpu_clock.h"
#include "support/election_sim.h"
#include "verifier.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Thread CPU seconds per call.
template <class F>
double time_per_call(F&& f, int n) {
  double t = tabella::testing::cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  for (int i = 0; i < n; ++i) f();
  return (tabella::testing::cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - t) / n;
}

// The bound: the double scalar multiplications of one ballot of `m`, timed in this process;
// printed, and returned in seconds.
double multiplication_bound(const tabella::election::Manifest& m) {
  using namespace tabella;
  Point p = Point::base_mul(Scalar::random());
  FixedBase k(Point::base_mul(Scalar::random()));
  Scalar a = Scalar::random(), b = Scalar::random();
  double g_mul_add = time_per_call([&] { (void)Point::base_mul_add(a, b, p); }, 2000);
  double k_mul_add = time_per_call([&] { (void)k.mul_add(a, b, p); }, 2000);
  std::uint64_t selections = 0, branches = 0;
  for (const auto& c : m.contests) {
    selections += c.choices.size();
    branches += c.max - c.min + 1;
  }
  double per_ballot = static_cast<double>(selections) * 2 * (g_mul_add + k_mul_add) +
                      static_cast<double>(branches) * (g_mul_add + k_mul_add);
  std::printf("\nscalar multiplications: a*G+b*P %.1f us, a*K+b*P %.1f us\n", g_mul_add * 1e6,
              k_mul_add * 1e6);
  std::printf(
      "per ballot: %llu selections, %llu limit-proof branches -> %.2f ms of multiplications\n",
      static_cast<unsigned long long>(selections), static_cast<unsigned long long>(branches),
      per_ballot * 1e3);
  return per_ballot;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tabella;
  std::uint32_t ballots = 10000;
  std::string manifest = "ballots/demo-general.json";
  std::string
      keep;  // --record FILE: write the record there and keep it (for profiling tabella-verify)
  bool generate_only = false;  // with --record: write it and stop (tabella-verify runs it later)
  // Time the multiplications only (no election, a second): sampled beside a long tabella-verify
  // run, so that its CPU per ballot is compared with the bound of the same minutes.
  bool bound_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ballots") == 0 && i + 1 < argc) {
      ballots = static_cast<std::uint32_t>(std::stoul(argv[++i]));
    } else if (std::strcmp(argv[i], "--manifest") == 0 && i + 1 < argc) {
      manifest = argv[++i];
    } else if (std::strcmp(argv[i], "--record") == 0 && i + 1 < argc) {
      keep = argv[++i];
    } else if (std::strcmp(argv[i], "--generate-only") == 0) {
      generate_only = true;
    } else if (std::strcmp(argv[i], "--bound-only") == 0) {
      bound_only = true;
    } else {
      std::printf(
          "usage: %s [--ballots N] [--manifest FILE] [--record FILE [--generate-only]] "
          "[--bound-only]\n",
          argv[0]);
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }

  if (bound_only) {
    auto m = election::load_manifest_file(testing::source_path(manifest));
    if (!m) {
      std::fprintf(stderr, "%s: %s\n", manifest.c_str(), m.error().describe().c_str());
      return 2;
    }
    multiplication_bound(*m);
    return 0;
  }
  std::printf("generating an election with %u ballots of %s ...\n", ballots, manifest.c_str());
  auto t0 = std::chrono::steady_clock::now();
  testing::SimOptions o;
  o.manifest_file = manifest;
  o.ballots = ballots;
  o.challenged = 0;
  o.kiosks = 4;
  o.seed = "verify-bench";
  auto sim = testing::simulate_election(o);
  auto path = keep.empty() ? std::filesystem::temp_directory_path() / "tabella-verify-bench.jsonl"
                           : std::filesystem::path(keep);
  sim.write(path);
  std::printf("  generated in %.1f s, record %s (%.1f MB)\n", seconds_since(t0), path.c_str(),
              static_cast<double>(std::filesystem::file_size(path)) / 1e6);
  if (generate_only && !keep.empty()) return 0;

  const double per_ballot_bound = multiplication_bound(sim.manifest);

  double one_thread = 0;
  for (unsigned threads : {1u, 2u}) {
    verify::Options vo;
    vo.threads = threads;
    auto t = std::chrono::steady_clock::now();
    double cpu0 = testing::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    auto r = verify::verify_record(path, vo);
    double s = seconds_since(t);
    double cpu = testing::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    if (!r.ok() || !r->ok()) {
      std::fprintf(stderr, "verification failed: %s\n",
                   r.ok() ? verify::format_report(*r).c_str() : r.error().describe().c_str());
      return 1;
    }
    if (threads == 1) one_thread = s;
    double cpu_per_ballot = cpu / ballots;
    std::printf(
        "\nverify, %u thread%s: %.2f s wall for %u ballots = %.0f ballots/s; CPU %.2f s = %.2f ms "
        "per ballot = %.2fx the multiplication bound\n",
        threads, threads == 1 ? "" : "s", s, ballots, ballots / s, cpu, cpu_per_ballot * 1e3,
        cpu_per_ballot / per_ballot_bound);
    if (threads > 1) std::printf("  wall-time speed-up over 1 thread: %.2fx\n", one_thread / s);
  }
  if (keep.empty()) std::filesystem::remove(path);
  return 0;
}
