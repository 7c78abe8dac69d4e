#include "tabella/crypto/chaum_pedersen.h"

#include <algorithm>
#include <cassert>

namespace tabella {
namespace {

Scalar challenge_of(const Digest& q, ByteView context, const Point& H, const Point& X,
                    const Point& Y, const Point& a, const Point& b) {
  // c = H("tabella/v1/proof/chaum-pedersen"; Q, context, H, X, Y, a, b)
  return Hasher(kChaumPedersenTag)
      .add(q)
      .add(context)
      .add(H)
      .add(X)
      .add(Y)
      .add(a)
      .add(b)
      .finish_scalar();
}

}  // namespace

ChaumPedersenProof ChaumPedersenProof::make(const Digest& q, const Scalar& x, const Point& H,
                                            const Point& X, const Point& Y, ByteView context,
                                            Rng& rng) {
  assert(Point::base_mul(x) == X && H * x == Y);
  Scalar u = Scalar::random_nonzero(rng);
  Point a = Point::base_mul(u);  // a = u*G
  Point b = H * u;               // b = u*H
  Scalar c = challenge_of(q, context, H, X, Y, a, b);
  return ChaumPedersenProof{c, u + c * x};  // v = u + c*x
}

Status ChaumPedersenProof::verify(const Digest& q, const Point& H, const Point& X, const Point& Y,
                                  ByteView context) const {
  if (H.is_identity()) {
    return make_error(ErrorCode::kInvalidProof, "statement point H is the identity", "H");
  }
  if (X.is_identity()) {
    return make_error(ErrorCode::kInvalidProof, "statement point X is the identity", "X");
  }
  if (Y.is_identity()) {
    return make_error(ErrorCode::kInvalidProof, "statement point Y is the identity", "Y");
  }
  Scalar neg_c = -challenge;
  Point a = Point::base_mul_add(response, neg_c, X);  // a' = v*G - c*X
  Point b = H * response + Y * neg_c;                 // b' = v*H - c*Y
  if (!(challenge_of(q, context, H, X, Y, a, b) == challenge)) {
    return make_error(ErrorCode::kInvalidProof,
                      "Chaum-Pedersen challenge does not match H(Q, context, H, X, Y, v*G - c*X, "
                      "v*H - c*Y)",
                      "challenge");
  }
  return Status::success();
}

std::array<std::uint8_t, ChaumPedersenProof::kSize> ChaumPedersenProof::encode() const {
  std::array<std::uint8_t, kSize> out{};
  std::copy(challenge.encode().begin(), challenge.encode().end(), out.begin());
  std::copy(response.encode().begin(), response.encode().end(), out.begin() + Scalar::kSize);
  return out;
}

Result<ChaumPedersenProof> ChaumPedersenProof::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "Chaum-Pedersen proof must be 64 bytes (challenge || response), got " +
                          std::to_string(bytes.size()));
  }
  auto c = Scalar::decode(bytes.first(Scalar::kSize));
  if (!c.ok()) return c.error().with_prefix("challenge");
  auto v = Scalar::decode(bytes.subspan(Scalar::kSize));
  if (!v.ok()) return v.error().with_prefix("response");
  return ChaumPedersenProof{*c, *v};
}

}  // namespace tabella
