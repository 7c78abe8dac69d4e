// An in-process ledger for the kiosk's demo mode, its screenshots and its tests: it applies the
// same rules as tabella-ledger (record::precheck + ElectionState::apply), is idempotent for
// identical bytes, and answers with real receipts (RFC 6962 inclusion proof, checkpoint signed
// by its ledger key, cosigned by simulated witnesses when set). Faults can be injected:
// unreachable, refuse everything.
//
// make_demo_election: the election record's one builder (tabella/record/election_builder.h) up to
// "polls open" with one guardian (n = k = 1), the given kiosks enrolled and the tokens committed,
// in a MemoryLedger.
// Thread-safety: MemoryLedger is internally synchronised (one mutex); each client created by
// make_client() may be used from any one thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/ledger_client.h"
#include "tabella/crypto/random.h"
#include "tabella/election/manifest.h"
#include "tabella/ledger/merkle.h"
#include "tabella/record/state.h"
#include "tabella/util/mutex.h"

namespace tabella::kiosk {

class MemoryLedger {
 public:
  // REQUIRES: every entry is valid in order (else the error of the first refused one).
  static Result<std::shared_ptr<MemoryLedger>> create(const std::vector<Bytes>& entries,
                                                      std::shared_ptr<const SigningKey> ledger_key);

  Result<Receipt> submit(ByteView entry);
  LedgerStatus status() const;
  Result<KioskRecord> kiosk(const PublicKeyBytes& key) const;
  Result<std::vector<Bytes>> election() const;
  Result<record::PollsCloseBody> polls_close() const;
  Result<TokenRecord> token(const Digest& token_hash) const;

  void set_reachable(bool reachable);  // false: every call fails with kIo
  std::uint64_t size() const;
  std::uint64_t submissions() const;  // submit() calls that reached the ledger
  std::vector<Bytes> entries() const;
  // Appends an authority-signed entry (e.g. polls-close). REQUIRES: authority key given.
  Status append_as_authority(record::EntryType type, Bytes body);
  // Appends the authority's polls-close over the log as it stands (docs/spec.md checks 30, 31).
  Status close_polls();
  void set_authority(std::shared_ptr<const SigningKey> authority);

  // Witnesses (the manifest's witnesses.members): every receipt's checkpoint carries
  // cosignature/v1 lines by the first `active` of them, as a ledger collecting cosignatures would.
  struct Witness {
    std::string name;
    std::shared_ptr<const SigningKey> key;
  };
  void set_witnesses(std::vector<Witness> witnesses, std::size_t active);
  void set_active_witnesses(std::size_t active);

  std::unique_ptr<LedgerClient> make_client();

 private:
  MemoryLedger() = default;
  Result<Receipt> append_locked(ByteView entry) TABELLA_REQUIRES(mu_);
  Receipt receipt_locked(std::uint64_t index) const TABELLA_REQUIRES(mu_);

  mutable Mutex mu_;
  bool reachable_ TABELLA_GUARDED_BY(mu_) = true;
  std::uint64_t submissions_ TABELLA_GUARDED_BY(mu_) = 0;
  record::ElectionState state_ TABELLA_GUARDED_BY(mu_);
  ledger::MemoryHashStore tree_ TABELLA_GUARDED_BY(mu_);
  std::vector<Bytes> entries_ TABELLA_GUARDED_BY(mu_);
  std::map<Digest, std::uint64_t> ids_ TABELLA_GUARDED_BY(mu_);
  std::shared_ptr<const SigningKey> ledger_key_ TABELLA_GUARDED_BY(mu_);
  std::shared_ptr<const SigningKey> authority_ TABELLA_GUARDED_BY(mu_);
  std::string origin_ TABELLA_GUARDED_BY(mu_);
  std::vector<Witness> witnesses_ TABELLA_GUARDED_BY(mu_);
  std::size_t active_witnesses_ TABELLA_GUARDED_BY(mu_) = 0;
};

struct DemoElection {
  std::shared_ptr<MemoryLedger> ledger;
  std::vector<std::string> tokens;  // committed, unspent
  std::shared_ptr<const SigningKey> authority;
  std::shared_ptr<const SigningKey> ledger_key;  // the election entry's: for a real ledger too
};

// REQUIRES: manifest is valid. The manifest's guardians/quorum are set to 1.
Result<DemoElection> make_demo_election(election::Manifest manifest,
                                        const std::vector<PublicKeyBytes>& kiosks,
                                        std::size_t token_count, Rng& rng);

}  // namespace tabella::kiosk
