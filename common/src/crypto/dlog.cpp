#include "tabella/crypto/dlog.h"

#include <cassert>
#include <string>

#include "tabella/util/canonical.h"

namespace tabella {
namespace {

// Bytes 1..8 of the compressed encoding (the top of x), big-endian; 0 for the identity.
std::uint64_t key_of(const Point::Encoding& e) {
  return load_u64be(ByteView(e).subspan(1));
}

// ceil(sqrt(v)) for v >= 1.
std::uint64_t ceil_sqrt(std::uint64_t v) {
  std::uint64_t t = 1;
  while (t * t < v) t <<= 1;         // t <= 2^20 here, no overflow
  std::uint64_t lo = t / 2, hi = t;  // lo*lo < v <= hi*hi (or t == 1)
  while (lo + 1 < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    if (mid * mid < v) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return t == 1 ? 1 : hi;
}

}  // namespace

DlogTable::DlogTable(std::uint64_t max_value) : max_value_(max_value) {
  assert(max_value <= kMaxSupported);
  table_size_ = ceil_sqrt(max_value + 1);
  baby_.reserve(table_size_);
  index_.reserve(table_size_);
  Point p;  // i*G, starting at the identity
  const Point& g = Point::generator();
  for (std::uint64_t i = 0; i < table_size_; ++i) {
    baby_.push_back(p.encode());
    index_.emplace(key_of(baby_.back()), static_cast<std::uint32_t>(i));
    p += g;
  }
  giant_step_ = -p;  // p == t*G now
}

Result<std::uint64_t> DlogTable::solve(const Point& m_g) const {
  Point p = m_g;
  // After g steps, p = (m - g*t)*G; stop once g*t > max_value.
  for (std::uint64_t base = 0; base <= max_value_; base += table_size_) {
    Point::Encoding e = p.encode();
    auto range = index_.equal_range(key_of(e));
    for (auto it = range.first; it != range.second; ++it) {
      if (baby_[it->second] == e) {
        std::uint64_t m = base + it->second;
        if (m <= max_value_) return m;
      }
    }
    p += giant_step_;
  }
  return make_error(ErrorCode::kOutOfRange,
                    "no value in 0.." + std::to_string(max_value_) + " has this point as m*G");
}

}  // namespace tabella
