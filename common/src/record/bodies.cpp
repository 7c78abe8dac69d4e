#include "tabella/record/bodies.h"

#include "tabella/crypto/share_encryption.h"
#include "tabella/record/entry.h"
#include "tabella/util/canonical.h"

namespace tabella::record {

namespace {

constexpr std::size_t kMaxText = 4096;
// The manifest's own limits (docs/spec.md §7.2): a body never holds more contests, choices per
// contest or guardians than a valid manifest can define.
constexpr std::size_t kMaxContestsInBody = election::kMaxContests;
constexpr std::size_t kMaxChoicesInBody = election::kMaxChoices;
constexpr std::size_t kMaxGuardiansInBody = election::kMaxGuardians;

// Early-return helpers that keep decode functions flat.
#define TABELLA_READ(var, expr)              \
  auto var##_r = (expr);                     \
  if (!var##_r.ok()) return var##_r.error(); \
  auto var = std::move(*var##_r)

template <std::size_t N>
Status read_fixed(Reader& r, std::array<std::uint8_t, N>& out, std::string_view what) {
  auto f = r.raw(N, what);
  if (!f.ok()) return f.error();
  std::copy(f->begin(), f->end(), out.begin());
  return {};
}

template <class Proof>
Result<Proof> read_proof64(Reader& r, std::string_view what) {
  auto f = r.raw(64, what);
  if (!f.ok()) return f.error();
  auto p = Proof::decode(*f);
  if (!p.ok()) return p.error().with_prefix(std::string(what));
  return std::move(*p);
}

Result<Ciphertext> read_ciphertext(Reader& r, std::string_view what) {
  auto f = r.raw(66, what);
  if (!f.ok()) return f.error();
  auto c = Ciphertext::decode(*f);
  if (!c.ok()) return c.error().with_prefix(std::string(what));
  return std::move(*c);
}

// Tally sums may hold the identity (a selection no ballot marked): 33 zero bytes (§9.7).
Result<Point> read_point_allow_identity(Reader& r, const std::string& what) {
  auto f = r.raw(Point::kSize, what);
  if (!f.ok()) return f.error();
  auto p = Point::decode_allow_identity(*f);
  if (!p.ok()) return p.error().with_prefix(what);
  return std::move(*p);
}

Result<Ciphertext> read_tally_ciphertext(Reader& r, const std::string& what) {
  auto a = read_point_allow_identity(r, what + ".alpha");
  if (!a.ok()) return a.error();
  auto b = read_point_allow_identity(r, what + ".beta");
  if (!b.ok()) return b.error();
  return Ciphertext{std::move(*a), std::move(*b)};
}

Result<RangeProof> read_range_proof(Reader& r, std::string_view what) {
  auto f = r.field(what, 64 * 1024);
  if (!f.ok()) return f.error();
  auto p = RangeProof::decode(*f);
  if (!p.ok()) return p.error().with_prefix(std::string(what));
  return std::move(*p);
}

std::string at(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

}  // namespace

// ---------------------------------------------------------------- election

Bytes ElectionBody::encode() const {
  return Writer().text(manifest_json).text(ledger_key).bytes();
}

Result<ElectionBody> ElectionBody::decode(ByteView bytes) {
  Reader r(bytes);
  ElectionBody b;
  TABELLA_READ(manifest, r.text("manifest", 60000));
  TABELLA_READ(key, r.text("ledger_key", kMaxText));
  TABELLA_TRY(r.finish("election"));
  b.manifest_json = std::move(manifest);
  b.ledger_key = std::move(key);
  return b;
}

// ---------------------------------------------------------------- guardians

Bytes GuardianEnrolmentBody::encode() const {
  return Writer().u32(index).raw(key).text(name).bytes();
}

Result<GuardianEnrolmentBody> GuardianEnrolmentBody::decode(ByteView bytes) {
  Reader r(bytes);
  GuardianEnrolmentBody b;
  TABELLA_READ(index, r.u32("index"));
  b.index = index;
  TABELLA_TRY(read_fixed(r, b.key, "key"));
  TABELLA_READ(name, r.text("name", kMaxText));
  b.name = std::move(name);
  TABELLA_TRY(r.finish("guardian-enrolment"));
  return b;
}

Bytes GuardianCommitmentsBody::encode() const {
  Writer w;
  w.u32(index).count(coefficients.size());
  for (std::size_t j = 0; j < coefficients.size(); ++j) {
    w.point(coefficients[j]);
    w.raw(proofs[j].encode());
  }
  w.point(encryption_key).raw(encryption_key_proof.encode());
  return std::move(w).bytes();
}

Result<GuardianCommitmentsBody> GuardianCommitmentsBody::decode(ByteView bytes) {
  Reader r(bytes);
  GuardianCommitmentsBody b;
  TABELLA_READ(index, r.u32("index"));
  b.index = index;
  TABELLA_READ(k, r.count("coefficients", kMaxGuardiansInBody));
  for (std::size_t j = 0; j < k; ++j) {
    TABELLA_READ(c, r.point(at("coefficients", j)));
    TABELLA_READ(p, read_proof64<SchnorrProof>(r, at("proofs", j)));
    b.coefficients.push_back(std::move(c));
    b.proofs.push_back(std::move(p));
  }
  TABELLA_READ(e, r.point("encryption_key"));
  b.encryption_key = std::move(e);
  TABELLA_READ(ep, read_proof64<SchnorrProof>(r, "encryption_key_proof"));
  b.encryption_key_proof = std::move(ep);
  TABELLA_TRY(r.finish("guardian-commitments"));
  return b;
}

Bytes GuardianSharesBody::encode() const {
  Writer w;
  w.u32(index).count(shares.size());
  for (const auto& s : shares) w.field(s);
  return std::move(w).bytes();
}

Result<GuardianSharesBody> GuardianSharesBody::decode(ByteView bytes) {
  Reader r(bytes);
  GuardianSharesBody b;
  TABELLA_READ(index, r.u32("index"));
  b.index = index;
  TABELLA_READ(n, r.count("shares", kMaxGuardiansInBody - 1));
  for (std::size_t i = 0; i < n; ++i) {
    TABELLA_READ(s, r.field(at("shares", i), EncryptedShare::kSize));
    // Each share decodes as docs/spec.md §5.5 says (89 bytes, sender and recipient >= 1, X a
    // point): part of the body's layout (check 1). Its addressing is check 8.
    auto share = EncryptedShare::decode(s);
    if (!share.ok()) return share.error().with_prefix(at("shares", i));
    b.shares.emplace_back(s.begin(), s.end());
  }
  TABELLA_TRY(r.finish("guardian-shares"));
  return b;
}

Bytes GuardianComplaintBody::encode() const {
  return Writer().u32(index).u32(accused).text(reason).bytes();
}

Result<GuardianComplaintBody> GuardianComplaintBody::decode(ByteView bytes) {
  Reader r(bytes);
  GuardianComplaintBody b;
  TABELLA_READ(index, r.u32("index"));
  TABELLA_READ(accused, r.u32("accused"));
  TABELLA_READ(reason, r.text("reason", kMaxText));
  TABELLA_TRY(r.finish("guardian-complaint"));
  b.index = index;
  b.accused = accused;
  b.reason = std::move(reason);
  return b;
}

Bytes SharesVerifiedBody::encode() const {
  return Writer().u32(index).bytes();
}

Result<SharesVerifiedBody> SharesVerifiedBody::decode(ByteView bytes) {
  Reader r(bytes);
  SharesVerifiedBody b;
  TABELLA_READ(index, r.u32("index"));
  TABELLA_TRY(r.finish("shares-verified"));
  b.index = index;
  return b;
}

Bytes ShareRevealBody::encode() const {
  return Writer().u32(index).u32(recipient).scalar(share).bytes();
}

Result<ShareRevealBody> ShareRevealBody::decode(ByteView bytes) {
  Reader r(bytes);
  ShareRevealBody b;
  TABELLA_READ(index, r.u32("index"));
  TABELLA_READ(recipient, r.u32("recipient"));
  TABELLA_READ(share, r.scalar("share"));
  TABELLA_TRY(r.finish("share-reveal"));
  b.index = index;
  b.recipient = recipient;
  b.share = std::move(share);
  return b;
}

Bytes ElectionKeyBody::encode() const {
  return Writer().point(joint_key).raw(extended_hash).bytes();
}

Result<ElectionKeyBody> ElectionKeyBody::decode(ByteView bytes) {
  Reader r(bytes);
  ElectionKeyBody b;
  TABELLA_READ(k, r.point("joint_key"));
  b.joint_key = std::move(k);
  TABELLA_TRY(read_fixed(r, b.extended_hash, "extended_hash"));
  TABELLA_TRY(r.finish("election-key"));
  return b;
}

// ---------------------------------------------------------------- kiosks, tokens, polls

Bytes KioskEnrolmentBody::encode() const {
  return Writer().raw(key).text(name).text(precinct).bytes();
}

Result<KioskEnrolmentBody> KioskEnrolmentBody::decode(ByteView bytes) {
  Reader r(bytes);
  KioskEnrolmentBody b;
  TABELLA_TRY(read_fixed(r, b.key, "key"));
  TABELLA_READ(name, r.text("name", kMaxText));
  TABELLA_READ(precinct, r.text("precinct", kMaxText));
  TABELLA_TRY(r.finish("kiosk-enrolment"));
  b.name = std::move(name);
  b.precinct = std::move(precinct);
  return b;
}

Bytes KioskRevocationBody::encode() const {
  return Writer().raw(key).text(reason).bytes();
}

Result<KioskRevocationBody> KioskRevocationBody::decode(ByteView bytes) {
  Reader r(bytes);
  KioskRevocationBody b;
  TABELLA_TRY(read_fixed(r, b.key, "key"));
  TABELLA_READ(reason, r.text("reason", kMaxText));
  TABELLA_TRY(r.finish("kiosk-revocation"));
  b.reason = std::move(reason);
  return b;
}

Bytes TokenCommitmentsBody::encode() const {
  Writer w;
  w.text(precinct).count(token_hashes.size());
  for (const auto& h : token_hashes) w.raw(h);
  return std::move(w).bytes();
}

Result<TokenCommitmentsBody> TokenCommitmentsBody::decode(ByteView bytes) {
  Reader r(bytes);
  TokenCommitmentsBody b;
  TABELLA_READ(precinct, r.text("precinct", kMaxText));
  b.precinct = std::move(precinct);
  TABELLA_READ(n, r.count("token_hashes", kMaxTokensPerEntry));
  b.token_hashes.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    TABELLA_TRY(read_fixed(r, b.token_hashes[i], at("token_hashes", i)));
  }
  TABELLA_TRY(r.finish("token-commitments"));
  return b;
}

Bytes PollsBody::encode() const {
  return Writer().u64(time).text(note).bytes();
}

Result<PollsBody> PollsBody::decode(ByteView bytes) {
  Reader r(bytes);
  PollsBody b;
  TABELLA_READ(time, r.u64("time"));
  TABELLA_READ(note, r.text("note", kMaxText));
  TABELLA_TRY(r.finish("polls"));
  b.time = time;
  b.note = std::move(note);
  return b;
}

Bytes PollsCloseBody::encode() const {
  Writer w;
  w.u64(time).text(note).u64(log.size).raw(log.root).count(kiosks.size());
  for (const auto& k : kiosks) w.raw(k.key).raw(k.chain_head).u64(k.cast).u64(k.challenged);
  return std::move(w).bytes();
}

Result<PollsCloseBody> PollsCloseBody::decode(ByteView bytes) {
  Reader r(bytes);
  PollsCloseBody b;
  TABELLA_READ(time, r.u64("time"));
  TABELLA_READ(note, r.text("note", kMaxText));
  TABELLA_READ(size, r.u64("log.size"));
  b.time = time;
  b.note = std::move(note);
  b.log.size = size;
  TABELLA_TRY(read_fixed(r, b.log.root, "log.root"));
  TABELLA_READ(n, r.count("kiosks", kMaxKiosks));
  b.kiosks.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& k = b.kiosks[i];
    std::string path = at("kiosks", i);
    TABELLA_TRY(read_fixed(r, k.key, path + ".key"));
    TABELLA_TRY(read_fixed(r, k.chain_head, path + ".chain_head"));
    TABELLA_READ(cast, r.u64(path + ".cast"));
    TABELLA_READ(challenged, r.u64(path + ".challenged"));
    k.cast = cast;
    k.challenged = challenged;
  }
  TABELLA_TRY(r.finish("polls-close"));
  return b;
}

// ---------------------------------------------------------------- ballots

void EncryptedBallot::write(Writer& w) const {
  w.u64(sequence).raw(previous_code).count(contests.size());
  for (const auto& c : contests) {
    w.count(c.selections.size());
    for (const auto& s : c.selections) {
      w.raw(s.ciphertext.encode());
      w.field(s.proof.encode());
    }
    w.field(c.limit_proof.encode());
  }
}

Result<EncryptedBallot> EncryptedBallot::read(Reader& r) {
  EncryptedBallot b;
  TABELLA_READ(seq, r.u64("ballot.sequence"));
  b.sequence = seq;
  TABELLA_TRY(read_fixed(r, b.previous_code, "ballot.previous_code"));
  TABELLA_READ(nc, r.count("ballot.contests", kMaxContestsInBody));
  b.contests.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    std::string cpath = at("ballot.contests", c);
    TABELLA_READ(ns, r.count(cpath + ".selections", kMaxChoicesInBody));
    auto& contest = b.contests[c];
    for (std::size_t s = 0; s < ns; ++s) {
      std::string spath = at(cpath + ".selections", s);
      TABELLA_READ(ct, read_ciphertext(r, spath + ".ciphertext"));
      TABELLA_READ(pf, read_range_proof(r, spath + ".proof"));
      contest.selections.push_back({std::move(ct), std::move(pf)});
    }
    TABELLA_READ(lp, read_range_proof(r, cpath + ".limit_proof"));
    contest.limit_proof = std::move(lp);
  }
  return b;
}

Bytes CastBallotBody::encode() const {
  Writer w;
  ballot.write(w);
  w.raw(token_hash);
  return std::move(w).bytes();
}

Result<CastBallotBody> CastBallotBody::decode(ByteView bytes) {
  Reader r(bytes);
  CastBallotBody b;
  TABELLA_READ(ballot, EncryptedBallot::read(r));
  b.ballot = std::move(ballot);
  TABELLA_TRY(read_fixed(r, b.token_hash, "token_hash"));
  TABELLA_TRY(r.finish("cast-ballot"));
  return b;
}

Bytes ChallengedBallotBody::encode() const {
  Writer w;
  ballot.write(w);
  w.count(choices.size());
  for (std::size_t c = 0; c < choices.size(); ++c) {
    w.count(choices[c].size());
    for (std::size_t s = 0; s < choices[c].size(); ++s) {
      w.u8(choices[c][s]);
      w.scalar(nonces[c][s]);
    }
  }
  return std::move(w).bytes();
}

Result<ChallengedBallotBody> ChallengedBallotBody::decode(ByteView bytes) {
  Reader r(bytes);
  ChallengedBallotBody b;
  TABELLA_READ(ballot, EncryptedBallot::read(r));
  b.ballot = std::move(ballot);
  TABELLA_READ(nc, r.count("choices", kMaxContestsInBody));
  b.choices.resize(nc);
  b.nonces.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    TABELLA_READ(ns, r.count(at("choices", c), kMaxChoicesInBody));
    for (std::size_t s = 0; s < ns; ++s) {
      std::string path = at(at("choices", c), s);
      TABELLA_READ(v, r.u8(path));
      TABELLA_READ(n, r.scalar(at(at("nonces", c), s)));
      b.choices[c].push_back(v);
      b.nonces[c].push_back(n);
    }
  }
  TABELLA_TRY(r.finish("challenged-ballot"));
  return b;
}

