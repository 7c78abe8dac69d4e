// The one builder of an election record up to "polls open", every entry signed by its proper
// author: the authority, the ledger key the election entry names, the key ceremony of n
// guardians with quorum k (optionally a bad share and a false complaint, both answered by
// share-reveals, docs/spec.md §5.3), the joint election key, the kiosks enrolled and the voting
// codes committed. Every key and secret is drawn from the given Rng in a fixed order, so a
// SeededRng gives the same entries every time.
//
// Its two users: the kiosk's demo mode (make_demo_election in client/kiosk/core/memory_ledger.h:
// one guardian, the kiosk's own key, an in-process MemoryLedger over the entries) and the test
// suite's simulated elections (tests/support/election_sim.h, which casts ballots, closes the
// polls and tallies on top, and tampers with the result to prove each check can fail). It lives
// in `common` because the demo mode is a product feature that cannot reach into tests/, and it
// needs only the record's formats and the crypto (no Qt, SQLite or Beast), which every user
// already links; ElectionState, which checks what it builds (tests/unit), is here too.
//
// Thread-safety: a value type; not shared between threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/random.h"
#include "tabella/crypto/threshold.h"
#include "tabella/election/context.h"
#include "tabella/election/manifest.h"
#include "tabella/record/entry.h"
#include "tabella/util/result.h"

namespace tabella::record {

class ElectionBuilder {
 public:
  struct Ceremony {
    std::uint32_t guardians = 1;
    std::uint32_t quorum = 1;
    // Guardian bad_share_from sends bad_share_to a random scalar instead of its share; the
    // recipient complains and the sender reveals the true share. A false complaint is made by
    // false_complaint_by about false_complaint_about (whose share was good); the accused reveals
    // it all the same. 0: none.
    std::uint32_t bad_share_from = 0, bad_share_to = 0;
    std::uint32_t false_complaint_by = 0, false_complaint_about = 0;
  };

  // Writes the election entry (manifest.guardians and quorum set from `ceremony`), the key
  // ceremony and the election key. REQUIRES: manifest is valid; 1 <= quorum <= guardians.
  static Result<ElectionBuilder> create(election::Manifest manifest, const Ceremony& ceremony,
                                        Rng& rng);

  // Enrols a kiosk (name "kiosk-<n>", precinct "precinct-1") with the given key, or with a new
  // key drawn from the rng (returned, and kept in keys()).
  void enrol_kiosk(const PublicKeyBytes& key);
  std::shared_ptr<const SigningKey> new_kiosk(Rng& rng);
  // Draws `count` voting codes and commits their hashes for precinct-1 (entries of at most
  // kMaxTokensPerEntry; none for 0).
  std::vector<std::string> commit_tokens(std::size_t count, Rng& rng);
  void open_polls(std::uint64_t time);
  // Appends any entry, signed by `key`; returns its entry hash.
  Digest add(EntryType type, Bytes body, const SigningKey& key);

  const std::vector<Bytes>& entries() const { return entries_; }
  const election::Manifest& manifest() const { return context_->manifest; }
  const Digest& q() const { return context_->q; }
  const election::ElectionContext& context() const { return *context_; }
  const std::shared_ptr<const SigningKey>& authority() const { return authority_; }
  // The checkpoint signer the election entry names, and its note verifier key.
  const std::shared_ptr<const SigningKey>& ledger_key() const { return ledger_key_; }
  std::string ledger_verifier_key() const;
  // Per guardian i (at [i - 1]): its signing key, its secrets and its share s_i of the election
  // key (the shares it received combined).
  const std::vector<std::shared_ptr<const SigningKey>>& guardians() const { return guardians_; }
  const std::vector<GuardianSecrets>& guardian_secrets() const { return secrets_; }
  const std::vector<Scalar>& guardian_shares() const { return shares_; }
  // Every author's key by its public key (authority, ledger, guardians, kiosks drawn here).
  const std::map<PublicKeyBytes, std::shared_ptr<const SigningKey>>& keys() const { return keys_; }

 private:
  ElectionBuilder() = default;
  std::shared_ptr<const SigningKey> draw_key(Rng& rng);

  Digest q_{};                                        // signs every entry
  std::optional<election::ElectionContext> context_;  // set by create()
  std::shared_ptr<const SigningKey> authority_;
  std::shared_ptr<const SigningKey> ledger_key_;
  std::vector<std::shared_ptr<const SigningKey>> guardians_;
  std::vector<GuardianSecrets> secrets_;
  std::vector<Scalar> shares_;
  std::map<PublicKeyBytes, std::shared_ptr<const SigningKey>> keys_;
  std::vector<Bytes> entries_;
  std::uint32_t kiosks_ = 0;
};

}  // namespace tabella::record
