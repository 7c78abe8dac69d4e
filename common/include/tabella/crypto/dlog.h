// Discrete logarithms of small values: m from m*G for 0 <= m <= max_value, by baby-step
// giant-step (docs/spec.md, "Recovering counts").
//
//   t = ceil(sqrt(max_value + 1)); baby steps i*G for i in [0, t) keyed by the first 8 bytes of
//   the x coordinate (bytes 1..8 of the compressed encoding), full encoding compared on a hit;
//   giant steps P - g*(t*G) for g = 0, 1, ... until g*t > max_value.
// Cost: t point additions to build, at most ceil((max_value + 1) / t) additions per solve().
// Thread-safety: immutable after construction; solve() may run concurrently from many threads.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "tabella/crypto/group.h"
#include "tabella/util/result.h"

namespace tabella {

class DlogTable {
 public:
  // The largest bound accepted: a baby table of 10^6 points (about 50 MB).
  static constexpr std::uint64_t kMaxSupported = 1'000'000ULL * 1'000'000ULL - 1;

  // REQUIRES: max_value <= kMaxSupported
  explicit DlogTable(std::uint64_t max_value);

  // m with m*G == m_g and 0 <= m <= max_value; kOutOfRange "no value in 0..max" otherwise.
  Result<std::uint64_t> solve(const Point& m_g) const;

  std::uint64_t max_value() const { return max_value_; }
  std::uint64_t table_size() const { return table_size_; }

 private:
  std::uint64_t max_value_;
  std::uint64_t table_size_;                                     // t
  Point giant_step_;                                             // -(t*G)
  std::vector<Point::Encoding> baby_;                            // baby_[i] = encode(i*G)
  std::unordered_multimap<std::uint64_t, std::uint32_t> index_;  // x prefix -> i
};

}  // namespace tabella
