#include "tabella/ledger/receipt.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tabella::ledger {

namespace {

using nlohmann::json;

Error expected(const std::string& member, const char* what) {
  return make_error(ErrorCode::kInvalidEncoding, std::string("expected ") + what, member);
}

Result<std::uint64_t> u64_member(const json& j, const std::string& member) {
  auto it = j.find(member);
  if (it == j.end() || !it->is_number_integer() ||
      (!it->is_number_unsigned() && it->get<std::int64_t>() < 0)) {
    return expected(member, "an unsigned integer");
  }
  return it->get<std::uint64_t>();
}

Result<Hash> hash_text(const json& j, const std::string& member) {
  if (!j.is_string()) return expected(member, "64 hex digits");
  auto bytes = from_hex(j.get<std::string>());
  if (!bytes || bytes->size() != 32) return expected(member, "64 hex digits");
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

}  // namespace

Result<std::vector<Hash>> proof_from_json(const json& j, const std::string& member) {
  auto list = j.find(member);
  if (list == j.end() || !list->is_array() || list->size() > 64) {
    return expected(member, "an array of at most 64 hex hashes");
  }
  std::vector<Hash> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto h = hash_text((*list)[i], member + "[" + std::to_string(i) + "]");
    if (!h) return h.error();
    out.push_back(*h);
  }
  return out;
}

Result<Receipt> Receipt::from_json(const json& j) {
  if (!j.is_object()) return expected("receipt", "an object");
  Receipt r;
  auto index = u64_member(j, "index");
  if (!index) return index.error();
  r.index = *index;
  auto leaf = j.find("leaf_hash");
  if (leaf == j.end()) return expected("leaf_hash", "64 hex digits");
  auto lh = hash_text(*leaf, "leaf_hash");
  if (!lh) return lh.error();
  r.leaf_hash = *lh;
  auto size = u64_member(j, "tree_size");
  if (!size) return size.error();
  r.tree_size = *size;
  auto proof = proof_from_json(j, "inclusion_proof");
  if (!proof) return proof.error();
  r.inclusion_proof = std::move(*proof);
  auto cp = j.find("checkpoint");
  if (cp == j.end() || !cp->is_string()) return expected("checkpoint", "a string");
  r.checkpoint = cp->get<std::string>();
  if (auto c = j.find("cosigned"); c != j.end()) {
    if (!c->is_boolean()) return expected("cosigned", "true or false");
    r.cosigned = c->get<bool>();
  }
  return r;
}

json Receipt::to_json() const {
  json proof = json::array();
  for (const auto& h : inclusion_proof) proof.push_back(to_hex(h));
  json j = {{"index", index},
            {"leaf_hash", to_hex(leaf_hash)},
            {"tree_size", tree_size},
            {"inclusion_proof", proof},
            {"checkpoint", checkpoint}};
  if (cosigned) j["cosigned"] = *cosigned;
  return j;
}

LogCheck check_receipt(const Receipt& receipt, ByteView entry_bytes, const LogTrust& trust) {
  LogCheck c = check_ledger_signature(receipt.checkpoint, trust);  // 1
  if (!c.final()) return c;
  const Checkpoint& cp = c.checkpoint;
  if (cp.size != receipt.tree_size) {  // 2
    return log_failure(LogFault::kSizeMismatch,
                       "the receipt names tree size " + std::to_string(receipt.tree_size) +
                           ", its checkpoint covers " + std::to_string(cp.size),
                       cp);
  }
  if (receipt.index >= receipt.tree_size) {
    return log_failure(LogFault::kIndexOutOfRange,
                       "entry " + std::to_string(receipt.index) + " is not inside a tree of " +
                           std::to_string(receipt.tree_size),
                       cp);
  }
  const Hash leaf = leaf_hash(entry_bytes);  // 3
  if (leaf != receipt.leaf_hash) {
    return log_failure(LogFault::kWrongLeafHash,
                       "the leaf hash is not SHA-256(0x00 || entry bytes) of the submitted entry",
                       cp);
  }
  Status included =  // 4
      verify_inclusion(leaf, receipt.index, receipt.tree_size, receipt.inclusion_proof, cp.root);
  if (!included.ok()) {
    return log_failure(LogFault::kBadInclusionProof,
                       "the inclusion proof does not lead from entry " +
                           std::to_string(receipt.index) +
                           " to the checkpoint's root: " + included.error().message,
                       cp);
  }
  check_cosignatures(receipt.checkpoint, trust, c);  // 5
  return c;
}

}  // namespace tabella::ledger
