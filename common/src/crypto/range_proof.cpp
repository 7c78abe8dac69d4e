#include "tabella/crypto/range_proof.h"

#include <cassert>
#include <string>

#include "tabella/util/canonical.h"

namespace tabella {
namespace {

// 1 if a == b, 0 otherwise, computed without a data-dependent branch (m is the secret vote).
bool ct_eq_u64(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ b;
  // (x | -x) has its top bit set iff x != 0.
  return static_cast<bool>(1 ^ ((x | (0 - x)) >> 63));
}

// The start of the challenge hash: H(tag; Q, context, K, A, B, lo, hi, ...).
Hasher start_hash(const Digest& q, const ElectionPublicKey& key, const Ciphertext& c,
                  std::uint64_t lo, std::uint64_t hi, ByteView context) {
  Hasher h(kRangeProofTag);
  h.add(q).add(context).add(ByteView(key.encoded())).add(c.alpha).add(c.beta);
  h.add_u64(lo).add_u64(hi);
  return h;
}

// B - lo*G, the statement point of the first branch. lo is public.
Point first_shifted_beta(const Ciphertext& c, std::uint64_t lo) {
  if (lo == 0) return c.beta;
  return c.beta - Point::from_u64(lo);
}

void put_u64(Bytes& out, std::uint64_t v) {
  const auto be = u64be(v);
  out.insert(out.end(), be.begin(), be.end());
}

}  // namespace

RangeProof RangeProof::make(const Digest& q, const ElectionPublicKey& key, const Ciphertext& c,
                            std::uint64_t m, const Scalar& r, std::uint64_t lo, std::uint64_t hi,
                            ByteView context, Rng& rng) {
  assert(lo <= hi && hi - lo <= kMaxSpan);
  assert(lo <= m && m <= hi);
  const std::size_t n = static_cast<std::size_t>(hi - lo) + 1;

  // Every branch starts as a simulation: c'_j, v'_j uniform, drawn in order j = lo..hi.
  RangeProof proof;
  proof.lo = lo;
  proof.hi = hi;
  proof.challenges.resize(n);
  proof.responses.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    proof.challenges[k] = Scalar::random(rng);  // c'_j
    proof.responses[k] = Scalar::random(rng);   // v'_j
  }

  // Commitments, the same two products for every branch (no branch on m):
  //   a_j = v'_j*G - c'_j*A,  b_j = v'_j*K - c'_j*(B - j*G).
  // For the real branch j = m these equal u*G and u*K with u = v'_m - c'_m*r, a uniform secret.
  Hasher h = start_hash(q, key, c, lo, hi, context);
  Point shifted = first_shifted_beta(c, lo);  // B - j*G
  Scalar sum_c;
  for (std::size_t k = 0; k < n; ++k) {
    Scalar neg_c = -proof.challenges[k];
    h.add(Point::base_mul_add(proof.responses[k], neg_c, c.alpha));  // a_j
    h.add(key.fixed().mul_add(proof.responses[k], neg_c, shifted));  // b_j
    if (k + 1 < n) shifted = shifted - Point::generator();
    sum_c += proof.challenges[k];
  }
  const Scalar c_hash = h.finish_scalar();  // c

  // Fix up the real branch so that sum_j c_j == c:
  //   d = c - sum_j c'_j;  c_m = c'_m + d;  v_m = v'_m + d*r
  // Then v_m*G - c_m*A = v'_m*G - c'_m*A + d*(r*G - A) = a_m, and likewise for b_m.
  // Every branch gets the same add of a constant-time select (d or 0), so the work done and the
  // memory touched do not depend on m.
  const Scalar d = c_hash - sum_c;
  const Scalar dr = d * r;
  const Scalar zero;
  for (std::size_t k = 0; k < n; ++k) {
    const bool is_real = ct_eq_u64(lo + k, m);
    proof.challenges[k] += Scalar::select(is_real, d, zero);
    proof.responses[k] += Scalar::select(is_real, dr, zero);
  }
  return proof;
}

