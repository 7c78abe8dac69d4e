// LedgerConnection: the ledger's HTTP API (docs/api.md) as typed calls — submit an entry and get
// its receipt, read status, entries, ballots and kiosks, export the record. (Not the kiosk's
// LedgerClient interface, client/kiosk/core/ledger_client.h, which its net/ adapter implements
// over this class.)
//
// Receipts are checked with ledger::check_receipt (common/include/tabella/ledger/receipt.h), the
// check every client shares; this class only carries them.
//
// Errors: the ledger's JSON error (api::ErrorBody) becomes an Error with the same code
// (error_code_name), field, reason and message ("ledger refused the entry (409): ..."); transport
// failures are kIo ("cannot reach ledger at http://127.0.0.1:8640: connection refused"). A 503
// is kUnavailable, with the Retry-After seconds in Error::retry_after: nothing was done, retry.
// Thread-safety: thread-compatible; one LedgerConnection per thread (it owns one HTTP connection).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tabella/api/messages.h"
#include "tabella/election/manifest.h"
#include "tabella/http/client.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/receipt.h"
#include "tabella/record/entry.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::client {

inline constexpr std::string_view kDefaultLedgerUrl = "http://127.0.0.1:8640";

// A receipt and its check are common's (ledger/receipt.h: ledger::check_receipt with the
// election's LogTrust), the one check every client runs.
using Receipt = ledger::Receipt;

// The API's reply types are common's (api/messages.h), shared with the server that sends them.
// Submitted::duplicate: the ledger already held these exact bytes, and index and receipt are
// those of the stored copy. A kiosk retrying after a lost answer wants this; an official issuing a
// command twice does not.
using Submitted = api::SubmitReply;
using KioskInfo = api::KioskStatus;
using BallotInfo = api::BallotLookup;

struct LogEntry {
  std::uint64_t index = 0;
  Bytes bytes;  // canonical entry bytes
};

class LedgerConnection {
 public:
  // kInvalidArgument for a malformed URL. No connection is made yet.
  static Result<LedgerConnection> connect(std::string_view url, http::Options options = {});

  // POST /v1/entries. The receipt is returned as sent; check it with ledger::check_receipt.
  Result<Submitted> submit(const record::Entry& entry);
  Result<Submitted> submit_bytes(ByteView entry_bytes);

  // GET /v1/status.
  Result<api::LedgerStatus> status();
  // GET /v1/entries?start=&count= (count <= 1000). Also returns the log size.
  Result<std::vector<LogEntry>> entries(std::uint64_t start, std::uint32_t count,
                                        std::uint64_t* log_size = nullptr);
  // Every entry from `start` to the end of the log (or to `end`, exclusive, when the log is
  // longer), in pages, in order; stops at the first error, or when `sink` returns an error.
  Status fetch_all(std::uint64_t start, const std::function<Status(LogEntry&&)>& sink,
                   std::uint64_t end = UINT64_MAX);
  // GET /v1/witnesses: the cosigner's view (docs/api.md), as sent.
  Result<nlohmann::json> witnesses();
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
  // GET /v1/tokens/<hex>: a voting code's state by its hash; kNotFound when no such token is
  // committed.
  Result<api::TokenStatus> token(const Digest& token_hash);
  // GET /v1/receipt?index=N.
  Result<Receipt> receipt(std::uint64_t index);
  // GET /v1/proof/consistency?from=&to=: RFC 9162 PROOF(from, D[0:to]) as the ledger serves it
  // (unchecked: LogView::check verifies it).
  Result<std::vector<ledger::Hash>> consistency_proof(std::uint64_t from, std::uint64_t to);

  const http::Url& url() const { return http_.url(); }

 private:
  explicit LedgerConnection(http::Client http) : http_(std::move(http)) {}
  // The body of a 2xx JSON response, or the ledger's error mapped to an Error.
  Result<nlohmann::json> get_json(const std::string& target, const std::string& doing);
  Result<nlohmann::json> json_or_error(Result<http::Response> response, const std::string& doing);

  http::Client http_;
};

// The ledger's JSON error body, mapped to an Error; `doing` opens the message.
Error error_from_response(unsigned status, const std::string& body, const std::string& doing);

}  // namespace tabella::client
