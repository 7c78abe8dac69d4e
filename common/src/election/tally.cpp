#include "tabella/election/tally.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "tabella/crypto/threshold.h"
#include "tabella/util/canonical.h"

namespace tabella::election {
namespace {

std::string at(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

std::string at2(std::string_view base, std::size_t c, std::size_t j) {
  return at(at(base, c), j);
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string where(const Contest& contest, std::size_t j) {
  return "choice " + in_quotes(contest.choices[j].id) + " of contest " + in_quotes(contest.id);
}

std::string guardian_list(std::span<const std::uint32_t> present) {
  std::string out = present.size() == 1 ? "guardian " : "guardians ";
  for (std::size_t i = 0; i < present.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(present[i]);
  }
  return present.empty() ? "none" : out;
}

ThresholdParams params_of(const Manifest& m) {
  return ThresholdParams{m.guardians, m.quorum};
}

Status check_index(const Manifest& m, std::uint32_t index, const std::string& field) {
  if (index == 0 || index > m.guardians) {
    return make_error(
        ErrorCode::kOutOfRange,
        "guardian index " + std::to_string(index) + " is not in 1.." + std::to_string(m.guardians),
        field);
  }
  return Status::success();
}

// The partial has one share per selection of the tally.
Status check_partial_shape(const record::EncryptedTallyBody& tally,
                           const record::PartialDecryptionBody& partial) {
  if (partial.contests.size() != tally.contests.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected shares for " + std::to_string(tally.contests.size()) +
                          " contests (the tally's), got " + std::to_string(partial.contests.size()),
                      "contests");
  }
  for (std::size_t c = 0; c < tally.contests.size(); ++c) {
    if (partial.contests[c].size() != tally.contests[c].size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "expected " + std::to_string(tally.contests[c].size()) +
                            " shares (the tally's selections), got " +
                            std::to_string(partial.contests[c].size()),
                        at("contests", c));
    }
  }
  return Status::success();
}

// The partials of a quorum, in increasing guardian order, with their Lagrange coefficients.
struct Quorum {
  std::vector<std::uint32_t> present;
  std::vector<const record::PartialDecryptionBody*> partials;
  std::vector<Scalar> weights;  // w_l

