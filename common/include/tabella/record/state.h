// The rules of the election record: replays entries in log order and checks every numbered check
// of docs/spec.md §11. The ledger runs it before appending an entry; tabella-verify runs it over a
// published record. One implementation, so the ledger accepts exactly what the verifier accepts.
//
// Two phases per entry:
//   precheck(bytes, snapshot)  decode, signature, zero-knowledge proofs. Pure and const: run it on
//                              as many threads as there are cores.
//   apply(checked)             authority, phase, tokens, kiosk chains, aggregates. Sequential,
//                              in log order; on failure the state is unchanged.
// Thread-safety: precheck is thread-safe; apply and the accessors need external serialisation.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "tabella/crypto/dlog.h"
#include "tabella/crypto/threshold.h"
#include "tabella/election/context.h"
#include "tabella/election/tally.h"
#include "tabella/ledger/merkle.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "tabella/record/token_audit.h"
#include "tabella/record/token_store.h"

namespace tabella::record {

enum class Phase {
  kEmpty,     // no entry yet: the next must be the election entry
  kSetup,     // election defined: enrolments, key ceremony, kiosks, tokens
  kKeyed,     // joint key published
  kOpen,      // polls open: ballots
  kClosed,    // polls closed
  kTallied,   // encrypted tally published: partial decryptions
  kFinished,  // result published: nothing more
};
std::string_view phase_name(Phase phase);

using Body =
    std::variant<ElectionBody, GuardianEnrolmentBody, GuardianCommitmentsBody, GuardianSharesBody,
                 GuardianComplaintBody, ElectionKeyBody, KioskEnrolmentBody, KioskRevocationBody,
                 TokenCommitmentsBody, PollsBody, CastBallotBody, ChallengedBallotBody,
                 EncryptedTallyBody, PartialDecryptionBody, ResultBody, SharesVerifiedBody,
                 ShareRevealBody, PollsCloseBody>;

// Whether an entry's proofs were checked (checks 7, 14, 17) and, if so, their failures: the
// commitment or ballot proofs, and a challenged ballot's opening. apply() reports a failure in
// the order of docs/spec.md §11.1, after the author and the phase. Converts from bool, so
// callers that replay entries checked before can say `true`.
struct ProofCheck {
  bool done = false;
  std::optional<Error> proofs;
  std::optional<Error> opening;
  ProofCheck() = default;
  ProofCheck(bool checked) : done(checked) {}  // NOLINT(google-explicit-constructor)
  explicit operator bool() const { return done; }
};

// An entry decoded and, as far as the snapshot allowed, cryptographically checked.
struct CheckedEntry {
  Entry entry;
  Body body;
  Digest id{};                // SHA-256(entry_bytes): the entry hash
  ProofCheck proofs_checked;  // false when the snapshot lacked the keys the proofs need
  // SHA-256(0x00 || entry_bytes), the Merkle leaf; precheck fills it, apply() computes it from
  // the entry when absent.
  std::optional<Digest> leaf;
};

// The constants precheck needs, shared read-only between threads.
struct Snapshot {
  std::optional<Digest> q;                                   // after the election entry
  std::shared_ptr<const election::Manifest> manifest;        // after the election entry
  std::shared_ptr<const election::ElectionContext> context;  // after the election key
  std::map<std::uint32_t, Point> public_share_keys;          // after the election key
};

Result<Body> decode_body(EntryType type, ByteView body);

// The numbered checks of docs/spec.md §11.
struct CheckInfo {
  int number;
  const char* name;
  const char* description;
};
inline constexpr int kCheckSignature = 2;
inline constexpr int kCheckCheckpointSignatures = 21;
inline constexpr int kCheckLogRoots = 22;
inline constexpr int kCheckWitnessCosignatures = 23;
inline constexpr int kCheckFinalCheckpoint = 24;
inline constexpr int kCheckFinalSignature = 25;
inline constexpr int kCheckRecordComplete = 26;
inline constexpr int kCheckRecordSequence = 27;
inline constexpr int kCheckCloseTreeHead = 30;
inline constexpr int kCheckCloseKiosks = 31;
inline constexpr int kCheckTallyBinding = 32;
inline constexpr int kCheckDecryptionBinding = 33;
inline constexpr int kCheckResultBinding = 34;
const std::vector<CheckInfo>& all_checks();
// Which check an error on an entry of this type belongs to.
int classify_failure(EntryType type, const Error& error);
// The checks an accepted entry of this type has passed.
std::vector<int> checks_passed(EntryType type);

// Decode (check 1: envelope, then body) and signature (check 2): errors carry the failing field;
// the caller adds the entry index. Then the entry's proofs when the snapshot allows (checks 7,
// 14, 17): their failures are kept in the CheckedEntry and reported by ElectionState::apply in
// the order of docs/spec.md §11.1.
Result<CheckedEntry> precheck(ByteView entry_bytes, const Snapshot& snapshot);

// The proofs precheck left unchecked (checks 7, 14, 17) as far as `snapshot` allows; sets
// checked.proofs_checked when it did them and returns their failure. Lets a caller run cheap
// checks (author, phase, token) between precheck(bytes, Snapshot{}) -- decode and signature
// only -- and the costly proofs.
Status complete_proofs(CheckedEntry& checked, const Snapshot& snapshot);

// Check 15's precinct rule: only a kiosk enrolled for the precinct of a token's commitment may
// spend it. Errors: the precincts differ (kConflict, field "body.token_hash", naming both).
Status check_token_precinct(const std::string& token_precinct, const std::string& kiosk_precinct);
// The other errors of checks 12 and 15, the same from ElectionState and TokenAudit: token
// `position` of a token-commitments entry committed before; a cast ballot's token never
// committed; a cast ballot's token spent before.
Error token_committed_twice(std::size_t position);
Error token_not_committed();
Error token_already_spent();

struct KioskState {
  KioskEnrolmentBody enrolment;
  bool revoked = false;
  std::uint64_t last_sequence = 0;
  Digest chain_head{};
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
};

struct GuardianState {
  GuardianEnrolmentBody enrolment;
  std::optional<GuardianCommitments> commitments;
  bool shared = false;
  bool verified = false;  // posted shares-verified
  bool decrypted = false;
};

// A guardian's complaint about the share another guardian sent it (docs/spec.md §5.3).
struct Complaint {
  enum class Status { kOpen, kResolved, kFailed };
  Status status = Status::kOpen;
  std::optional<Scalar> revealed;  // the share the accused revealed (kResolved, kFailed)
};

class ElectionState {
 public:
  ElectionState();

