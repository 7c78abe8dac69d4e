#include "tabella/crypto/threshold.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "tabella/util/canonical.h"

namespace tabella {
namespace {

void append_u32(Bytes& out, std::uint32_t v) {
  const auto be = u32be(v);
  out.insert(out.end(), be.begin(), be.end());
}

Bytes label(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

std::string idx(const char* name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

}  // namespace

Status ThresholdParams::validate() const {
  if (quorum == 0) {
    return make_error(ErrorCode::kInvalidArgument, "the quorum k must be at least 1", "quorum");
  }
  if (quorum > guardians) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the quorum k = " + std::to_string(quorum) +
                          " exceeds the number of guardians n = " + std::to_string(guardians),
                      "quorum");
  }
  return Status::success();
}

Bytes coefficient_proof_context(std::uint32_t guardian, std::uint32_t j) {
  Bytes out = label("coef");
  append_u32(out, guardian);
  append_u32(out, j);
  return out;
}

Bytes encryption_key_proof_context(std::uint32_t guardian) {
  Bytes out = label("enc");
  append_u32(out, guardian);
  return out;
}

Bytes partial_decryption_context(std::uint32_t guardian, ByteView caller_context) {
  Bytes out = label("pdec");
  append_u32(out, guardian);
  out.insert(out.end(), caller_context.begin(), caller_context.end());
  return out;
}

// ---- Commitments -----------------------------------------------------------------------------

Status GuardianCommitments::verify(const Digest& q, std::uint32_t quorum) const {
  if (index == 0) return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "index");
  if (quorum == 0) {
    return make_error(ErrorCode::kInvalidArgument, "the quorum k must be at least 1", "quorum");
  }
  if (coefficients.size() != quorum) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected k = " + std::to_string(quorum) + " coefficient commitments, got " +
                          std::to_string(coefficients.size()),
                      "coefficients");
  }
  if (proofs.size() != quorum) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected k = " + std::to_string(quorum) + " Schnorr proofs, got " +
                          std::to_string(proofs.size()),
                      "proofs");
  }
  for (std::uint32_t j = 0; j < quorum; ++j) {
    Status s = proofs[j].verify(q, coefficients[j], coefficient_proof_context(index, j));
    if (!s.ok()) {
      Error e = s.error().with_prefix(idx("proofs", j));
      e.message = "guardian " + std::to_string(index) + " coefficient commitment C_{" +
                  std::to_string(index) + "," + std::to_string(j) + "}: " + e.message;
      return e;
    }
  }
  Status s = encryption_key_proof.verify(q, encryption_key, encryption_key_proof_context(index));
  if (!s.ok()) {
    Error e = s.error().with_prefix("encryption_key_proof");
    e.message = "guardian " + std::to_string(index) + " share-encryption key E_" +
                std::to_string(index) + ": " + e.message;
    return e;
  }
  if (encryption_key == coefficients[0]) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "the share-encryption key E_i must differ from the secret's commitment C_{i,0}",
        "encryption_key");
  }
  return Status::success();
}

Status verify_commitment_set(const Digest& q, const ThresholdParams& params,
                             std::span<const GuardianCommitments> guardians) {
  TABELLA_TRY(params.validate());
  if (guardians.size() != params.guardians) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected commitments from n = " + std::to_string(params.guardians) +
                          " guardians, got " + std::to_string(guardians.size()),
                      "guardians");
  }
  std::vector<bool> seen(params.guardians + std::size_t{1}, false);
  for (std::size_t p = 0; p < guardians.size(); ++p) {
    const GuardianCommitments& g = guardians[p];
    if (g.index == 0 || g.index > params.guardians) {
      return make_error(ErrorCode::kOutOfRange,
                        "guardian index " + std::to_string(g.index) + " is not in 1.." +
                            std::to_string(params.guardians),
                        idx("guardians", p) + ".index");
    }
    if (seen[g.index]) {
      return make_error(ErrorCode::kConflict,
                        "guardian " + std::to_string(g.index) + " has more than one commitment",
                        idx("guardians", p) + ".index");
    }
    seen[g.index] = true;
    Status s = g.verify(q, params.quorum);
    if (!s.ok()) return s.error().with_prefix(idx("guardians", p));
  }
  return Status::success();
}

// ---- Secrets -----------------------------------------------------------------------------------

GuardianSecrets GuardianSecrets::generate(std::uint32_t index, std::uint32_t quorum, Rng& rng) {
  assert(index >= 1 && quorum >= 1);
  GuardianSecrets g;
  g.index_ = index;
  g.coefficients_.reserve(quorum);
  for (std::uint32_t j = 0; j < quorum; ++j) g.coefficients_.push_back(Scalar::random_nonzero(rng));
  g.encryption_secret_ = Scalar::random_nonzero(rng);
  return g;
}