  // count*G = B - sum_l w_l*M_l
  Point decrypt(const Ciphertext& ct, std::size_t c, std::size_t j) const {
    Point m;
    for (std::size_t k = 0; k < partials.size(); ++k)
      m += partials[k]->contests[c][j].share * weights[k];
    return ct.beta - m;
  }
};

Status compute_weights(const Manifest& manifest, Quorum& q) {
  const ThresholdParams params = params_of(manifest);
  q.weights.clear();
  q.weights.reserve(q.present.size());
  for (std::uint32_t l : q.present) {
    auto w = lagrange_coefficient(params, l, q.present);
    if (!w.ok()) return w.error();
    q.weights.push_back(*w);
  }
  return Status::success();
}

Error below_quorum(const Manifest& m, std::span<const std::uint32_t> present,
                   const std::string& field) {
  return make_error(ErrorCode::kConflict,
                    std::to_string(present.size()) + " partial decryption" +
                        (present.size() == 1 ? "" : "s") + " present (" + guardian_list(present) +
                        "), " + std::to_string(m.quorum) + " needed (quorum k = " +
                        std::to_string(m.quorum) + " of n = " + std::to_string(m.guardians) + ")",
                    field);
}

}  // namespace

// --------------------------------------------------------------------------- accumulator

TallyAccumulator::TallyAccumulator(const Manifest& manifest) {
  sums_.resize(manifest.contests.size());
  for (std::size_t c = 0; c < manifest.contests.size(); ++c)
    sums_[c].resize(manifest.contests[c].choices.size());  // (O, O)
}

void TallyAccumulator::add(const record::EncryptedBallot& ballot) {
  assert(ballot.contests.size() == sums_.size());
  for (std::size_t c = 0; c < sums_.size(); ++c) {
    const auto& sels = ballot.contests[c].selections;
    assert(sels.size() == sums_[c].size());
    for (std::size_t j = 0; j < sums_[c].size(); ++j) {
      sums_[c][j].alpha += sels[j].ciphertext.alpha;
      sums_[c][j].beta += sels[j].ciphertext.beta;
    }
  }
  ++count_;
}

void TallyAccumulator::merge(const TallyAccumulator& other) {
  assert(other.sums_.size() == sums_.size());
  for (std::size_t c = 0; c < sums_.size(); ++c) {
    assert(other.sums_[c].size() == sums_[c].size());
    for (std::size_t j = 0; j < sums_[c].size(); ++j) {
      sums_[c][j].alpha += other.sums_[c][j].alpha;
      sums_[c][j].beta += other.sums_[c][j].beta;
    }
  }
  count_ += other.count_;
}

Result<TallyAccumulator> TallyAccumulator::resume(const Manifest& manifest,
                                                  std::vector<std::vector<Ciphertext>> sums,
                                                  std::uint64_t count) {
  TallyAccumulator t(manifest);
  if (sums.size() != t.sums_.size()) {
    return make_error(ErrorCode::kInvalidArgument, "tally sums do not have the manifest's shape",
                      "contests");
  }
  for (std::size_t c = 0; c < sums.size(); ++c) {
    if (sums[c].size() != t.sums_[c].size()) {
      return make_error(ErrorCode::kInvalidArgument, "tally sums do not have the manifest's shape",
                        "contests[" + std::to_string(c) + "]");
    }
  }
  t.sums_ = std::move(sums);
  t.count_ = count;
  return t;
}

record::EncryptedTallyBody TallyAccumulator::finish(std::uint64_t log_size) const {
  record::EncryptedTallyBody body;
  body.log_size = log_size;
  body.cast_count = count_;
  body.contests = sums_;
  return body;
}

Status check_tally_shape(const Manifest& manifest, const record::EncryptedTallyBody& tally) {
  if (tally.contests.size() != manifest.contests.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected " + std::to_string(manifest.contests.size()) +
                          " contests (the manifest's), got " +
                          std::to_string(tally.contests.size()),
                      "contests");
  }
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    if (tally.contests[c].size() != contest.choices.size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "contest " + in_quotes(contest.id) + " has " +
                            std::to_string(contest.choices.size()) + " choices, the tally " +
                            std::to_string(tally.contests[c].size()) + " ciphertexts",
                        at("contests", c));
    }
  }
  return Status::success();
}

Bytes tally_selection_context(std::string_view contest_id, std::uint32_t selection) {
  return Writer().text(contest_id).u32(selection).bytes();
}

// ------------------------------------------------------------------------ guardian side

Result<record::PartialDecryptionBody> partial_decrypt(const ElectionContext& ctx,
                                                      std::uint32_t guardian_index,
                                                      const Scalar& secret_share,
                                                      const record::EncryptedTallyBody& tally,
                                                      Rng& rng) {
  const Manifest& manifest = ctx.manifest;
  TABELLA_TRY(check_index(manifest, guardian_index, "index"));
  TABELLA_TRY(check_tally_shape(manifest, tally));
  record::PartialDecryptionBody out;
  out.index = guardian_index;
  out.contests.resize(tally.contests.size());
  for (std::size_t c = 0; c < tally.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    out.contests[c].reserve(tally.contests[c].size());
    for (std::size_t j = 0; j < tally.contests[c].size(); ++j) {
      const Ciphertext& ct = tally.contests[c][j];
      if (ct.alpha.is_identity()) {
        // s_l*O = O: nothing to prove; the proof is (0, 0) by definition.
        out.contests[c].push_back({Point(), ChaumPedersenProof{}});
        continue;
      }
      auto pd = PartialDecryption::make(
          ctx.q_bar, guardian_index, secret_share, ct,
          tally_selection_context(contest.id, static_cast<std::uint32_t>(j)), rng);
      if (!pd.ok()) return pd.error().with_prefix(at2("contests", c, j));
      out.contests[c].push_back({std::move(pd->share), pd->proof});
    }
  }
  return out;
}

