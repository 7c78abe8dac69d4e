// Benchmarks of the threshold key scheme (docs/benchmarks.md collects the figures): the whole key
// ceremony for n = 5, k = 3, one share's encryption and check, and the partial decryption of one
// ciphertext (make, verify, combine).
#include <benchmark/benchmark.h>

#include <vector>

#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/share_encryption.h"
#include "tabella/crypto/threshold.h"

namespace tabella {
namespace {

const Digest kThresholdQ = sha256(as_bytes("tabella threshold benchmark"));
constexpr std::uint32_t kN = 5;
constexpr std::uint32_t kK = 3;

struct Keys {
  std::vector<GuardianSecrets> secrets;
  std::vector<GuardianCommitments> commitments;
  std::vector<Scalar> combined;  // s_l
};

const Keys& keys() {
  static const Keys k = [] {
    Keys out;
    for (std::uint32_t i = 1; i <= kN; ++i) {
      out.secrets.push_back(GuardianSecrets::generate(i, kK));
      out.commitments.push_back(out.secrets.back().commitments(kThresholdQ));
    }
    for (std::uint32_t l = 1; l <= kN; ++l) {
      Scalar s;
      for (const auto& g : out.secrets) s += g.share_for(l);
      out.combined.push_back(s);
    }
    return out;
  }();
  return k;
}

// Everything the n guardians compute together: secrets, commitments and proofs, every share
// encrypted, every commitment set verified, every share decrypted and checked, the joint key.
void BM_CeremonyN5K3(benchmark::State& state) {
  const ThresholdParams params{kN, kK};
  for (auto _ : state) {
    std::vector<GuardianSecrets> secrets;
    std::vector<GuardianCommitments> commitments;
    for (std::uint32_t i = 1; i <= kN; ++i) {
      secrets.push_back(GuardianSecrets::generate(i, kK));
      commitments.push_back(secrets.back().commitments(kThresholdQ));
    }
    if (!verify_commitment_set(kThresholdQ, params, commitments).ok()) state.SkipWithError("set");
    std::vector<std::vector<EncryptedShare>> shares(kN);
    for (std::uint32_t i = 1; i <= kN; ++i) {
      for (std::uint32_t l = 1; l <= kN; ++l) {
        shares[i - 1].push_back(*secrets[i - 1].encrypt_share_for(kThresholdQ, commitments[l - 1]));
      }
    }
    for (std::uint32_t l = 1; l <= kN; ++l) {
      std::vector<Scalar> received;
      for (std::uint32_t i = 1; i <= kN; ++i) {
        auto s =
            receive_share(kThresholdQ, shares[i - 1][l - 1], secrets[l - 1], commitments[i - 1]);
        if (!s.ok()) state.SkipWithError("share");
        received.push_back(*s);
      }
      benchmark::DoNotOptimize(combine_shares(received));
    }
    benchmark::DoNotOptimize(joint_key(commitments));
  }
}
BENCHMARK(BM_CeremonyN5K3)->Unit(benchmark::kMillisecond);

void BM_ShareEncrypt(benchmark::State& state) {
  const Keys& k = keys();
  for (auto _ : state) {
    benchmark::DoNotOptimize(k.secrets[0].encrypt_share_for(kThresholdQ, k.commitments[1]));
  }
}
BENCHMARK(BM_ShareEncrypt);

void BM_ShareReceive(benchmark::State& state) {  // decrypt + Feldman check, k = 3
  const Keys& k = keys();
  EncryptedShare es = *k.secrets[0].encrypt_share_for(kThresholdQ, k.commitments[1]);
  for (auto _ : state) {
    benchmark::DoNotOptimize(receive_share(kThresholdQ, es, k.secrets[1], k.commitments[0]));
  }
}
BENCHMARK(BM_ShareReceive);

Ciphertext bench_ciphertext() {
  ElectionPublicKey key(joint_key(keys().commitments));
  return encrypt(key, 7, Scalar::random_nonzero());
}

void BM_PartialDecryptionMake(benchmark::State& state) {
  const Keys& k = keys();
  const Ciphertext ct = bench_ciphertext();
  const Bytes context = {1, 2, 3};
  for (auto _ : state) {
    benchmark::DoNotOptimize(PartialDecryption::make(kThresholdQ, 2, k.combined[1], ct, context));
  }
}
BENCHMARK(BM_PartialDecryptionMake);

void BM_PartialDecryptionVerify(benchmark::State& state) {
  const Keys& k = keys();
  const Ciphertext ct = bench_ciphertext();
  const Bytes context = {1, 2, 3};
  const PartialDecryption pd = *PartialDecryption::make(kThresholdQ, 2, k.combined[1], ct, context);
  const Point s2 = public_share_key(2, k.commitments);
  for (auto _ : state) benchmark::DoNotOptimize(pd.verify(kThresholdQ, s2, ct, context));
}
BENCHMARK(BM_PartialDecryptionVerify);

void BM_CombinePartialsK3(benchmark::State& state) {  // Lagrange + 3 point products
  const Keys& k = keys();
  const Ciphertext ct = bench_ciphertext();
  std::vector<PartialDecryption> partials;
  for (std::uint32_t l : {1u, 3u, 5u}) {
    partials.push_back(*PartialDecryption::make(kThresholdQ, l, k.combined[l - 1], ct, {}));
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(combine_partials(ThresholdParams{kN, kK}, ct, partials));
  }
}
BENCHMARK(BM_CombinePartialsK3);

}  // namespace
}  // namespace tabella
