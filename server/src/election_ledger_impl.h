// ElectionLedger::Impl: the election ledger's state and the helpers its parts share. Private to
// tabella_server; included by the files that make up ElectionLedger:
//   election_ledger.cpp        open(), admission (admit, verify_admitted), the BatchHooks
//                              (validate, before_commit, after_commit), publish_checkpoint
//   election_replay.cpp        start-up and recovery: replay, resume from stored state, rebuild
//   election_record_routes.cpp the record endpoints (entries, status, receipts, ballots,
//                              kiosks, tokens, export, witnesses)
//   tlog_routes.cpp            the transparency-log endpoints (checkpoints, log key, tiles,
//                              proofs)
//   tree_hash_cache.h          the Merkle tree's hashes with the recent ones in memory
//
// Thread-safety (election_ledger.h states the public rules): `state`, `builder` and the batch_*
// members belong to the committer thread (and open()); readers on I/O and pool threads see only
// `pub` (a Published snapshot swapped under pub_mu after each COMMIT), the voter tokens (the
// storage's token table and `unserved`, under tokens_mu) and the checkpoints (under cp_mu); the
// cache guards itself.
#pragma once

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proof_frontier.h"
#include "tabella/election/ballot.h"
#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/record/state.h"
#include "tabella/server/cosigner.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/log.h"
#include "tabella/util/canonical.h"
#include "tabella/util/mutex.h"
#include "token_table.h"
#include "tree_hash_cache.h"

namespace tabella::server {

// The helpers of the files above (not part of the server's interface).
namespace election_detail {

using nlohmann::json;
using record::CheckedEntry;
using record::EntryType;

constexpr std::string_view kAuthorField = "entry.author";
// Unknown-author errors (401) are kPermission on kAuthorField with reason kUnknownAuthor and
// this message prefix; ElectionState's own permission errors (403) use the same field.
constexpr std::string_view kUnknownAuthor = "unknown author: ";
constexpr std::uint64_t kReplayChunk = 1024;

// Start-up from stored state (docs/cluster.md, "Start-up from stored state"): rows written in the
// transaction of a batch while the polls are open, so that a restart (or a lost cluster race
// that cannot be undone in memory) need not decode every ballot again.
//   resume/open             ElectionState::OpenTotals as of a batch's last entry: written by the
//                           first batch after polls-open (or after a start), then by the first
//                           batch that ends ElectionLedger::kResumeTotalsEvery entries or more
//                           after the last one written; a start replays the entries after it
//   resume/entry/<index>    (empty) an entry after polls-open that is not a ballot
//   resume/token-entries    u64be each: the positions of the token-commitments entries, whose
//                           tokens are the token table's rows (a start does not read them)
// and the token table (storage.h, TokenRow), written by every batch since version 2.
constexpr std::string_view kResumeTotalsKey = "resume/open";
constexpr std::string_view kResumeEntryPrefix = "resume/entry/";
constexpr std::string_view kTokenEntriesKey = "resume/token-entries";

inline std::string resume_key(std::string_view prefix, std::uint64_t index) {
  std::string digits = std::to_string(index);
  return std::string(prefix) + std::string(20 - digits.size(), '0') + digits;
}

// The <index> of a resume/entry/ key.
inline Result<std::uint64_t> resume_key_index(std::string_view key, std::string_view prefix) {
  std::string_view digits = key.substr(prefix.size());
  std::uint64_t index = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (digits.size() != 20 || ec != std::errc() || end != digits.data() + digits.size()) {
    return make_error(ErrorCode::kInvalidEncoding, "malformed state row key", std::string(key));
  }
  return index;
}
constexpr std::uint64_t kExportChunk = 32;  // entries per chunk: the memory one reader holds

// Cluster mode (docs/cluster.md, "Proofs off the commit path"): u64be, written with every batch,
// at most the verified frontier at that commit. Entries from it on were committed with their
// proofs unchecked, or checked only after the commit: open() checks them again. Absent: every
// stored entry was checked before it was committed (single node, or an earlier version).
constexpr std::string_view kVerifiedKey = "verified/size";

// State rows written with the batch (the ballot index).
inline std::string ballot_key(const Digest& code) {
  return "ballot/" + to_hex(code);
}
inline std::string short_key(std::string_view short_code) {
  return "ballot-short/" + std::string(short_code);
}

inline std::optional<std::uint64_t> read_u64be(const Bytes& b) {
  if (b.size() != 8) return std::nullopt;
  return load_u64be(b);
}

inline Error unknown_author(std::string message) {
  return make_error(ErrorCode::kPermission, std::string(kUnknownAuthor) + message,
                    std::string(kAuthorField), ErrorReason::kUnknownAuthor);
}

// What readers see: everything as of the last successful COMMIT.
struct Published {
  std::uint64_t size = 0;
  ledger::Hash root{};
  std::string receipt_note;  // signed checkpoint of `size`
  std::shared_ptr<const record::Snapshot> snapshot;
  // GET /v1/status, rendered on request (a commit only copies these few rows).
  struct KioskRow {
    std::shared_ptr<const std::pair<std::string, std::string>> ids;  // hex key, fingerprint
    const record::KioskEnrolmentBody* enrolment = nullptr;           // owned by `kiosk_enrolments`
    bool revoked = false;
    std::uint64_t cast = 0, challenged = 0, last_sequence = 0;
    Digest chain_head{};
  };
  struct GuardianRow {
    std::uint32_t index = 0;
    std::string name, key;
    bool committed = false, shared = false, decrypted = false;
  };
  std::string election_id, phase;
  // For the cost-ordered gate in pre_verify (author role, phase) without the committer's state.
  record::Phase phase_value = record::Phase::kEmpty;
  PublicKeyBytes authority{};
  std::set<PublicKeyBytes> guardian_keys;
  std::uint64_t ballots_cast = 0, ballots_challenged = 0, tokens_committed = 0, tokens_spent = 0;
  std::uint32_t guardian_count = 0, quorum = 0;
  std::vector<GuardianRow> guardians;
  std::map<std::string, KioskRow> kiosks;  // by hex key
  std::shared_ptr<const std::map<PublicKeyBytes, record::KioskEnrolmentBody>> kiosk_enrolments;

