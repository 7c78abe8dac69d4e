// TokenStore: the committed voter tokens of an election (check 12: committed once each; check 15:
// spent at most once, by a kiosk of their precinct), as the rules in state.h see them. An
// interface so that a ledger can keep the set in its database (a restart then does not rebuild it
// from the log, docs/cluster.md section 1a) while the verifier and the kiosk keep it in memory
// (MemoryTokenStore, the default of ElectionState).
//
// Thread-safety: none; ElectionState serialises its calls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tabella/crypto/hash.h"
#include "tabella/util/result.h"

namespace tabella::record {

class TokenStore {
 public:
  // A committed token: spent or not, and the precinct of the token-commitments entry that
  // committed it.
  struct Token {
    bool spent = false;
    std::string precinct;
  };
  virtual ~TokenStore();

  // nullopt: not committed. Errors: the backing store failed (kIo).
  virtual Result<std::optional<Token>> find(const Digest& hash) const = 0;
  // Commits a token of `precinct` by the token-commitments entry at log position `index`.
  // REQUIRES: find(hash) is nullopt
  virtual Status commit(const Digest& hash, const std::string& precinct, std::uint64_t index) = 0;
  // Spends a token by the cast ballot at log position `index`.
  // REQUIRES: find(hash) is a committed, unspent token
  virtual Status spend(const Digest& hash, std::uint64_t index) = 0;
  // Undoes spend(hash, ...) (a batch rolled back). REQUIRES: spent since the last commit point
  virtual void unspend(const Digest& hash) = 0;
  // Tokens committed.
  virtual std::uint64_t count() const = 0;
};

// The tokens in memory (an ordered map: 48 bytes and a node per token).
class MemoryTokenStore final : public TokenStore {
 public:
  Result<std::optional<Token>> find(const Digest& hash) const override;
  Status commit(const Digest& hash, const std::string& precinct, std::uint64_t index) override;
  Status spend(const Digest& hash, std::uint64_t index) override;
  void unspend(const Digest& hash) override;
  std::uint64_t count() const override { return tokens_.size(); }

  // Every committed token, as the rows a database copy of the set holds.
  struct Row {
    Digest hash{};
    std::string precinct;
    std::uint64_t committed_at = 0;
    std::optional<std::uint64_t> spent_at;
  };
  std::vector<Row> rows() const;

 private:
  struct Entry {
    std::uint32_t precinct = 0;  // into precincts_
    std::uint64_t committed_at = 0;
    std::optional<std::uint64_t> spent_at;
  };
  std::map<Digest, Entry> tokens_;
  std::vector<std::string> precincts_;  // distinct, in the order they first appeared
};

}  // namespace tabella::record
