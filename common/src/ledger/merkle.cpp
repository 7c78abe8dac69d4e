#include "tabella/ledger/merkle.h"

#include <algorithm>
#include <bit>
#include <string>

namespace tabella::ledger {

namespace {

// Largest power of two strictly less than n. REQUIRES: n >= 2.
std::uint64_t split_point(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

struct Range {
  std::uint64_t lo;
  std::uint64_t hi;
};

// Reads the stored hashes of every range and folds each into MTH(D[lo:hi]).
Result<std::vector<Hash>> read_ranges(std::span<const Range> ranges, const HashReader& reader) {
  std::vector<HashIndex> at;
  std::vector<std::size_t> counts;
  counts.reserve(ranges.size());
  for (const Range& r : ranges) {
    auto sub = range_subtrees(r.lo, r.hi);
    counts.push_back(sub.size());
    at.insert(at.end(), sub.begin(), sub.end());
  }
  auto hashes = reader.get_many(at);
  if (!hashes.ok()) return hashes.error();
  if (hashes->size() != at.size()) {
    return make_error(ErrorCode::kIo, "hash storage returned " + std::to_string(hashes->size()) +
                                          " hashes for " + std::to_string(at.size()) +
                                          " requested");
  }
  std::vector<Hash> out;
  out.reserve(ranges.size());
  std::size_t pos = 0;
  for (std::size_t c : counts) {
    out.push_back(fold_subtrees(std::span<const Hash>(hashes->data() + pos, c)));
    pos += c;
  }
  return out;
}

Hash sha256_prefixed(std::uint8_t prefix, ByteView a, ByteView b) {
  // 1 + 32 + 32 bytes at most for nodes; leaves may be long, so build one buffer.
  Bytes buf;
  buf.reserve(1 + a.size() + b.size());
  buf.push_back(prefix);
  buf.insert(buf.end(), a.begin(), a.end());
  buf.insert(buf.end(), b.begin(), b.end());
  return sha256(buf);
}

}  // namespace

Hash leaf_hash(ByteView entry) {
  return sha256_prefixed(0x00, entry, {});
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  return sha256(ByteView(buf, sizeof buf));
}

Hash empty_root() {
  return sha256({});
}

Hash root_of(std::span<const Hash> leaf_hashes) {
  MerkleBuilder b;
  for (const Hash& h : leaf_hashes) b.append(h);
  return b.root();
}

Result<std::vector<Hash>> HashReader::get_many(std::span<const HashIndex> at) const {
  std::vector<Hash> out;
  out.reserve(at.size());
  for (const HashIndex& i : at) {
    auto h = get(i.level, i.index);
    if (!h.ok()) return h.error();
    out.push_back(*h);
  }
  return out;
}

std::vector<HashIndex> range_subtrees(std::uint64_t lo, std::uint64_t hi) {
  assert(lo < hi);
  std::vector<HashIndex> out;
  while (lo < hi) {
    // The largest aligned power-of-two block starting at lo that fits in [lo, hi).
    int level = lo == 0 ? 63 : std::countr_zero(lo);
    while (level > 0 && (hi - lo) < (std::uint64_t{1} << level)) --level;
    out.push_back(HashIndex{level, lo >> level});
    lo += std::uint64_t{1} << level;
  }
  return out;
}

Hash fold_subtrees(std::span<const Hash> hashes) {
  assert(!hashes.empty());
  Hash r = hashes.back();
  for (std::size_t i = hashes.size() - 1; i-- > 0;) r = node_hash(hashes[i], r);
  return r;
}

Result<Hash> range_hash(std::uint64_t lo, std::uint64_t hi, const HashReader& reader) {
  if (lo >= hi) {
    return make_error(ErrorCode::kInvalidArgument,
                      "empty range [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
  }
  if (lo != 0 && lo % std::bit_ceil(hi - lo) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "range [" + std::to_string(lo) + ", " +
                                                       std::to_string(hi) +
                                                       ") is not a node of an RFC 6962 tree");
  }
  Range r{lo, hi};
  auto h = read_ranges(std::span<const Range>(&r, 1), reader);
  if (!h.ok()) return h.error();
  return h->front();
}

Result<Hash> root_at(std::uint64_t tree_size, const HashReader& reader) {
  if (tree_size == 0) return empty_root();
  return range_hash(0, tree_size, reader);
}

Result<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t tree_size,
                                          const HashReader& reader) {
  if (index >= tree_size) {
    return make_error(ErrorCode::kOutOfRange, "leaf index " + std::to_string(index) +
                                                  " is not below tree size " +
                                                  std::to_string(tree_size));
  }
  // Walk down from the root; the sibling of each step is one proof element (top-down here,
  // reversed at the end to the RFC's leaf-upwards order).
  std::vector<Range> siblings;
  std::uint64_t lo = 0, hi = tree_size;
  while (hi - lo > 1) {
    std::uint64_t k = split_point(hi - lo);
    if (index < lo + k) {
      siblings.push_back({lo + k, hi});
      hi = lo + k;
    } else {
      siblings.push_back({lo, lo + k});
      lo += k;
    }
  }
  std::reverse(siblings.begin(), siblings.end());
  return read_ranges(siblings, reader);
}

Result<std::vector<Hash>> consistency_proof(std::uint64_t m, std::uint64_t n,
                                            const HashReader& reader) {
  if (m > n) {
    return make_error(ErrorCode::kOutOfRange, "consistency proof from size " + std::to_string(m) +
                                                  " to smaller size " + std::to_string(n));
  }
  if (m == 0 || m == n) return std::vector<Hash>{};
  // SUBPROOF(m, D[lo:hi], b) unrolled; m stays absolute.
  std::vector<Range> parts;
  std::uint64_t lo = 0, hi = n;
  bool b = true;
  while (true) {
    if (m == hi) {
      if (!b) parts.push_back({lo, hi});
      break;
    }
    std::uint64_t k = split_point(hi - lo);
    if (m <= lo + k) {
      parts.push_back({lo + k, hi});
      hi = lo + k;
    } else {
      parts.push_back({lo, lo + k});
      lo += k;
      b = false;
    }
  }
  std::reverse(parts.begin(), parts.end());
  return read_ranges(parts, reader);
}

Status verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t tree_size,
                        std::span<const Hash> proof, const Hash& root) {
  if (index >= tree_size) {
    return make_error(ErrorCode::kOutOfRange, "leaf index " + std::to_string(index) +
                                                  " is not below tree size " +
                                                  std::to_string(tree_size));
  }
  std::uint64_t fn = index, sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) {
      return make_error(ErrorCode::kInvalidProof,
                        "inclusion proof is longer than the tree is high (" +
                            std::to_string(proof.size()) + " elements)");
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return make_error(ErrorCode::kInvalidProof, "inclusion proof is too short (" +
                                                    std::to_string(proof.size()) + " elements)");
  }
  if (r != root) {
    return make_error(ErrorCode::kInvalidProof,
                      "inclusion proof for leaf " + std::to_string(index) + " in tree of size " +
                          std::to_string(tree_size) + " does not lead to the root");
  }
  return Status::success();
}

