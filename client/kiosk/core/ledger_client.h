// The kiosk's boundary to the ledger (the HTTP API of docs/api.md): a pure-virtual interface so
// that the view-model never knows whether it talks to HTTP, to an in-process ledger (demo,
// screenshots) or to a test fake.
//
// Calls block until the ledger answers or the implementation's timeout passes; the kiosk only
// ever calls them on its dispatcher thread (core/dispatcher.h), never on the UI thread.
// Errors: ErrorCode::kIo means "could not reach the ledger or it failed internally (5xx)", and
// kUnavailable "the ledger did nothing and asks to be asked again later (503: disk full, busy,
// restarting)": in both cases the caller keeps the entry and retries. Any other code is the
// ledger's own verdict on the request (kConflict: token spent, polls closed, chain mismatch;
// kInvalidProof; ...), with its message and field as the ledger sent them. Thread-safety: an
// implementation is used by one thread at a time (the dispatcher's).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/hash.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/receipt.h"
#include "tabella/record/bodies.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::kiosk {

// POST /v1/entries answer: where the entry landed and the proof that it is in the signed log
// (common's receipt, checked with ledger::check_receipt).
using Receipt = ledger::Receipt;

// GET /v1/status, the part the kiosk shows.
struct LedgerStatus {
  std::string phase;  // "empty", "setup", "keyed", "open", "closed", ...
  std::uint64_t size = 0;
  std::uint64_t ballots_cast = 0;
};

// GET /v1/kiosks/<key>: this kiosk as the ledger sees it.
struct KioskRecord {
  bool revoked = false;
  std::uint64_t last_sequence = 0;
  Digest chain_head{};
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
  std::string name;      // as enrolled (kiosk-enrolment entry)
  std::string precinct;  // as enrolled
};

// GET /v1/tokens/<hash>: a voting code as the ledger holds it.
struct TokenRecord {
  bool spent = false;
  std::string precinct;  // of the token-commitments entry that committed it
};

class LedgerClient {
 public:
  virtual ~LedgerClient() = default;

  // POST /v1/entries. Identical bytes submitted again return the original receipt.
  virtual Result<Receipt> submit(ByteView entry) = 0;
  // GET /v1/status.
  virtual Result<LedgerStatus> status() = 0;
  // GET /v1/kiosks/<hex>; kNotFound when the key is not enrolled.
  virtual Result<KioskRecord> kiosk(const PublicKeyBytes& key) = 0;
  // The election's setup (GET /v1/entries): the canonical bytes of the log's entries from the
  // election entry up to and including the one publishing the election key, what the kiosk
  // loads with client::load_kiosk_election. kConflict while the election key is not published.
  virtual Result<std::vector<Bytes>> election() = 0;
  // The polls-close entry's body (GET /v1/entries, newest first); kNotFound while the polls are
  // not closed. For the poll worker's polls-closed report.
  virtual Result<record::PollsCloseBody> polls_close() = 0;
  // GET /v1/tokens/<hex of H("tabella/v1/voter-token"; Q, token)>; kNotFound when no such token
  // is committed.
  virtual Result<TokenRecord> token(const Digest& token_hash) = 0;
};

}  // namespace tabella::kiosk