GuardianCommitments GuardianSecrets::commitments(const Digest& q, Rng& rng) const {
  GuardianCommitments c;
  c.index = index_;
  c.coefficients.reserve(coefficients_.size());
  c.proofs.reserve(coefficients_.size());
  for (std::uint32_t j = 0; j < coefficients_.size(); ++j) {
    Point cj = Point::base_mul(coefficients_[j]);  // C_{i,j} = a_{i,j}*G
    c.proofs.push_back(
        SchnorrProof::make(q, coefficients_[j], cj, coefficient_proof_context(index_, j), rng));
    c.coefficients.push_back(std::move(cj));
  }
  c.encryption_key = Point::base_mul(encryption_secret_);  // E_i = e_i*G
  c.encryption_key_proof = SchnorrProof::make(q, encryption_secret_, c.encryption_key,
                                              encryption_key_proof_context(index_), rng);
  return c;
}

Scalar GuardianSecrets::share_for(std::uint32_t l) const {
  assert(l >= 1);
  // Horner: P_i(l) = (...(a_{k-1}*l + a_{k-2})*l + ...)*l + a_0
  const Scalar x = Scalar::from_u64(l);
  Scalar acc;
  for (auto it = coefficients_.rbegin(); it != coefficients_.rend(); ++it) acc = acc * x + *it;
  return acc;
}

Result<EncryptedShare> GuardianSecrets::encrypt_share_for(const Digest& q,
                                                          const GuardianCommitments& recipient,
                                                          Rng& rng) const {
  if (recipient.index == 0) {
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "recipient.index");
  }
  Scalar share = share_for(recipient.index);
  return EncryptedShare::encrypt(q, index_, recipient.index, recipient.encryption_key, share, rng);
}

SecretBytes GuardianSecrets::encode() const {
  SecretBytes out(8 + Scalar::kSize * (coefficients_.size() + 1));
  std::uint8_t* p = out.data();
  for (std::uint32_t v : {index_, quorum()}) {
    const auto be = u32be(v);
    p = std::copy(be.begin(), be.end(), p);
  }
  for (const Scalar& a : coefficients_) p = std::copy(a.encode().begin(), a.encode().end(), p);
  std::copy(encryption_secret_.encode().begin(), encryption_secret_.encode().end(), p);
  return out;
}

Result<GuardianSecrets> GuardianSecrets::decode(ByteView bytes) {
  Reader r(bytes);
  auto index = r.u32("index");
  if (!index.ok()) return index.error();
  if (*index == 0)
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "index");
  auto quorum = r.u32("quorum");
  if (!quorum.ok()) return quorum.error();
  if (*quorum == 0) {
    return make_error(ErrorCode::kOutOfRange, "the quorum k must be at least 1", "quorum");
  }
  if (r.remaining() != Scalar::kSize * (std::size_t{*quorum} + 1)) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "expected " + std::to_string(*quorum) +
                          " coefficients and one encryption secret (" +
                          std::to_string(Scalar::kSize * (std::size_t{*quorum} + 1)) +
                          " bytes) after the header, got " + std::to_string(r.remaining()),
                      "coefficients");
  }
  GuardianSecrets g;
  g.index_ = *index;
  g.coefficients_.reserve(*quorum);
  for (std::uint32_t j = 0; j < *quorum; ++j) {
    auto a = r.scalar("coefficients");
    if (!a.ok()) return a.error().with_prefix(idx("coefficients", j));
    if (a->is_zero()) {
      return make_error(ErrorCode::kOutOfRange, "a polynomial coefficient is zero",
                        idx("coefficients", j));
    }
    g.coefficients_.push_back(*a);
  }
  auto e = r.scalar("encryption_secret");
  if (!e.ok()) return e.error();
  if (e->is_zero()) {
    return make_error(ErrorCode::kOutOfRange, "the encryption secret is zero", "encryption_secret");
  }
  g.encryption_secret_ = *e;
  TABELLA_TRY(r.finish("guardian secrets"));
  return g;
}

// ---- Shares ------------------------------------------------------------------------------------

Point evaluate_commitments(std::uint32_t l, std::span<const Point> coefficients) {
  assert(l >= 1);
  // Horner: (...(C_{k-1}*l + C_{k-2})*l + ...)*l + C_0
  const Scalar x = Scalar::from_u64(l);
  Point acc;
  for (auto it = coefficients.rbegin(); it != coefficients.rend(); ++it) {
    acc = acc.is_identity() ? *it : acc * x + *it;
  }
  return acc;
}

