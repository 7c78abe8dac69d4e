#include "tabella/crypto/ed25519.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "group_internal.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"

namespace tabella {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// EVP_DigestSign/Verify want a non-null pointer even for an empty message.
const std::uint8_t kEmpty[1] = {0};
const std::uint8_t* data_or_empty(ByteView b) {
  return b.empty() ? kEmpty : b.data();
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

std::string mode_octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

// ---------------------------------------------------------------------------------- VerifyKey

Result<VerifyKey> VerifyKey::from_bytes(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "Ed25519 public key must be 32 bytes, got " + std::to_string(bytes.size()));
  }
  VerifyKey k;
  std::copy(bytes.begin(), bytes.end(), k.bytes_.begin());
  return k;
}

Status VerifyKey::verify(ByteView message, ByteView signature) const {
  if (signature.size() != 64) {
    return make_error(ErrorCode::kInvalidArgument, "Ed25519 signature must be 64 bytes, got " +
                                                       std::to_string(signature.size()));
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_.data(), kSize));
  if (!pkey) {
    ERR_clear_error();
    return make_error(ErrorCode::kInvalidSignature, "Ed25519 public key is not usable");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    detail::crypto_fail("EVP_DigestVerifyInit(Ed25519)");
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data_or_empty(message),
                            message.size());
  if (rc != 1) {
    ERR_clear_error();
    return make_error(ErrorCode::kInvalidSignature,
                      "Ed25519 signature does not verify under key " + to_hex());
  }
  return Status::success();
}

std::string VerifyKey::fingerprint() const {
  Digest d = Hasher("tabella/v1/key-fingerprint").add(ByteView(bytes_)).finish();
  // The first 10 bytes = 80 bits = 16 base32 characters, no padding needed.
  return dash_groups(to_base32(ByteView(d.data(), 10)));
}

// --------------------------------------------------------------------------------- SigningKey

struct SigningKey::Impl {
  PkeyPtr pkey;
  VerifyKey verify_key;
  Impl(PkeyPtr p, VerifyKey v) : pkey(std::move(p)), verify_key(v) {}
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::~SigningKey() = default;
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;

namespace {
// The public half of an Ed25519 EVP_PKEY.
VerifyKey public_of(EVP_PKEY* pkey) {
  PublicKeyBytes pub{};
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len) != 1 || len != pub.size()) {
    detail::crypto_fail("EVP_PKEY_get_raw_public_key");
  }
  return *VerifyKey::from_bytes(pub);
}
}  // namespace

SigningKey SigningKey::generate() {
  SecretBytes seed(kSeedSize);
  SystemRng::instance().fill(std::span<std::uint8_t>(seed.data(), seed.size()));
  return std::move(*from_seed(seed.view()));
}

Result<SigningKey> SigningKey::from_seed(ByteView seed) {
  if (seed.size() != kSeedSize) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "Ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!pkey) detail::crypto_fail("EVP_PKEY_new_raw_private_key(Ed25519)");
  VerifyKey pub = public_of(pkey.get());
  return SigningKey(std::make_unique<Impl>(std::move(pkey), pub));
}

const VerifyKey& SigningKey::verify_key() const {
  return impl_->verify_key;
}

SignatureBytes SigningKey::sign(ByteView message) const {
  SignatureBytes sig{};
  std::size_t len = sig.size();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, data_or_empty(message), message.size()) != 1 ||
      len != sig.size()) {
    detail::crypto_fail("EVP_DigestSign(Ed25519)");
  }
  return sig;
}

Result<SigningKey> SigningKey::load_pem(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    return errno_error("cannot open key file", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return errno_error("cannot stat key file", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::kIo, "key file is not a regular file", path);
  }
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorCode::kPermission,
                      "key file " + path + " has mode " + mode_octal(st.st_mode) +
                          "; must be 0600 (chmod 600 " + path + ")",
                      path);
  }
  constexpr off_t kMaxPem = 64 * 1024;
  if (st.st_size > kMaxPem) {
    return make_error(ErrorCode::kLimit, "key file is larger than 64 KiB", path);
  }
  SecretBytes buf(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("cannot read key file", path);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  BioPtr bio(BIO_new_mem_buf(buf.data(), static_cast<int>(got)));
  if (!bio) detail::crypto_fail("BIO_new_mem_buf");
  PkeyPtr pkey(PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, nullptr, nullptr, nullptr, nullptr));
  if (!pkey) {
    ERR_clear_error();
    return make_error(ErrorCode::kInvalidEncoding,
                      "key file does not hold an unencrypted PEM private key", path);
  }
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return make_error(ErrorCode::kInvalidEncoding, "key file holds a key that is not Ed25519",
                      path);
  }
  VerifyKey pub = public_of(pkey.get());
  return SigningKey(std::make_unique<Impl>(std::move(pkey), pub));
}

Status SigningKey::save_pem(const std::string& path) const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    detail::crypto_fail("PEM_write_bio_PrivateKey");
  }
  SecretBytes pem(BIO_ctrl_pending(bio.get()));
  if (BIO_read(bio.get(), pem.data(), static_cast<int>(pem.size())) !=
      static_cast<int>(pem.size())) {
    detail::crypto_fail("BIO_read");
  }

  std::uint8_t rnd[8];
  SystemRng::instance().fill(rnd);
  std::string tmp = path + ".tmp-" + tabella::to_hex(ByteView(rnd, sizeof rnd));
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    return errno_error("cannot create temporary key file", tmp);
  }
  auto fail = [&](const std::string& what) -> Status {
    Error e = errno_error(what, path);
    ::close(fd.release());
    ::unlink(tmp.c_str());
    return e;
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot set mode 0600");
  std::size_t done = 0;
  while (done < pem.size()) {
    ssize_t n = ::write(fd.get(), pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write key file");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot fsync key file");
  if (::close(fd.release()) != 0) {
    Error e = errno_error("cannot close key file", path);
    ::unlink(tmp.c_str());
    return e;
  }
  // link() fails with EEXIST instead of replacing: an existing key is never overwritten.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) {
      return make_error(ErrorCode::kConflict, "key file already exists; refusing to overwrite",
                        path);
    }
    return errno_error("cannot create key file", path, err);
  }
  ::unlink(tmp.c_str());
  // Make the new directory entry durable.
  std::string dir = ".";
  if (auto slash = path.find_last_of('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return Status::success();
}

}  // namespace tabella