// ---------------------------------------------------------------- tally

Bytes EncryptedTallyBody::encode() const {
  Writer w;
  w.u64(polls_close_index).raw(polls_close_hash).u64(log_size).raw(log_root);
  w.u64(cast_count).count(contests.size());
  for (const auto& c : contests) {
    w.count(c.size());
    for (const auto& ct : c) w.raw(ct.encode());
  }
  return std::move(w).bytes();
}

Result<EncryptedTallyBody> EncryptedTallyBody::decode(ByteView bytes) {
  Reader r(bytes);
  EncryptedTallyBody b;
  TABELLA_READ(close, r.u64("polls_close_index"));
  b.polls_close_index = close;
  TABELLA_TRY(read_fixed(r, b.polls_close_hash, "polls_close_hash"));
  TABELLA_READ(size, r.u64("log_size"));
  b.log_size = size;
  TABELLA_TRY(read_fixed(r, b.log_root, "log_root"));
  TABELLA_READ(cast, r.u64("cast_count"));
  b.cast_count = cast;
  TABELLA_READ(nc, r.count("contests", kMaxContestsInBody));
  b.contests.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    TABELLA_READ(ns, r.count(at("contests", c), kMaxChoicesInBody));
    for (std::size_t s = 0; s < ns; ++s) {
      TABELLA_READ(ct, read_tally_ciphertext(r, at(at("contests", c), s)));
      b.contests[c].push_back(std::move(ct));
    }
  }
  TABELLA_TRY(r.finish("encrypted-tally"));
  return b;
}