  // Checks and applies one entry at log position `index` (== size() before the call).
  // REQUIRES: checked came from precheck(..., snapshot()) of the current state or an earlier
  // snapshot with the same constants.
  Status apply(const CheckedEntry& checked);

  Snapshot snapshot() const { return snapshot_; }
  Phase phase() const { return phase_; }
  std::uint64_t size() const { return size_; }
  const election::Manifest* manifest() const { return snapshot_.manifest.get(); }
  const election::ElectionContext* context() const { return snapshot_.context.get(); }
  const PublicKeyBytes& authority() const { return authority_; }
  const std::map<PublicKeyBytes, KioskState>& kiosks() const { return kiosks_; }
  const std::map<std::uint32_t, GuardianState>& guardians() const { return guardians_; }
  // (complainer, accused) -> complaint.
  const std::map<std::pair<std::uint32_t, std::uint32_t>, Complaint>& complaints() const {
    return complaints_;
  }
  // Guardians whose revealed share failed its check, with the reason: the ceremony cannot finish.
  const std::map<std::uint32_t, std::string>& disqualified() const { return disqualified_; }
  // OK when the election key may be published (check 9); otherwise kConflict naming every
  // guardian the ceremony waits for and why, or the disqualified guardian (field "complaints").
  Status ceremony_complete() const;
  std::uint64_t tokens_committed() const { return audit_ ? audit_->committed() : tokens_->count(); }
  std::uint64_t tokens_spent() const { return spent_; }
  std::uint64_t cast_count() const { return tally_ ? tally_->count() : 0; }
  std::uint64_t challenged_count() const { return challenged_; }
  const std::optional<EncryptedTallyBody>& encrypted_tally() const { return encrypted_tally_; }
  const std::optional<ResultBody>& result() const { return result_; }
  // The tree head of the entries applied so far: (size(), MTH(D[0:size()])).
  TreeHead tree_head() const { return {size_, tree_.root()}; }
  // Every enrolled kiosk's chain head and counts, by key: what polls-close must carry (check 31).
  std::vector<KioskHead> kiosk_heads() const;
  // The bodies an entry appended now must carry to pass checks 30..34 (their producers build
  // them here, so that what they sign is what the rules check).
  // REQUIRES: phase() == kOpen
  PollsCloseBody polls_close_body(std::uint64_t time, std::string note) const;
  // REQUIRES: phase() == kClosed
  EncryptedTallyBody tally_body() const;
  // The encrypted tally's entry hash. REQUIRES: phase() >= kTallied
  const Digest& tally_hash() const { return tally_hash_; }
  // Fills result.tally_hash and result.partial_hashes for result.guardians.
  // Errors: a guardian without a partial decryption in the record (kInvalidArgument).
  Status bind_result(ResultBody& result) const;
  // The token hash's state: 0 unknown (or the token store failed), 1 committed and unspent,
  // 2 spent.
  int token_state(const Digest& token_hash) const;
  // A committed voter token: spent or not, and the precinct of the token-commitments entry that
  // committed it. Only a kiosk enrolled for that precinct may spend it (check 15). nullopt: not
  // committed; an error: the token store failed.
  Result<std::optional<TokenStore::Token>> token(const Digest& token_hash) const {
    return tokens_->find(token_hash);
  }
  // The committed tokens (a MemoryTokenStore unless set_token_store() gave another).
  const TokenStore& token_store() const { return *tokens_; }
  // Replaces the token store. `store` must hold exactly the tokens of the entries applied so far
  // (or, before resume_open(), of the entries the totals will cover).
  void set_token_store(std::unique_ptr<TokenStore> store) { tokens_ = std::move(store); }
  // The verifier's mode: checks 12 and 15 are handed to `audit` (in log order) instead of being
  // answered from the token store, so that memory does not grow with the voters; the caller
  // collects the violations from audit->finish() after the last entry. Every other rule is
  // checked as before. token(), token_state() and open_totals() then know no token.
  // REQUIRES: no token-commitments entry applied yet; mark() is not used afterwards.
  void defer_token_checks(std::unique_ptr<TokenAudit> audit) { audit_ = std::move(audit); }
  TokenAudit* token_audit() const { return audit_.get(); }
  // Start-up from stored state: counts the token-commitments entry at position size() as
  // applied without reading it, because the token store already holds its tokens. Leaves the
  // Merkle tree behind: only resume_open() may follow the entries skipped this way.
  // REQUIRES: phase() is kSetup, kKeyed or kOpen
  void skip_stored_token_commitments() { ++size_; }

