#include "tabella/record/election_builder.h"

#include <algorithm>
#include <set>
#include <utility>

#include "tabella/crypto/share_encryption.h"
#include "tabella/election/token.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"

namespace tabella::record {

std::shared_ptr<const SigningKey> ElectionBuilder::draw_key(Rng& rng) {
  Bytes seed(SigningKey::kSeedSize);
  rng.fill(seed);
  auto key = std::make_shared<const SigningKey>(std::move(*SigningKey::from_seed(seed)));
  secure_zero(seed.data(), seed.size());
  keys_.emplace(key->verify_key().bytes(), key);
  return key;
}

std::string ElectionBuilder::ledger_verifier_key() const {
  return ledger::NoteSigner(context_->manifest.origin, *ledger_key_).verifier_key();
}

Digest ElectionBuilder::add(EntryType type, Bytes body, const SigningKey& key) {
  entries_.push_back(Entry::make(type, q_, std::move(body), key).encode());
  return sha256(entries_.back());
}

Result<ElectionBuilder> ElectionBuilder::create(election::Manifest manifest,
                                                const Ceremony& ceremony, Rng& rng) {
  const std::uint32_t n = ceremony.guardians;
  manifest.guardians = n;
  manifest.quorum = ceremony.quorum;
  ElectionBuilder b;
  b.authority_ = b.draw_key(rng);
  b.ledger_key_ = b.draw_key(rng);
  const SigningKey& authority = *b.authority_;
  // Entries are signed under Q before the context (which needs the joint key) exists.
  b.q_ = election::base_hash(election::manifest_hash(manifest), authority.verify_key().bytes());
  const Digest q = b.q_;
  b.add(EntryType::kElection,
        ElectionBody{election::to_json(manifest).dump(),
                     ledger::NoteSigner(manifest.origin, *b.ledger_key_).verifier_key()}
            .encode(),
        authority);

  for (std::uint32_t i = 1; i <= n; ++i) {
    b.guardians_.push_back(b.draw_key(rng));
    b.add(EntryType::kGuardianEnrolment,
          GuardianEnrolmentBody{i, b.guardians_.back()->verify_key().bytes(),
                                "guardian " + std::to_string(i)}
              .encode(),
          authority);
  }
  std::vector<GuardianCommitments> commitments;
  for (std::uint32_t i = 1; i <= n; ++i) {
    b.secrets_.push_back(GuardianSecrets::generate(i, ceremony.quorum, rng));
    commitments.push_back(b.secrets_.back().commitments(q, rng));
    const auto& c = commitments.back();
    b.add(EntryType::kGuardianCommitments,
          GuardianCommitmentsBody{c.index, c.coefficients, c.proofs, c.encryption_key,
                                  c.encryption_key_proof}
              .encode(),
          *b.guardians_[i - 1]);
  }
  std::vector<std::vector<Scalar>> received(n);
  for (std::uint32_t i = 1; i <= n; ++i) {
    GuardianSharesBody body{i, {}};
    for (std::uint32_t l = 1; l <= n; ++l) {
      if (l == i) continue;
      const bool bad = i == ceremony.bad_share_from && l == ceremony.bad_share_to;
      auto enc = bad ? EncryptedShare::encrypt(q, i, l, commitments[l - 1].encryption_key,
                                               Scalar::random(rng), rng)
                     : b.secrets_[i - 1].encrypt_share_for(q, commitments[l - 1], rng);
      if (!enc.ok()) return enc.error();
      auto wire = enc->encode();
      body.shares.push_back(Bytes(wire.begin(), wire.end()));
      auto got = receive_share(q, *enc, b.secrets_[l - 1], commitments[i - 1]);
      if (got.ok() == bad) {
        return make_error(ErrorCode::kCrypto, "the share check disagrees with the ceremony",
                          "guardian " + std::to_string(i));
      }
      if (got.ok()) received[l - 1].push_back(*got);
    }
    received[i - 1].push_back(b.secrets_[i - 1].share_for(i));
    b.add(EntryType::kGuardianShares, body.encode(), *b.guardians_[i - 1]);
  }
  // Statements: shares-verified, or complaints answered by share-reveals (none with one guardian).
  std::set<std::pair<std::uint32_t, std::uint32_t>> complaints;  // (complainer, accused)
  if (ceremony.bad_share_from != 0) {
    complaints.insert({ceremony.bad_share_to, ceremony.bad_share_from});
  }
  if (ceremony.false_complaint_by != 0) {
    complaints.insert({ceremony.false_complaint_by, ceremony.false_complaint_about});
  }
  for (std::uint32_t l = 1; l <= n && n > 1; ++l) {
    bool complained = false;
    for (const auto& [by, about] : complaints) {
      if (by != l) continue;
      complained = true;
      b.add(EntryType::kGuardianComplaint,
            GuardianComplaintBody{by, about, "share does not match the commitments"}.encode(),
            *b.guardians_[by - 1]);
    }
    if (!complained) {
      b.add(EntryType::kSharesVerified, SharesVerifiedBody{l}.encode(), *b.guardians_[l - 1]);
    }
  }
  for (const auto& [by, about] : complaints) {
    Scalar share = b.secrets_[about - 1].share_for(by);
    b.add(EntryType::kShareReveal, ShareRevealBody{about, by, share}.encode(),
          *b.guardians_[about - 1]);
    // The complainer uses the revealed share (a false complainer already held it).
    if (by == ceremony.bad_share_to && about == ceremony.bad_share_from) {
      received[by - 1].push_back(share);
    }
  }
  for (std::uint32_t i = 1; i <= n; ++i) b.shares_.push_back(combine_shares(received[i - 1]));

  const Point k = joint_key(commitments);
  b.add(EntryType::kElectionKey, ElectionKeyBody{k, election::extended_base_hash(q, k)}.encode(),
        authority);
  b.context_ =
      election::ElectionContext::make(std::move(manifest), authority.verify_key().bytes(), k);
  return b;
}

void ElectionBuilder::enrol_kiosk(const PublicKeyBytes& key) {
  ++kiosks_;
  add(EntryType::kKioskEnrolment,
      KioskEnrolmentBody{key, "kiosk-" + std::to_string(kiosks_), "precinct-1"}.encode(),
      *authority_);
}

std::shared_ptr<const SigningKey> ElectionBuilder::new_kiosk(Rng& rng) {
  auto key = draw_key(rng);
  enrol_kiosk(key->verify_key().bytes());
  return key;
}

std::vector<std::string> ElectionBuilder::commit_tokens(std::size_t count, Rng& rng) {
  std::vector<std::string> tokens;
  for (std::size_t t = 0; t < count; ++t) tokens.push_back(election::generate_token(rng));
  for (std::size_t start = 0; start < tokens.size(); start += kMaxTokensPerEntry) {
    TokenCommitmentsBody body{"precinct-1", {}};
    for (std::size_t t = start; t < std::min(tokens.size(), start + kMaxTokensPerEntry); ++t) {
      body.token_hashes.push_back(election::token_hash(q_, tokens[t]));
    }
    add(EntryType::kTokenCommitments, body.encode(), *authority_);
  }
  return tokens;
}

void ElectionBuilder::open_polls(std::uint64_t time) {
  add(EntryType::kPollsOpen, PollsBody{time, "polls open"}.encode(), *authority_);
}

}  // namespace tabella::record
