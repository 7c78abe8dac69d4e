// Ed25519 signatures (RFC 8032, pure Ed25519 without prehash) through OpenSSL 3, and the
// kiosk/ledger key files (PKCS#8 PEM, mode 0600).
//
// A VerifyKey is a 32-byte public key; verification accepts only 64-byte signatures.
// A SigningKey keeps its secret inside OpenSSL (freed with OPENSSL_clear_free) and never
// exposes it; copies of the seed made here are zeroised.
// Thread-safety: VerifyKey is an immutable value; a const SigningKey may be used from several
// threads at once (sign() creates its own context per call).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

using PublicKeyBytes = std::array<std::uint8_t, 32>;
using SignatureBytes = std::array<std::uint8_t, 64>;

class VerifyKey {
 public:
  static constexpr std::size_t kSize = 32;

  // kInvalidEncoding unless exactly 32 bytes. (Point validity is checked by verify(): an
  // encoding that is not a curve point never verifies.)
  static Result<VerifyKey> from_bytes(ByteView bytes);

  const PublicKeyBytes& bytes() const { return bytes_; }

  // Success iff `signature` is a valid RFC 8032 Ed25519 signature of `message` by this key.
  // kInvalidArgument for a signature that is not 64 bytes, kInvalidSignature otherwise.
  Status verify(ByteView message, ByteView signature) const;

  // Human-readable fingerprint for reading aloud when enrolling a kiosk:
  //   d = H("tabella/v1/key-fingerprint"; public key)   (hash.h framing)
  //   base32(d[0:10]) (RFC 4648 alphabet, no padding: 16 characters) in groups of 4 joined by
  //   '-', e.g. "ABCD-EFGH-IJKL-MNOP".
  std::string fingerprint() const;

  std::string to_hex() const { return tabella::to_hex(bytes_); }

  bool operator==(const VerifyKey& other) const = default;

 private:
  VerifyKey() = default;
  PublicKeyBytes bytes_{};
};

class SigningKey {
 public:
  static constexpr std::size_t kSeedSize = 32;

  // A fresh key from OpenSSL's CSPRNG.
  static SigningKey generate();
  // The RFC 8032 private key ("seed") of 32 bytes; kInvalidEncoding for any other length.
  static Result<SigningKey> from_seed(ByteView seed);

  // Reads an unencrypted PKCS#8 PEM Ed25519 private key ("-----BEGIN PRIVATE KEY-----").
  // kPermission if the file is accessible by group or others (mode & 077), kIo if it cannot be
  // read, kInvalidEncoding if it is not an Ed25519 private key.
  static Result<SigningKey> load_pem(const std::string& path);

  // Writes the key as PKCS#8 PEM to `path` with mode 0600: a temporary file in the same
  // directory is created with O_CREAT|O_EXCL and mode 0600, written, fsync'ed, then linked to
  // `path` (which fails if `path` exists: never overwrites) and the temporary name removed.
  // kConflict if `path` exists, kIo on any other failure.
  Status save_pem(const std::string& path) const;

  const VerifyKey& verify_key() const;
  SignatureBytes sign(ByteView message) const;

  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella
