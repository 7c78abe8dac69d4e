#include "tabella/crypto/share_encryption.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "group_internal.h"
#include "tabella/util/canonical.h"

namespace tabella {
namespace {

constexpr char kShareLabel[] = "tabella/v1/share";
constexpr std::size_t kLabelSize = sizeof kShareLabel - 1;
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
// "tabella/v1/share" || u32be(i) || u32be(l) || X: both the HKDF info and the GCM AAD.
constexpr std::size_t kBindingSize = kLabelSize + 4 + 4 + Point::kSize;
using Binding = std::array<std::uint8_t, kBindingSize>;

void put_u32(std::uint8_t* out, std::uint32_t v) {
  const auto be = u32be(v);
  std::copy(be.begin(), be.end(), out);
}

Binding make_binding(std::uint32_t sender, std::uint32_t recipient, const Point& ephemeral) {
  Binding b{};
  std::memcpy(b.data(), kShareLabel, kLabelSize);
  put_u32(b.data() + kLabelSize, sender);
  put_u32(b.data() + kLabelSize + 4, recipient);
  auto x = ephemeral.encode();
  std::copy(x.begin(), x.end(), b.begin() + kLabelSize + 8);
  return b;
}

struct KdfDeleter {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, KdfDeleter>;

// key || nonce = HKDF-SHA256(IKM = compressed Z, salt = Q, info = binding), 44 bytes.
SecretBytes derive_key_material(const Point& z, const Digest& q, const Binding& info) {
  auto ikm = z.encode();
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) detail::crypto_fail("EVP_KDF_fetch(HKDF)");
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) detail::crypto_fail("EVP_KDF_CTX_new");
  char digest_name[] = "SHA256";
  Digest salt = q;
  Binding info_copy = info;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_copy.data(), info_copy.size()),
      OSSL_PARAM_construct_end()};
  SecretBytes out(kKeySize + kNonceSize);
  int rc = EVP_KDF_derive(ctx.get(), out.data(), out.size(), params);
  secure_zero(ikm.data(), ikm.size());
  if (rc != 1) detail::crypto_fail("EVP_KDF_derive(HKDF)");
  return out;
}

Owned<EVP_CIPHER> aes_256_gcm() {
  Owned<EVP_CIPHER> c(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!c) detail::crypto_fail("EVP_CIPHER_fetch(AES-256-GCM)");
  return c;
}

}  // namespace

Result<EncryptedShare> EncryptedShare::encrypt(const Digest& q, std::uint32_t sender,
                                               std::uint32_t recipient, const Point& recipient_key,
                                               const Scalar& share, Rng& rng) {
  if (sender == 0) {
    return make_error(ErrorCode::kInvalidArgument, "guardian indices start at 1", "sender");
  }
  if (recipient == 0) {
    return make_error(ErrorCode::kInvalidArgument, "guardian indices start at 1", "recipient");
  }
  if (recipient_key.is_identity()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the recipient's share-encryption key is the identity point",
                      "recipient_key");
  }
  EncryptedShare out;
  out.sender = sender;
  out.recipient = recipient;
  Scalar x = Scalar::random_nonzero(rng);
  out.ephemeral = Point::base_mul(x);  // X = x*G
  Point z = recipient_key * x;         // Z = x*E_l
  Binding binding = make_binding(sender, recipient, out.ephemeral);
  SecretBytes okm = derive_key_material(z, q, binding);
  z = Point();

  Owned<EVP_CIPHER> cipher = aes_256_gcm();
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) detail::crypto_fail("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex2(ctx.get(), cipher.get(), okm.data(), okm.data() + kKeySize, nullptr) !=
      1) {
    detail::crypto_fail("EVP_EncryptInit_ex2(AES-256-GCM)");
  }
  int len = 0;
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, binding.data(),
                        static_cast<int>(binding.size())) != 1) {
    detail::crypto_fail("EVP_EncryptUpdate(AAD)");
  }
  const Scalar::Encoding& plain = share.encode();
  if (EVP_EncryptUpdate(ctx.get(), out.ciphertext.data(), &len, plain.data(),
                        static_cast<int>(plain.size())) != 1 ||
      len != static_cast<int>(kCiphertextSize)) {
    detail::crypto_fail("EVP_EncryptUpdate");
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + len, &len) != 1 || len != 0) {
    detail::crypto_fail("EVP_EncryptFinal_ex");
  }
  OSSL_PARAM get_tag[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out.tag.data(), out.tag.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx.get(), get_tag) != 1) {
    detail::crypto_fail("EVP_CIPHER_CTX_get_params(AEAD tag)");
  }
  return out;
}

