// Encryption of a small secret file under a passphrase: scrypt (RFC 7914, OpenSSL 3 EVP_KDF)
// derives an AES-256-GCM key; the header is authenticated as associated data.
//
//   box    = header || ciphertext || tag (16)
//   header = field("tabella-passphrase-box/1") || u8(log2 N) || u32be(r) || u32be(p)
//            || salt (16) || nonce (12)
//   key    = scrypt(passphrase, salt, N, r, p, 32 bytes)
//   ciphertext, tag = AES-256-GCM(key, nonce, AAD = header, plaintext)
//
// Defaults N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s). The key and plaintext are zeroised.
// Thread-safety: pure functions except for the Rng.
#pragma once

#include <cstdint>
#include <string_view>

#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

struct ScryptParams {
  std::uint8_t log2_n = 15;
  std::uint32_t r = 8;
  std::uint32_t p = 1;
};

// REQUIRES: !passphrase.empty()
Bytes seal_with_passphrase(ByteView plaintext, std::string_view passphrase,
                           const ScryptParams& params = {}, Rng& rng = SystemRng::instance());

// Errors: kInvalidEncoding (not a box, or parameters out of range: log2 N 10..22, r 1..32,
// p 1..16); kPermission "wrong passphrase or damaged file" when the tag does not authenticate.
Result<SecretBytes> open_with_passphrase(ByteView box, std::string_view passphrase);

}  // namespace tabella