  static api::KioskStatus kiosk_status(const KioskRow& k) {
    api::KioskStatus out;
    out.key = k.enrolment->key;
    out.fingerprint = k.ids->second;
    out.name = k.enrolment->name;
    out.precinct = k.enrolment->precinct;
    out.revoked = k.revoked;
    out.cast = k.cast;
    out.challenged = k.challenged;
    out.last_sequence = k.last_sequence;
    out.chain_head = k.chain_head;
    return out;
  }
  api::LedgerStatus status(const std::string& origin) const {
    api::LedgerStatus out;
    out.election_id = election_id;
    out.origin = origin;
    out.phase = phase;
    out.size = size;
    out.ballots_cast = ballots_cast;
    out.ballots_challenged = ballots_challenged;
    out.tokens_committed = tokens_committed;
    out.tokens_spent = tokens_spent;
    out.guardian_count = guardian_count;
    out.quorum = quorum;
    for (const auto& r : guardians) {
      out.guardians.push_back({r.index, r.name, r.key, r.committed, r.shared, r.decrypted});
    }
    for (const auto& [hex, row] : kiosks) out.kiosks.push_back(kiosk_status(row));
    return out;
  }
};

// `{"entry":"<text>"}` exactly, with no escape in the text: the text. Otherwise nullopt.
inline std::optional<std::string_view> entry_field_fast(std::string_view body) {
  constexpr std::string_view kPre = "{\"entry\":\"", kPost = "\"}";
  if (body.size() < kPre.size() + kPost.size() || body.substr(0, kPre.size()) != kPre ||
      body.substr(body.size() - kPost.size()) != kPost) {
    return std::nullopt;
  }
  std::string_view text = body.substr(kPre.size(), body.size() - kPre.size() - kPost.size());
  // Two memchr scans (0.1 us for a ballot's 6,900 characters); find_first_of("\"\\") calls
  // memchr once per character instead (20 us, a profile's largest item on the I/O thread).
  if (text.find('"') != std::string_view::npos || text.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  return text;
}

inline json hex_list(const std::vector<ledger::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(to_hex(h));
  return out;
}

}  // namespace election_detail

using namespace election_detail;  // NOLINT: a private header of the files listed above

struct ElectionLedger::Impl {
  Storage& storage;
  LedgerIdentity id;
  Metrics* metrics;
  ledger::NoteSigner signer;
  TreeHashCache reader;

  // Committer thread only (and open()).
  record::ElectionState state;
  ledger::MerkleBuilder builder;
  std::map<std::string, std::uint64_t> batch_types;
  std::uint64_t batch_ballots = 0;
  // Voter tokens as readers see them (the gate in pre_verify, GET /v1/tokens/<hash>): the
  // storage's token table (for a storage without one, `memory_tokens`, updated after each
  // COMMIT) without the changes of committed batches whose snapshot is not served yet (cluster
  // mode: beyond the verified frontier). `unserved` counts those changes per token: registered
  // before the batch's COMMIT, dropped when its snapshot is served or its commit failed.
  using TokenRow = record::TokenStore::Token;
  struct TokenChange {
    Digest hash{};
    bool spent = false;
    std::shared_ptr<const std::string> precinct;  // a commitment's; null for a spend
  };
  struct Unserved {
    std::uint32_t pending = 0;
    bool existed = false;  // before the first unserved change (a spend: committed, unspent)
  };
  mutable SharedMutex tokens_mu;
  std::map<Digest, TokenRow> memory_tokens TABELLA_GUARDED_BY(tokens_mu);
  std::map<Digest, Unserved> unserved TABELLA_GUARDED_BY(tokens_mu);
  std::vector<TokenChange> batch_tokens;  // committer thread: this batch's changes
  bool batch_tokens_registered = false;   // committer thread: before_commit registered them
  // The storage has a token table (set by open()): the state's token store is then `table`.
  bool token_table = false;
  TableTokenStore* table = nullptr;  // committer thread; owned by `state`

