#include "tabella/client/ledger_client.h"

#include <algorithm>

#include "json_fields.h"

namespace tabella::client {

using nlohmann::json;
using namespace detail;

namespace {

ErrorCode code_from_status(unsigned status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
    case 403:
      return ErrorCode::kPermission;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 413:
      return ErrorCode::kLimit;
    case 422:
      return ErrorCode::kInvalidProof;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kIo;
  }
}

}  // namespace

Error error_from_response(unsigned status, const std::string& body, const std::string& doing) {
  std::string prefix = doing + " (HTTP " + std::to_string(status) + ")";
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (auto b = api::ErrorBody::from_json(j)) {
    Error e = make_error(b->code().value_or(code_from_status(status)), prefix + ": " + b->message,
                         b->field, b->reason);
    return e;
  }
  std::string text = body.substr(0, 200);
  return make_error(code_from_status(status), prefix + (text.empty() ? "" : ": " + text));
}

Result<LedgerConnection> LedgerConnection::connect(std::string_view url, http::Options options) {
  if (options.peer_name == "server") options.peer_name = "ledger";
  auto http = http::Client::create(url, std::move(options));
  if (!http) return http.error();
  return LedgerConnection(std::move(*http));
}

Result<json> LedgerConnection::json_or_error(Result<http::Response> response,
                                             const std::string& doing) {
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) {
    Error e = error_from_response(response->status, response->body, doing);
    if (e.code == ErrorCode::kUnavailable && response->retry_after) {
      e.retry_after = static_cast<std::uint32_t>(response->retry_after->count());
    }
    return e;
  }
  json j = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return make_error(ErrorCode::kInvalidEncoding,
                      doing + ": the ledger at " + url().text + " answered with invalid JSON");
  }
  return j;
}

Result<json> LedgerConnection::get_json(const std::string& target, const std::string& doing) {
  return json_or_error(http_.get(target), doing);
}

Result<Submitted> LedgerConnection::submit(const record::Entry& entry) {
  return submit_bytes(entry.encode());
}

Result<Submitted> LedgerConnection::submit_bytes(ByteView entry_bytes) {
  std::string type = "entry";
  if (auto e = record::Entry::decode(entry_bytes)) type = std::string(entry_type_name(e->type));
  std::string doing = "the ledger refused the " + type + " entry";
  auto j = json_or_error(
      http_.post_json("/v1/entries", json{{"entry", to_base64(entry_bytes)}}.dump()), doing);
  if (!j) return j.error();
  auto s = Submitted::from_json(*j);
  if (!s) return s.error().with_prefix("response");
  return s;
}

Result<api::LedgerStatus> LedgerConnection::status() {
  auto j = get_json("/v1/status", "cannot read the status");
  if (!j) return j.error();
  auto s = api::LedgerStatus::from_json(*j);
  if (!s) return s.error().with_prefix("response");
  return s;
}

Result<std::vector<LogEntry>> LedgerConnection::entries(std::uint64_t start, std::uint32_t count,
                                                        std::uint64_t* log_size) {
  auto j =
      get_json("/v1/entries?start=" + std::to_string(start) + "&count=" + std::to_string(count),
               "cannot read entries from " + std::to_string(start));
  if (!j) return j.error();
  if (log_size != nullptr) {
    auto size = get_u64(*j, "size");
    if (!size) return size.error().with_prefix("response");
    *log_size = *size;
  }
  auto list = j->find("entries");
  if (list == j->end() || !list->is_array()) return missing("response.entries", "an array");
  std::vector<LogEntry> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    std::string where = "response.entries[" + std::to_string(i) + "]";
    std::optional<std::string> b64;
    LogEntry e{start + i, {}};
    if (item.is_string()) {
      b64 = item.get<std::string>();
    } else if (item.is_object()) {
      auto idx = get_u64(item, "index");
      if (!idx) return idx.error().with_prefix(where);
      e.index = *idx;
      auto s = get_string(item, "entry");
      if (!s) return s.error().with_prefix(where);
      b64 = *s;
    } else {
      return missing(where, "an object");
    }
    if (e.index != start + i) {
      return make_error(ErrorCode::kInvalidArgument, "expected index " + std::to_string(start + i),
                        where + ".index");
    }
    auto bytes = from_base64(*b64);
    if (!bytes) return bytes.error().with_prefix(where + ".entry");
    e.bytes = std::move(*bytes);
    out.push_back(std::move(e));
  }
  return out;
}

