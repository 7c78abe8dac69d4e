#include "tabella/api/messages.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tabella::api {

namespace {

using nlohmann::json;

Error expected(const std::string& member, const std::string& what) {
  return make_error(ErrorCode::kInvalidEncoding, "expected " + what, member);
}

// Strict member readers; each error names the member.
Result<std::uint64_t> read_u64(const json& j, const std::string& member) {
  auto it = j.find(member);
  if (it == j.end() || !it->is_number_integer() ||
      (!it->is_number_unsigned() && it->get<std::int64_t>() < 0)) {
    return expected(member, "an unsigned integer");
  }
  return it->get<std::uint64_t>();
}

Result<std::uint32_t> read_u32(const json& j, const std::string& member) {
  auto v = read_u64(j, member);
  if (!v) return v.error();
  if (*v > UINT32_MAX) return expected(member, "an unsigned 32-bit integer");
  return static_cast<std::uint32_t>(*v);
}

Result<std::string> read_string(const json& j, const std::string& member) {
  auto it = j.find(member);
  if (it == j.end() || !it->is_string()) return expected(member, "a string");
  return it->get<std::string>();
}

Result<bool> read_bool(const json& j, const std::string& member) {
  auto it = j.find(member);
  if (it == j.end() || !it->is_boolean()) return expected(member, "true or false");
  return it->get<bool>();
}

Result<std::array<std::uint8_t, 32>> read_hex32(const json& j, const std::string& member) {
  auto text = read_string(j, member);
  if (!text) return expected(member, "64 hex digits");
  auto bytes = from_hex(*text);
  if (!bytes || bytes->size() != 32) return expected(member, "64 hex digits");
  std::array<std::uint8_t, 32> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Result<ledger::Receipt> read_receipt(const json& j, const std::string& member) {
  auto it = j.find(member);
  if (it == j.end()) return expected(member, "a receipt object");
  auto r = ledger::Receipt::from_json(*it);
  if (!r) return r.error().with_prefix(member);
  return r;
}

// A reply's receipt must be for the entry the reply names: `what` says which ("the reply").
Status receipt_is_for(const ledger::Receipt& receipt, std::uint64_t index, const char* what) {
  if (receipt.index == index) return Status::success();
  return make_error(ErrorCode::kInvalidArgument,
                    "the receipt is for entry " + std::to_string(receipt.index) + ", " + what +
                        " entry " + std::to_string(index),
                    "receipt.index");
}

// Assigns a read value or returns its error from the enclosing function.
#define TABELLA_READ(target, expr)                    \
  do {                                                \
    auto tabella_read_ = (expr);                      \
    if (!tabella_read_) return tabella_read_.error(); \
    target = std::move(*tabella_read_);               \
  } while (0)

}  // namespace

ErrorBody ErrorBody::of(const Error& error) {
  return ErrorBody{error_code_name(error.code), error.message, error.field, error.reason};
}

std::optional<ErrorCode> ErrorBody::code() const {
  return error_code_from_name(error);
}

Result<ErrorBody> ErrorBody::from_json(const json& j) {
  if (!j.is_object()) return expected("error body", "an object");
  ErrorBody b;
  TABELLA_READ(b.error, read_string(j, "error"));
  TABELLA_READ(b.message, read_string(j, "message"));
  if (j.contains("field")) TABELLA_READ(b.field, read_string(j, "field"));
  if (j.contains("reason")) {
    std::string reason;
    TABELLA_READ(reason, read_string(j, "reason"));
    b.reason = error_reason_from_name(reason).value_or(ErrorReason::kNone);
  }
  return b;
}

json ErrorBody::to_json() const {
  json j = {{"error", error}, {"message", message}, {"field", field}};
  if (reason != ErrorReason::kNone) j["reason"] = error_reason_name(reason);
  return j;
}

std::string ErrorBody::dump() const {
  return to_json().dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<SubmitReply> SubmitReply::from_json(const json& j) {
  if (!j.is_object()) return expected("reply", "an object");
  SubmitReply r;
  TABELLA_READ(r.index, read_u64(j, "index"));
  TABELLA_READ(r.entry_id, read_hex32(j, "entry_id"));
  TABELLA_READ(r.type, read_string(j, "type"));
  TABELLA_READ(r.duplicate, read_bool(j, "duplicate"));
  TABELLA_READ(r.receipt, read_receipt(j, "receipt"));
  Status matches = receipt_is_for(r.receipt, r.index, "the reply for");
  if (!matches.ok()) return matches.error();
  return r;
}

json SubmitReply::to_json() const {
  return {{"index", index},
          {"entry_id", to_hex(entry_id)},
          {"type", type},
          {"duplicate", duplicate},
          {"receipt", receipt.to_json()}};
}

Result<GuardianStatus> GuardianStatus::from_json(const json& j) {
  if (!j.is_object()) return expected("guardian", "an object");
  GuardianStatus g;
  TABELLA_READ(g.index, read_u32(j, "index"));
  TABELLA_READ(g.name, read_string(j, "name"));
  TABELLA_READ(g.key, read_string(j, "key"));
  TABELLA_READ(g.committed, read_bool(j, "committed"));
  TABELLA_READ(g.shared, read_bool(j, "shared"));
  TABELLA_READ(g.decrypted, read_bool(j, "decrypted"));
  return g;
}

json GuardianStatus::to_json() const {
  return {{"index", index},         {"name", name},     {"key", key},
          {"committed", committed}, {"shared", shared}, {"decrypted", decrypted}};
}

Result<KioskStatus> KioskStatus::from_json(const json& j) {
  if (!j.is_object()) return expected("kiosk", "an object");
  KioskStatus k;
  TABELLA_READ(k.key, read_hex32(j, "key"));
  TABELLA_READ(k.fingerprint, read_string(j, "fingerprint"));
  TABELLA_READ(k.name, read_string(j, "name"));
  TABELLA_READ(k.precinct, read_string(j, "precinct"));
  TABELLA_READ(k.revoked, read_bool(j, "revoked"));
  TABELLA_READ(k.cast, read_u64(j, "cast"));
  TABELLA_READ(k.challenged, read_u64(j, "challenged"));
  TABELLA_READ(k.last_sequence, read_u64(j, "last_sequence"));
  TABELLA_READ(k.chain_head, read_hex32(j, "chain_head"));
  return k;
}

json KioskStatus::to_json() const {
  return {{"key", to_hex(key)},
          {"fingerprint", fingerprint},
          {"name", name},
          {"precinct", precinct},
          {"revoked", revoked},
          {"cast", cast},
          {"challenged", challenged},
          {"last_sequence", last_sequence},
          {"chain_head", to_hex(chain_head)}};
}

Result<LedgerStatus> LedgerStatus::from_json(const json& j) {
  if (!j.is_object()) return expected("status", "an object");
  LedgerStatus s;
  TABELLA_READ(s.election_id, read_string(j, "election_id"));
  TABELLA_READ(s.origin, read_string(j, "origin"));
  TABELLA_READ(s.phase, read_string(j, "phase"));
  TABELLA_READ(s.size, read_u64(j, "size"));
  TABELLA_READ(s.ballots_cast, read_u64(j, "ballots_cast"));
  TABELLA_READ(s.ballots_challenged, read_u64(j, "ballots_challenged"));
  TABELLA_READ(s.tokens_committed, read_u64(j, "tokens_committed"));
  TABELLA_READ(s.tokens_spent, read_u64(j, "tokens_spent"));
  TABELLA_READ(s.guardian_count, read_u32(j, "guardian_count"));
  TABELLA_READ(s.quorum, read_u32(j, "quorum"));
  auto list = [&j](const char* member, auto& out) -> Status {
    auto it = j.find(member);
    if (it == j.end() || !it->is_array()) return expected(member, "an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      using Item = typename std::decay_t<decltype(out)>::value_type;
      auto item = Item::from_json((*it)[i]);
      if (!item)
        return item.error().with_prefix(std::string(member) + "[" + std::to_string(i) + "]");
      out.push_back(std::move(*item));
    }
    return {};
  };
  TABELLA_TRY(list("guardians", s.guardians));
  TABELLA_TRY(list("kiosks", s.kiosks));
  return s;
}

json LedgerStatus::to_json() const {
  json g = json::array();
  for (const auto& r : guardians) g.push_back(r.to_json());
  json k = json::array();
  for (const auto& r : kiosks) k.push_back(r.to_json());
  return {{"election_id", election_id},
          {"origin", origin},
          {"phase", phase},
          {"size", size},
          {"ballots_cast", ballots_cast},
          {"ballots_challenged", ballots_challenged},
          {"tokens_committed", tokens_committed},
          {"tokens_spent", tokens_spent},
          {"guardian_count", guardian_count},
          {"quorum", quorum},
          {"guardians", std::move(g)},
          {"kiosks", std::move(k)}};
}

Result<BallotLookup> BallotLookup::from_json(const json& j) {
  if (!j.is_object()) return expected("ballot", "an object");
  BallotLookup b;
  TABELLA_READ(b.index, read_u64(j, "index"));
  TABELLA_READ(b.type, read_string(j, "type"));
  if (b.type != "cast-ballot" && b.type != "challenged-ballot") {
    return expected("type", "\"cast-ballot\" or \"challenged-ballot\"");
  }
  TABELLA_READ(b.code, read_hex32(j, "code"));
  TABELLA_READ(b.short_code, read_string(j, "short_code"));
  TABELLA_READ(b.kiosk, read_hex32(j, "kiosk"));
  TABELLA_READ(b.sequence, read_u64(j, "sequence"));
  TABELLA_READ(b.receipt, read_receipt(j, "receipt"));
  Status matches = receipt_is_for(b.receipt, b.index, "the ballot is");
  if (!matches.ok()) return matches.error();
  return b;
}

json BallotLookup::to_json() const {
  return {{"index", index},
          {"type", type},
          {"code", to_hex(code)},
          {"short_code", short_code},
          {"kiosk", to_hex(kiosk)},
          {"sequence", sequence},
          {"receipt", receipt.to_json()}};
}

Result<TokenStatus> TokenStatus::from_json(const json& j) {
  if (!j.is_object()) return expected("token", "an object");
  TokenStatus t;
  TABELLA_READ(t.token_hash, read_hex32(j, "token_hash"));
  std::string state;
  TABELLA_READ(state, read_string(j, "state"));
  if (state != "spent" && state != "unspent") return expected("state", "\"spent\" or \"unspent\"");
  t.spent = state == "spent";
  TABELLA_READ(t.precinct, read_string(j, "precinct"));
  return t;
}

json TokenStatus::to_json() const {
  return {{"token_hash", to_hex(token_hash)},
          {"state", spent ? "spent" : "unspent"},
          {"precinct", precinct}};
}

Result<EntryPage> EntryPage::from_json(const json& j) {
  if (!j.is_object()) return expected("entries", "an object");
  EntryPage p;
  TABELLA_READ(p.size, read_u64(j, "size"));
  auto list = j.find("entries");
  if (list == j.end() || !list->is_array()) return expected("entries", "an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string where = "entries[" + std::to_string(i) + "]";
    if (!item.is_object()) return expected(where, "an object");
    Item e;
    std::string b64;
    auto read = [&]() -> Status {
      TABELLA_READ(e.index, read_u64(item, "index"));
      TABELLA_READ(e.type, read_string(item, "type"));
      TABELLA_READ(b64, read_string(item, "entry"));
      return {};
    };
    Status ok = read();
    if (!ok.ok()) return ok.error().with_prefix(where);
    auto bytes = from_base64(b64);
    if (!bytes) return expected(where + ".entry", "base64");
    e.entry = std::move(*bytes);
    if (i > 0 && e.index != p.entries.back().index + 1) {
      return make_error(ErrorCode::kInvalidEncoding,
                        "expected index " + std::to_string(p.entries.back().index + 1),
                        where + ".index");
    }
    p.entries.push_back(std::move(e));
  }
  return p;
}

json EntryPage::to_json() const {
  json list = json::array();
  for (const auto& e : entries) {
    list.push_back({{"index", e.index}, {"type", e.type}, {"entry", to_base64(e.entry)}});
  }
  return {{"size", size}, {"entries", std::move(list)}};
}

Result<InclusionProofReply> InclusionProofReply::from_json(const json& j) {
  if (!j.is_object()) return expected("proof", "an object");
  InclusionProofReply r;
  TABELLA_READ(r.index, read_u64(j, "index"));
  TABELLA_READ(r.size, read_u64(j, "size"));
  TABELLA_READ(r.root, read_hex32(j, "root"));
  TABELLA_READ(r.proof, ledger::proof_from_json(j, "proof"));
  return r;
}

json InclusionProofReply::to_json() const {
  json list = json::array();
  for (const auto& h : proof) list.push_back(to_hex(h));
  return {{"index", index}, {"size", size}, {"root", to_hex(root)}, {"proof", std::move(list)}};
}

namespace {

Result<CheckpointPage::Item> read_checkpoint_item(const json& j, const std::string& where) {
  if (!j.is_object()) return expected(where, "an object");
  CheckpointPage::Item c;
  auto size = read_u64(j, "size");
  if (!size) return size.error().with_prefix(where);
  c.size = *size;
  auto note = read_string(j, "note");
  if (!note) return note.error().with_prefix(where);
  c.note = std::move(*note);
  return c;
}

}  // namespace

Result<CheckpointPage> CheckpointPage::from_json(const json& j) {
  if (!j.is_object()) return expected("checkpoints", "an object");
  CheckpointPage p;
  TABELLA_READ(p.total, read_u64(j, "total"));
  TABELLA_READ(p.start, read_u64(j, "start"));
  auto list = j.find("checkpoints");
  if (list == j.end() || !list->is_array()) return expected("checkpoints", "an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto c = read_checkpoint_item((*list)[i], "checkpoints[" + std::to_string(i) + "]");
    if (!c) return c.error();
    p.checkpoints.push_back(std::move(*c));
  }
  auto cosigned = j.find("cosigned");
  if (cosigned == j.end()) return expected("cosigned", "an object or null");
  if (!cosigned->is_null()) {
    auto c = read_checkpoint_item(*cosigned, "cosigned");
    if (!c) return c.error();
    p.cosigned = std::move(*c);
  }
  return p;
}

json CheckpointPage::to_json() const {
  json list = json::array();
  for (const auto& c : checkpoints) list.push_back({{"size", c.size}, {"note", c.note}});
  return {
      {"total", total},
      {"start", start},
      {"checkpoints", std::move(list)},
      {"cosigned", cosigned ? json{{"size", cosigned->size}, {"note", cosigned->note}} : json()}};
}

#undef TABELLA_READ

}  // namespace tabella::api
