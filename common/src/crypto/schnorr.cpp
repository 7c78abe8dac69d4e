#include "tabella/crypto/schnorr.h"

#include <algorithm>
#include <cassert>

namespace tabella {
namespace {

Scalar challenge_of(const Digest& q, ByteView context, const Point& X, const Point& U) {
  // c = H("tabella/v1/proof/schnorr"; Q, context, X, U)
  return Hasher(kSchnorrTag).add(q).add(context).add(X).add(U).finish_scalar();
}

}  // namespace

SchnorrProof SchnorrProof::make(const Digest& q, const Scalar& x, const Point& X, ByteView context,
                                Rng& rng) {
  assert(Point::base_mul(x) == X);
  Scalar u = Scalar::random_nonzero(rng);
  Point U = Point::base_mul(u);  // U = u*G
  Scalar c = challenge_of(q, context, X, U);
  return SchnorrProof{c, u + c * x};  // v = u + c*x
}

Status SchnorrProof::verify(const Digest& q, const Point& X, ByteView context) const {
  if (X.is_identity()) {
    return make_error(ErrorCode::kInvalidProof, "statement point X is the identity", "X");
  }
  Point U = Point::base_mul_add(response, -challenge, X);  // U' = v*G - c*X
  if (!(challenge_of(q, context, X, U) == challenge)) {
    return make_error(ErrorCode::kInvalidProof,
                      "Schnorr challenge does not match H(Q, context, X, v*G - c*X)", "challenge");
  }
  return Status::success();
}

std::array<std::uint8_t, SchnorrProof::kSize> SchnorrProof::encode() const {
  std::array<std::uint8_t, kSize> out{};
  std::copy(challenge.encode().begin(), challenge.encode().end(), out.begin());
  std::copy(response.encode().begin(), response.encode().end(), out.begin() + Scalar::kSize);
  return out;
}

Result<SchnorrProof> SchnorrProof::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "Schnorr proof must be 64 bytes (challenge || response), got " +
                          std::to_string(bytes.size()));
  }
  auto c = Scalar::decode(bytes.first(Scalar::kSize));
  if (!c.ok()) return c.error().with_prefix("challenge");
  auto v = Scalar::decode(bytes.subspan(Scalar::kSize));
  if (!v.ok()) return v.error().with_prefix("response");
  return SchnorrProof{*c, *v};
}

}  // namespace tabella