Status verify_partial_decryption(const ElectionContext& ctx, const Point& public_share_key,
                                 const record::EncryptedTallyBody& tally,
                                 const record::PartialDecryptionBody& partial) {
  const Manifest& manifest = ctx.manifest;
  TABELLA_TRY(check_index(manifest, partial.index, "index"));
  {
    Status s = check_tally_shape(manifest, tally);
    if (!s.ok()) return s.error().with_prefix("tally");
  }
  TABELLA_TRY(check_partial_shape(tally, partial));
  for (std::size_t c = 0; c < tally.contests.size(); ++c) {
    const Contest& contest = manifest.contests[c];
    for (std::size_t j = 0; j < tally.contests[c].size(); ++j) {
      const Ciphertext& ct = tally.contests[c][j];
      const record::DecryptionShare& share = partial.contests[c][j];
      if (ct.alpha.is_identity()) {
        if (!share.share.is_identity()) {
          return make_error(ErrorCode::kInvalidProof,
                            where(contest, j) + ": the tally's A is the identity, so the share " +
                                "must be the identity too",
                            at2("contests", c, j) + ".share");
        }
        if (!share.proof.challenge.is_zero() || !share.proof.response.is_zero()) {
          return make_error(
              ErrorCode::kInvalidProof,
              where(contest, j) + ": the proof of a share of the identity must be " + "(0, 0)",
              at2("contests", c, j) + ".proof");
        }
        continue;
      }
      PartialDecryption pd{partial.index, share.share, share.proof};
      Status s = pd.verify(ctx.q_bar, public_share_key, ct,
                           tally_selection_context(contest.id, static_cast<std::uint32_t>(j)));
      if (!s.ok()) {
        return make_error(
            ErrorCode::kInvalidProof,
            "invalid proof: the share of " + where(contest, j) + " (" + s.error().message + ")",
            at2("contests", c, j) + ".proof");
      }
    }
  }
  return Status::success();
}

// ---------------------------------------------------------------------------- combination

Result<record::ResultBody> combine_tally(const ElectionContext& ctx,
                                         const record::EncryptedTallyBody& tally,
                                         std::span<const record::PartialDecryptionBody> partials,
                                         const DlogTable& dlog) {
  const Manifest& manifest = ctx.manifest;
  {
    Status s = check_tally_shape(manifest, tally);
    if (!s.ok()) return s.error().with_prefix("tally");
  }
  TABELLA_TRY(params_of(manifest).validate());

  std::vector<const record::PartialDecryptionBody*> by_index(manifest.guardians + 1, nullptr);
  for (std::size_t p = 0; p < partials.size(); ++p) {
    const auto& pd = partials[p];
    const std::string field = at("partials", p);
    TABELLA_TRY(check_index(manifest, pd.index, field + ".index"));
    if (by_index[pd.index] != nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "a second partial decryption from guardian " + std::to_string(pd.index),
                        field + ".index");
    }
    Status s = check_partial_shape(tally, pd);
    if (!s.ok()) return s.error().with_prefix(field);
    by_index[pd.index] = &pd;
  }
  Quorum q;
  for (std::uint32_t l = 1; l <= manifest.guardians; ++l) {
    if (by_index[l] == nullptr) continue;
    q.present.push_back(l);
    q.partials.push_back(by_index[l]);
  }
  if (q.present.size() < manifest.quorum) return below_quorum(manifest, q.present, "partials");
  TABELLA_TRY(compute_weights(manifest, q));
  if (dlog.max_value() < tally.cast_count) {
    return make_error(ErrorCode::kLimit,
                      "the dlog table covers 0.." + std::to_string(dlog.max_value()) +
                          ", the tally " + std::to_string(tally.cast_count) + " cast ballots",
                      "cast_count");
  }

  record::ResultBody result;
  result.guardians = q.present;
  result.cast_count = tally.cast_count;
  result.counts.resize(tally.contests.size());
  for (std::size_t c = 0; c < tally.contests.size(); ++c) {
    result.counts[c].reserve(tally.contests[c].size());
    for (std::size_t j = 0; j < tally.contests[c].size(); ++j) {
      auto count = dlog.solve(q.decrypt(tally.contests[c][j], c, j));
      if (!count.ok() || *count > tally.cast_count) {
        return make_error(ErrorCode::kOutOfRange,
                          where(manifest.contests[c], j) + ": the decryption is no count in 0.." +
                              std::to_string(tally.cast_count) +
                              " (a partial decryption or the tally is wrong)",
                          at2("contests", c, j));
      }
      result.counts[c].push_back(*count);
    }
  }
  return result;
}

