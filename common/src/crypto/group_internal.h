// Private: the OpenSSL objects behind Point and the shared P-256 group. Only src/ includes this.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "tabella/crypto/group.h"

namespace tabella {

struct Point::Impl {
  EC_POINT* p = nullptr;
  // The bytes a point was decoded from, kept so that hashing it again (proof challenges, ballot
  // codes, re-encoding) costs no affine conversion. Set only by decode; copied with the point;
  // cleared by anything that changes `p` in place.
  bool has_encoding = false;
  Point::Encoding encoding{};
};

namespace detail {

// The P-256 group (NID_X9_62_prime256v1), created once; read-only afterwards.
const EC_GROUP* p256();
// The group order n as a BIGNUM (read-only).
const BIGNUM* p256_order();
// A per-thread BN_CTX.
BN_CTX* bn_ctx();
// Aborts with a message: for OpenSSL failures that indicate a broken build or memory exhaustion.
[[noreturn]] void crypto_fail(const char* what);

// Scalar <-> BIGNUM through per-thread scratch values with BN_FLG_CONSTTIME set.
struct BnScratch {
  BIGNUM* a;
  BIGNUM* b;
  BIGNUM* r;
};
BnScratch& bn_scratch();
void load_bn(BIGNUM* bn, const Scalar& s);
Scalar store_bn(const BIGNUM* bn);  // REQUIRES: 0 <= bn < n

}  // namespace detail
}  // namespace tabella
