#include "tabella/crypto/ed25519.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/vectors.h"
#include "tabella/crypto/hash.h"

namespace tabella {
namespace {

Bytes hex(std::string_view s) {
  return *from_hex(s);
}

TEST(Ed25519Test, Rfc8032KnownAnswers) {
  auto vectors = testing::load_vectors()["ed25519"]["vectors"];
  ASSERT_EQ(vectors.size(), 3u);
  for (const auto& v : vectors) {
    auto key = SigningKey::from_seed(hex(v["seed"].get<std::string>()));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->verify_key().to_hex(), v["public"].get<std::string>());
    Bytes msg = hex(v["message"].get<std::string>());
    SignatureBytes sig = key->sign(msg);
    EXPECT_EQ(to_hex(sig), v["signature"].get<std::string>());

    auto pub = VerifyKey::from_bytes(hex(v["public"].get<std::string>()));
    ASSERT_TRUE(pub.ok());
    EXPECT_EQ(*pub, key->verify_key());
    EXPECT_TRUE(pub->verify(msg, hex(v["signature"].get<std::string>())).ok());
  }
}

TEST(Ed25519Test, TamperedInputsAreRejected) {
  SigningKey key = SigningKey::generate();
  Bytes msg = {1, 2, 3, 4, 5};
  SignatureBytes sig = key.sign(msg);
  ASSERT_TRUE(key.verify_key().verify(msg, sig).ok());

  // Every single-bit flip of the signature fails.
  for (std::size_t i = 0; i < sig.size(); ++i) {
    SignatureBytes bad = sig;
    bad[i] ^= 0x01;
    auto st = key.verify_key().verify(msg, bad);
    ASSERT_FALSE(st.ok()) << "byte " << i;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidSignature);
  }
  Bytes other = msg;
  other[0] ^= 1;
  EXPECT_FALSE(key.verify_key().verify(other, sig).ok());
  // Another key.
  SigningKey key2 = SigningKey::generate();
  EXPECT_FALSE(key2.verify_key().verify(msg, sig).ok());
  // Wrong lengths.
  auto st = key.verify_key().verify(msg, ByteView(sig.data(), 63));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(VerifyKey::from_bytes(Bytes(31)).ok());
  EXPECT_FALSE(VerifyKey::from_bytes(Bytes(33)).ok());
  EXPECT_FALSE(SigningKey::from_seed(Bytes(31)).ok());
}

TEST(Ed25519Test, NonPointPublicKeyNeverVerifies) {
  // y = 2 is not the y-coordinate of a curve point.
  Bytes bad(32, 0);
  bad[0] = 2;
  auto pub = VerifyKey::from_bytes(bad);
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE(pub->verify(Bytes{1}, Bytes(64, 0)).ok());
}

// docs/spec.md §6.1.1 states exactly what verification accepts (OpenSSL 3's Ed25519): these
// cases pin it, so that another library can be configured to match.
TEST(Ed25519Test, StrictnessIsAsTheSpecStates) {
  const Bytes msg = {'t', 'a', 'b'};
  SigningKey key = SigningKey::generate();
  SignatureBytes sig = key.sign(msg);
  ASSERT_TRUE(key.verify_key().verify(msg, sig).ok());
  // S + L (L = 2^252 + 27742317777372353535851937790883648493, little-endian): the same S mod L,
  // not canonical: refused.
  const Bytes order = *from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  SignatureBytes high = sig;
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = high[32 + i] + order[i] + carry;
    high[32 + i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_FALSE(key.verify_key().verify(msg, high).ok()) << "S >= L must be refused";
  // A small-order public key: the identity point (y = 1). With R = identity and S = 0 the
  // cofactorless equation [S]B = R + [h]A holds for every message: accepted by the signature
  // check, which is why check 11 and the enrolments do not make a key trustworthy (§6.1.1).
  Bytes identity(32, 0);
  identity[0] = 1;
  Bytes forged(64, 0);
  forged[0] = 1;  // R = identity, S = 0
  auto small = VerifyKey::from_bytes(identity);
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(small->verify(msg, forged).ok()) << "small-order key";
  EXPECT_TRUE(small->verify(Bytes{1, 2}, forged).ok()) << "small-order key, another message";
  // The identity written non-canonically (y = p + 1): the key decodes (y is reduced mod p) and
  // the same forgery verifies.
  Bytes noncanonical(32, 0xff);
  noncanonical[0] = 0xee;
  noncanonical[31] = 0x7f;
  auto odd = VerifyKey::from_bytes(noncanonical);
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->verify(msg, forged).ok()) << "non-canonical A";
  // R written non-canonically: R is compared as bytes with the canonical encoding of
  // [S]B - [h]A, so it is refused.
  Bytes forged_r = forged;
  std::copy(noncanonical.begin(), noncanonical.end(), forged_r.begin());
  EXPECT_FALSE(small->verify(msg, forged_r).ok()) << "non-canonical R";
}

