#include "tabella/crypto/hash.h"

#include <openssl/evp.h>

#include "group_internal.h"
#include "tabella/crypto/group.h"
#include "tabella/util/canonical.h"

namespace tabella {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

namespace {
// SHA-256 fetched from the default provider once. EVP_sha256() makes OpenSSL 3 look the
// algorithm up again at every EVP_DigestInit_ex (an implicit fetch, under the provider store's
// lock; `EVP_MD_fetch` was 0.4% of tabella-verify's CPU in perf, though the verifier's run time
// did not measurably change: docs/benchmarks.md "Verifier"). Kept for the life of the process.
const EVP_MD* sha256_md() {
  static const EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) detail::crypto_fail("EVP_MD_fetch(SHA256)");
    return m;
  }();
  return md;
}

void update(EVP_MD_CTX* ctx, const void* data, std::size_t len) {
  if (EVP_DigestUpdate(ctx, data, len) != 1) detail::crypto_fail("EVP_DigestUpdate");
}
void put_len(EVP_MD_CTX* ctx, std::size_t len) {
  const auto b = u32be(static_cast<std::uint32_t>(len));
  update(ctx, b.data(), b.size());
}
}  // namespace

Digest sha256(ByteView data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr) != 1) {
    detail::crypto_fail("EVP_Digest");
  }
  return out;
}

Hasher::Hasher(std::string_view tag) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, sha256_md(), nullptr) != 1) {
    detail::crypto_fail("EVP_DigestInit_ex");
  }
  add(as_bytes(tag));
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::add(ByteView field) {
  put_len(impl_->ctx, field.size());
  update(impl_->ctx, field.data(), field.size());
  return *this;
}

Hasher& Hasher::add_u64(std::uint64_t value) {
  return add(ByteView(u64be(value)));
}

Hasher& Hasher::add(const Point& point) {
  auto enc = point.encode();
  return add(ByteView(enc));
}

Hasher& Hasher::add(const Scalar& scalar) {
  return add(ByteView(scalar.encode()));
}

Digest Hasher::finish() {
  Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, out.data(), &len) != 1) detail::crypto_fail("EVP_DigestFinal");
  return out;
}

Scalar Hasher::finish_scalar() {
  Digest d = finish();
  std::uint8_t buf[33];
  std::copy(d.begin(), d.end(), buf);
  std::uint8_t wide[64];
  buf[32] = 0x01;
  Digest w1 = sha256(ByteView(buf, 33));
  buf[32] = 0x02;
  Digest w2 = sha256(ByteView(buf, 33));
  std::copy(w1.begin(), w1.end(), wide);
  std::copy(w2.begin(), w2.end(), wide + 32);
  return Scalar::reduce(ByteView(wide, 64));
}

}  // namespace tabella
