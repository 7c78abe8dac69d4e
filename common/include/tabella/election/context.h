// The public parameters every ballot is encrypted and checked under (docs/spec.md §8):
//
//   Q     = H("tabella/v1/base-hash"; manifest_hash, authority public key)
//   Q-bar = H("tabella/v1/extended-base-hash"; Q, K)
//
// Q binds the key ceremony (guardian proofs, share encryption) and every entry's signature to
// one election; Q-bar additionally binds the joint key K and is the hash every ballot and
// decryption proof starts from.
// Thread-safety: immutable after construction; share freely between threads.
#pragma once

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/hash.h"
#include "tabella/election/manifest.h"

namespace tabella::election {

Digest base_hash(const Digest& manifest_hash, const PublicKeyBytes& authority);
Digest extended_base_hash(const Digest& q, const Point& joint_key);

struct ElectionContext {
  Manifest manifest;
  Digest manifest_hash{};
  PublicKeyBytes authority{};
  Digest q{};
  Digest q_bar{};
  ElectionPublicKey key;  // K

  // REQUIRES: !joint_key.is_identity()
  static ElectionContext make(Manifest manifest, const PublicKeyBytes& authority,
                              const Point& joint_key);
};

}  // namespace tabella::election
