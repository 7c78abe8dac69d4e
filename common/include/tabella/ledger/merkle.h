// The ledger's Merkle tree: RFC 6962 / RFC 9162 hashing, inclusion and consistency proofs,
// and a streaming builder.
//
//   leaf hash  = SHA-256(0x00 || entry)
//   node hash  = SHA-256(0x01 || left || right)
//   empty root = SHA-256("")
//
// Storage model (as golang.org/x/mod/sumdb/tlog): the hash of every *complete* subtree is
// stored; the stored hash (level L, index N) covers leaves [N*2^L, (N+1)*2^L). A tree of size
// n has, at level L, exactly floor(n / 2^L) stored hashes. Proofs and roots of any size <= n
// are computed from O(log n) stored hashes.
//
// Thread-safety: free functions are pure; a HashReader is used read-only by the functions
// here (implementations decide their own rules; MemoryHashStore is not synchronised); a
// MerkleBuilder is not shared.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tabella/crypto/hash.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

using Hash = Digest;

Hash leaf_hash(ByteView entry);                       // SHA-256(0x00 || entry)
Hash node_hash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash empty_root();                                    // SHA-256("")

// MTH(D[0:n]) of the given leaf hashes (RFC 6962 section 2.1). O(n) time, O(log n) memory.
Hash root_of(std::span<const Hash> leaf_hashes);

// The position of a stored subtree hash: covers leaves [index*2^level, (index+1)*2^level).
struct HashIndex {
  int level = 0;  // 0..63
  std::uint64_t index = 0;
  bool operator==(const HashIndex&) const = default;
};

struct StoredHash {
  HashIndex at;
  Hash hash{};
};

// Read access to stored complete-subtree hashes.
class HashReader {
 public:
  virtual ~HashReader() = default;
  // kNotFound if the hash is not stored.
  virtual Result<Hash> get(int level, std::uint64_t index) const = 0;
  // All of `at`, in order. The default calls get() for each; a database overrides it to fetch
  // them in one query.
  virtual Result<std::vector<Hash>> get_many(std::span<const HashIndex> at) const;
};

// The stored hashes needed to compute MTH(D[lo:hi]), in order, for a range produced by the
// RFC 6962 recursion (lo a multiple of the largest power of two <= hi - lo, or lo = 0): the
// maximal complete subtrees of [lo, hi), largest first. REQUIRES: lo < hi.
std::vector<HashIndex> range_subtrees(std::uint64_t lo, std::uint64_t hi);

// MTH(D[lo:hi]) from the hashes of range_subtrees(lo, hi), folded right to left:
// node(h_0, node(h_1, ... node(h_{k-2}, h_{k-1}))). REQUIRES: hashes non-empty.
Hash fold_subtrees(std::span<const Hash> hashes);

// MTH(D[lo:hi]) read from storage. REQUIRES (else kInvalidArgument): lo < hi, and the range
// arises in the RFC 6962 recursion (see range_subtrees); lo = 0 is always allowed.
Result<Hash> range_hash(std::uint64_t lo, std::uint64_t hi, const HashReader& reader);

// The root of the tree of size n (empty_root() for n = 0), from at most 64 stored hashes.
Result<Hash> root_at(std::uint64_t tree_size, const HashReader& reader);

// RFC 9162 section 2.1.3.1 PATH(index, D[0:tree_size]), ordered from the leaf upwards.
// kOutOfRange unless index < tree_size.
Result<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t tree_size,
                                          const HashReader& reader);

// RFC 9162 section 2.1.4.1 PROOF(m, D[0:n]). Empty when m == n or m == 0.
// kOutOfRange unless m <= n.
Result<std::vector<Hash>> consistency_proof(std::uint64_t m, std::uint64_t n,
                                            const HashReader& reader);

// RFC 9162 section 2.1.3.2. kInvalidProof if the proof does not lead from `leaf` (a leaf
// hash) at `index` to `root` of a tree of `tree_size` leaves, kOutOfRange if index >= size.
Status verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t tree_size,
                        std::span<const Hash> proof, const Hash& root);

// RFC 9162 section 2.1.4.2, extended to m == n (proof must be empty, roots equal) and m == 0
// (proof must be empty; the empty tree is a prefix of every tree). kOutOfRange if m > n.
Status verify_consistency(std::uint64_t m, std::uint64_t n, const Hash& root_m, const Hash& root_n,
                          std::span<const Hash> proof);

// Streaming append of leaf hashes with O(log n) memory (the "compact range" [0, n)): yields
// the root at the current size and, per append, the newly completed stored hashes.
class MerkleBuilder {
 public:
  MerkleBuilder() = default;

  // Resumes a tree of `tree_size` leaves from storage (reads popcount(tree_size) hashes).
  static Result<MerkleBuilder> resume(std::uint64_t tree_size, const HashReader& reader);

  // Appends one leaf hash. Appends to `completed` (if given) the stored hashes that became
  // complete: (0, n) for the leaf itself, then (1, n/2), ... while subtrees close, in order of
  // increasing level.
  void append(const Hash& leaf_hash, std::vector<StoredHash>* completed = nullptr);

  std::uint64_t size() const { return size_; }
  // MTH(D[0:size]); empty_root() for size 0. O(log n).
  Hash root() const;

 private:
  std::uint64_t size_ = 0;
  // The complete subtrees of [0, size), largest first: one per set bit of size_.
  std::vector<Hash> border_;
};

// Stored hashes in memory (one vector per level), for tests and tools.
class MemoryHashStore final : public HashReader {
 public:
  void append(const Hash& leaf_hash);  // appends and stores every completed subtree
  void append_entry(ByteView entry) { append(leaf_hash(entry)); }
  std::uint64_t size() const { return builder_.size(); }
  Hash root() const { return builder_.root(); }
  Result<Hash> get(int level, std::uint64_t index) const override;

 private:
  MerkleBuilder builder_;
  std::vector<std::vector<Hash>> levels_;
  std::vector<StoredHash> scratch_;
};

}  // namespace tabella::ledger
