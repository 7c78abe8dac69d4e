#include "tabella/crypto/share_encryption.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstring>

namespace tabella {
namespace {

Digest test_q() {
  return sha256(as_bytes("share encryption test election"));
}

struct KeyPair {
  Scalar secret;
  Point key;
};

KeyPair key_pair(Rng& rng) {
  KeyPair kp{Scalar::random_nonzero(rng), Point()};
  kp.key = Point::base_mul(kp.secret);
  return kp;
}

// An independent re-implementation of the spec text (docs/spec-drafts/threshold.md §5), written
// against OpenSSL's EVP_PKEY HKDF interface rather than EVP_KDF, so a slip in either shows.
struct SpecCipher {
  std::array<std::uint8_t, 32> ciphertext{};
  std::array<std::uint8_t, 16> tag{};
};

Bytes spec_binding(std::uint32_t i, std::uint32_t l, const Point& x) {
  Bytes b(reinterpret_cast<const std::uint8_t*>("tabella/v1/share"),
          reinterpret_cast<const std::uint8_t*>("tabella/v1/share") + 16);
  for (std::uint32_t v : {i, l}) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
  }
  auto xe = x.encode();
  b.insert(b.end(), xe.begin(), xe.end());
  return b;
}

SpecCipher spec_encrypt(const Digest& q, std::uint32_t i, std::uint32_t l, const Point& x_point,
                        const Point& z, ByteView plaintext32) {
  Bytes binding = spec_binding(i, l, x_point);
  auto ikm = z.encode();
  std::uint8_t okm[44];
  std::size_t okm_len = sizeof okm;
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  EXPECT_NE(kctx, nullptr);
  EXPECT_EQ(EVP_PKEY_derive_init(kctx), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_hkdf_md(kctx, EVP_sha256()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set1_hkdf_salt(kctx, q.data(), static_cast<int>(q.size())), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set1_hkdf_key(kctx, ikm.data(), static_cast<int>(ikm.size())), 1);
  EXPECT_EQ(EVP_PKEY_CTX_add1_hkdf_info(kctx, binding.data(), static_cast<int>(binding.size())), 1);
  EXPECT_EQ(EVP_PKEY_derive(kctx, okm, &okm_len), 1);
  EVP_PKEY_CTX_free(kctx);

  SpecCipher out;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, okm, okm + 32), 1);
  EXPECT_EQ(EVP_EncryptUpdate(c, nullptr, &len, binding.data(), static_cast<int>(binding.size())),
            1);
  EXPECT_EQ(EVP_EncryptUpdate(c, out.ciphertext.data(), &len, plaintext32.data(), 32), 1);
  EXPECT_EQ(EVP_EncryptFinal_ex(c, out.ciphertext.data() + len, &len), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out.tag.data()), 1);
  EVP_CIPHER_CTX_free(c);
  return out;
}

TEST(ShareEncryptionTest, RoundTrip) {
  SeededRng rng("share round trip");
  KeyPair recipient = key_pair(rng);
  Scalar share = Scalar::random(rng);
  auto es = EncryptedShare::encrypt(test_q(), 2, 5, recipient.key, share, rng);
  ASSERT_TRUE(es.ok()) << es.error().describe();
  EXPECT_EQ(es->sender, 2u);
  EXPECT_EQ(es->recipient, 5u);
  auto back = es->decrypt(test_q(), recipient.secret);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, share);
}

TEST(ShareEncryptionTest, MatchesIndependentSpecImplementation) {
  SeededRng rng("share spec check");
  KeyPair recipient = key_pair(rng);
  Scalar share = Scalar::random(rng);
  auto es = EncryptedShare::encrypt(test_q(), 3, 1, recipient.key, share, rng);
  ASSERT_TRUE(es.ok());
  Point z = es->ephemeral * recipient.secret;  // Z = e_l*X = x*E_l
  SpecCipher expected = spec_encrypt(test_q(), 3, 1, es->ephemeral, z, share.encode());
  EXPECT_EQ(es->ciphertext, expected.ciphertext);
  EXPECT_EQ(es->tag, expected.tag);
}

TEST(ShareEncryptionTest, KnownAnswer) {
  // Fixed by SeededRng; changes only if the group's sampling, HKDF inputs or AES-GCM use change.
  SeededRng rng("tabella share encryption known answer");
  KeyPair recipient = key_pair(rng);
  Scalar share = Scalar::from_u64(0x0123456789abcdefULL);
  auto es = EncryptedShare::encrypt(test_q(), 1, 2, recipient.key, share, rng);
  ASSERT_TRUE(es.ok());
  EXPECT_EQ(
      to_hex(es->encode()),
      "000000010000000202fa63275136ffb4638b30fa6ffda0400c7224b998307b98503e109229ef1160cec01b473509"
      "7b776130f2bc1356c523cabfd0eb7cd77a7634391c9a5f26edeebb249b594d4ef6974553b3e3275e76ff43");
}

TEST(ShareEncryptionTest, EncodeDecodeRoundTrip) {
  SeededRng rng("share encode");
  KeyPair recipient = key_pair(rng);
  Scalar share = Scalar::random(rng);
  auto es = EncryptedShare::encrypt(test_q(), 7, 9, recipient.key, share, rng);
  ASSERT_TRUE(es.ok());
  auto bytes = es->encode();
  ASSERT_EQ(bytes.size(), 89u);
  auto decoded = EncryptedShare::decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->sender, 7u);
  EXPECT_EQ(decoded->recipient, 9u);
  EXPECT_EQ(decoded->ephemeral, es->ephemeral);
  EXPECT_EQ(decoded->encode(), bytes);
  auto back = decoded->decrypt(test_q(), recipient.secret);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, share);
}

