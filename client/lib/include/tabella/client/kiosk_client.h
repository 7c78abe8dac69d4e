// KioskClient: what a polling-place kiosk does with the ledger, without any UI — the library the
// Qt kiosk and the voter simulator (tabella-voters) sit on.
//
//   start      reads the election entry and the election-key entry from the ledger, builds the
//              ElectionContext (checks Q = H(manifest hash, authority) and Q-bar = H(Q, K)),
//              checks that the entries read are the start of the log the ledger signed and the
//              witnesses cosigned (LogView::check_prefix), and recovers this kiosk's chain (last
//              sequence, chain head) from GET /v1/kiosks/<key>
//   encrypt    PlaintextBallot -> PendingBallot: sequence = last + 1, previous code = chain head;
//              the ballot code and its short form are what the voter sees
//   cast       signs a cast-ballot entry spending the voter token, submits it, checks the receipt
//              (ledger::check_receipt against the election's ledger key, origin and witnesses),
//              then advances the chain and wipes the ballot's secrets. A receipt awaiting the
//              witnesses' cosignatures is not final (BallotReceipt::outcome): confirm() asks
//              again later
//   challenge  signs a challenged-ballot entry (the ballot opened: marks and nonces), submits it,
//              checks the receipt; the chain advances too; the voter sees what was encrypted
//
// At most one ballot is pending at a time: the next ballot's chain depends on whether this one is
// cast or challenged. A pending ballot the voter walks away from must be challenged (it is then
// published opened and never counted). If a submission fails in transit, the kiosk asks the
// ledger whether the ballot arrived (its chain head) before reporting an error, so a retry never
// forks the chain. A refused cast (token spent, not committed) leaves the ballot pending: cast it
// with another token or challenge it.
// Thread-safety: thread-compatible (one thread at a time; the Qt kiosk calls it from a worker).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabella/client/ledger_client.h"
#include "tabella/crypto/ed25519.h"
#include "tabella/election/ballot.h"
#include "tabella/election/context.h"
#include "tabella/election/token.h"
#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/log_view.h"
#include "tabella/ledger/note.h"

namespace tabella::client {

struct PendingBallot {
  std::uint64_t sequence = 0;
  record::EncryptedBallot ballot;
  election::BallotSecrets secrets;  // m and r; wiped when cast
  Digest code{};                    // H("tabella/v1/ballot-code"; Q, kiosk, ballot)
  std::string short_code;           // "K7QX-M2PA-DD3F-WZ5T"
};

struct BallotReceipt {
  std::uint64_t index = 0;  // the entry's position in the log
  std::uint64_t sequence = 0;
  Digest code{};
  std::string short_code;
  Receipt receipt;  // checked with ledger::check_receipt
  ledger::Checkpoint checkpoint;
  // kFinal, or kAwaitingCosignatures: in the log the ledger signed, not yet witnessed.
  ledger::LogOutcome outcome = ledger::LogOutcome::kFinal;
  bool final() const { return outcome == ledger::LogOutcome::kFinal; }
};

struct ChallengeResult {
  BallotReceipt receipt;
  // What the ballot held, in manifest order: the choice ids marked in each contest.
  std::vector<std::vector<std::string>> choice_ids;
};

class KioskClient {
 public:
  // Loads the election and the kiosk's chain. Errors: the election key is not yet published
  // (kConflict), the kiosk is not enrolled (kNotFound) or revoked (kPermission), a record that
  // does not match its own hashes (kInvalidArgument), transport errors (kIo).
  static Result<KioskClient> start(LedgerConnection ledger, SigningKey key);

  const election::ElectionContext& context() const { return *context_; }
  const PublicKeyBytes& kiosk_key() const { return key_.verify_key().bytes(); }
  std::uint64_t last_sequence() const { return last_sequence_; }
  const Digest& chain_head() const { return chain_head_; }
  bool has_pending() const { return pending_.has_value(); }

  // Validates and encrypts. kConflict while another ballot is pending; validate()'s errors.
  Result<PendingBallot> encrypt(const election::PlaintextBallot& ballot,
                                Rng& rng = SystemRng::instance());
  // REQUIRES: pending came from this kiosk's encrypt(). Errors: the token is malformed
  // (kInvalidArgument, field "token"), the ledger refuses (its error; the ballot stays pending),
  // a receipt that is invalid (LogCheck::error(): kInvalidProof, kInvalidSignature, ...).
  Result<BallotReceipt> cast(PendingBallot& pending, std::string_view token);
  Result<ChallengeResult> challenge(PendingBallot& pending);

  // Asks the ledger again for the receipt of a ballot cast or challenged earlier (one awaiting
  // cosignatures) and checks it; the same ballot must still be at its index.
  Result<BallotReceipt> confirm(const BallotReceipt& receipt);

  // Re-reads the chain from the ledger (after an error, or when resuming).
  Status resync();

  LedgerConnection& ledger() { return ledger_; }

 private:
  KioskClient(LedgerConnection ledger, SigningKey key)
      : ledger_(std::move(ledger)), key_(std::move(key)) {}
  Status load_election();
  Status check_setup_view(const ledger::LogView& view);
  Result<BallotReceipt> submit(PendingBallot& pending, const record::Entry& entry);

  LedgerConnection ledger_;
  SigningKey key_;
  std::shared_ptr<const election::ElectionContext> context_;
  std::optional<ledger::LogTrust> trust_;
  std::uint64_t last_sequence_ = 0;
  Digest chain_head_{};
  std::optional<std::uint64_t> pending_;  // the pending ballot's sequence
};

}  // namespace tabella::client
