#include "tabella/crypto/elgamal.h"

#include <algorithm>

namespace tabella {

Ciphertext Ciphertext::operator+(const Ciphertext& o) const {
  return Ciphertext{alpha + o.alpha, beta + o.beta};
}

bool Ciphertext::operator==(const Ciphertext& o) const {
  return alpha == o.alpha && beta == o.beta;
}

Ciphertext::Encoding Ciphertext::encode() const {
  Encoding out{};
  auto a = alpha.encode();
  auto b = beta.encode();
  std::copy(a.begin(), a.end(), out.begin());
  std::copy(b.begin(), b.end(), out.begin() + Point::kSize);
  return out;
}

Result<Ciphertext> Ciphertext::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(
        ErrorCode::kInvalidEncoding,
        "ciphertext must be 66 bytes (alpha || beta), got " + std::to_string(bytes.size()));
  }
  auto alpha = Point::decode(bytes.first(Point::kSize));
  if (!alpha.ok()) return alpha.error().with_prefix("alpha");
  auto beta = Point::decode(bytes.subspan(Point::kSize));
  if (!beta.ok()) return beta.error().with_prefix("beta");
  return Ciphertext{std::move(*alpha), std::move(*beta)};
}

ElectionPublicKey::ElectionPublicKey(const Point& k)
    : state_(std::make_shared<const State>(State{k, k.encode(), FixedBase(k)})) {}

Ciphertext encrypt(const ElectionPublicKey& key, std::uint64_t m, const Scalar& r) {
  Scalar ms = Scalar::from_u64(m);
  // A = r*G;  B = r*K + m*G, one EC_POINT_mul in the group whose generator is K.
  return Ciphertext{Point::base_mul(r), key.fixed().mul_add(r, ms, Point::generator())};
}

Ciphertext rerandomize(const ElectionPublicKey& key, const Ciphertext& c, const Scalar& r2) {
  return Ciphertext{Point::base_mul_add(r2, Scalar::from_u64(1), c.alpha),
                    key.fixed().mul_add(r2, Scalar::from_u64(1), c.beta)};
}

Point decrypt_to_point(const Scalar& secret, const Ciphertext& c) {
  // m*G = B - s*A
  return c.beta - c.alpha * secret;
}

Ciphertext sum(std::span<const Ciphertext> ciphertexts) {
  Ciphertext total;  // (identity, identity)
  for (const auto& c : ciphertexts) {
    total.alpha += c.alpha;
    total.beta += c.beta;
  }
  return total;
}

}  // namespace tabella