  static void note_tokens(const record::Body& body, std::vector<TokenChange>& out) {
    if (auto* t = std::get_if<record::TokenCommitmentsBody>(&body)) {
      auto precinct = std::make_shared<const std::string>(t->precinct);
      for (const Digest& h : t->token_hashes) out.push_back({h, false, precinct});
    } else if (auto* cast = std::get_if<record::CastBallotBody>(&body)) {
      out.push_back({cast->token_hash, true, nullptr});
    }
  }
  void register_unserved(const std::vector<TokenChange>& changes) {
    WriterMutexLock lock(tokens_mu);
    for (const auto& c : changes) {
      Unserved& u = unserved[c.hash];
      if (u.pending++ == 0) u.existed = c.spent;
    }
  }
  void unregister_unserved(const std::vector<TokenChange>& changes) {
    WriterMutexLock lock(tokens_mu);
    for (const auto& c : changes) {
      auto it = unserved.find(c.hash);
      if (it != unserved.end() && --it->second.pending == 0) unserved.erase(it);
    }
  }
  void apply_memory_tokens(const std::vector<TokenChange>& changes) {
    if (token_table) return;
    WriterMutexLock lock(tokens_mu);
    for (const auto& c : changes) {
      TokenRow& row = memory_tokens[c.hash];
      row.spent = c.spent;
      if (c.precinct) row.precinct = *c.precinct;
    }
  }
  // A token as readers see it (any thread). The table is read before `unserved`: a change the
  // table already shows was registered before its COMMIT, so it is found there.
  Result<std::optional<TokenRow>> committed_token(const Digest& h) const {
    std::optional<TokenRow> row;
    if (token_table) {
      auto stored = storage.get_token(h);
      if (!stored) return stored.error();
      if (*stored) row = TokenRow{(*stored)->spent_at.has_value(), std::move((*stored)->precinct)};
    }
    ReaderMutexLock lock(tokens_mu);
    if (!token_table) {
      if (auto it = memory_tokens.find(h); it != memory_tokens.end()) row = it->second;
    }
    if (auto it = unserved.find(h); it != unserved.end()) {
      if (!it->second.existed || !row) return std::optional<TokenRow>();
      row->spent = false;
    }
    return row;
  }
  std::atomic<bool> broken{false};
  bool cluster = false;                  // set before serving (set_cluster_mode)
  AppendForwarder* forwarder = nullptr;  // set before serving (set_append_forwarder)

  // Committer thread. The resume/ rows are complete since polls-open (this node applied
  // polls-open itself, or resumed from complete rows): only then is resume/open written.
  bool resume_tracking = false;
  // The log size of the resume/open row this process last committed (0: none yet, the next
  // batch writes one) and of the one the batch being committed carries (0: none).
  std::uint64_t totals_stored_at = 0;
  std::uint64_t totals_in_batch = 0;
  // The distance between two writes of the totals (set_resume_totals_every).
  std::atomic<std::uint64_t> totals_every{ElectionLedger::kResumeTotalsEvery};
  bool resumed_from_stored = false;  // the last rebuild()
  // A batch is being validated: state.begin_batch() was called and batch_builder is the tree
  // before it, for the undo of a batch whose append failed (a lost cluster race).
  bool in_batch = false;
  ledger::MerkleBuilder batch_builder;

  mutable Mutex pub_mu;
  std::shared_ptr<const Published> pub TABELLA_GUARDED_BY(pub_mu);

  mutable Mutex cp_mu;
  StoredCheckpoint published_cp TABELLA_GUARDED_BY(cp_mu);  // GET /checkpoint
  // The latest cosigned checkpoint.
  std::optional<StoredCheckpoint> cosigned TABELLA_GUARDED_BY(cp_mu);
  Mutex publish_mu;  // one publish_checkpoint at a time

  // Witnesses. `witnessed`: the manifest names witnesses (receipts then report "cosigned").
  std::atomic<bool> witnessed{false};
  bool manifest_seen = false;              // committer thread (and open()): witnesses checked
  bool opened = false;                     // open() finished its own witness check
  std::optional<Error> disk_full_at_open;  // set once by open()
  std::chrono::milliseconds cosign_wait{10000};

