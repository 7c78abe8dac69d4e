#include "tabella/election/ballot.h"

#include <algorithm>
#include <cassert>

#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/range_proof.h"
#include "tabella/election/token.h"
#include "tabella/util/canonical.h"

namespace tabella::election {
namespace {

std::string at(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// The index of `id` among the contest's choices, or choices.size().
std::size_t find_choice(const Contest& contest, std::string_view id) {
  for (std::size_t j = 0; j < contest.choices.size(); ++j)
    if (contest.choices[j].id == id) return j;
  return contest.choices.size();
}

std::size_t contest_index(const Manifest& m, const Contest* c) {
  return static_cast<std::size_t>(c - m.contests.data());
}

Error invalid_proof(const Status& s, std::string field, const std::string& what) {
  return make_error(ErrorCode::kInvalidProof,
                    "invalid proof: " + what + " (" + s.error().describe() + ")", std::move(field));
}

}  // namespace

// ---------------------------------------------------------------------- plaintext ballots

Status validate(const Manifest& manifest, const PlaintextBallot& ballot) {
  std::vector<bool> seen(manifest.contests.size(), false);
  for (std::size_t i = 0; i < ballot.contests.size(); ++i) {
    const ContestMarks& marks = ballot.contests[i];
    const std::string field = at("contests", i);
    const Contest* contest = manifest.find_contest(marks.contest_id);
    if (contest == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown contest " + in_quotes(marks.contest_id) + " (not in the manifest)",
                        field + ".contest_id");
    }
    const std::size_t c = contest_index(manifest, contest);
    if (seen[c]) {
      return make_error(ErrorCode::kInvalidArgument,
                        "contest " + in_quotes(contest->id) + " is listed twice",
                        field + ".contest_id");
    }
    seen[c] = true;
    std::vector<bool> marked(contest->choices.size(), false);
    for (std::size_t k = 0; k < marks.choice_ids.size(); ++k) {
      const std::string& id = marks.choice_ids[k];
      const std::size_t j = find_choice(*contest, id);
      if (j == contest->choices.size()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "contest " + in_quotes(contest->id) + ": unknown choice " + in_quotes(id),
                          at(field + ".choice_ids", k));
      }
      if (marked[j]) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "contest " + in_quotes(contest->id) + ": choice " + in_quotes(id) + " is marked twice",
            at(field + ".choice_ids", k));
      }
      marked[j] = true;
    }
    const std::size_t n = marks.choice_ids.size();
    if (n > contest->max) {
      return make_error(ErrorCode::kOutOfRange,
                        "contest " + in_quotes(contest->id) + ": " + plural(n, "choice") +
                            " marked, at most " + std::to_string(contest->max) + " allowed",
                        field);
    }
  }
  // Contests below their minimum, listed or not (an unlisted contest has no marks).
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    if (contest.min == 0) continue;
    std::size_t n = 0;
    std::string field = "contests";
    for (std::size_t i = 0; i < ballot.contests.size(); ++i) {
      if (ballot.contests[i].contest_id == contest.id) {
        n = ballot.contests[i].choice_ids.size();
        field = at("contests", i);
      }
    }
    if (n < contest.min) {
      return make_error(ErrorCode::kOutOfRange,
                        "contest " + in_quotes(contest.id) + ": " + plural(n, "choice") +
                            " marked, at least " + std::to_string(contest.min) + " required",
                        field);
    }
  }
  return Status::success();
}

std::vector<std::vector<std::uint8_t>> to_marks(const Manifest& manifest,
                                                const PlaintextBallot& ballot) {
  std::vector<std::vector<std::uint8_t>> marks(manifest.contests.size());
  for (std::size_t c = 0; c < manifest.contests.size(); ++c)
    marks[c].assign(manifest.contests[c].choices.size(), 0);
  for (const ContestMarks& cm : ballot.contests) {
    const Contest* contest = manifest.find_contest(cm.contest_id);
    assert(contest != nullptr);
    auto& row = marks[contest_index(manifest, contest)];
    for (const std::string& id : cm.choice_ids) {
      const std::size_t j = find_choice(*contest, id);
      assert(j < row.size());
      row[j] = 1;
    }
  }
  return marks;
}