Status verify_consistency(std::uint64_t m, std::uint64_t n, const Hash& root_m, const Hash& root_n,
                          std::span<const Hash> proof) {
  if (m > n) {
    return make_error(ErrorCode::kOutOfRange, "consistency from size " + std::to_string(m) +
                                                  " to smaller size " + std::to_string(n));
  }
  if (m == 0 || m == n) {
    if (!proof.empty()) {
      return make_error(ErrorCode::kInvalidProof, "consistency proof between sizes " +
                                                      std::to_string(m) + " and " +
                                                      std::to_string(n) + " must be empty");
    }
    if (m == n && root_m != root_n) {
      return make_error(ErrorCode::kInvalidProof,
                        "two different roots for the same size " + std::to_string(n));
    }
    return Status::success();
  }
  if (proof.empty()) {
    return make_error(ErrorCode::kInvalidProof, "consistency proof is empty");
  }
  std::size_t pos = 0;
  Hash fr, sr;
  if (std::has_single_bit(m)) {
    fr = sr = root_m;  // the old root is the first node of the path, implicitly
  } else {
    fr = sr = proof[pos++];
  }
  std::uint64_t fn = m - 1, sn = n - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; pos < proof.size(); ++pos) {
    const Hash& c = proof[pos];
    if (sn == 0) {
      return make_error(ErrorCode::kInvalidProof, "consistency proof is too long (" +
                                                      std::to_string(proof.size()) + " elements)");
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return make_error(ErrorCode::kInvalidProof, "consistency proof is too short (" +
                                                    std::to_string(proof.size()) + " elements)");
  }
  if (fr != root_m) {
    return make_error(ErrorCode::kInvalidProof,
                      "consistency proof does not lead to the root of "
                      "size " +
                          std::to_string(m));
  }
  if (sr != root_n) {
    return make_error(ErrorCode::kInvalidProof,
                      "consistency proof does not lead to the root of "
                      "size " +
                          std::to_string(n));
  }
  return Status::success();
}

// ------------------------------------------------------------------------------ MerkleBuilder

Result<MerkleBuilder> MerkleBuilder::resume(std::uint64_t tree_size, const HashReader& reader) {
  MerkleBuilder b;
  if (tree_size == 0) return b;
  auto at = range_subtrees(0, tree_size);
  auto hashes = reader.get_many(at);
  if (!hashes.ok()) return hashes.error();
  if (hashes->size() != at.size()) {
    return make_error(ErrorCode::kIo, "hash storage returned the wrong number of hashes");
  }
  b.size_ = tree_size;
  b.border_ = std::move(*hashes);
  return b;
}

void MerkleBuilder::append(const Hash& leaf_hash, std::vector<StoredHash>* completed) {
  Hash h = leaf_hash;
  int level = 0;
  std::uint64_t index = size_;
  if (completed != nullptr) completed->push_back({HashIndex{0, index}, h});
  // Each set low bit of size_ is a complete subtree of that height ending just before the new
  // leaf: merge with it.
  while (((size_ >> level) & 1) != 0) {
    h = node_hash(border_.back(), h);
    border_.pop_back();
    ++level;
    index >>= 1;
    if (completed != nullptr) completed->push_back({HashIndex{level, index}, h});
  }
  border_.push_back(h);
  ++size_;
}

Hash MerkleBuilder::root() const {
  if (border_.empty()) return empty_root();
  return fold_subtrees(border_);
}

// ---------------------------------------------------------------------------- MemoryHashStore

void MemoryHashStore::append(const Hash& leaf_hash) {
  scratch_.clear();
  builder_.append(leaf_hash, &scratch_);
  for (const StoredHash& s : scratch_) {
    auto level = static_cast<std::size_t>(s.at.level);
    if (levels_.size() <= level) levels_.resize(level + 1);
    assert(levels_[level].size() == s.at.index);
    levels_[level].push_back(s.hash);
  }
}

Result<Hash> MemoryHashStore::get(int level, std::uint64_t index) const {
  if (level < 0 || static_cast<std::size_t>(level) >= levels_.size() ||
      index >= levels_[static_cast<std::size_t>(level)].size()) {
    return make_error(ErrorCode::kNotFound, "no stored hash at level " + std::to_string(level) +
                                                " index " + std::to_string(index));
  }
  return levels_[static_cast<std::size_t>(level)][index];
}

}  // namespace tabella::ledger