  // Proofs off the commit path (cluster mode; docs/cluster.md). A remote entry is applied with
  // its signature and the cheap rules (validate_remote); after its COMMIT its proofs are checked
  // on the pool, and `pub` (what every route serves) only moves up to frontier->frontier().
  // Shared with the metrics source, which may outlive a moved ledger.
  std::shared_ptr<ProofFrontier> frontier = std::make_shared<ProofFrontier>();
  ThreadPool* pool = nullptr;      // set by register_routes; null: validate_remote checks inline
  Committer* committer = nullptr;  // set by register_routes: halted when a remote proof fails
  struct Deferred {
    std::uint64_t index = 0;
    std::shared_ptr<CheckedEntry> entry;
    std::shared_ptr<const record::Snapshot> snapshot;  // the state's before the entry
  };
  std::vector<Deferred> batch_deferred;                    // committer thread: this batch's
  std::shared_ptr<const record::Snapshot> proof_snapshot;  // committer thread; null: stale
  // One appender (docs/cluster.md, "One appender"): the proofs of a cast ballot this node sent
  // on to the appender are checked here while the appender stores it; when the entry comes
  // back in the catch-up, check_proofs_later() takes that verdict instead of checking again
  // (and waits for it if it is not in yet). Keyed by the entry's SHA-256.
  // A passed verdict is what pre_verify decoded and checked (envelope, signature, body, proofs):
  // validate_remote() takes a copy instead of decoding the same bytes and checking the same
  // signature again (early_product()).
  struct EarlyProofs {
    // Set: the verdict is in and passed (a failed one is erased at once); null: not in yet.
    Prepared passed;
    std::vector<Deferred> waiting;  // remote entries whose check waits for the verdict
  };
  static constexpr std::size_t kMaxEarlyProofs = 4096;
  Mutex early_mu;
  std::map<Digest, EarlyProofs> early_proofs TABELLA_GUARDED_BY(early_mu);
  // False when not tracked (already, or kMaxEarlyProofs are).
  bool begin_early_proofs(const Digest& entry_id);
  // The verdict: pre_verify's product of a cast ballot whose proofs passed, or null when they
  // did not (or the check did not run); resolves the waiting.
  void end_early_proofs(const Digest& entry_id, Prepared passed);
  // The passed product kept for these exact bytes (same SHA-256), or null.
  Prepared early_product(ByteView entry);
  // Forgets an entry nobody waits for (it was appended here after all, or refused).
  void drop_early_proofs(const Digest& entry_id);
  // A remote entry whose proofs passed the early check: verified without checking again.
  void verified_early(const Deferred& d);
  // Proof checks posted and not finished: ~Impl waits for them.
  Mutex jobs_mu;
  CondVar jobs_cv;
  std::size_t jobs TABELLA_GUARDED_BY(jobs_mu) = 0;
  // Snapshots built after a COMMIT that the frontier does not cover yet, oldest first, each with
  // the voter-token changes it brings (GET /v1/tokens serves them with it).
  struct Staged {
    std::shared_ptr<const Published> p;
    std::vector<TokenChange> tokens;
  };
  std::deque<Staged> staged TABELLA_GUARDED_BY(pub_mu);
  std::shared_ptr<const Published> last_built;  // committer thread (and open())
  // One promote() at a time: witnesses get checkpoints and waiters their answer in size order.
  Mutex promote_mu;
  // Callbacks waiting until the served size reaches the key; given the error when it never will
  // (a remote entry below it failed its proofs).
  std::multimap<std::uint64_t, std::function<void(std::optional<Error>)>> served_waiters
      TABELLA_GUARDED_BY(promote_mu);

  // Declared last: destroyed (its threads joined) before the members its callbacks use.
  std::unique_ptr<Cosigner> cosigner;

  Impl(Storage& s, LedgerIdentity identity, Metrics* m)
      : storage(s), id(std::move(identity)), metrics(m), signer(id.origin, *id.key), reader(s) {}
  ~Impl() {
    MutexLock lock(jobs_mu);
    while (jobs != 0) jobs_cv.wait(jobs_mu);
  }

  // What the routes serve: the newest snapshot the verified frontier covers.
  std::shared_ptr<const Published> published() const {
    MutexLock lock(pub_mu);
    return pub;
  }

  // Queues a snapshot of the committed state and serves it as soon as the frontier covers it.
  void stage(std::shared_ptr<const Published> p, std::vector<TokenChange> tokens) {
    {
      MutexLock lock(pub_mu);
      staged.push_back({std::move(p), std::move(tokens)});
    }
    promote();
  }