std::vector<std::vector<std::string>> marks_to_choice_ids(
    const Manifest& manifest, const std::vector<std::vector<std::uint8_t>>& marks) {
  assert(marks.size() == manifest.contests.size());
  std::vector<std::vector<std::string>> out(manifest.contests.size());
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const auto& choices = manifest.contests[c].choices;
    assert(marks[c].size() == choices.size());
    for (std::size_t j = 0; j < choices.size(); ++j)
      if (marks[c][j] == 1) out[c].push_back(choices[j].id);
  }
  return out;
}

// ------------------------------------------------------------------------------- secrets

BallotSecrets::BallotSecrets(BallotSecrets&& other) noexcept
    : marks(std::move(other.marks)), nonces(std::move(other.nonces)) {
  other.marks.clear();
  other.nonces.clear();
}

BallotSecrets& BallotSecrets::operator=(BallotSecrets&& other) noexcept {
  if (this != &other) {
    wipe();
    marks = std::move(other.marks);
    nonces = std::move(other.nonces);
    other.marks.clear();
    other.nonces.clear();
  }
  return *this;
}

void BallotSecrets::wipe() {
  for (auto& row : marks)
    if (!row.empty()) secure_zero(row.data(), row.size());
  marks.clear();
  nonces.clear();  // every Scalar zeroises itself
}

// ------------------------------------------------------------------------------- encryption

Bytes contest_context(const Digest& previous_code, std::uint64_t sequence,
                      std::string_view contest_id) {
  return Writer().raw(previous_code).u64(sequence).text(contest_id).bytes();
}

Bytes selection_context(const Digest& previous_code, std::uint64_t sequence,
                        std::string_view contest_id, std::uint32_t selection) {
  return Writer().raw(previous_code).u64(sequence).text(contest_id).u32(selection).bytes();
}

namespace {

// prefix || u32be(j): the selection context from a precomputed contest context.
Bytes with_index(const Bytes& prefix, std::uint32_t j) {
  Bytes out;
  out.reserve(prefix.size() + 4);
  out.insert(out.end(), prefix.begin(), prefix.end());
  const auto be = u32be(j);
  out.insert(out.end(), be.begin(), be.end());
  return out;
}

}  // namespace

Result<std::pair<record::EncryptedBallot, BallotSecrets>> encrypt_ballot(
    const ElectionContext& ctx, const PlaintextBallot& ballot, std::uint64_t sequence,
    const Digest& previous_code, Rng& rng) {
  const Manifest& manifest = ctx.manifest;
  TABELLA_TRY(validate(manifest, ballot));

  BallotSecrets secrets;
  secrets.marks = to_marks(manifest, ballot);
  secrets.nonces.resize(manifest.contests.size());

  record::EncryptedBallot out;
  out.sequence = sequence;
  out.previous_code = previous_code;
  out.contests.resize(manifest.contests.size());
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    const std::vector<std::uint8_t>& m = secrets.marks[c];
    std::vector<Scalar>& r = secrets.nonces[c];
    r.reserve(m.size());  // no reallocation: no stray copies of nonces
    record::EncryptedContest& ec = out.contests[c];
    ec.selections.reserve(m.size());

    const Bytes prefix = contest_context(previous_code, sequence, contest.id);
    Ciphertext total;         // (A_c, B_c) = sum_j (A_j, B_j)
    Scalar total_nonce;       // sum_j r_j
    std::uint64_t count = 0;  // sum_j m_j
    for (std::size_t j = 0; j < m.size(); ++j) {
      r.push_back(Scalar::random_nonzero(rng));
      Ciphertext ct = encrypt(ctx.key, m[j], r[j]);  // (r*G, m*G + r*K)
      RangeProof proof =
          make_zero_one_proof(ctx.q_bar, ctx.key, ct, m[j], r[j],
                              with_index(prefix, static_cast<std::uint32_t>(j)), rng);
      total = total + ct;
      total_nonce += r[j];
      count += m[j];
      ec.selections.push_back({std::move(ct), std::move(proof)});
    }
    ec.limit_proof = RangeProof::make(ctx.q_bar, ctx.key, total, count, total_nonce, contest.min,
                                      contest.max, prefix, rng);
    count = 0;
  }
  return std::make_pair(std::move(out), std::move(secrets));
}