Bytes PartialDecryptionBody::encode() const {
  Writer w;
  w.u32(index).raw(tally_hash).count(contests.size());
  for (const auto& c : contests) {
    w.count(c.size());
    for (const auto& s : c) w.point(s.share).raw(s.proof.encode());
  }
  return std::move(w).bytes();
}

Result<PartialDecryptionBody> PartialDecryptionBody::decode(ByteView bytes) {
  Reader r(bytes);
  PartialDecryptionBody b;
  TABELLA_READ(index, r.u32("index"));
  b.index = index;
  TABELLA_TRY(read_fixed(r, b.tally_hash, "tally_hash"));
  TABELLA_READ(nc, r.count("contests", kMaxContestsInBody));
  b.contests.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    TABELLA_READ(ns, r.count(at("contests", c), kMaxChoicesInBody));
    for (std::size_t s = 0; s < ns; ++s) {
      std::string path = at(at("contests", c), s);
      TABELLA_READ(share, read_point_allow_identity(r, path + ".share"));
      TABELLA_READ(proof, read_proof64<ChaumPedersenProof>(r, path + ".proof"));
      b.contests[c].push_back({std::move(share), std::move(proof)});
    }
  }
  TABELLA_TRY(r.finish("partial-decryption"));
  return b;
}

Bytes ResultBody::encode() const {
  Writer w;
  // One list of (guardian, partial decryption's entry hash) pairs; a missing hash encodes as
  // zeros, which no entry has (check 34 refuses it).
  w.raw(tally_hash).count(guardians.size());
  for (std::size_t i = 0; i < guardians.size(); ++i) {
    w.u32(guardians[i]).raw(i < partial_hashes.size() ? partial_hashes[i] : Digest{});
  }
  w.u64(cast_count).count(counts.size());
  for (const auto& c : counts) {
    w.count(c.size());
    for (auto v : c) w.u64(v);
  }
  return std::move(w).bytes();
}

