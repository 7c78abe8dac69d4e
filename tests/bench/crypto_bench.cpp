// Benchmarks of the group operations and the ballot proofs (docs/benchmarks.md collects the
// figures). Targets per core: encrypt + 0/1 proof >= 2,000 selections/s; verify >= 2,000/s.
#include <benchmark/benchmark.h>

#include <vector>

#include "tabella/crypto/chaum_pedersen.h"
#include "tabella/crypto/dlog.h"
#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/range_proof.h"
#include "tabella/crypto/schnorr.h"

namespace tabella {
namespace {

const Digest kQ = sha256(as_bytes("tabella benchmark election"));

const ElectionPublicKey& bench_key() {
  static const ElectionPublicKey key(Point::base_mul(Scalar::random_nonzero()));
  return key;
}

void BM_BaseMul(benchmark::State& state) {
  Scalar a = Scalar::random_nonzero();
  for (auto _ : state) benchmark::DoNotOptimize(Point::base_mul(a));
}
BENCHMARK(BM_BaseMul);

void BM_PointMul(benchmark::State& state) {
  Scalar a = Scalar::random_nonzero();
  Point p = Point::base_mul(Scalar::random_nonzero());
  for (auto _ : state) benchmark::DoNotOptimize(p * a);
}
BENCHMARK(BM_PointMul);

void BM_BaseMulAdd(benchmark::State& state) {
  Scalar a = Scalar::random_nonzero(), b = Scalar::random_nonzero();
  Point p = Point::base_mul(Scalar::random_nonzero());
  for (auto _ : state) benchmark::DoNotOptimize(Point::base_mul_add(a, b, p));
}
BENCHMARK(BM_BaseMulAdd);

void BM_FixedBaseMul(benchmark::State& state) {
  Scalar a = Scalar::random_nonzero();
  for (auto _ : state) benchmark::DoNotOptimize(bench_key().fixed().mul(a));
}
BENCHMARK(BM_FixedBaseMul);

void BM_FixedBaseMulAdd(benchmark::State& state) {
  Scalar a = Scalar::random_nonzero(), b = Scalar::random_nonzero();
  Point p = Point::base_mul(Scalar::random_nonzero());
  for (auto _ : state) benchmark::DoNotOptimize(bench_key().fixed().mul_add(a, b, p));
}
BENCHMARK(BM_FixedBaseMulAdd);

// A sum into a new point (allocates it) against the in-place sum the running tally uses.
void BM_PointAdd(benchmark::State& state) {
  Point p = Point::base_mul(Scalar::random_nonzero());
  const Point q = Point::base_mul(Scalar::random_nonzero());
  for (auto _ : state) {
    p = p + q;
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_PointAdd);

void BM_PointAddInPlace(benchmark::State& state) {
  Point p = Point::base_mul(Scalar::random_nonzero());
  const Point q = Point::base_mul(Scalar::random_nonzero());
  for (auto _ : state) {
    p += q;
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_PointAddInPlace);

void BM_PointEncode(benchmark::State& state) {
  Point p = Point::base_mul(Scalar::random_nonzero());
  for (auto _ : state) benchmark::DoNotOptimize(p.encode());
}
BENCHMARK(BM_PointEncode);

void BM_PointDecode(benchmark::State& state) {
  auto enc = Point::base_mul(Scalar::random_nonzero()).encode();
  for (auto _ : state) benchmark::DoNotOptimize(Point::decode(enc));
}
BENCHMARK(BM_PointDecode);

void BM_Encrypt(benchmark::State& state) {
  for (auto _ : state) {
    Scalar r = Scalar::random_nonzero();
    benchmark::DoNotOptimize(encrypt(bench_key(), 1, r));
  }
}
BENCHMARK(BM_Encrypt);

// One selection as the kiosk does it: fresh nonce, encrypt, 0/1 proof.
void BM_EncryptAndProveZeroOne(benchmark::State& state) {
  const std::uint8_t ctx[] = {'s', 'e', 'l'};
  std::uint64_t m = 0;
  for (auto _ : state) {
    Scalar r = Scalar::random_nonzero();
    Ciphertext c = encrypt(bench_key(), m, r);
    benchmark::DoNotOptimize(make_zero_one_proof(kQ, bench_key(), c, m, r, ctx));
    m ^= 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncryptAndProveZeroOne);

void BM_VerifyZeroOne(benchmark::State& state) {
  const std::uint8_t ctx[] = {'s', 'e', 'l'};
  Scalar r = Scalar::random_nonzero();
  Ciphertext c = encrypt(bench_key(), 1, r);
  RangeProof proof = make_zero_one_proof(kQ, bench_key(), c, 1, r, ctx);
  for (auto _ : state) {
    Status st = proof.verify(kQ, bench_key(), c, ctx);
    if (!st.ok()) state.SkipWithError("proof rejected");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyZeroOne);

void BM_RangeProofMake0To2(benchmark::State& state) {
  Scalar r = Scalar::random_nonzero();
  Ciphertext c = encrypt(bench_key(), 2, r);
  for (auto _ : state) {
    benchmark::DoNotOptimize(RangeProof::make(kQ, bench_key(), c, 2, r, 0, 2, {}));
  }
}
BENCHMARK(BM_RangeProofMake0To2);

void BM_RangeProofVerify0To2(benchmark::State& state) {
  Scalar r = Scalar::random_nonzero();
  Ciphertext c = encrypt(bench_key(), 2, r);
  RangeProof proof = RangeProof::make(kQ, bench_key(), c, 2, r, 0, 2, {});
  for (auto _ : state) {
    if (!proof.verify(kQ, bench_key(), c, {}).ok()) state.SkipWithError("proof rejected");
  }
}
BENCHMARK(BM_RangeProofVerify0To2);

void BM_SchnorrMake(benchmark::State& state) {
  Scalar x = Scalar::random_nonzero();
  Point X = Point::base_mul(x);
  for (auto _ : state) benchmark::DoNotOptimize(SchnorrProof::make(kQ, x, X, {}));
}
BENCHMARK(BM_SchnorrMake);

void BM_SchnorrVerify(benchmark::State& state) {
  Scalar x = Scalar::random_nonzero();
  Point X = Point::base_mul(x);
  SchnorrProof proof = SchnorrProof::make(kQ, x, X, {});
  for (auto _ : state) {
    if (!proof.verify(kQ, X, {}).ok()) state.SkipWithError("proof rejected");
  }
}
BENCHMARK(BM_SchnorrVerify);

struct CpStatement {
  Scalar x = Scalar::random_nonzero();
  Point H = Point::base_mul(Scalar::random_nonzero());
  Point X = Point::base_mul(x);
  Point Y = H * x;
};

void BM_ChaumPedersenMake(benchmark::State& state) {
  CpStatement s;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ChaumPedersenProof::make(kQ, s.x, s.H, s.X, s.Y, {}));
  }
}
BENCHMARK(BM_ChaumPedersenMake);

void BM_ChaumPedersenVerify(benchmark::State& state) {
  CpStatement s;
  ChaumPedersenProof proof = ChaumPedersenProof::make(kQ, s.x, s.H, s.X, s.Y, {});
  for (auto _ : state) {
    if (!proof.verify(kQ, s.H, s.X, s.Y, {}).ok()) state.SkipWithError("proof rejected");
  }
}
BENCHMARK(BM_ChaumPedersenVerify);

// Worst case for the bound: the value at the top, so every giant step is taken.
void BM_DlogSolve(benchmark::State& state) {
  const auto max = static_cast<std::uint64_t>(state.range(0));
  static std::vector<std::pair<std::uint64_t, DlogTable>> tables;
  const DlogTable* table = nullptr;
  for (const auto& [bound, t] : tables) {
    if (bound == max) table = &t;
  }
  if (table == nullptr) table = &tables.emplace_back(max, DlogTable(max)).second;
  Point p = Point::from_u64(max);
  for (auto _ : state) {
    auto r = table->solve(p);
    if (!r.ok() || *r != max) state.SkipWithError("wrong dlog");
  }
}
BENCHMARK(BM_DlogSolve)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_DlogTableBuild(benchmark::State& state) {
  const auto max = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(DlogTable(max).table_size());
}
BENCHMARK(BM_DlogTableBuild)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tabella