namespace {

// The shape and every proof range, for the whole ballot, before any point arithmetic.
Status check_ballot_structure(const Manifest& manifest, const record::EncryptedBallot& ballot) {
  if (ballot.contests.size() != manifest.contests.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected " + plural(manifest.contests.size(), "contest") +
                          " (the manifest's), got " + std::to_string(ballot.contests.size()),
                      "contests");
  }
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    const record::EncryptedContest& ec = ballot.contests[c];
    const std::string cfield = at("contests", c);
    if (ec.selections.size() != contest.choices.size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "contest " + in_quotes(contest.id) + " has " +
                            plural(contest.choices.size(), "choice") + ", the ballot " +
                            plural(ec.selections.size(), "selection"),
                        cfield + ".selections");
    }
    for (std::size_t j = 0; j < ec.selections.size(); ++j) {
      const record::EncryptedSelection& sel = ec.selections[j];
      const std::string sfield = at(cfield + ".selections", j);
      if (sel.ciphertext.alpha.is_identity() || sel.ciphertext.beta.is_identity()) {
        return make_error(ErrorCode::kInvalidEncoding,
                          "a selection's ciphertext may not contain the identity point",
                          sfield + ".ciphertext");
      }
      if (sel.proof.lo != 0 || sel.proof.hi != 1) {
        return make_error(ErrorCode::kInvalidProof,
                          "invalid proof: a selection proof must cover 0..1, this one covers " +
                              std::to_string(sel.proof.lo) + ".." + std::to_string(sel.proof.hi),
                          sfield + ".proof");
      }
    }
    if (ec.limit_proof.lo != contest.min || ec.limit_proof.hi != contest.max) {
      return make_error(ErrorCode::kInvalidProof,
                        "invalid proof: the limit proof covers " +
                            std::to_string(ec.limit_proof.lo) + ".." +
                            std::to_string(ec.limit_proof.hi) + ", contest " +
                            in_quotes(contest.id) + " allows " + std::to_string(contest.min) +
                            ".." + std::to_string(contest.max) + " marks",
                        cfield + ".limit_proof");
    }
  }
  return Status::success();
}

}  // namespace

Status verify_ballot(const ElectionContext& ctx, const record::EncryptedBallot& ballot) {
  const Manifest& manifest = ctx.manifest;
  TABELLA_TRY(check_ballot_structure(manifest, ballot));
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    const record::EncryptedContest& ec = ballot.contests[c];
    const std::string cfield = at("contests", c);
    const Bytes prefix = contest_context(ballot.previous_code, ballot.sequence, contest.id);
    Ciphertext total;  // (A_c, B_c), summed once, here
    for (std::size_t j = 0; j < ec.selections.size(); ++j) {
      const record::EncryptedSelection& sel = ec.selections[j];
      Status s = sel.proof.verify(ctx.q_bar, ctx.key, sel.ciphertext,
                                  with_index(prefix, static_cast<std::uint32_t>(j)));
      if (!s.ok()) {
        return invalid_proof(s, at(cfield + ".selections", j) + ".proof",
                             "the 0/1 proof of choice " + in_quotes(contest.choices[j].id) +
                                 " in contest " + in_quotes(contest.id) + " does not verify");
      }
      total.alpha += sel.ciphertext.alpha;
      total.beta += sel.ciphertext.beta;
    }
    Status s = ec.limit_proof.verify(ctx.q_bar, ctx.key, total, prefix);
    if (!s.ok()) {
      return invalid_proof(s, cfield + ".limit_proof",
                           "the limit proof of contest " + in_quotes(contest.id) + " (" +
                               std::to_string(contest.min) + ".." + std::to_string(contest.max) +
                               " marks) does not verify");
    }
  }
  return Status::success();
}

// ------------------------------------------------------------------------------ ballot codes

Digest chain_seed(const Digest& q, const PublicKeyBytes& kiosk) {
  // H("tabella/v1/ballot-chain-seed"; Q, kiosk)
  return Hasher(kBallotChainSeedTag).add(q).add(ByteView(kiosk)).finish();
}