  // Serves the newest staged snapshot whose size the verified frontier covers (any thread):
  // applies the token changes up to it, offers its checkpoint to the witnesses and answers the
  // waiters it covers. After a proof failure, answers the waiters beyond it with the error.
  void promote() {
    std::vector<std::function<void(std::optional<Error>)>> served, refused;
    std::optional<Error> failure;
    {
      MutexLock serial(promote_mu);
      const std::uint64_t limit = frontier->frontier();
      std::shared_ptr<const Published> now;
      {
        MutexLock lock(pub_mu);
        while (!staged.empty() && staged.front().p->size <= limit) {
          unregister_unserved(staged.front().tokens);
          now = std::move(staged.front().p);
          staged.pop_front();
        }
        if (now) pub = now;
      }
      if (now) {
        if (cosigner) cosigner->offer(now->size, now->receipt_note);
        auto end = served_waiters.upper_bound(now->size);
        for (auto it = served_waiters.begin(); it != end; ++it) {
          served.push_back(std::move(it->second));
        }
        served_waiters.erase(served_waiters.begin(), end);
      }
      if (auto f = frontier->failure()) {
        failure = remote_proof_error(*f);
        auto from = served_waiters.upper_bound(f->index);
        for (auto it = from; it != served_waiters.end(); ++it) {
          refused.push_back(std::move(it->second));
        }
        served_waiters.erase(from, served_waiters.end());
      }
    }
    for (auto& done : served) done(std::nullopt);
    for (auto& done : refused) done(failure);
  }

  // Calls `done` once the served size is at least `size` (at once when it is), or with the error
  // when it never will be. Any thread; `done` runs on this thread or the one that promotes.
  void when_served(std::uint64_t size, std::function<void(std::optional<Error>)> done) {
    std::optional<Error> refused;
    {
      MutexLock serial(promote_mu);
      if (published()->size < size) {
        auto f = frontier->failure();
        if (!f || f->index >= size) {
          served_waiters.emplace(size, std::move(done));
          return;
        }
        refused = remote_proof_error(*f);
      }
    }
    done(std::move(refused));
  }

  static Error remote_proof_error(const ProofFrontier::Failure& f) {
    return Error{ErrorCode::kConflict,
                 "the cluster log holds an entry whose proofs this node refuses at index " +
                     std::to_string(f.index) + ": " + f.error.describe(),
                 "cluster"};
  }

  std::string sign_checkpoint(std::uint64_t size, const ledger::Hash& root) const {
    ledger::Checkpoint cp{id.origin, size, root, {}};
    ledger::Note note{cp.body(), {}};
    note.signatures.push_back(signer.sign(note.text));
    return ledger::format_note(note);
  }

  // Committer thread: per kiosk key, (hex, fingerprint), and the enrolments readers point into.
  std::map<PublicKeyBytes, std::shared_ptr<const std::pair<std::string, std::string>>> kiosk_ids;
  std::shared_ptr<const std::map<PublicKeyBytes, record::KioskEnrolmentBody>> kiosk_enrolments =
      std::make_shared<const std::map<PublicKeyBytes, record::KioskEnrolmentBody>>();

  // Builds what readers see from the committed state (committer thread or open()) and serves
  // it once the verified frontier covers it (stage()); `tokens`: the voter-token changes since
  // the last one.
  void publish(bool snapshot_changed, std::vector<TokenChange> tokens = {}) {
    auto p = std::make_shared<Published>();
    p->size = builder.size();
    p->root = builder.root();
    p->receipt_note = sign_checkpoint(p->size, p->root);
    const election::Manifest* m = state.manifest();
    p->election_id = m ? m->election_id : std::string();
    p->phase = std::string(record::phase_name(state.phase()));
    p->phase_value = state.phase();
    p->authority = state.authority();
    p->ballots_cast = state.cast_count();
    p->ballots_challenged = state.challenged_count();
    p->tokens_committed = state.tokens_committed();
    p->tokens_spent = state.tokens_spent();
    p->guardian_count = m ? m->guardians : 0;
    p->quorum = m ? m->quorum : 0;
    for (const auto& [index, g] : state.guardians()) {
      p->guardians.push_back({index, g.enrolment.name, to_hex(g.enrolment.key),
                              g.commitments.has_value(), g.shared, g.decrypted});
      p->guardian_keys.insert(g.enrolment.key);
    }
    if (kiosk_enrolments->size() != state.kiosks().size()) {
      auto fresh = std::make_shared<std::map<PublicKeyBytes, record::KioskEnrolmentBody>>();
      for (const auto& [key, k] : state.kiosks()) fresh->emplace(key, k.enrolment);
      kiosk_enrolments = std::move(fresh);
    }
    p->kiosk_enrolments = kiosk_enrolments;
    for (const auto& [key, k] : state.kiosks()) {
      auto& ids = kiosk_ids[key];
      if (!ids) {
        auto vk = VerifyKey::from_bytes(key);
        ids = std::make_shared<const std::pair<std::string, std::string>>(
            to_hex(key), vk ? vk->fingerprint() : std::string());
      }
      Published::KioskRow row{
          ids,         &kiosk_enrolments->at(key), k.revoked, k.cast, k.challenged, k.last_sequence,
          k.chain_head};
      p->kiosks.emplace(ids->first, std::move(row));
    }
    if (snapshot_changed || !last_built) {
      p->snapshot = std::make_shared<const record::Snapshot>(state.snapshot());
    } else {
      p->snapshot = last_built->snapshot;
    }
    last_built = p;
    if (opened && !manifest_seen && m != nullptr) (void)witnesses_known(*m, /*at_open=*/false);
    stage(std::move(p), std::move(tokens));
  }