Status LedgerConnection::fetch_all(std::uint64_t start,
                                   const std::function<Status(LogEntry&&)>& sink,
                                   std::uint64_t end) {
  while (start < end) {
    std::uint64_t size = 0;
    auto count = static_cast<std::uint32_t>(std::min<std::uint64_t>(1000, end - start));
    auto page = entries(start, count, &size);
    if (!page) return page.error();
    if (page->empty()) return {};
    if (page->size() > count) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the ledger sent " + std::to_string(page->size()) + " entries, " +
                            std::to_string(count) + " were asked for",
                        "response.entries");
    }
    for (auto& e : *page) TABELLA_TRY(sink(std::move(e)));
    start += page->size();
    if (start >= size) return {};
  }
  return {};
}

Result<json> LedgerConnection::witnesses() {
  return get_json("/v1/witnesses", "cannot read the witnesses' state");
}

Status LedgerConnection::export_record(const std::filesystem::path& path) {
  auto r = http_.download("/v1/export", path);
  if (!r) return r.error();
  if (r->status != 200) return error_from_response(r->status, r->body, "cannot export the record");
  return {};
}

Result<std::string> LedgerConnection::log_key() {
  auto r = http_.get("/log-key");
  if (!r) return r.error();
  if (r->status != 200) return error_from_response(r->status, r->body, "cannot read the log key");
  std::string key = r->body;
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
    key.pop_back();
  }
  if (!ledger::NoteVerifier::from_verifier_key(key).ok()) {
    return make_error(
        ErrorCode::kInvalidEncoding,
        "the ledger's /log-key is not a C2SP Ed25519 verifier key: '" + key.substr(0, 120) + "'");
  }
  return key;
}

Result<std::string> LedgerConnection::checkpoint() {
  auto r = http_.get("/checkpoint");
  if (!r) return r.error();
  if (r->status != 200)
    return error_from_response(r->status, r->body, "cannot read the checkpoint");
  return r->body;
}

Result<BallotInfo> LedgerConnection::ballot(std::string_view code) {
  std::string path;
  for (char c : code) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') path += c;
  }
  auto j = get_json("/v1/ballots/" + path, "cannot look up ballot " + std::string(code));
  if (!j) return j.error();
  auto b = BallotInfo::from_json(*j);
  if (!b) return b.error().with_prefix("response");
  return b;
}

Result<KioskInfo> LedgerConnection::kiosk(const PublicKeyBytes& key) {
  auto j = get_json("/v1/kiosks/" + to_hex(key), "cannot read kiosk " + to_hex(key));
  if (!j) return j.error();
  auto k = KioskInfo::from_json(*j);
  if (!k) return k.error().with_prefix("response");
  return k;
}

Result<api::TokenStatus> LedgerConnection::token(const Digest& token_hash) {
  auto j = get_json("/v1/tokens/" + to_hex(token_hash), "cannot check a voting code");
  if (!j) return j.error();
  auto t = api::TokenStatus::from_json(*j);
  if (!t) return t.error().with_prefix("response");
  return t;
}

Result<Receipt> LedgerConnection::receipt(std::uint64_t index) {
  auto j = get_json("/v1/receipt?index=" + std::to_string(index),
                    "cannot read the receipt of entry " + std::to_string(index));
  if (!j) return j.error();
  auto r = Receipt::from_json(*j);
  if (!r) return r.error().with_prefix("response");
  return r;
}

Result<std::vector<ledger::Hash>> LedgerConnection::consistency_proof(std::uint64_t from,
                                                                      std::uint64_t to) {
  auto j =
      get_json("/v1/proof/consistency?from=" + std::to_string(from) + "&to=" + std::to_string(to),
               "cannot read the consistency proof from size " + std::to_string(from) + " to " +
                   std::to_string(to));
  if (!j) return j.error();
  auto list = j->find("proof");
  if (list == j->end() || !list->is_array() || list->size() > 64) {
    return missing("response.proof", "an array of at most 64 hex hashes");
  }
  std::vector<ledger::Hash> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string name = "response.proof[" + std::to_string(i) + "]";
    if (!(*list)[i].is_string()) return missing(name, "a hex string");
    auto h = hex_array<32>((*list)[i].get<std::string>(), name);
    if (!h) return h.error();
    out.push_back(*h);
  }
  return out;
}

}  // namespace tabella::client