  // ---- Start-up from stored state (a ledger that restarts without decoding every ballot again).
  // While the polls are open, OpenTotals is everything the ballots applied since polls-open
  // changed besides the token store; a ledger stores it with each batch, with the position of
  // polls-open and the positions of the other entries applied since.
  struct OpenTotals {
    struct Kiosk {
      PublicKeyBytes key{};
      std::uint64_t last_sequence = 0, cast = 0, challenged = 0;
      Digest chain_head{};
    };
    std::uint64_t size = 0;        // entries applied
    ledger::Hash root{};           // MTH of those entries
    std::uint64_t open_index = 0;  // the polls-open entry
    std::uint64_t cast = 0, challenged = 0;
    std::uint64_t tokens = 0;                   // tokens committed (version 2 on)
    std::vector<std::vector<Ciphertext>> sums;  // the tally so far, per contest, per selection
    std::vector<Kiosk> kiosks;                  // every kiosk that has a ballot
    Bytes encode() const;
    static Result<OpenTotals> decode(ByteView bytes);
  };
  // REQUIRES: phase() == kOpen
  OpenTotals open_totals() const;
  std::uint64_t open_index() const { return open_index_; }
  // Puts the totals back into a state that applied (or skipped, see
  // skip_stored_token_commitments) the entries [0, totals.open_index] and, in order, every entry
  // after it up to totals.size that is not a ballot; its token store must already hold the
  // tokens committed and spent by the first totals.size entries (the caller checks that it holds
  // totals.tokens tokens, totals.cast of them spent); `tree` is the Merkle tree of the first
  // totals.size entries. Checks what it can cheaply (phase, root, kiosks enrolled, counts agree);
  // on error the state is unusable: replay instead.
  Status resume_open(const OpenTotals& totals, ledger::MerkleBuilder tree);