TEST(ShareEncryptionTest, EveryFlippedBitIsRejected) {
  SeededRng rng("share tamper");
  KeyPair recipient = key_pair(rng);
  Scalar share = Scalar::random(rng);
  auto es = EncryptedShare::encrypt(test_q(), 1, 2, recipient.key, share, rng);
  ASSERT_TRUE(es.ok());
  const auto bytes = es->encode();
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto tampered = bytes;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto decoded = EncryptedShare::decode(tampered);
    if (!decoded.ok()) continue;  // e.g. X no longer on the curve, or an index became 0
    auto r = decoded->decrypt(test_q(), recipient.secret);
    ASSERT_FALSE(r.ok()) << "bit " << bit << " flipped yet the share decrypted";
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidSignature) << "bit " << bit;
  }
}

TEST(ShareEncryptionTest, WrongRecipientKeyFails) {
  SeededRng rng("share wrong key");
  KeyPair recipient = key_pair(rng), other = key_pair(rng);
  auto es = EncryptedShare::encrypt(test_q(), 1, 2, recipient.key, Scalar::random(rng), rng);
  ASSERT_TRUE(es.ok());
  auto r = es->decrypt(test_q(), other.secret);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidSignature);
  EXPECT_EQ(r.error().field, "tag");
  EXPECT_NE(r.error().message.find("guardian 1 to guardian 2"), std::string::npos);
}

TEST(ShareEncryptionTest, WrongElectionOrRelabelledIndicesFail) {
  SeededRng rng("share wrong q");
  KeyPair recipient = key_pair(rng);
  auto es = EncryptedShare::encrypt(test_q(), 1, 2, recipient.key, Scalar::random(rng), rng);
  ASSERT_TRUE(es.ok());
  EXPECT_FALSE(es->decrypt(sha256(as_bytes("another election")), recipient.secret).ok());
  EncryptedShare relabelled = *es;
  relabelled.sender = 3;
  EXPECT_FALSE(relabelled.decrypt(test_q(), recipient.secret).ok());
  relabelled = *es;
  relabelled.recipient = 4;
  EXPECT_FALSE(relabelled.decrypt(test_q(), recipient.secret).ok());
}

TEST(ShareEncryptionTest, IdentityEphemeralIsRefused) {
  SeededRng rng("share identity");
  KeyPair recipient = key_pair(rng);
  auto es = EncryptedShare::encrypt(test_q(), 1, 2, recipient.key, Scalar::random(rng), rng);
  ASSERT_TRUE(es.ok());
  es->ephemeral = Point::identity();
  auto r = es->decrypt(test_q(), recipient.secret);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding);
  EXPECT_EQ(r.error().field, "ephemeral");
}

TEST(ShareEncryptionTest, PlaintextAboveOrderIsRefused) {
  // An authentic ciphertext of 32 0xff bytes (>= n) built with the spec re-implementation.
  SeededRng rng("share above order");
  KeyPair recipient = key_pair(rng);
  Scalar x = Scalar::random_nonzero(rng);
  EncryptedShare es;
  es.sender = 1;
  es.recipient = 2;
  es.ephemeral = Point::base_mul(x);
  std::array<std::uint8_t, 32> big;
  big.fill(0xff);
  SpecCipher c = spec_encrypt(test_q(), 1, 2, es.ephemeral, recipient.key * x, big);
  es.ciphertext = c.ciphertext;
  es.tag = c.tag;
  auto r = es.decrypt(test_q(), recipient.secret);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding);
}

TEST(ShareEncryptionTest, EncryptRefusesBadArguments) {
  SeededRng rng("share bad args");
  KeyPair recipient = key_pair(rng);
  Scalar s = Scalar::from_u64(1);
  auto r = EncryptedShare::encrypt(test_q(), 0, 2, recipient.key, s, rng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "sender");
  r = EncryptedShare::encrypt(test_q(), 1, 0, recipient.key, s, rng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "recipient");
  r = EncryptedShare::encrypt(test_q(), 1, 2, Point::identity(), s, rng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "recipient_key");
}

TEST(ShareEncryptionTest, DecodeRejectsMalformedBytes) {
  SeededRng rng("share decode");
  KeyPair recipient = key_pair(rng);
  auto es = EncryptedShare::encrypt(test_q(), 1, 2, recipient.key, Scalar::random(rng), rng);
  ASSERT_TRUE(es.ok());
  auto bytes = es->encode();
  Bytes shorter(bytes.begin(), bytes.end() - 1);
  auto r = EncryptedShare::decode(shorter);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding);
  Bytes longer(bytes.begin(), bytes.end());
  longer.push_back(0);
  EXPECT_FALSE(EncryptedShare::decode(longer).ok());

  auto zero_sender = bytes;
  std::memset(zero_sender.data(), 0, 4);
  r = EncryptedShare::decode(zero_sender);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "sender");

  auto identity_x = bytes;
  std::memset(identity_x.data() + 8, 0, 33);
  r = EncryptedShare::decode(identity_x);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field.rfind("ephemeral", 0), 0u) << r.error().field;
}

}  // namespace
}  // namespace tabella
