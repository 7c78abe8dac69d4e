// Benchmarks of the ledger formats: Ed25519, leaf hashing, MerkleBuilder, proof checks.
#include <benchmark/benchmark.h>

#include "tabella/crypto/ed25519.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/util/canonical.h"

namespace {

using namespace tabella;
using namespace tabella::ledger;

void BM_Ed25519Sign(benchmark::State& state) {
  SigningKey key = SigningKey::generate();
  Bytes msg(256, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(key.sign(msg));
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  SigningKey key = SigningKey::generate();
  Bytes msg(256, 0x5a);
  SignatureBytes sig = key.sign(msg);
  for (auto _ : state) benchmark::DoNotOptimize(key.verify_key().verify(msg, sig).ok());
}
BENCHMARK(BM_Ed25519Verify);

void BM_LeafHash(benchmark::State& state) {
  Bytes entry(static_cast<std::size_t>(state.range(0)), 0x11);
  for (auto _ : state) benchmark::DoNotOptimize(leaf_hash(entry));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_LeafHash)->Arg(256)->Arg(4096);

void BM_MerkleBuilderAppend(benchmark::State& state) {
  MerkleBuilder b;
  Hash h = leaf_hash(Bytes{1, 2, 3});
  std::vector<StoredHash> completed;
  for (auto _ : state) {
    completed.clear();
    b.append(h, &completed);
    benchmark::DoNotOptimize(completed.data());
  }
}
BENCHMARK(BM_MerkleBuilderAppend);

// A tree of 1e6 leaves, built once.
const MemoryHashStore& million_tree() {
  static MemoryHashStore* store = [] {
    auto* s = new MemoryHashStore;
    for (std::uint32_t i = 0; i < 1000000; ++i) {
      s->append(leaf_hash(u32be(i)));
    }
    return s;
  }();
  return *store;
}

void BM_InclusionProve1M(benchmark::State& state) {
  const auto& store = million_tree();
  std::uint64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inclusion_proof(i, 1000000, store));
    i = (i + 7919) % 1000000;
  }
}
BENCHMARK(BM_InclusionProve1M);

void BM_InclusionVerify1M(benchmark::State& state) {
  const auto& store = million_tree();
  const std::uint64_t index = 123457;
  std::uint8_t e[4] = {0, 1, 0xe2, 0x41};  // entry of leaf 123457
  Hash leaf = leaf_hash(ByteView(e, 4));
  auto proof = *inclusion_proof(index, 1000000, store);
  Hash root = store.root();
  if (!verify_inclusion(leaf, index, 1000000, proof, root).ok()) state.SkipWithError("bad proof");
  for (auto _ : state) {
    benchmark::DoNotOptimize(verify_inclusion(leaf, index, 1000000, proof, root).ok());
  }
}
BENCHMARK(BM_InclusionVerify1M);

void BM_ConsistencyVerify1M(benchmark::State& state) {
  const auto& store = million_tree();
  auto proof = *consistency_proof(654321, 1000000, store);
  Hash old_root = *root_at(654321, store), root = store.root();
  for (auto _ : state) {
    benchmark::DoNotOptimize(verify_consistency(654321, 1000000, old_root, root, proof).ok());
  }
}
BENCHMARK(BM_ConsistencyVerify1M);

void BM_CheckpointOpen(benchmark::State& state) {
  SigningKey key = SigningKey::generate();
  NoteSigner signer("tabella.example/e1", key);
  Checkpoint c{"tabella.example/e1", 1000000, leaf_hash(Bytes{1}), {}};
  std::string note = format_note({c.body(), {signer.sign(c.body())}});
  auto v = *NoteVerifier::from_verifier_key(signer.verifier_key());
  for (auto _ : state) benchmark::DoNotOptimize(open_checkpoint(note, v).ok());
}
BENCHMARK(BM_CheckpointOpen);

}  // namespace