Result<ResultBody> ResultBody::decode(ByteView bytes) {
  Reader r(bytes);
  ResultBody b;
  TABELLA_TRY(read_fixed(r, b.tally_hash, "tally_hash"));
  TABELLA_READ(ng, r.count("guardians", kMaxGuardiansInBody));
  b.partial_hashes.resize(ng);
  for (std::size_t i = 0; i < ng; ++i) {
    TABELLA_READ(g, r.u32(at("guardians", i)));
    b.guardians.push_back(g);
    TABELLA_TRY(read_fixed(r, b.partial_hashes[i], at("partial_hashes", i)));
  }
  TABELLA_READ(cast, r.u64("cast_count"));
  b.cast_count = cast;
  TABELLA_READ(nc, r.count("counts", kMaxContestsInBody));
  b.counts.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    TABELLA_READ(ns, r.count(at("counts", c), kMaxChoicesInBody));
    for (std::size_t s = 0; s < ns; ++s) {
      TABELLA_READ(v, r.u64(at(at("counts", c), s)));
      b.counts[c].push_back(v);
    }
  }
  TABELLA_TRY(r.finish("result"));
  return b;
}

ManifestEntrySizes manifest_entry_sizes(const election::Manifest& m) {
  // field(magic) field(type) field(Q) field(author) field(body) field(signature)
  auto entry = [](EntryType type, std::size_t body) {
    return 4 + kEntryMagic.size() + 4 + entry_type_name(type).size() + 4 + 32 + 4 + 32 + 4 + body +
           4 + 64;
  };
  constexpr std::size_t kCiphertext = 66, kProof = 64, kZeroOneProof = 16 + 2 * kProof;
  std::size_t ballot = 8 + 32 + 4, opening = 4, tally = 8 + 32 + 8 + 32 + 8 + 4,
              partial = 4 + 32 + 4, counts = 8 + 4;
  for (const auto& c : m.contests) {
    const std::size_t s = c.choices.size();
    ballot += 4 + s * (kCiphertext + 4 + kZeroOneProof) + 4 + 16 +
              kProof * (static_cast<std::size_t>(c.max) - c.min + 1);
    opening += 4 + s * (1 + 32);
    tally += 4 + s * kCiphertext;
    partial += 4 + s * (33 + kProof);
    counts += 4 + s * 8;
  }
  ManifestEntrySizes out;
  out.cast_ballot = entry(EntryType::kCastBallot, ballot + 32);
  out.challenged_ballot = entry(EntryType::kChallengedBallot, ballot + opening);
  out.encrypted_tally = entry(EntryType::kEncryptedTally, tally);
  out.partial_decryption = entry(EntryType::kPartialDecryption, partial);
  out.result = entry(EntryType::kResult, 32 + 4 + std::size_t{m.guardians} * (4 + 32) + counts);
  return out;
}

#undef TABELLA_READ

}  // namespace tabella::record