  // The manifest is known (first publish after the election entry, or open()): from now on
  // receipts report "cosigned". Problems with --witness are returned at open and logged later.
  Status witnesses_known(const election::Manifest& m, bool at_open) {
    manifest_seen = true;
    witnessed = !m.witnesses.empty() && m.witness_quorum > 0;
    if (!cosigner) {
      if (witnessed) {
        log_event(LogLevel::kWarn, "witnesses_not_contacted",
                  {{"message",
                    "the manifest names witnesses but no --witness URL is given: receipts carry "
                    "only the ledger's signature (\"cosigned\": false)"}});
      }
      return Status::success();
    }
    Status st = cosigner->set_witnesses(m.witnesses, m.witness_quorum);
    if (!st.ok() && !at_open) {
      log_event(LogLevel::kError, "witness_config",
                {{"message", st.error().describe() + " (ignored)"}});
    }
    return st;
  }

  std::optional<StoredCheckpoint> latest_cosigned() const {
    MutexLock lock(cp_mu);
    return cosigned;
  }

  // The cosigner's view of the ledger.
  Cosigner::LedgerView cosigner_view() {
    Cosigner::LedgerView v;
    v.consistency_proof = [this](std::uint64_t from, std::uint64_t to) {
      return ledger::consistency_proof(from, to, reader);
    };
    v.store = [this](const StoredCheckpoint& cp) -> Status {
      TABELLA_TRY(storage.put_cosigned_checkpoint(cp));
      if (metrics) metrics->add_fsyncs(1);
      MutexLock lock(cp_mu);
      if (!cosigned || cp.size > cosigned->size) cosigned = cp;
      return Status::success();
    };
    // A cosigned note shared by another node of the cluster: this log's key, and this node's root
    // at a size it serves (docs/cluster.md section 4, "One cosigning path for the cluster").
    v.check_shared = [this](const std::string& note) -> Result<Cosigner::SharedCheck> {
      ledger::NoteVerifier verifier(id.origin, id.key->verify_key());
      auto cp = ledger::open_checkpoint(note, verifier);
      if (!cp) return cp.error().with_prefix("not a checkpoint signed by this ledger's key");
      Status root = check_root(*cp);
      if (!root.ok() && root.error().code == ErrorCode::kNotFound) {
        return Cosigner::SharedCheck{cp->size, false};
      }
      if (!root.ok()) return root.error();
      return Cosigner::SharedCheck{cp->size, true};
    };
    return v;
  }

  // kNotFound when `checkpoint` is beyond the served size; kConflict when its root differs from
  // this node's tree at its size.
  Status check_root(const ledger::Checkpoint& checkpoint) const {
    auto p = published();
    if (checkpoint.size > p->size) {
      return make_error(ErrorCode::kNotFound, "this node has committed " + std::to_string(p->size) +
                                                  " entries, not yet " +
                                                  std::to_string(checkpoint.size));
    }
    auto root = checkpoint.size == p->size ? Result<ledger::Hash>(p->root)
                                           : ledger::root_at(checkpoint.size, reader);
    if (!root) return root.error();
    if (*root != checkpoint.root) {
      return make_error(ErrorCode::kConflict,
                        "the root at size " + std::to_string(checkpoint.size) +
                            " differs from this node's tree: a rewritten or forked history",
                        "root");
    }
    return Status::success();
  }

  // Start-up and recovery (election_replay.cpp; committer thread, or open()).
  // Applies one stored entry to the state (no signature or proof checks: every stored entry
  // passed them when it was appended).
  Status apply_stored(std::uint64_t index, const Bytes& bytes);
  // Applies the stored entries [from, to) in order; those in `skip` (token-commitments entries
  // whose tokens the token table holds) are counted, not read.
  Status replay(std::uint64_t from, std::uint64_t to,
                const std::set<std::uint64_t>* skip = nullptr);
  // After a full replay (memory token store): writes the token table, the resume/ rows and the
  // totals from the state, in one transaction, and moves the state onto the table.
  Status store_replayed_tokens();
  // After resume_from_stored replayed the tail: the token table's counts against the state.
  Status check_token_table(std::uint64_t size);
  std::vector<std::uint64_t> replayed_token_entries;  // full replay: token-commitments positions
  std::vector<std::uint64_t> replayed_other_entries;  // full replay: non-ballots after polls-open
  // The state from the resume/ rows: the entries up to polls-open, the other non-ballot entries
  // since, the stored totals and spent tokens, then the entries after the totals. False when
  // there are no stored totals; an error when they do not check out (the caller replays).
  Result<bool> resume_from_stored(std::uint64_t size);
  // Rebuilds the in-memory state from storage: from the stored totals when there are usable
  // ones, else by replaying the whole log; then resumes the Merkle frontier.
  Status rebuild();
  // Cluster mode, open(): checks the proofs of the stored entries [from, to) against the current
  // snapshot (the constants proofs use are fixed once set: the election entry's, the election
  // key's; the rules put every entry with proofs after the ones it needs). kConflict on a failure.
  Status recheck_proofs(std::uint64_t from, std::uint64_t to);