Result<Scalar> EncryptedShare::decrypt(const Digest& q, const Scalar& recipient_secret) const {
  if (ephemeral.is_identity()) {
    return make_error(ErrorCode::kInvalidEncoding, "the ephemeral key X is the identity point",
                      "ephemeral");
  }
  Point z = ephemeral * recipient_secret;  // Z = e_l*X
  Binding binding = make_binding(sender, recipient, ephemeral);
  SecretBytes okm = derive_key_material(z, q, binding);
  z = Point();

  Owned<EVP_CIPHER> cipher = aes_256_gcm();
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) detail::crypto_fail("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), cipher.get(), okm.data(), okm.data() + kKeySize, nullptr) !=
      1) {
    detail::crypto_fail("EVP_DecryptInit_ex2(AES-256-GCM)");
  }
  int len = 0;
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, binding.data(),
                        static_cast<int>(binding.size())) != 1) {
    detail::crypto_fail("EVP_DecryptUpdate(AAD)");
  }
  SecretBytes plain(kCiphertextSize);
  if (EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1 ||
      len != static_cast<int>(kCiphertextSize)) {
    detail::crypto_fail("EVP_DecryptUpdate");
  }
  std::array<std::uint8_t, kTagSize> expected = tag;
  OSSL_PARAM set_tag[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                                            expected.data(), expected.size()),
                          OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_set_params(ctx.get(), set_tag) != 1) {
    detail::crypto_fail("EVP_CIPHER_CTX_set_params(AEAD tag)");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &final_len) != 1) {
    return make_error(ErrorCode::kInvalidSignature,
                      "AES-256-GCM authentication failed for the share from guardian " +
                          std::to_string(sender) + " to guardian " + std::to_string(recipient) +
                          " (wrong recipient key, wrong election, or tampered bytes)",
                      "tag");
  }
  auto s = Scalar::decode(plain.view());
  if (!s.ok()) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "the decrypted share is not a scalar below the group order n", "ciphertext");
  }
  return s;
}

EncryptedShare::Encoding EncryptedShare::encode() const {
  Encoding out{};
  put_u32(out.data(), sender);
  put_u32(out.data() + 4, recipient);
  auto x = ephemeral.encode();
  std::copy(x.begin(), x.end(), out.begin() + 8);
  std::copy(ciphertext.begin(), ciphertext.end(), out.begin() + 8 + Point::kSize);
  std::copy(tag.begin(), tag.end(), out.begin() + 8 + Point::kSize + kCiphertextSize);
  return out;
}

Result<EncryptedShare> EncryptedShare::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::kInvalidEncoding, "an encrypted share is " +
                                                       std::to_string(kSize) + " bytes, got " +
                                                       std::to_string(bytes.size()));
  }
  EncryptedShare out;
  out.sender = load_u32be(bytes);
  out.recipient = load_u32be(bytes.subspan(4));
  if (out.sender == 0) {
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "sender");
  }
  if (out.recipient == 0) {
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "recipient");
  }
  auto x = Point::decode(bytes.subspan(8, Point::kSize));
  if (!x.ok()) return x.error().with_prefix("ephemeral");
  out.ephemeral = std::move(*x);
  std::copy_n(bytes.begin() + 8 + Point::kSize, kCiphertextSize, out.ciphertext.begin());
  std::copy_n(bytes.begin() + 8 + Point::kSize + kCiphertextSize, kTagSize, out.tag.begin());
  return out;
}

}  // namespace tabella
