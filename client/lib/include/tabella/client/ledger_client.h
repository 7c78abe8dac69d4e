// LedgerClient: the ledger's HTTP API (docs/api.md) as typed calls — submit an entry and get its
// receipt, check a receipt offline, read status, entries, ballots and kiosks, export the record.
//
// A receipt proves that an entry is in the log: the checkpoint (a C2SP signed note) is signed by
// the ledger key the election entry names, covers tree_size > index, and the inclusion proof
// leads from leaf_hash = SHA-256(0x00 || entry bytes) at `index` to the checkpoint's root
// (RFC 9162 section 2.1.3.2).
//
// Errors: the ledger's JSON error {"error", "message", "field"} becomes an Error with the same
// code (error_code_name), field and message ("ledger refused the entry (409): ..."); transport
// failures are kIo ("cannot reach ledger at http://127.0.0.1:8640: connection refused").
// Thread-safety: thread-compatible; one LedgerClient per thread (it owns one HTTP connection).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tabella/client/http_client.h"
#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/record/entry.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::client {

inline constexpr std::string_view kDefaultLedgerUrl = "http://127.0.0.1:8640";

struct Receipt {
  std::uint64_t index = 0;
  ledger::Hash leaf_hash{};
  std::uint64_t tree_size = 0;
  std::vector<ledger::Hash> inclusion_proof;
  std::string checkpoint;  // signed note text

  // Strict: every field present with the right type; hex hashes of 32 bytes.
  static Result<Receipt> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// The witnesses an election names (manifest witnesses.members and witness_quorum): a receipt's
// checkpoint must carry cosignature/v1 lines by `quorum` distinct ones. quorum 0: no check.
struct WitnessPolicy {
  std::vector<ledger::CosignatureVerifier> witnesses;
  std::uint32_t quorum = 0;
  // From the manifest. A member whose key is not a cosignature/v1 verifier key of its name
  // cannot count (as in tabella-verify check 23), so the quorum may become unreachable.
  static WitnessPolicy from_manifest(const election::Manifest& manifest);
};

// The field of the error verify_receipt returns when everything holds except the witnesses'
// quorum: the entry IS in the log (the ledger signed it), the checkpoint is not yet cosigned.
inline constexpr std::string_view kCosignaturesField = "checkpoint.cosignatures";

// Checks a receipt for `entry_bytes` without the network (see the top of this file); returns
// the checkpoint it was checked against. Errors name the receipt field: "checkpoint" (signature,
// kInvalidSignature), "tree_size" (the checkpoint's size differs, or index >= size), "leaf_hash"
// (not the hash of these bytes, kInvalidProof), "inclusion_proof" (kInvalidProof). With a
// `witnesses` quorum, checked last: kInvalidSignature on kCosignaturesField saying how many
// valid cosignatures the checkpoint has (ledger::check_cosignature_quorum).
Result<ledger::Checkpoint> verify_receipt(const Receipt& receipt, ByteView entry_bytes,
                                          const ledger::NoteVerifier& log_key,
                                          const WitnessPolicy& witnesses = {});

struct Submitted {
  std::uint64_t index = 0;
  Digest entry_id{};
  std::string type;
  Receipt receipt;
  // The ledger already held these exact bytes: index and receipt are those of the stored copy.
  // A kiosk retrying after a lost answer wants this; an official issuing a command twice does not.
  bool duplicate = false;
};

struct LogEntry {
  std::uint64_t index = 0;
  Bytes bytes;  // canonical entry bytes
};

struct KioskInfo {
  PublicKeyBytes key{};
  std::string fingerprint;
  std::string name;
  std::string precinct;
  bool revoked = false;
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
  std::uint64_t last_sequence = 0;
  Digest chain_head{};
  static Result<KioskInfo> from_json(const nlohmann::json& j);
};

struct BallotInfo {
  std::uint64_t index = 0;
  std::string type;  // "cast-ballot" or "challenged-ballot"
  Digest code{};
  std::string short_code;
  PublicKeyBytes kiosk{};
  std::uint64_t sequence = 0;
  Receipt receipt;
};

class LedgerClient {
 public:
  // kInvalidArgument for a malformed URL. No connection is made yet.
  static Result<LedgerClient> connect(std::string_view url, HttpOptions options = {});

  // POST /v1/entries. The receipt is returned as sent; check it with verify_receipt.
  Result<Submitted> submit(const record::Entry& entry);
  Result<Submitted> submit_bytes(ByteView entry_bytes);

  // GET /v1/status: the JSON object as sent (fields in docs/api.md).
  Result<nlohmann::json> status();
  // GET /v1/entries?start=&count= (count <= 1000). Also returns the log size.
  Result<std::vector<LogEntry>> entries(std::uint64_t start, std::uint32_t count,
                                        std::uint64_t* log_size = nullptr);
  // Every entry from `start` to the end of the log, in pages, in order; stops at the first
  // error, or when `sink` returns an error.
  Status fetch_all(std::uint64_t start, const std::function<Status(LogEntry&&)>& sink);
  // GET /v1/export into a record file (record_file.h) at `path`.
  Status export_record(const std::filesystem::path& path);
  // GET /log-key: the C2SP verifier key of the ledger's checkpoint signer.
  Result<std::string> log_key();
  // GET /checkpoint: the latest signed checkpoint note.
  Result<std::string> checkpoint();
  // GET /v1/ballots/<code>: a 64-hex code or a short code in any spacing.
  Result<BallotInfo> ballot(std::string_view code);
  // GET /v1/kiosks/<hex>; kNotFound when the kiosk is not enrolled.
  Result<KioskInfo> kiosk(const PublicKeyBytes& key);
  // GET /v1/receipt?index=N.
  Result<Receipt> receipt(std::uint64_t index);

  const Url& url() const { return http_.url(); }

 private:
  explicit LedgerClient(HttpClient http) : http_(std::move(http)) {}
  // The body of a 2xx JSON response, or the ledger's error mapped to an Error.
  Result<nlohmann::json> get_json(const std::string& target, const std::string& doing);
  Result<nlohmann::json> json_or_error(Result<HttpResponse> response, const std::string& doing);

  HttpClient http_;
};

// The ledger's JSON error body, mapped to an Error; `doing` opens the message.
Error error_from_response(unsigned status, const std::string& body, const std::string& doing);

}  // namespace tabella::client