  // The batch hooks' shared part (election_ledger.cpp, committer thread).
  void begin_batch();
  // Everything of validate() after the entry's checks up to its proofs: the ledger's first-entry
  // rules, ElectionState::apply, the state rows.
  Status accept(const CheckedEntry& checked, BatchView& view);
  // After the COMMIT of a remote entry: its proofs on the pool, then the frontier and promote().
  void check_proofs_later(Deferred d);
  void post_proof_check(Deferred d);  // on the pool; counted in jobs

  Status check_author(const record::Entry& e) const {
    if (state.phase() == record::Phase::kEmpty) {
      if (e.author != id.authority) {
        return unknown_author("author " + to_hex(e.author) +
                              " is not the election authority this ledger was started with");
      }
      return Status::success();
    }
    if (e.author == state.authority()) return Status::success();
    if (state.kiosks().count(e.author) != 0) return Status::success();
    for (const auto& [index, g] : state.guardians()) {
      if (g.enrolment.key == e.author) return Status::success();
    }
    return unknown_author("author " + to_hex(e.author) +
                          " is not the authority, an enrolled guardian or an enrolled kiosk");
  }

  // The cheap checks that decide whether an entry's proofs are worth verifying: author's role for
  // this entry type, phase, voter token (committed, unspent, of the kiosk's precinct). Run after
  // decode and signature, before the proofs, so a request that cannot succeed costs no proof
  // verification (docs/api.md, "Order of checks"). The same errors (code, message, field)
  // record::ElectionState::apply gives; apply still runs on the committer thread, so this only
  // refuses earlier, never accepts anything. View: phase(), authority(), is_guardian(key),
  // kiosk_revoked(key) (nullopt: not a kiosk), q(), token(hash) and kiosk_precinct(key) of the
  // committed state it reads. `body` may be null (not decoded yet: decoding a ballot's group
  // elements costs more than the signature): then the token is not checked.
  template <class View>
  Status gate(const record::Entry& e, const record::Body* body, const View& v) const {
    if (v.phase() == record::Phase::kEmpty) {
      if (e.author != id.authority) {
        return unknown_author("author " + to_hex(e.author) +
                              " is not the election authority this ledger was started with");
      }
      return Status::success();
    }
    auto revoked = v.kiosk_revoked(e.author);
    if (e.author != v.authority() && !revoked && !v.is_guardian(e.author)) {
      return unknown_author("author " + to_hex(e.author) +
                            " is not the authority, an enrolled guardian or an enrolled kiosk");
    }
    if (auto q = v.q(); q && e.base_hash != *q) {
      return make_error(ErrorCode::kInvalidArgument,
                        "entry is bound to election " + to_hex(e.base_hash) + ", not " + to_hex(*q),
                        "entry.base_hash");
    }
    if (v.phase() == record::Phase::kFinished) {
      return make_error(ErrorCode::kConflict,
                        "the result has been published; the record is complete", "",
                        ErrorReason::kPhase);
    }
    auto permission = [](std::string message, ErrorReason reason = ErrorReason::kNone) {
      return make_error(ErrorCode::kPermission, std::move(message), "entry.author", reason);
    };
    switch (e.type) {
      case EntryType::kGuardianCommitments:
        if (!v.is_guardian(e.author)) return permission("the author is not an enrolled guardian");
        if (v.phase() != record::Phase::kSetup) {
          return make_error(ErrorCode::kConflict, "the key ceremony is over", "",
                            ErrorReason::kPhase);
        }
        return Status::success();
      case EntryType::kCastBallot:
      case EntryType::kChallengedBallot: {
        if (!revoked) {
          return permission("the author is not an enrolled kiosk", ErrorReason::kKioskNotAllowed);
        }
        if (*revoked) {
          return permission("the kiosk has been revoked", ErrorReason::kKioskNotAllowed);
        }
        if (v.phase() != record::Phase::kOpen) {
          return make_error(ErrorCode::kConflict, "polls are not open", "",
                            ErrorReason::kPollsNotOpen);
        }
        const record::CastBallotBody* cast =
            body ? std::get_if<record::CastBallotBody>(body) : nullptr;
        if (cast != nullptr) {
          auto token = v.token(cast->token_hash);
          if (!token) return token.error();
          if (!*token) {
            return make_error(ErrorCode::kConflict, "voter token is not committed",
                              "body.token_hash", ErrorReason::kTokenNotCommitted);
          }
          if ((*token)->spent) {
            return make_error(ErrorCode::kConflict, "voter token already spent", "body.token_hash",
                              ErrorReason::kTokenSpent);
          }
          TABELLA_TRY(record::check_token_precinct((*token)->precinct, v.kiosk_precinct(e.author)));
        }
        return Status::success();
      }
      default:
        return Status::success();
    }
  }

