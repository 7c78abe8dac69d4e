#include "tabella/ledger/merkle.h"

#include <gtest/gtest.h>

#include <random>

#include "support/vectors.h"

namespace tabella::ledger {
namespace {

Hash hash_hex(const std::string& s) {
  Bytes b = *from_hex(s);
  Hash h{};
  EXPECT_EQ(b.size(), 32u);
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

std::vector<Hash> hashes_hex(const nlohmann::json& arr) {
  std::vector<Hash> out;
  for (const auto& s : arr) out.push_back(hash_hex(s.get<std::string>()));
  return out;
}

// Reference MTH straight from RFC 6962 section 2.1, recursive.
Hash reference_mth(std::span<const Hash> leaves) {
  if (leaves.empty()) return sha256({});
  if (leaves.size() == 1) return leaves[0];
  std::size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  return node_hash(reference_mth(leaves.subspan(0, k)), reference_mth(leaves.subspan(k)));
}

class Rfc6962Vectors : public ::testing::Test {
 protected:
  void SetUp() override {
    v_ = testing::load_vectors()["rfc6962"];
    for (const auto& in : v_["leaf_inputs"]) {
      Bytes entry = *from_hex(in.get<std::string>());
      leaves_.push_back(leaf_hash(entry));
      store_.append_entry(entry);
    }
    ASSERT_EQ(leaves_.size(), 8u);
  }
  nlohmann::json v_;
  std::vector<Hash> leaves_;
  MemoryHashStore store_;
};

TEST_F(Rfc6962Vectors, HashingPrimitives) {
  EXPECT_EQ(to_hex(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Leaf hash of the empty entry: SHA-256(0x00).
  EXPECT_EQ(to_hex(leaf_hash({})),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST_F(Rfc6962Vectors, RootsForEverySize) {
  const auto& roots = v_["roots_by_size"];
  ASSERT_EQ(roots.size(), 9u);
  MerkleBuilder b;
  for (std::size_t n = 0; n <= 8; ++n) {
    Hash want = hash_hex(roots[n].get<std::string>());
    EXPECT_EQ(root_of(std::span<const Hash>(leaves_.data(), n)), want) << n;
    EXPECT_EQ(b.root(), want) << n;
    auto r = root_at(n, store_);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, want) << n;
    if (n < 8) b.append(leaves_[n]);
  }
}

TEST_F(Rfc6962Vectors, EveryInclusionPath) {
  const auto& roots = v_["roots_by_size"];
  std::size_t count = 0;
  for (const auto& c : v_["inclusion"]) {
    std::uint64_t index = c["index"], size = c["tree_size"];
    auto want = hashes_hex(c["path"]);
    auto got = inclusion_proof(index, size, store_);
    ASSERT_TRUE(got.ok()) << got.error().describe();
    EXPECT_EQ(*got, want) << "index " << index << " size " << size;
    Hash leaf = leaf_hash(*from_hex(c["leaf"].get<std::string>()));
    Hash root = hash_hex(roots[size].get<std::string>());
    EXPECT_TRUE(verify_inclusion(leaf, index, size, want, root).ok());
    ++count;
  }
  EXPECT_EQ(count, 36u);  // every (index, size) with 0 <= index < size <= 8
}

TEST_F(Rfc6962Vectors, EveryConsistencyProof) {
  const auto& roots = v_["roots_by_size"];
  std::size_t count = 0;
  for (const auto& c : v_["consistency"]) {
    std::uint64_t m = c["from"], n = c["to"];
    auto want = hashes_hex(c["proof"]);
    auto got = consistency_proof(m, n, store_);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, want) << m << " -> " << n;
    Hash rm = hash_hex(roots[m].get<std::string>()), rn = hash_hex(roots[n].get<std::string>());
    EXPECT_TRUE(verify_consistency(m, n, rm, rn, want).ok()) << m << " -> " << n;
    ++count;
  }
  EXPECT_EQ(count, 28u);
}

// Property tests on random trees: every proof verifies; every tampering fails.
class MerkleProperty : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(20240601);
    for (int i = 0; i < kMax; ++i) {
      Bytes entry(rng() % 40);
      for (auto& b : entry) b = static_cast<std::uint8_t>(rng());
      leaves_.push_back(leaf_hash(entry));
      store_.append(leaves_.back());
      roots_.push_back(reference_mth(std::span<const Hash>(leaves_.data(), leaves_.size())));
    }
  }
  Hash root(std::uint64_t n) const { return n == 0 ? empty_root() : roots_[n - 1]; }
  static constexpr int kMax = 300;
  std::vector<Hash> leaves_;
  std::vector<Hash> roots_;  // roots_[n-1] = MTH of the first n leaves (reference)
  MemoryHashStore store_;
};

TEST_F(MerkleProperty, RootsMatchReference) {
  MerkleBuilder b;
  for (std::uint64_t n = 1; n <= kMax; ++n) {
    b.append(leaves_[n - 1]);
    EXPECT_EQ(b.root(), root(n));
    EXPECT_EQ(*root_at(n, store_), root(n));
  }
  EXPECT_EQ(store_.root(), root(kMax));
}

TEST_F(MerkleProperty, StoredHashesCoverTheirRange) {
  MerkleBuilder b;
  std::vector<StoredHash> completed;
  for (std::uint64_t n = 0; n < 70; ++n) b.append(leaves_[n], &completed);
  for (const StoredHash& s : completed) {
    std::uint64_t lo = s.at.index << s.at.level, hi = (s.at.index + 1) << s.at.level;
    ASSERT_LE(hi, 70u);
    EXPECT_EQ(s.hash, reference_mth(std::span<const Hash>(leaves_.data() + lo, hi - lo)))
        << s.at.level << "/" << s.at.index;
  }
  // 70 leaves: 70 + 35 + 17 + 8 + 4 + 2 + 1 complete subtrees.
  EXPECT_EQ(completed.size(), 137u);
}

TEST_F(MerkleProperty, ResumeFromStorage) {
  for (std::uint64_t n : {0, 1, 5, 64, 255, 256, 299}) {
    auto b = MerkleBuilder::resume(n, store_);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->root(), root(n));
    for (std::uint64_t i = n; i < kMax; ++i) b->append(leaves_[i]);
    EXPECT_EQ(b->root(), root(kMax));
  }
  EXPECT_EQ(MerkleBuilder::resume(kMax + 1, store_).error().code, ErrorCode::kNotFound);
}

// Every size up to 150 and the sizes around the 256 boundary and the maximum.
std::vector<std::uint64_t> proof_sizes() {
  std::vector<std::uint64_t> out;
  for (std::uint64_t n = 1; n <= 150; ++n) out.push_back(n);
  for (std::uint64_t n : {255, 256, 257, 299, 300}) out.push_back(n);
  return out;
}

TEST_F(MerkleProperty, EveryInclusionProofVerifies) {
  for (std::uint64_t n : proof_sizes()) {
    for (std::uint64_t i = 0; i < n; ++i) {
      auto p = inclusion_proof(i, n, store_);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE(verify_inclusion(leaves_[i], i, n, *p, root(n)).ok()) << i << " in " << n;
    }
  }
}

TEST_F(MerkleProperty, EveryConsistencyProofVerifies) {
  for (std::uint64_t n : proof_sizes()) {
    for (std::uint64_t m = 0; m <= n; ++m) {
      auto p = consistency_proof(m, n, store_);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE(verify_consistency(m, n, root(m), root(n), *p).ok()) << m << " -> " << n;
    }
  }
}

TEST_F(MerkleProperty, TamperedInclusionProofsFail) {
  for (std::uint64_t n : {1, 2, 3, 7, 8, 9, 100, 255, 256, 257, 300}) {
    for (std::uint64_t i = 0; i < n; i += (n > 20 ? 7 : 1)) {
      auto p = *inclusion_proof(i, n, store_);
      const Hash r = root(n);
      // Each element modified.
      for (std::size_t k = 0; k < p.size(); ++k) {
        auto bad = p;
        bad[k][k % 32] ^= 0x80;
        EXPECT_FALSE(verify_inclusion(leaves_[i], i, n, bad, r).ok());
      }
      // Element dropped, element added.
      if (!p.empty()) {
        auto shorter = p;
        shorter.pop_back();
        EXPECT_FALSE(verify_inclusion(leaves_[i], i, n, shorter, r).ok());
      }
      auto longer = p;
      longer.push_back(leaves_[0]);
      EXPECT_FALSE(verify_inclusion(leaves_[i], i, n, longer, r).ok());
      // Wrong leaf, index, size, root.
      EXPECT_FALSE(verify_inclusion(leaves_[(i + 1) % kMax], i, n, p, r).ok());
      if (i + 1 < n) {
        EXPECT_FALSE(verify_inclusion(leaves_[i], i + 1, n, p, r).ok());
      }
      if (i > 0) {
        EXPECT_FALSE(verify_inclusion(leaves_[i], i - 1, n, p, r).ok());
      }
      // A root does not commit to its size (RFC 6962): a wrong size is caught because the
      // checkpoint binds size and root, so the size is tampered together with its root.
      if (n < kMax) {
        EXPECT_FALSE(verify_inclusion(leaves_[i], i, n + 1, p, root(n + 1)).ok());
      }
      if (n > i + 1) {
        EXPECT_FALSE(verify_inclusion(leaves_[i], i, n - 1, p, root(n - 1)).ok());
      }
      EXPECT_FALSE(verify_inclusion(leaves_[i], i, n, p, root(n - 1)).ok());
    }
  }
  auto st = verify_inclusion(leaves_[0], 5, 5, {}, root(5));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kOutOfRange);
}

TEST_F(MerkleProperty, TamperedConsistencyProofsFail) {
  for (std::uint64_t n : {2, 3, 7, 8, 9, 100, 256, 257, 300}) {
    for (std::uint64_t m = 1; m < n; m += (n > 20 ? 11 : 1)) {
      auto p = *consistency_proof(m, n, store_);
      ASSERT_FALSE(p.empty());
      for (std::size_t k = 0; k < p.size(); ++k) {
        auto bad = p;
        bad[k][0] ^= 1;
        EXPECT_FALSE(verify_consistency(m, n, root(m), root(n), bad).ok()) << m << "->" << n;
      }
      auto shorter = p;
      shorter.pop_back();
      EXPECT_FALSE(verify_consistency(m, n, root(m), root(n), shorter).ok());
      auto longer = p;
      longer.push_back(leaves_[0]);
      EXPECT_FALSE(verify_consistency(m, n, root(m), root(n), longer).ok());
      EXPECT_FALSE(verify_consistency(m, n, root(m - 1), root(n), p).ok());
      EXPECT_FALSE(verify_consistency(m, n, root(m), root(n - 1), p).ok());
      EXPECT_FALSE(verify_consistency(m + 1, n, root(m), root(n), p).ok());
      if (n < kMax) {
        EXPECT_FALSE(verify_consistency(m, n + 1, root(m), root(n + 1), p).ok());
      }
      if (n - 1 > m) {
        EXPECT_FALSE(verify_consistency(m, n - 1, root(m), root(n - 1), p).ok());
      }
      if (m > 1) {
        EXPECT_FALSE(verify_consistency(m - 1, n, root(m), root(n), p).ok());
      }
    }
  }
  // Degenerate sizes.
  EXPECT_TRUE(verify_consistency(5, 5, root(5), root(5), {}).ok());
  EXPECT_FALSE(verify_consistency(5, 5, root(5), root(4), {}).ok());
  EXPECT_FALSE(verify_consistency(5, 5, root(5), root(5), std::vector<Hash>{root(5)}).ok());
  EXPECT_TRUE(verify_consistency(0, 9, empty_root(), root(9), {}).ok());
  EXPECT_FALSE(verify_consistency(3, 9, root(3), root(9), {}).ok());
  EXPECT_EQ(verify_consistency(9, 3, root(9), root(3), {}).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(consistency_proof(9, 3, store_).error().code, ErrorCode::kOutOfRange);
}

TEST_F(MerkleProperty, ProofsPastStoredSizeAreNotFound) {
  EXPECT_EQ(inclusion_proof(3, kMax + 1, store_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(inclusion_proof(kMax, kMax, store_).error().code, ErrorCode::kOutOfRange);
}

TEST_F(MerkleProperty, RangeHashes) {
  // Every node of the RFC recursion of a size-300 tree, and a rejected non-node.
  EXPECT_EQ(*range_hash(256, 300, store_),
            reference_mth(std::span<const Hash>(leaves_.data() + 256, 44)));
  EXPECT_EQ(*range_hash(288, 300, store_),
            reference_mth(std::span<const Hash>(leaves_.data() + 288, 12)));
  EXPECT_EQ(range_hash(3, 7, store_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(range_hash(7, 7, store_).error().code, ErrorCode::kInvalidArgument);
  auto sub = range_subtrees(0, 300);
  ASSERT_EQ(sub.size(), 4u);  // 256 + 32 + 8 + 4
  EXPECT_EQ(sub[0], (HashIndex{8, 0}));
  EXPECT_EQ(sub[1], (HashIndex{5, 8}));
  EXPECT_EQ(sub[2], (HashIndex{3, 36}));
  EXPECT_EQ(sub[3], (HashIndex{2, 74}));
}

}  // namespace
}  // namespace tabella::ledger
