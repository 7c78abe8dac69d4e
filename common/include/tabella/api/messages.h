// The ledger API's vocabulary (docs/api.md): one type per JSON body the election ledger sends,
// each with to_json() (what the server sends) and from_json() (what the clients read). The
// receipt is ledger::Receipt (ledger/receipt.h); the types here embed it.
//
// from_json is strict about what a client relies on: every member the server always sends must
// be present with its type (hex of the right length, unsigned integers, known enum strings);
// members a later version adds are ignored. A malformed body gives kInvalidEncoding naming the
// member (as a JSON path: "receipt.index", "kiosks[2].chain_head"), never an exception.
// to_json produces exactly the members docs/api.md lists (nlohmann::json sorts an object's keys,
// so the bytes do not depend on the order of construction).
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/hash.h"
#include "tabella/ledger/receipt.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::api {

// Every error response: {"error": "<code>", "message": "...", "field": "...", "reason": "..."}.
// "reason" is present only when the refusal has one (ErrorReason, util/result.h). Retry-After
// travels as an HTTP header, not in the body.
struct ErrorBody {
  // error_code_name() of an ErrorCode, or one of the HTTP layer's own codes that no Error
  // carries: "method_not_allowed" (405), "internal" (500, a handler that failed unexpectedly).
  std::string error = "invalid_argument";
  std::string message;
  std::string field;
  ErrorReason reason = ErrorReason::kNone;

  static ErrorBody of(const Error& error);
  // The ErrorCode named by `error`; nullopt for the HTTP layer's own codes (the caller goes by
  // the status then).
  std::optional<ErrorCode> code() const;
  // "error" and "message" are required strings, "field" and "reason" optional strings; an
  // unknown "reason" (a newer server's) reads as kNone.
  static Result<ErrorBody> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // to_json().dump() with invalid UTF-8 in the message replaced (outside bytes may reach it).
  std::string dump() const;
};

// POST /v1/entries, 200.
struct SubmitReply {
  std::uint64_t index = 0;
  Digest entry_id{};  // SHA-256 of the entry bytes
  std::string type;   // entry type name, "cast-ballot", ...; empty when it did not decode
  bool duplicate = false;
  ledger::Receipt receipt;

  // Also refuses a receipt for another index ("receipt.index").
  static Result<SubmitReply> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

struct GuardianStatus {
  std::uint32_t index = 0;
  std::string name;
  std::string key;  // hex
  bool committed = false;
  bool shared = false;
  bool decrypted = false;

  static Result<GuardianStatus> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/kiosks/<key>, and each of /v1/status's "kiosks".
struct KioskStatus {
  PublicKeyBytes key{};
  std::string fingerprint;  // ABCD-EFGH-IJKL-MNOP
  std::string name;
  std::string precinct;
  bool revoked = false;
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
  std::uint64_t last_sequence = 0;
  Digest chain_head{};

  static Result<KioskStatus> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/status.
struct LedgerStatus {
  std::string election_id;
  std::string origin;
  std::string phase;  // empty setup keyed open closed tallied finished
  std::uint64_t size = 0;
  std::uint64_t ballots_cast = 0;
  std::uint64_t ballots_challenged = 0;
  std::uint64_t tokens_committed = 0;
  std::uint64_t tokens_spent = 0;
  std::uint32_t guardian_count = 0;
  std::uint32_t quorum = 0;
  std::vector<GuardianStatus> guardians;  // by index
  std::vector<KioskStatus> kiosks;        // by key

  static Result<LedgerStatus> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/ballots/<code>.
struct BallotLookup {
  std::uint64_t index = 0;
  std::string type;  // "cast-ballot" or "challenged-ballot"
  Digest code{};
  std::string short_code;
  PublicKeyBytes kiosk{};
  std::uint64_t sequence = 0;
  ledger::Receipt receipt;

  static Result<BallotLookup> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/tokens/<hash>.
struct TokenStatus {
  Digest token_hash{};
  bool spent = false;    // "state": "spent" | "unspent"
  std::string precinct;  // of the token-commitments entry that committed it

  static Result<TokenStatus> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/entries: a page of the log, entries as stored (base64 on the wire).
struct EntryPage {
  struct Item {
    std::uint64_t index = 0;
    std::string type;  // entry type name; empty when the entry does not decode
    Bytes entry;
  };
  std::uint64_t size = 0;  // the committed log size
  std::vector<Item> entries;

  // Also refuses entries whose indexes do not run on by one ("entries[i].index").
  static Result<EntryPage> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/proof/inclusion: RFC 9162 PROOF(index, D[0:size]) and MTH(D[0:size]).
struct InclusionProofReply {
  std::uint64_t index = 0;
  std::uint64_t size = 0;
  Digest root{};
  std::vector<Digest> proof;  // at most 64 hashes

  static Result<InclusionProofReply> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// GET /v1/checkpoints: a page of the stored checkpoints and the latest cosigned one.
struct CheckpointPage {
  struct Item {
    std::uint64_t size = 0;
    std::string note;  // the signed note
  };
  std::uint64_t total = 0;  // stored checkpoints in all
  std::uint64_t start = 0;
  std::vector<Item> checkpoints;
  std::optional<Item> cosigned;  // null on the wire when there is none

  static Result<CheckpointPage> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

}  // namespace tabella::api