  // The gate's view of what readers see (pool threads).
  struct PublishedGateView {
    const Published& p;
    const Impl& m;
    record::Phase phase() const { return p.phase_value; }
    const PublicKeyBytes& authority() const { return p.authority; }
    bool is_guardian(const PublicKeyBytes& k) const { return p.guardian_keys.count(k) != 0; }
    std::optional<bool> kiosk_revoked(const PublicKeyBytes& k) const {
      auto it = p.kiosks.find(to_hex(k));
      if (it == p.kiosks.end()) return std::nullopt;
      return it->second.revoked;
    }
    std::optional<Digest> q() const { return p.snapshot ? p.snapshot->q : std::nullopt; }
    Result<std::optional<TokenRow>> token(const Digest& h) const { return m.committed_token(h); }
    // REQUIRES: kiosk_revoked(k) has a value
    const std::string& kiosk_precinct(const PublicKeyBytes& k) const {
      return p.kiosks.at(to_hex(k)).enrolment->precinct;
    }
  };
  // The gate's view of the committer's own state (committer thread).
  struct StateGateView {
    const record::ElectionState& s;
    record::Phase phase() const { return s.phase(); }
    const PublicKeyBytes& authority() const { return s.authority(); }
    bool is_guardian(const PublicKeyBytes& k) const {
      for (const auto& [index, g] : s.guardians()) {
        if (g.enrolment.key == k) return true;
      }
      return false;
    }
    std::optional<bool> kiosk_revoked(const PublicKeyBytes& k) const {
      auto it = s.kiosks().find(k);
      if (it == s.kiosks().end()) return std::nullopt;
      return it->second.revoked;
    }
    std::optional<Digest> q() const { return s.snapshot().q; }
    Result<std::optional<TokenRow>> token(const Digest& h) const { return s.token(h); }
    // REQUIRES: kiosk_revoked(k) has a value
    const std::string& kiosk_precinct(const PublicKeyBytes& k) const {
      return s.kiosks().at(k).enrolment.precinct;
    }
  };

  Status check_first_entry(const CheckedEntry& c) const {
    const auto& body = std::get<record::ElectionBody>(c.body);
    auto m = election::parse_manifest(body.manifest_json);
    if (!m) return m.error().with_prefix("body.manifest");
    if (m->origin != id.origin) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "the manifest's origin \"" + m->origin + "\" is not this ledger's \"" + id.origin + "\"",
          "body.manifest.origin");
    }
    if (body.ledger_key != signer.verifier_key()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "ledger_key \"" + body.ledger_key + "\" is not this ledger's key \"" +
                            signer.verifier_key() + "\"",
                        "body.ledger_key");
    }
    return Status::success();
  }

  // `leaf`: the entry's leaf hash when the caller has the entry (saves a read). When the
  // manifest names witnesses the receipt is against the latest cosigned checkpoint if it covers
  // the entry ("cosigned": true), else against `p` ("cosigned": false).
  Result<ledger::Receipt> receipt(std::uint64_t index, const Published& p,
                                  std::optional<ledger::Hash> leaf = std::nullopt) const {
    if (!witnessed) return receipt_at(index, p.size, p.receipt_note, leaf);
    auto c = latest_cosigned();
    bool covered = c && c->size > index;
    auto r = covered ? receipt_at(index, c->size, c->note, leaf)
                     : receipt_at(index, p.size, p.receipt_note, leaf);
    if (r) r->cosigned = covered;
    return r;
  }

  // Whether a receipt for `index` can carry a cosigned checkpoint now (or never will: no
  // witnesses, no cosigner to collect them, or too few usable witnesses for the quorum).
  bool receipt_final(std::uint64_t index) const {
    if (!witnessed || !cosigner || !cosigner->can_reach_quorum()) return true;
    auto c = latest_cosigned();
    return c && c->size > index;
  }

  Result<ledger::Receipt> receipt_at(std::uint64_t index, std::uint64_t size,
                                     const std::string& note,
                                     std::optional<ledger::Hash> leaf) const {
    if (index >= size) {
      return make_error(
          ErrorCode::kNotFound,
          "no entry " + std::to_string(index) + " in a log of " + std::to_string(size), "index");
    }
    auto proof = ledger::inclusion_proof(index, size, reader);
    if (!proof) return proof.error();
    if (!leaf) {
      auto stored = reader.get(0, index);
      if (!stored) return stored.error();
      leaf = *stored;
    }
    return ledger::Receipt{index, *leaf, size, std::move(*proof), note, std::nullopt};
  }
};

}  // namespace tabella::server