Status verify_share(const Scalar& share, std::uint32_t recipient,
                    const GuardianCommitments& sender) {
  if (recipient == 0) {
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "recipient");
  }
  if (sender.coefficients.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "the sender has no coefficient commitments",
                      "coefficients");
  }
  if (!(Point::base_mul(share) == evaluate_commitments(recipient, sender.coefficients))) {
    return make_error(ErrorCode::kInvalidProof,
                      "the share from guardian " + std::to_string(sender.index) + " to guardian " +
                          std::to_string(recipient) +
                          " does not match the sender's commitments (s*G != sum_j l^j*C_j)",
                      "share");
  }
  return Status::success();
}

Result<Scalar> receive_share(const Digest& q, const EncryptedShare& encrypted,
                             const GuardianSecrets& recipient, const GuardianCommitments& sender) {
  if (encrypted.recipient != recipient.index()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the share is addressed to guardian " + std::to_string(encrypted.recipient) +
                          ", not to guardian " + std::to_string(recipient.index()),
                      "recipient");
  }
  if (encrypted.sender != sender.index) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the share comes from guardian " + std::to_string(encrypted.sender) +
                          " but the commitments are guardian " + std::to_string(sender.index) +
                          "'s",
                      "sender");
  }
  auto share = encrypted.decrypt(q, recipient.encryption_secret());
  if (!share.ok()) return share.error();
  TABELLA_TRY(verify_share(*share, recipient.index(), sender));
  return share;
}

Scalar combine_shares(std::span<const Scalar> shares) {
  Scalar sum;
  for (const Scalar& s : shares) sum += s;
  return sum;
}

Point joint_key(std::span<const GuardianCommitments> guardians) {
  Point k;
  for (const GuardianCommitments& g : guardians) {
    assert(!g.coefficients.empty());
    if (!g.coefficients.empty()) k += g.coefficients[0];  // K = sum_i C_{i,0}
  }
  return k;
}

Point public_share_key(std::uint32_t l, std::span<const GuardianCommitments> guardians) {
  // Sum the commitments coefficient-wise first (sum_i C_{i,j}), then one Horner evaluation.
  std::size_t k = 0;
  for (const GuardianCommitments& g : guardians) k = std::max(k, g.coefficients.size());
  std::vector<Point> summed(k);
  for (const GuardianCommitments& g : guardians) {
    for (std::size_t j = 0; j < g.coefficients.size(); ++j) summed[j] += g.coefficients[j];
  }
  return evaluate_commitments(l, summed);
}

// ---- Partial decryption ------------------------------------------------------------------------

Result<PartialDecryption> PartialDecryption::make(const Digest& q, std::uint32_t guardian,
                                                  const Scalar& secret_share,
                                                  const Ciphertext& ciphertext, ByteView context,
                                                  Rng& rng) {
  if (guardian == 0) {
    return make_error(ErrorCode::kInvalidArgument, "guardian indices start at 1", "guardian");
  }
  if (ciphertext.alpha.is_identity()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot decrypt a ciphertext whose alpha (A) is the identity", "alpha");
  }
  PartialDecryption out;
  out.guardian = guardian;
  out.share = ciphertext.alpha * secret_share;  // M_l = s_l*A
  Point s_pub = Point::base_mul(secret_share);  // S_l = s_l*G
  out.proof = ChaumPedersenProof::make(q, secret_share, ciphertext.alpha, s_pub, out.share,
                                       partial_decryption_context(guardian, context), rng);
  return out;
}

Status PartialDecryption::verify(const Digest& q, const Point& public_share_key,
                                 const Ciphertext& ciphertext, ByteView context) const {
  if (guardian == 0) {
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "guardian");
  }
  Status s = proof.verify(q, ciphertext.alpha, public_share_key, share,
                          partial_decryption_context(guardian, context));
  if (!s.ok()) {
    Error e = s.error().with_prefix("proof");
    e.message = "partial decryption of guardian " + std::to_string(guardian) + ": " + e.message;
    return e;
  }
  return Status::success();
}

PartialDecryption::Encoding PartialDecryption::encode() const {
  Writer w;
  w.u32(guardian).point(share).raw(proof.encode());
  Encoding out{};
  assert(w.bytes().size() == kSize);
  std::copy(w.bytes().begin(), w.bytes().end(), out.begin());
  return out;
}

