// Encryption of one Feldman VSS share to its recipient guardian (docs/spec.md, "Threshold key").
//
// The sender draws an ephemeral x, publishes X = x*G and derives a one-time AES-256-GCM key from
// the ECDH point Z = x*E_l, where E_l is the recipient's share-encryption key (never the polynomial
// secret):
//
//   okm   = HKDF-SHA256(IKM = compressed Z (33 bytes), salt = Q,
//                       info = "tabella/v1/share" || u32be(i) || u32be(l) || X)   (44 bytes)
//   key   = okm[0..32),  nonce = okm[32..44)
//   ct, tag = AES-256-GCM(key, nonce, plaintext = s_{i,l} (32 bytes BE),
//                         AAD = "tabella/v1/share" || u32be(i) || u32be(l) || X)
//
// Wire form (89 bytes): u32be(sender) || u32be(recipient) || X (33) || ct (32) || tag (16).
// Z, the derived key and nonce and the plaintext share are zeroised after use.
// Thread-safety: value types; functions are pure except for the Rng they are given.
#pragma once

#include <array>
#include <cstdint>

#include "tabella/crypto/group.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

struct EncryptedShare {
  static constexpr std::size_t kCiphertextSize = 32;
  static constexpr std::size_t kTagSize = 16;
  static constexpr std::size_t kSize = 4 + 4 + Point::kSize + kCiphertextSize + kTagSize;  // 89
  using Encoding = std::array<std::uint8_t, kSize>;

  std::uint32_t sender = 0;     // i, the guardian whose polynomial P_i produced the share
  std::uint32_t recipient = 0;  // l, the guardian that can decrypt it
  Point ephemeral;              // X = x*G
  std::array<std::uint8_t, kCiphertextSize> ciphertext{};
  std::array<std::uint8_t, kTagSize> tag{};

  // Encrypts s_{i,l} = share from `sender` to `recipient`, whose share-encryption key is
  // `recipient_key` (E_l). Fails (kInvalidArgument) when an index is 0 or the key is the identity.
  static Result<EncryptedShare> encrypt(const Digest& q, std::uint32_t sender,
                                        std::uint32_t recipient, const Point& recipient_key,
                                        const Scalar& share, Rng& rng = SystemRng::instance());

  // Decrypts with the recipient's share-encryption secret e_l. Errors:
  //   kInvalidEncoding  ephemeral is the identity, or the plaintext is not a scalar < n;
  //   kInvalidSignature the GCM tag does not authenticate (wrong key, wrong election Q, wrong
  //                     sender/recipient indices, or any tampered byte).
  Result<Scalar> decrypt(const Digest& q, const Scalar& recipient_secret) const;

  Encoding encode() const;
  // Exactly kSize bytes; indices must be non-zero; X must be a valid non-identity point.
  static Result<EncryptedShare> decode(ByteView bytes);
};

}  // namespace tabella