Status RangeProof::verify(const Digest& q, const ElectionPublicKey& key, const Ciphertext& c,
                          ByteView context) const {
  if (lo > hi) {
    return make_error(ErrorCode::kInvalidProof,
                      "lo " + std::to_string(lo) + " is greater than hi " + std::to_string(hi),
                      "lo");
  }
  if (hi - lo > kMaxSpan) {
    return make_error(ErrorCode::kLimit,
                      "range " + std::to_string(lo) + ".." + std::to_string(hi) +
                          " has more than 65 values (hi - lo must be <= 64)",
                      "hi");
  }
  const std::size_t n = static_cast<std::size_t>(hi - lo) + 1;
  if (challenges.size() != n || responses.size() != n) {
    return make_error(ErrorCode::kInvalidProof,
                      "expected " + std::to_string(n) + " challenges and responses for " +
                          std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                          std::to_string(challenges.size()) + " and " +
                          std::to_string(responses.size()),
                      "challenges");
  }
  Hasher h = start_hash(q, key, c, lo, hi, context);
  Point shifted = first_shifted_beta(c, lo);  // B - j*G
  Scalar sum_c;
  for (std::size_t k = 0; k < n; ++k) {
    Scalar neg_c = -challenges[k];
    h.add(Point::base_mul_add(responses[k], neg_c, c.alpha));  // a_j = v_j*G - c_j*A
    h.add(key.fixed().mul_add(responses[k], neg_c, shifted));  // b_j = v_j*K - c_j*(B - j*G)
    if (k + 1 < n) shifted = shifted - Point::generator();
    sum_c += challenges[k];
  }
  if (!(h.finish_scalar() == sum_c)) {
    return make_error(ErrorCode::kInvalidProof,
                      "range proof challenges do not sum to H(Q, context, K, A, B, lo, hi, a_j, "
                      "b_j ...)",
                      "challenges");
  }
  return Status::success();
}

Bytes RangeProof::encode() const {
  Bytes out;
  out.reserve(size());
  put_u64(out, lo);
  put_u64(out, hi);
  for (std::size_t k = 0; k < challenges.size() && k < responses.size(); ++k) {
    out.insert(out.end(), challenges[k].encode().begin(), challenges[k].encode().end());
    out.insert(out.end(), responses[k].encode().begin(), responses[k].encode().end());
  }
  return out;
}

Result<RangeProof> RangeProof::decode(ByteView bytes) {
  if (bytes.size() < 16) {
    return make_error(
        ErrorCode::kInvalidEncoding,
        "range proof must start with 16 bytes (lo, hi), got " + std::to_string(bytes.size()));
  }
  RangeProof p;
  p.lo = load_u64be(bytes);
  p.hi = load_u64be(bytes.subspan(8));
  if (p.lo > p.hi) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "lo " + std::to_string(p.lo) + " is greater than hi " + std::to_string(p.hi),
                      "lo");
  }
  if (p.hi - p.lo > kMaxSpan) {
    return make_error(ErrorCode::kLimit,
                      "range " + std::to_string(p.lo) + ".." + std::to_string(p.hi) +
                          " has more than 65 values (hi - lo must be <= 64)",
                      "hi");
  }
  const std::size_t n = static_cast<std::size_t>(p.hi - p.lo) + 1;
  const std::size_t expected = 16 + 2 * Scalar::kSize * n;
  if (bytes.size() != expected) {
    return make_error(ErrorCode::kInvalidEncoding, "range proof for " + std::to_string(p.lo) +
                                                       ".." + std::to_string(p.hi) + " must be " +
                                                       std::to_string(expected) + " bytes, got " +
                                                       std::to_string(bytes.size()));
  }
  p.challenges.reserve(n);
  p.responses.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t off = 16 + 2 * Scalar::kSize * k;
    auto ck = Scalar::decode(bytes.subspan(off, Scalar::kSize));
    if (!ck.ok()) return ck.error().with_prefix("challenges[" + std::to_string(k) + "]");
    auto vk = Scalar::decode(bytes.subspan(off + Scalar::kSize, Scalar::kSize));
    if (!vk.ok()) return vk.error().with_prefix("responses[" + std::to_string(k) + "]");
    p.challenges.push_back(*ck);
    p.responses.push_back(*vk);
  }
  return p;
}

std::size_t RangeProof::size() const {
  return 16 + 2 * Scalar::kSize * challenges.size();
}

}  // namespace tabella
