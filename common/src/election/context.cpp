#include "tabella/election/context.h"

namespace tabella::election {

Digest base_hash(const Digest& manifest_hash, const PublicKeyBytes& authority) {
  return Hasher("tabella/v1/base-hash").add(manifest_hash).add(ByteView(authority)).finish();
}

Digest extended_base_hash(const Digest& q, const Point& joint_key) {
  return Hasher("tabella/v1/extended-base-hash").add(q).add(joint_key).finish();
}

ElectionContext ElectionContext::make(Manifest manifest, const PublicKeyBytes& authority,
                                      const Point& joint_key) {
  Digest mh = election::manifest_hash(manifest);
  Digest q = base_hash(mh, authority);
  return ElectionContext{
      std::move(manifest),         mh, authority, q, extended_base_hash(q, joint_key),
      ElectionPublicKey(joint_key)};
}

}  // namespace tabella::election
