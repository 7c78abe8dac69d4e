#include "tabella/client/kiosk_engine.h"

#include "tabella/election/token.h"
#include "tabella/record/bodies.h"
#include "tabella/record/state.h"

namespace tabella::client {

Result<KioskElection> load_kiosk_election(std::vector<Bytes> setup,
                                          const std::optional<PublicKeyBytes>& expected_authority) {
  record::ElectionState state;
  std::string ledger_key;
  for (std::size_t i = 0; i < setup.size(); ++i) {
    const std::string where = "entry " + std::to_string(i);
    if (state.context() != nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        where + " follows the election-key entry: a kiosk's setup ends there",
                        "setup");
    }
    auto checked = record::precheck(setup[i], state.snapshot());
    if (!checked) return checked.error().with_prefix(where);
    if (i == 0 && expected_authority && checked->entry.author != *expected_authority) {
      return make_error(ErrorCode::kPermission,
                        "the election entry is signed by " + to_hex(checked->entry.author) +
                            ", not by the configured authority key",
                        "election.author");
    }
    Status applied = state.apply(*checked);
    if (!applied.ok()) return applied.error().with_prefix(where);
    if (auto* b = std::get_if<record::ElectionBody>(&checked->body)) ledger_key = b->ledger_key;
  }
  if (state.context() == nullptr) {
    return make_error(ErrorCode::kConflict,
                      state.phase() == record::Phase::kEmpty
                          ? "the record holds no election yet"
                          : "the election key is not published yet: the guardians' key "
                            "ceremony must finish first",
                      "election_key");
  }
  auto trust = ledger::LogTrust::make(*state.manifest(), ledger_key);
  if (!trust) return trust.error().with_prefix("entry 0: body.ledger_key");
  KioskElection out;
  out.context = state.snapshot().context;
  out.trust = std::make_shared<const ledger::LogTrust>(std::move(*trust));
  out.ledger_key = std::move(ledger_key);
  out.setup = std::move(setup);
  return out;
}

KioskEngine::KioskEngine(std::shared_ptr<const KioskElection> election,
                         std::shared_ptr<const SigningKey> key)
    : election_(std::move(election)), key_(std::move(key)) {}

ChainState KioskEngine::fresh_chain() const {
  return {0, election::chain_seed(context().q, kiosk_key())};
}

Result<ChainState> KioskEngine::chain_of(bool revoked, const ChainState& reported) const {
  if (revoked) {
    return make_error(ErrorCode::kPermission,
                      "this kiosk's enrolment (fingerprint " + fingerprint() + ") was revoked",
                      "kiosk_key");
  }
  if (reported.sequence == 0 && reported.head != fresh_chain().head) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the ledger reports a chain head that is not this kiosk's chain seed",
                      "chain_head");
  }
  return reported;
}

Error KioskEngine::enrolment_error(const Error& ledger_error) const {
  if (ledger_error.code != ErrorCode::kNotFound) return ledger_error;
  return make_error(ErrorCode::kNotFound,
                    "this kiosk (fingerprint " + fingerprint() +
                        ") is not enrolled in the election: " + ledger_error.message,
                    "kiosk_key");
}

Result<SealedBallot> KioskEngine::seal(const election::PlaintextBallot& ballot,
                                       const ChainState& chain, Rng& rng) const {
  auto enc = election::encrypt_ballot(context(), ballot, chain.sequence + 1, chain.head, rng);
  if (!enc) return enc.error();
  SealedBallot s;
  s.ballot = std::move(enc->first);
  s.secrets = std::move(enc->second);
  s.code = election::ballot_code(context().q, kiosk_key(), s.ballot);
  s.short_code = election::short_code(s.code);
  return s;
}

bool KioskEngine::chains_onto(const SealedBallot& sealed, const ChainState& chain) {
  return sealed.ballot.sequence == chain.sequence + 1 && sealed.ballot.previous_code == chain.head;
}

Digest KioskEngine::token_hash(std::string_view normalized_token) const {
  return election::token_hash(context().q, normalized_token);
}

Result<Bytes> KioskEngine::cast_entry(const SealedBallot& sealed, std::string_view token) const {
  auto normalized = election::normalize_token(token);
  if (!normalized) return normalized.error().with_prefix("token");
  record::CastBallotBody body{sealed.ballot, token_hash(*normalized)};
  secure_zero(normalized->data(), normalized->size());
  return record::Entry::make(record::EntryType::kCastBallot, context().q, body.encode(), *key_)
      .encode();
}

ChallengeEntry KioskEngine::challenge_entry(const SealedBallot& sealed) const {
  record::ChallengedBallotBody opened = election::open_ballot(sealed.ballot, sealed.secrets);
  // What the voter is shown is what the kiosk really encrypted: recomputed from the opening.
  auto marks = election::verify_opening(context(), opened);
  ChallengeEntry out{
      record::Entry::make(record::EntryType::kChallengedBallot, context().q, opened.encode(), *key_)
          .encode(),
      marks ? Result<std::vector<std::vector<std::string>>>(
                  election::marks_to_choice_ids(context().manifest, *marks))
            : Result<std::vector<std::vector<std::string>>>(marks.error())};
  for (auto& row : opened.choices) secure_zero(row.data(), row.size());
  if (marks) {
    for (auto& row : *marks) secure_zero(row.data(), row.size());
  }
  return out;
}

}  // namespace tabella::client
