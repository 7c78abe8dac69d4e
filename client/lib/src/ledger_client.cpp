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
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string prefix = doing + " (HTTP " + std::to_string(status) + ")";
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    ErrorCode code = code_from_status(status);
    if (j.contains("error") && j["error"].is_string()) {
      if (auto c = error_code_from_name(j["error"].get<std::string>())) code = *c;
    }
    std::string field =
        j.contains("field") && j["field"].is_string() ? j["field"].get<std::string>() : "";
    return make_error(code, prefix + ": " + j["message"].get<std::string>(), field);
  }
  std::string text = body.substr(0, 200);
  return make_error(code_from_status(status), prefix + (text.empty() ? "" : ": " + text));
}

Result<KioskInfo> KioskInfo::from_json(const json& j) {
  if (!j.is_object()) return missing("kiosk", "an object");
  KioskInfo k;
  auto key = get_hex<32>(j, "key");
  if (!key) return key.error();
  k.key = *key;
  k.fingerprint = get_string(j, "fingerprint").ok() ? *get_string(j, "fingerprint") : "";
  k.name = get_string(j, "name").ok() ? *get_string(j, "name") : "";
  k.precinct = get_string(j, "precinct").ok() ? *get_string(j, "precinct") : "";
  k.revoked = get_bool_or(j, "revoked", false);
  auto seq = get_u64(j, "last_sequence");
  if (!seq) return seq.error();
  k.last_sequence = *seq;
  auto head = get_hex<32>(j, "chain_head");
  if (!head) return head.error();
  k.chain_head = *head;
  k.cast = get_u64(j, "cast").ok() ? *get_u64(j, "cast") : 0;
  k.challenged = get_u64(j, "challenged").ok() ? *get_u64(j, "challenged") : 0;
  return k;
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
  Submitted s;
  auto index = get_u64(*j, "index");
  if (!index) return index.error().with_prefix("response");
  s.index = *index;
  if (auto id = get_hex<32>(*j, "entry_id")) s.entry_id = *id;
  if (auto t = get_string(*j, "type")) s.type = *t;
  if (auto d = j->find("duplicate"); d != j->end() && d->is_boolean()) s.duplicate = d->get<bool>();
  auto it = j->find("receipt");
  if (it == j->end()) return missing("response.receipt", "a receipt");
  auto r = Receipt::from_json(*it);
  if (!r) return r.error().with_prefix("response.receipt");
  s.receipt = std::move(*r);
  if (s.receipt.index != s.index) {
    return make_error(ErrorCode::kInvalidArgument, "receipt is for another index",
                      "response.receipt.index");
  }
  return s;
}

Result<json> LedgerConnection::status() {
  return get_json("/v1/status", "cannot read the status");
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
  BallotInfo b;
  auto index = get_u64(*j, "index");
  if (!index) return index.error();
  b.index = *index;
  if (auto t = get_string(*j, "type")) b.type = *t;
  auto c = get_hex<32>(*j, "code");
  if (!c) return c.error();
  b.code = *c;
  if (auto s = get_string(*j, "short_code")) b.short_code = *s;
  auto k = get_hex<32>(*j, "kiosk");
  if (!k) return k.error();
  b.kiosk = *k;
  if (auto s = get_u64(*j, "sequence")) b.sequence = *s;
  auto it = j->find("receipt");
  if (it == j->end()) return missing("receipt", "a receipt");
  auto r = Receipt::from_json(*it);
  if (!r) return r.error().with_prefix("receipt");
  b.receipt = std::move(*r);
  return b;
}

Result<KioskInfo> LedgerConnection::kiosk(const PublicKeyBytes& key) {
  auto j = get_json("/v1/kiosks/" + to_hex(key), "cannot read kiosk " + to_hex(key));
  if (!j) return j.error();
  return KioskInfo::from_json(*j);
}

Result<nlohmann::json> LedgerConnection::token(const Digest& token_hash) {
  return get_json("/v1/tokens/" + to_hex(token_hash), "cannot check a voting code");
}

Result<Receipt> LedgerConnection::receipt(std::uint64_t index) {
  auto j = get_json("/v1/receipt?index=" + std::to_string(index),
                    "cannot read the receipt of entry " + std::to_string(index));
  if (!j) return j.error();
  return Receipt::from_json(*j);
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
