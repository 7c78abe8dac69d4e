// KioskClient: the kiosk engine (kiosk_engine.h) driven synchronously over HTTP, without any UI:
// what tabella-voters and the tests cast through. The Qt kiosk (client/kiosk/core/kiosk_model.h)
// drives the same engine from its screens and offline queue.
//
//   start      fetch_kiosk_election: reads the log's setup (up to the election-key entry),
//              replays it through the record's rules (load_kiosk_election), checks that the
//              entries read are the start of the log the ledger signed and the witnesses
//              cosigned (LogView::check_prefix); then recovers this kiosk's chain (last
//              sequence, chain head) from GET /v1/kiosks/<key> (KioskEngine::chain_of)
//   encrypt    KioskEngine::seal on the kiosk's chain; the ballot code and its short form are
//              what the voter sees
//   cast       KioskEngine::cast_entry, submits it, checks the receipt (ledger::check_receipt
//              against the election's ledger key, origin and witnesses), then advances the
//              chain and wipes the ballot's secrets. A receipt awaiting the witnesses'
//              cosignatures is not final (BallotReceipt::outcome): confirm() asks again later
//   challenge  KioskEngine::challenge_entry (the ballot opened: marks and nonces), submits it,
//              checks the receipt; the chain advances too; the voter sees what the opening holds
//
// At most one ballot is pending at a time: the next ballot's chain depends on whether this one is
// cast or challenged. A pending ballot the voter walks away from must be challenged (it is then
// published opened and never counted). If a submission fails in transit, the kiosk asks the
// ledger whether the ballot arrived (its chain head) before reporting an error, so a retry never
// forks the chain. A refused cast (token spent, not committed) leaves the ballot pending: cast it
// with another token or challenge it.
// Thread-safety: thread-compatible (one thread at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabella/client/kiosk_engine.h"
#include "tabella/client/ledger_client.h"
#include "tabella/crypto/ed25519.h"
#include "tabella/election/ballot.h"
#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/log_view.h"
#include "tabella/ledger/note.h"

namespace tabella::client {

// Reads the log's first entries up to the one publishing the election key, loads them with
// load_kiosk_election and checks that they are the start of the log the ledger signed and the
// witnesses cosigned (PROOF(read, n) against the ledger's latest checkpoint; waits up to 15 s
// for the witnesses' cosignatures). Errors: no election or no election key yet (kConflict),
// load_kiosk_election's, a setup that fails the log check (its LogFault named in the message),
// transport errors (kIo).
Result<KioskElection> fetch_kiosk_election(LedgerConnection& ledger,
                                           const std::optional<PublicKeyBytes>& authority);

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
  // What the opened ballot holds, in manifest order: the choice ids marked in each contest.
  std::vector<std::vector<std::string>> choice_ids;
};

class KioskClient {
 public:
  // Loads the election and the kiosk's chain. Errors: fetch_kiosk_election's, the kiosk is not
  // enrolled (kNotFound) or revoked (kPermission), a chain head that is not the kiosk's seed
  // (kInvalidArgument), transport errors (kIo).
  static Result<KioskClient> start(LedgerConnection ledger, SigningKey key);

  const KioskEngine& engine() const { return engine_; }
  const election::ElectionContext& context() const { return engine_.context(); }
  const PublicKeyBytes& kiosk_key() const { return engine_.kiosk_key(); }
  const ChainState& chain() const { return chain_; }
  std::uint64_t last_sequence() const { return chain_.sequence; }
  const Digest& chain_head() const { return chain_.head; }
  bool has_pending() const { return pending_.has_value(); }

  // Seals the ballot on the kiosk's chain. kConflict while another ballot is pending;
  // validate()'s errors.
  Result<SealedBallot> encrypt(const election::PlaintextBallot& ballot,
                               Rng& rng = SystemRng::instance());
  // REQUIRES: pending came from this kiosk's encrypt(). Errors: the token is malformed
  // (kInvalidArgument, field "token"), the ledger refuses (its error; the ballot stays pending),
  // a receipt that is invalid (LogCheck::error(): kInvalidProof, kInvalidSignature, ...).
  Result<BallotReceipt> cast(SealedBallot& pending, std::string_view token);
  // Publishes the ballot opened. Errors: as cast; an opening that does not match the ballot
  // (verify_opening's error, after it was published).
  Result<ChallengeResult> challenge(SealedBallot& pending);

  // Asks the ledger again for the receipt of a ballot cast or challenged earlier (one awaiting
  // cosignatures) and checks it; the same ballot must still be at its index.
  Result<BallotReceipt> confirm(const BallotReceipt& receipt);

  // Re-reads the chain from the ledger (after an error, or when resuming).
  Status resync();

  LedgerConnection& ledger() { return ledger_; }

 private:
  KioskClient(LedgerConnection ledger, KioskEngine engine)
      : ledger_(std::move(ledger)), engine_(std::move(engine)) {}
  Result<BallotReceipt> submit(SealedBallot& pending, const Bytes& entry);

  LedgerConnection ledger_;
  KioskEngine engine_;
  ChainState chain_;
  std::optional<std::uint64_t> pending_;  // the pending ballot's sequence
};

}  // namespace tabella::client
