#include "tabella/record/token_store.h"

#include <algorithm>

namespace tabella::record {

TokenStore::~TokenStore() = default;

Result<std::optional<TokenStore::Token>> MemoryTokenStore::find(const Digest& hash) const {
  auto it = tokens_.find(hash);
  if (it == tokens_.end()) return std::optional<Token>();
  return std::optional<Token>(
      Token{it->second.spent_at.has_value(), precincts_[it->second.precinct]});
}

Status MemoryTokenStore::commit(const Digest& hash, const std::string& precinct,
                                std::uint64_t index) {
  auto known = std::find(precincts_.begin(), precincts_.end(), precinct);
  const auto p = static_cast<std::uint32_t>(known - precincts_.begin());
  if (known == precincts_.end()) precincts_.push_back(precinct);
  tokens_.emplace(hash, Entry{p, index, std::nullopt});
  return Status::success();
}

Status MemoryTokenStore::spend(const Digest& hash, std::uint64_t index) {
  tokens_.at(hash).spent_at = index;
  return Status::success();
}

void MemoryTokenStore::unspend(const Digest& hash) {
  tokens_.at(hash).spent_at.reset();
}

std::vector<MemoryTokenStore::Row> MemoryTokenStore::rows() const {
  std::vector<Row> out;
  out.reserve(tokens_.size());
  for (const auto& [hash, e] : tokens_) {
    out.push_back({hash, precincts_[e.precinct], e.committed_at, e.spent_at});
  }
  return out;
}

}  // namespace tabella::record