Status verify_result(const ElectionContext& ctx, const record::EncryptedTallyBody& tally,
                     std::span<const record::PartialDecryptionBody> partials,
                     const record::ResultBody& result) {
  const Manifest& manifest = ctx.manifest;
  {
    Status s = check_tally_shape(manifest, tally);
    if (!s.ok()) return s.error().with_prefix("tally");
  }
  TABELLA_TRY(params_of(manifest).validate());
  if (result.cast_count != tally.cast_count) {
    return make_error(ErrorCode::kConflict,
                      "the result counts " + std::to_string(result.cast_count) +
                          " cast ballots, the tally " + std::to_string(tally.cast_count),
                      "cast_count");
  }
  Quorum q;
  for (std::size_t i = 0; i < result.guardians.size(); ++i) {
    const std::uint32_t l = result.guardians[i];
    const std::string field = at("guardians", i);
    TABELLA_TRY(check_index(manifest, l, field));
    if (i > 0 && l <= result.guardians[i - 1]) {
      return make_error(ErrorCode::kInvalidArgument, "guardian indices must be strictly increasing",
                        field);
    }
    const record::PartialDecryptionBody* found = nullptr;
    for (const auto& pd : partials) {
      if (pd.index != l) continue;
      if (found != nullptr) {
        return make_error(ErrorCode::kConflict,
                          "two partial decryptions from guardian " + std::to_string(l), field);
      }
      found = &pd;
    }
    if (found == nullptr) {
      return make_error(ErrorCode::kNotFound,
                        "no partial decryption from guardian " + std::to_string(l), field);
    }
    Status s = check_partial_shape(tally, *found);
    if (!s.ok()) return s.error().with_prefix("partials[guardian " + std::to_string(l) + "]");
    q.present.push_back(l);
    q.partials.push_back(found);
  }
  if (q.present.size() < manifest.quorum) return below_quorum(manifest, q.present, "guardians");
  TABELLA_TRY(compute_weights(manifest, q));

  if (result.counts.size() != tally.contests.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected counts for " + std::to_string(tally.contests.size()) +
                          " contests, got " + std::to_string(result.counts.size()),
                      "counts");
  }
  for (std::size_t c = 0; c < tally.contests.size(); ++c) {
    if (result.counts[c].size() != tally.contests[c].size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "expected " + std::to_string(tally.contests[c].size()) + " counts, got " +
                            std::to_string(result.counts[c].size()),
                        at("counts", c));
    }
    for (std::size_t j = 0; j < tally.contests[c].size(); ++j) {
      const std::uint64_t count = result.counts[c][j];
      const std::string field = at2("counts", c, j);
      if (count > tally.cast_count) {
        return make_error(ErrorCode::kOutOfRange,
                          where(manifest.contests[c], j) + ": count " + std::to_string(count) +
                              " exceeds the " + std::to_string(tally.cast_count) + " cast ballots",
                          field);
      }
      if (!(Point::from_u64(count) == q.decrypt(tally.contests[c][j], c, j))) {
        return make_error(ErrorCode::kInvalidProof,
                          where(manifest.contests[c], j) + ": count " + std::to_string(count) +
                              " does not match the decryption (count*G != B - sum w_l*M_l)",
                          field);
      }
    }
  }
  return Status::success();
}

}  // namespace tabella::election