TEST(Ed25519Test, Fingerprint) {
  auto key = SigningKey::from_seed(Bytes(32, 7));
  ASSERT_TRUE(key.ok());
  std::string fp = key->verify_key().fingerprint();
  ASSERT_EQ(fp.size(), 19u);
  for (std::size_t i = 0; i < fp.size(); ++i) {
    if (i % 5 == 4) {
      EXPECT_EQ(fp[i], '-');
    } else {
      EXPECT_TRUE((fp[i] >= 'A' && fp[i] <= 'Z') || (fp[i] >= '2' && fp[i] <= '7')) << fp;
    }
  }
  // Independent computation: H(tag; pub) with hash.h framing, then base32 by hand.
  Digest d = Hasher("tabella/v1/key-fingerprint").add(ByteView(key->verify_key().bytes())).finish();
  std::string bits;
  for (int i = 0; i < 10; ++i) {
    for (int b = 7; b >= 0; --b)
      bits.push_back(((d[static_cast<std::size_t>(i)] >> b) & 1) ? '1' : '0');
  }
  std::string want;
  for (std::size_t i = 0; i < 80; i += 5) {
    if (i > 0 && i % 20 == 0) want.push_back('-');
    int v = std::stoi(bits.substr(i, 5), nullptr, 2);
    want.push_back("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[v]);
  }
  EXPECT_EQ(fp, want);
  EXPECT_NE(fp, SigningKey::from_seed(Bytes(32, 8))->verify_key().fingerprint());
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tabella-ed25519-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KeyFileTest, SaveLoadRoundTripWithMode0600) {
  auto key = SigningKey::from_seed(Bytes(32, 9));
  ASSERT_TRUE(key.ok());
  std::string path = (dir_ / "kiosk.pem").string();
  ASSERT_TRUE(key->save_pem(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "-----BEGIN PRIVATE KEY-----");

  auto loaded = SigningKey::load_pem(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded->verify_key(), key->verify_key());
  Bytes msg = {42};
  EXPECT_EQ(loaded->sign(msg), key->sign(msg));
  // No temporary files left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(KeyFileTest, RefusesToOverwrite) {
  std::string path = (dir_ / "k.pem").string();
  ASSERT_TRUE(SigningKey::generate().save_pem(path).ok());
  auto first = SigningKey::load_pem(path);
  ASSERT_TRUE(first.ok());
  auto st = SigningKey::generate().save_pem(path);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(SigningKey::load_pem(path)->verify_key(), first->verify_key());
}

TEST_F(KeyFileTest, RefusesGroupOrWorldReadableFile) {
  std::string path = (dir_ / "k.pem").string();
  ASSERT_TRUE(SigningKey::generate().save_pem(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto r = SigningKey::load_pem(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermission);
  EXPECT_NE(r.error().message.find("has mode 0644; must be 0600"), std::string::npos)
      << r.error().message;
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_FALSE(SigningKey::load_pem(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(SigningKey::load_pem(path).ok());
}

TEST_F(KeyFileTest, RejectsMissingGarbageAndNonEd25519) {
  EXPECT_EQ(SigningKey::load_pem((dir_ / "missing.pem").string()).error().code, ErrorCode::kIo);
  std::string path = (dir_ / "junk.pem").string();
  {
    std::ofstream out(path);
    out << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(SigningKey::load_pem(path).error().code, ErrorCode::kInvalidEncoding);
  // A P-256 key in PKCS#8 (generated with: openssl genpkey -algorithm EC
  // -pkeyopt ec_paramgen_curve:P-256).
  std::string ec = (dir_ / "ec.pem").string();
  {
    std::ofstream out(ec);
    out << "-----BEGIN PRIVATE KEY-----\n"
           "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqzaIyWBi8ZuuTRYU\n"
           "R5dx9rR+Spcjer1Hoca5gL0BPtqhRANCAAR0JWav+KdHGd4o+dfdwnZrd3ej4joZ\n"
           "/wv1J+aBA/PQozvLzIngUVXd22PojlgK8KJSWqJhI7ohDa3bzT0oTEMG\n"
           "-----END PRIVATE KEY-----\n";
  }
  ASSERT_EQ(::chmod(ec.c_str(), 0600), 0);
  auto r = SigningKey::load_pem(ec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding) << r.error().describe();
}

}  // namespace
}  // namespace tabella
