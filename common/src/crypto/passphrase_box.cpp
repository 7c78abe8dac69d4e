#include "tabella/crypto/passphrase_box.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

#include "group_internal.h"
#include "tabella/util/canonical.h"

namespace tabella {
namespace {

constexpr std::string_view kMagic = "tabella-passphrase-box/1";
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kKeySize = 32;

struct Free {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

SecretBytes derive_key(std::string_view passphrase, ByteView salt, const ScryptParams& sp) {
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) detail::crypto_fail("EVP_KDF_fetch(SCRYPT)");
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) detail::crypto_fail("EVP_KDF_CTX_new");
  std::uint64_t n = std::uint64_t{1} << sp.log2_n;
  std::uint32_t r = sp.r, p = sp.p;
  std::uint64_t maxmem = 129 * std::uint64_t{r} * n * p + (std::uint64_t{1} << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        const_cast<char*>(passphrase.data()), passphrase.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes key(kKeySize);
  if (EVP_KDF_derive(ctx.get(), key.data(), key.size(), params) != 1) {
    detail::crypto_fail("EVP_KDF_derive(SCRYPT)");
  }
  return key;
}

Owned<EVP_CIPHER> aes_256_gcm() {
  Owned<EVP_CIPHER> c(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!c) detail::crypto_fail("EVP_CIPHER_fetch(AES-256-GCM)");
  return c;
}

Bytes header(const ScryptParams& sp, ByteView salt, ByteView nonce) {
  Writer w;
  w.text(kMagic).u8(sp.log2_n).u32(sp.r).u32(sp.p).raw(salt).raw(nonce);
  return std::move(w).bytes();
}

}  // namespace

Bytes seal_with_passphrase(ByteView plaintext, std::string_view passphrase,
                           const ScryptParams& params, Rng& rng) {
  Bytes salt(kSaltSize), nonce(kNonceSize);
  rng.fill(salt);
  rng.fill(nonce);
  Bytes out = header(params, salt, nonce);
  const std::size_t aad_size = out.size();
  SecretBytes key = derive_key(passphrase, salt, params);
  Owned<EVP_CIPHER> cipher = aes_256_gcm();
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) detail::crypto_fail("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), nonce.data(), nullptr) != 1) {
    detail::crypto_fail("EVP_EncryptInit_ex2(AES-256-GCM)");
  }
  int len = 0;
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, out.data(), static_cast<int>(aad_size)) != 1) {
    detail::crypto_fail("EVP_EncryptUpdate(AAD)");
  }
  out.resize(aad_size + plaintext.size() + kTagSize);
  if (EVP_EncryptUpdate(ctx.get(), out.data() + aad_size, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      static_cast<std::size_t>(len) != plaintext.size()) {
    detail::crypto_fail("EVP_EncryptUpdate");
  }
  int fin = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + aad_size + len, &fin) != 1 || fin != 0) {
    detail::crypto_fail("EVP_EncryptFinal_ex");
  }
  OSSL_PARAM get_tag[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                        out.data() + aad_size + plaintext.size(), kTagSize),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx.get(), get_tag) != 1) detail::crypto_fail("get AEAD tag");
  return out;
}

Result<SecretBytes> open_with_passphrase(ByteView box, std::string_view passphrase) {
  Reader r(box);
  auto bad = [](const std::string& why) {
    return make_error(ErrorCode::kInvalidEncoding, "not a passphrase-encrypted file: " + why);
  };
  auto magic = r.text("magic", 64);
  if (!magic || *magic != kMagic) return bad("unknown format");
  auto log2_n = r.u8("log2_n");
  auto rr = r.u32("r");
  auto p = r.u32("p");
  if (!log2_n || !rr || !p) return bad("truncated header");
  if (*log2_n < 10 || *log2_n > 22 || *rr < 1 || *rr > 32 || *p < 1 || *p > 16) {
    return bad("scrypt parameters out of range");
  }
  auto salt = r.raw(kSaltSize, "salt");
  auto nonce = r.raw(kNonceSize, "nonce");
  if (!salt || !nonce) return bad("truncated header");
  const std::size_t aad_size = box.size() - r.remaining();
  if (r.remaining() < kTagSize) return bad("truncated");
  const std::size_t ct_size = r.remaining() - kTagSize;
  const std::uint8_t* ct = box.data() + aad_size;
  ScryptParams sp{*log2_n, *rr, *p};
  SecretBytes key = derive_key(passphrase, *salt, sp);
  Owned<EVP_CIPHER> cipher = aes_256_gcm();
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) detail::crypto_fail("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), cipher.get(), key.data(), nonce->data(), nullptr) != 1) {
    detail::crypto_fail("EVP_DecryptInit_ex2(AES-256-GCM)");
  }
  int len = 0;
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, box.data(), static_cast<int>(aad_size)) != 1) {
    detail::crypto_fail("EVP_DecryptUpdate(AAD)");
  }
  SecretBytes plain(ct_size);
  if (EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ct, static_cast<int>(ct_size)) != 1) {
    detail::crypto_fail("EVP_DecryptUpdate");
  }
  std::uint8_t tag[kTagSize];
  std::copy(ct + ct_size, ct + ct_size + kTagSize, tag);
  OSSL_PARAM set_tag[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kTagSize),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_set_params(ctx.get(), set_tag) != 1) detail::crypto_fail("set AEAD tag");
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &fin) != 1) {
    return make_error(ErrorCode::kPermission, "wrong passphrase or damaged file");
  }
  return plain;
}

}  // namespace tabella
