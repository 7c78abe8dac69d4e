// The kiosk engine: what every kiosk does with an election, whatever drives it — the Qt kiosk's
// view-model (client/kiosk/core/kiosk_model.h: screens, timers, the offline queue, the lifetime
// of the voter's secrets) and the synchronous KioskClient (kiosk_client.h: tabella-voters, tests).
// Both call these functions and nothing else to load the election, seal a ballot and build the
// entries they sign, so a ballot cast by the simulator is made by exactly the code a voter uses.
//
//   load_kiosk_election  replays the record's first entries (the election entry up to and
//                        including the election-key entry) through record::precheck and
//                        record::ElectionState::apply — the rules the ledger and the verifier
//                        run — and takes the context (manifest, Q, K, Q-bar) and the receipt
//                        check's trust (ledger key, origin, witnesses) from that state
//   KioskEngine::seal    PlaintextBallot -> SealedBallot on a chain: sequence = last + 1,
//                        previous code = chain head; the ballot code and its short form are
//                        what the voter sees
//   cast_entry           the signed cast-ballot entry spending the voter's token
//   challenge_entry      the signed challenged-ballot entry (the ballot opened) and what it
//                        holds, recomputed from the opening
//   chain_of             the kiosk's chain as the ledger reports it, checked (enrolled, not
//                        revoked, a fresh chain starts at this kiosk's chain seed)
//
// Stateless apart from the election and the key: the drivers own the chain (a kiosk's chain may
// run ahead of the ledger while ballots wait in its queue) and the sealed ballot's secrets.
// Thread-safety: KioskElection and KioskEngine are immutable after construction; share them
// read-only between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/random.h"
#include "tabella/election/ballot.h"
#include "tabella/election/context.h"
#include "tabella/ledger/log_trust.h"
#include "tabella/record/entry.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::client {

struct KioskElection {
  std::shared_ptr<const election::ElectionContext> context;
  // The election entry's ledger key, the manifest's origin and witnesses: what receipts are
  // checked against (ledger::check_receipt, the check every client shares).
  std::shared_ptr<const ledger::LogTrust> trust;
  std::string ledger_key;  // the election entry's, C2SP verifier key form
  // The canonical bytes of the log's entries 0..k, entry k publishing the election key: what a
  // kiosk caches to start again offline.
  std::vector<Bytes> setup;
};

// Replays `setup` in log order through the record's rules (record/state.h) and stops at the
// election-key entry. Errors: an entry the rules refuse ("entry <i>: " + the rule's error, with
// its field), an entry after the election key (kInvalidArgument, field "setup"), a setup without
// the election key (kConflict, "the election key is not published yet"), an election entry
// signed by another key than `expected_authority` when given (kPermission, "election.author").
Result<KioskElection> load_kiosk_election(std::vector<Bytes> setup,
                                          const std::optional<PublicKeyBytes>& expected_authority);

// (sequence of the kiosk's last ballot, its code): the next ballot has sequence + 1 and
// previous_code = head.
struct ChainState {
  std::uint64_t sequence = 0;
  Digest head{};
  bool operator==(const ChainState&) const = default;
};

// A ballot sealed on a chain, not yet cast or challenged.
struct SealedBallot {
  record::EncryptedBallot ballot;   // ballot.sequence, ballot.previous_code: the chain it is on
  election::BallotSecrets secrets;  // m and r: a driver wipes them once cast
  Digest code{};                    // H("tabella/v1/ballot-code"; Q, kiosk, ballot)
  std::string short_code;           // "K7QX-M2PA-DD3F-WZ5T"
  std::uint64_t sequence() const { return ballot.sequence; }
  // The chain once this ballot is in it.
  ChainState chain_after() const { return {ballot.sequence, code}; }
};

struct ChallengeEntry {
  Bytes entry;  // the signed challenged-ballot entry, canonical bytes
  // What the opening holds, recomputed from its marks and nonces (not taken from the voter's
  // marks): the choice ids marked in each contest, in manifest order. An error when the opening
  // does not match the ballot (a faulty kiosk: the published entry shows it).
  Result<std::vector<std::vector<std::string>>> choice_ids;
};

class KioskEngine {
 public:
  KioskEngine(std::shared_ptr<const KioskElection> election, std::shared_ptr<const SigningKey> key);

  const KioskElection& election() const { return *election_; }
  const std::shared_ptr<const KioskElection>& election_ptr() const { return election_; }
  const election::ElectionContext& context() const { return *election_->context; }
  const PublicKeyBytes& kiosk_key() const { return key_->verify_key().bytes(); }
  std::string fingerprint() const { return key_->verify_key().fingerprint(); }

  // The chain of a kiosk without ballots: (0, H("tabella/v1/ballot-chain-seed"; Q, kiosk)).
  ChainState fresh_chain() const;
  // The chain the ledger reports for this kiosk, checked. Errors: revoked (kPermission, field
  // "kiosk_key"), a chain without ballots whose head is not this kiosk's seed (kInvalidArgument,
  // "chain_head").
  Result<ChainState> chain_of(bool revoked, const ChainState& reported) const;
  // The ledger's "no such kiosk" (kNotFound) in the kiosk's words, naming its fingerprint; field
  // "kiosk_key". Other errors unchanged.
  Error enrolment_error(const Error& ledger_error) const;

  // Validates and encrypts `ballot` as the next ballot of `chain`. Errors: validate()'s.
  Result<SealedBallot> seal(const election::PlaintextBallot& ballot, const ChainState& chain,
                            Rng& rng = SystemRng::instance()) const;
  // True when `sealed` is the next ballot of `chain` (else the ledger would refuse it: seal anew).
  static bool chains_onto(const SealedBallot& sealed, const ChainState& chain);

  // The signed cast-ballot entry: the ballot and H("tabella/v1/voter-token"; Q, token). The
  // token is normalised first. Errors: a malformed token (kInvalidArgument, field "token").
  Result<Bytes> cast_entry(const SealedBallot& sealed, std::string_view token) const;
  // H("tabella/v1/voter-token"; Q, token) of a normalised token.
  Digest token_hash(std::string_view normalized_token) const;
  // The signed challenged-ballot entry. REQUIRES: sealed.secrets are intact (not wiped).
  ChallengeEntry challenge_entry(const SealedBallot& sealed) const;

 private:
  std::shared_ptr<const KioskElection> election_;
  std::shared_ptr<const SigningKey> key_;
};

}  // namespace tabella::client