  // ---- Undoing a batch (a ledger whose append lost a race in cluster mode). begin_batch()
  // marks the state; rollback_batch() puts it back as it was at the mark in O(entries since) and
  // returns true when only ballots were applied since; false when another entry was (the caller
  // replays the log instead). Each call of begin_batch() replaces the mark.
  void begin_batch();
  bool rollback_batch();

 private:
  Status apply_body(const CheckedEntry& c, const std::optional<Error>& opening_error);
  Status check_author(const CheckedEntry& c) const;  // check 5
  Status check_phase(const CheckedEntry& c) const;   // check 13
  Status require_author_authority(const Entry& e) const;
  Result<std::uint32_t> require_author_guardian(const Entry& e, std::uint32_t claimed) const;
  Status require_author_kiosk(const Entry& e) const;
  Status check_ballot_chain(const KioskState& kiosk, const EncryptedBallot& b) const;
  Status check_polls_close(const PollsCloseBody& b) const;
  Status check_tally_binding(const EncryptedTallyBody& b) const;
  Status check_result_binding(const ResultBody& b) const;

  Phase phase_ = Phase::kEmpty;
  std::uint64_t size_ = 0;
  Snapshot snapshot_;
  PublicKeyBytes authority_{};
  std::map<std::uint32_t, GuardianState> guardians_;
  std::map<PublicKeyBytes, std::uint32_t> guardian_keys_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, Complaint> complaints_;
  std::map<std::uint32_t, std::string> disqualified_;
  std::map<PublicKeyBytes, KioskState> kiosks_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<TokenAudit> audit_;  // set by defer_token_checks
  std::uint64_t spent_ = 0;
  std::uint64_t challenged_ = 0;
  std::optional<election::TallyAccumulator> tally_;
  std::optional<EncryptedTallyBody> encrypted_tally_;
  std::map<std::uint32_t, PartialDecryptionBody> partials_;
  std::optional<ResultBody> result_;
  ledger::MerkleBuilder tree_;  // of the entries applied (checks 30, 32)
  std::uint64_t polls_open_time_ = 0;
  std::uint64_t polls_close_index_ = 0;
  Digest polls_close_hash_{};
  Digest tally_hash_{};
  std::map<std::uint32_t, Digest> partial_hashes_;
  std::uint64_t open_index_ = 0;  // the polls-open entry, once applied
  // begin_batch(): what rollback_batch() restores.
  struct Mark {
    bool active = false;
    bool ballots_only = true;
    std::uint64_t size = 0, spent = 0, challenged = 0;
    ledger::MerkleBuilder tree;
    std::optional<election::TallyAccumulator> tally;
    std::map<PublicKeyBytes, KioskState> kiosks;  // as before their first ballot since the mark
    std::vector<Digest> spent_tokens;
  };
  Mark mark_;
};

}  // namespace tabella::record
