// Ballot benchmarks: encrypt + prove one whole ballot, and verify_ballot on it, for the demo
// election (3 contests, 11 selections) and the stress ballot (30 contests, 117 selections).
// Manifests are read from ballots/ in the source tree: $TABELLA_SOURCE_DIR/ballots, else the
// directory next to this file's tests/ directory. Items processed = selections.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "tabella/election/ballot.h"

namespace tabella::election {
namespace {

std::filesystem::path ballots_dir() {
  if (const char* env = std::getenv("TABELLA_SOURCE_DIR")) {
    return std::filesystem::path(env) / "ballots";
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "ballots";
}

// The election context of ballots/<name>.json under a random key; nullptr if it does not load.
const ElectionContext* load_context(const std::string& name) {
  static std::map<std::string, std::unique_ptr<ElectionContext>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<ElectionContext> ctx;
  auto m = load_manifest_file(ballots_dir() / (name + ".json"));
  if (m.ok()) {
    ctx = std::make_unique<ElectionContext>(ElectionContext::make(
        std::move(*m), PublicKeyBytes{}, Point::base_mul(Scalar::random_nonzero())));
  }
  return cache.emplace(name, std::move(ctx)).first->second.get();
}

// Marks the first `max` choices of every contest: a full ballot.
PlaintextBallot full_ballot(const Manifest& m) {
  PlaintextBallot b;
  for (const Contest& c : m.contests) {
    ContestMarks marks{c.id, {}};
    for (std::uint32_t j = 0; j < c.max && j < c.choices.size(); ++j)
      marks.choice_ids.push_back(c.choices[j].id);
    b.contests.push_back(std::move(marks));
  }
  return b;
}

void BM_EncryptBallot(benchmark::State& state, const std::string& name) {
  const ElectionContext* ctx = load_context(name);
  if (ctx == nullptr) {
    state.SkipWithError(("cannot load " + (ballots_dir() / name).string() + ".json").c_str());
    return;
  }
  const PlaintextBallot ballot = full_ballot(ctx->manifest);
  const Digest prev{};
  std::uint64_t seq = 1;
  for (auto _ : state) {
    auto r = encrypt_ballot(*ctx, ballot, seq++, prev);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(ctx->manifest.selection_count()));
  state.counters["selections"] = static_cast<double>(ctx->manifest.selection_count());
}

void BM_VerifyBallot(benchmark::State& state, const std::string& name) {
  const ElectionContext* ctx = load_context(name);
  if (ctx == nullptr) {
    state.SkipWithError(("cannot load " + (ballots_dir() / name).string() + ".json").c_str());
    return;
  }
  auto r = encrypt_ballot(*ctx, full_ballot(ctx->manifest), 1, Digest{});
  if (!r.ok()) {
    state.SkipWithError(r.error().describe().c_str());
    return;
  }
  const record::EncryptedBallot& ballot = r->first;
  for (auto _ : state) {
    Status s = verify_ballot(*ctx, ballot);
    if (!s.ok()) state.SkipWithError(s.error().describe().c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(ctx->manifest.selection_count()));
  state.counters["selections"] = static_cast<double>(ctx->manifest.selection_count());
}

BENCHMARK_CAPTURE(BM_EncryptBallot, demo_general, std::string("demo-general"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VerifyBallot, demo_general, std::string("demo-general"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncryptBallot, stress_100, std::string("stress-100"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VerifyBallot, stress_100, std::string("stress-100"))
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tabella::election