Result<PartialDecryption> PartialDecryption::decode(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::kInvalidEncoding, "a partial decryption is " +
                                                       std::to_string(kSize) + " bytes, got " +
                                                       std::to_string(bytes.size()));
  }
  Reader r(bytes);
  PartialDecryption out;
  auto guardian = r.u32("guardian");
  if (!guardian.ok()) return guardian.error();
  if (*guardian == 0) {
    return make_error(ErrorCode::kOutOfRange, "guardian indices start at 1", "guardian");
  }
  out.guardian = *guardian;
  auto share = r.point("share");
  if (!share.ok()) return share.error();
  out.share = std::move(*share);
  auto proof_bytes = r.raw(ChaumPedersenProof::kSize, "proof");
  if (!proof_bytes.ok()) return proof_bytes.error();
  auto proof = ChaumPedersenProof::decode(*proof_bytes);
  if (!proof.ok()) return proof.error().with_prefix("proof");
  out.proof = *proof;
  TABELLA_TRY(r.finish("partial decryption"));
  return out;
}

// ---- Combination -------------------------------------------------------------------------------

namespace {

Status check_present(const ThresholdParams& params, std::span<const std::uint32_t> present) {
  TABELLA_TRY(params.validate());
  if (present.size() < params.quorum) {
    return make_error(ErrorCode::kInvalidArgument,
                      "only " + std::to_string(present.size()) +
                          " guardians present; the quorum is k = " + std::to_string(params.quorum),
                      "present");
  }
  std::vector<bool> seen(params.guardians + std::size_t{1}, false);
  for (std::size_t p = 0; p < present.size(); ++p) {
    std::uint32_t m = present[p];
    if (m == 0 || m > params.guardians) {
      return make_error(ErrorCode::kOutOfRange,
                        "guardian index " + std::to_string(m) + " is not in 1.." +
                            std::to_string(params.guardians),
                        idx("present", p));
    }
    if (seen[m]) {
      return make_error(ErrorCode::kInvalidArgument,
                        "guardian " + std::to_string(m) + " is listed twice", idx("present", p));
    }
    seen[m] = true;
  }
  return Status::success();
}

// w_l = prod_{m in Q, m != l} m / (m - l).  REQUIRES: check_present passed, l in present.
Scalar lagrange_unchecked(std::uint32_t l, std::span<const std::uint32_t> present) {
  Scalar num = Scalar::from_u64(1), den = Scalar::from_u64(1);
  for (std::uint32_t m : present) {
    if (m == l) continue;
    num *= Scalar::from_u64(m);
    den *= Scalar::from_i64(std::int64_t{m} - std::int64_t{l});
  }
  return num * den.inverse();
}

}  // namespace

Result<Scalar> lagrange_coefficient(const ThresholdParams& params, std::uint32_t l,
                                    std::span<const std::uint32_t> present) {
  TABELLA_TRY(check_present(params, present));
  if (std::find(present.begin(), present.end(), l) == present.end()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "guardian " + std::to_string(l) + " is not in the present set", "present");
  }
  return lagrange_unchecked(l, present);
}

Result<Point> combine_partials(const ThresholdParams& params, const Ciphertext& ciphertext,
                               std::span<const PartialDecryption> partials) {
  std::vector<std::uint32_t> present;
  present.reserve(partials.size());
  for (const PartialDecryption& p : partials) present.push_back(p.guardian);
  Status s = check_present(params, present);
  if (!s.ok()) {
    Error e = s.error();
    if (e.field.rfind("present", 0) == 0) e.field.replace(0, 7, "partials");
    return e;
  }
  Point m;  // M = sum_{l in Q} w_l * M_l
  for (const PartialDecryption& p : partials)
    m += p.share * lagrange_unchecked(p.guardian, present);
  return ciphertext.beta - m;  // m*G = B - M
}

Result<Point> verify_and_combine(const Digest& q, const ThresholdParams& params,
                                 std::span<const GuardianCommitments> guardians,
                                 const Ciphertext& ciphertext,
                                 std::span<const PartialDecryption> partials, ByteView context) {
  for (std::size_t p = 0; p < partials.size(); ++p) {
    const PartialDecryption& pd = partials[p];
    if (pd.guardian == 0 || pd.guardian > params.guardians) {
      return make_error(ErrorCode::kOutOfRange,
                        "guardian index " + std::to_string(pd.guardian) + " is not in 1.." +
                            std::to_string(params.guardians),
                        idx("partials", p) + ".guardian");
    }
    Status s = pd.verify(q, public_share_key(pd.guardian, guardians), ciphertext, context);
    if (!s.ok()) return s.error().with_prefix(idx("partials", p));
  }
  return combine_partials(params, ciphertext, partials);
}

}  // namespace tabella