Digest ballot_code(const Digest& q, const PublicKeyBytes& kiosk,
                   const record::EncryptedBallot& ballot) {
  Writer w;
  ballot.write(w);
  // H("tabella/v1/ballot-code"; Q, kiosk, ballot bytes)
  return Hasher(kBallotCodeTag).add(q).add(ByteView(kiosk)).add(ByteView(w.bytes())).finish();
}

std::string short_code(const Digest& code) {
  return format_typeable_code(ByteView(code).first(kTypeableCodeBytes));
}

Result<std::string> normalize_short_code(std::string_view typed) {
  return normalize_typeable_code(typed, "ballot code");
}

// -------------------------------------------------------------------------- Benaloh challenge

record::ChallengedBallotBody open_ballot(const record::EncryptedBallot& ballot,
                                         const BallotSecrets& secrets) {
  assert(secrets.marks.size() == ballot.contests.size());
  record::ChallengedBallotBody body;
  body.ballot = ballot;
  body.choices = secrets.marks;
  body.nonces = secrets.nonces;
  return body;
}

Result<std::vector<std::vector<std::uint8_t>>> verify_opening(
    const ElectionContext& ctx, const record::ChallengedBallotBody& opened) {
  const Manifest& manifest = ctx.manifest;
  const std::size_t nc = manifest.contests.size();
  if (opened.ballot.contests.size() != nc) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected " + plural(nc, "contest") + " (the manifest's), got " +
                          std::to_string(opened.ballot.contests.size()),
                      "ballot.contests");
  }
  if (opened.choices.size() != nc) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected marks for " + plural(nc, "contest") + ", got " +
                          std::to_string(opened.choices.size()),
                      "choices");
  }
  if (opened.nonces.size() != nc) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected nonces for " + plural(nc, "contest") + ", got " +
                          std::to_string(opened.nonces.size()),
                      "nonces");
  }
  const Scalar one = Scalar::from_u64(1);
  for (std::size_t c = 0; c < nc; ++c) {
    const Contest& contest = manifest.contests[c];
    const std::size_t ns = contest.choices.size();
    const auto& sels = opened.ballot.contests[c].selections;
    if (sels.size() != ns) {
      return make_error(ErrorCode::kInvalidArgument,
                        "contest " + in_quotes(contest.id) + " has " + plural(ns, "choice") +
                            ", the ballot " + plural(sels.size(), "selection"),
                        at("ballot.contests", c) + ".selections");
    }
    if (opened.choices[c].size() != ns) {
      return make_error(ErrorCode::kInvalidArgument,
                        "contest " + in_quotes(contest.id) + " has " + plural(ns, "choice") +
                            ", got " + plural(opened.choices[c].size(), "mark"),
                        at("choices", c));
    }
    if (opened.nonces[c].size() != ns) {
      return make_error(ErrorCode::kInvalidArgument,
                        "contest " + in_quotes(contest.id) + " has " + plural(ns, "choice") +
                            ", got " + plural(opened.nonces[c].size(), "nonce"),
                        at("nonces", c));
    }
    for (std::size_t j = 0; j < ns; ++j) {
      const std::uint8_t m = opened.choices[c][j];
      const std::string where =
          "choice " + in_quotes(contest.choices[j].id) + " of contest " + in_quotes(contest.id);
      if (m > 1) {
        return make_error(ErrorCode::kOutOfRange,
                          "the mark of " + where + " is " + std::to_string(m) + ", not 0 or 1",
                          at(at("choices", c), j));
      }
      const Scalar& r = opened.nonces[c][j];
      const Ciphertext& ct = sels[j].ciphertext;
      const std::string field = at(at("ballot.contests", c) + ".selections", j);
      if (!(Point::base_mul(r) == ct.alpha)) {  // A == r*G
        return make_error(ErrorCode::kInvalidProof,
                          "the opening of " + where + " does not match: A != r*G", field);
      }
      // B == m*G + r*K
      if (!(ctx.key.fixed().mul_add(r, m == 1 ? one : Scalar(), Point::generator()) == ct.beta)) {
        return make_error(ErrorCode::kInvalidProof,
                          "the opening of " + where +
                              " does not match: B != m*G + r*K (m = " + std::to_string(m) + ")",
                          field);
      }
    }
  }
  return opened.choices;
}

}  // namespace tabella::election
