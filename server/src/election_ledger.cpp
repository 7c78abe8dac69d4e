#include "tabella/server/election_ledger.h"

#include <atomic>
#include <cassert>
#include <charconv>
#include <chrono>
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>

#include "tabella/api/messages.h"
#include "tabella/election/ballot.h"
#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/tiles.h"
#include "tabella/record/record_file.h"
#include "tabella/record/state.h"
#include "tabella/server/cosigner.h"
#include "tabella/server/log.h"
#include "tabella/util/canonical.h"

namespace tabella::server {

namespace {

using nlohmann::json;
using record::CheckedEntry;
using record::EntryType;

constexpr std::string_view kAuthorField = "entry.author";
// Unknown-author errors (401) are kPermission on kAuthorField with reason kUnknownAuthor and
// this message prefix; ElectionState's own permission errors (403) use the same field.
constexpr std::string_view kUnknownAuthor = "unknown author: ";
constexpr std::uint64_t kReplayChunk = 1024;

// Start-up from stored state (docs/cluster.md, "Start-up from stored state"): rows written in the
// transaction of every batch while the polls are open, so that a restart (or a lost cluster race
// that cannot be undone in memory) need not decode every ballot again.
//   resume/open             ElectionState::OpenTotals as of the batch's last entry
//   resume/entry/<index>    (empty) an entry after polls-open that is not a ballot
//   resume/spent/<index>    the token hash of the cast ballot at <index>
constexpr std::string_view kResumeTotalsKey = "resume/open";
constexpr std::string_view kResumeEntryPrefix = "resume/entry/";
constexpr std::string_view kResumeSpentPrefix = "resume/spent/";

std::string resume_key(std::string_view prefix, std::uint64_t index) {
  std::string digits = std::to_string(index);
  return std::string(prefix) + std::string(20 - digits.size(), '0') + digits;
}

// The <index> of a resume/entry/ or resume/spent/ key.
Result<std::uint64_t> resume_key_index(std::string_view key, std::string_view prefix) {
  std::string_view digits = key.substr(prefix.size());
  std::uint64_t index = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (digits.size() != 20 || ec != std::errc() || end != digits.data() + digits.size()) {
    return make_error(ErrorCode::kInvalidEncoding, "malformed state row key", std::string(key));
  }
  return index;
}
constexpr std::uint64_t kExportChunk = 32;  // entries per chunk: the memory one reader holds

// State rows written with the batch (the ballot index).
std::string ballot_key(const Digest& code) {
  return "ballot/" + to_hex(code);
}
std::string short_key(std::string_view short_code) {
  return "ballot-short/" + std::string(short_code);
}

std::optional<std::uint64_t> read_u64be(const Bytes& b) {
  if (b.size() != 8) return std::nullopt;
  return load_u64be(b);
}

Error unknown_author(std::string message) {
  return make_error(ErrorCode::kPermission, std::string(kUnknownAuthor) + message,
                    std::string(kAuthorField), ErrorReason::kUnknownAuthor);
}

// Stored complete-subtree hashes read through Storage, get_many in one query.
// Tree hashes from storage, with the recent ones in memory: receipts and proofs for the newest
// entries (what kiosks ask for) are then answered without a database read. Per level the last
// kWindow complete-subtree hashes are kept, and every hash from level kAllFrom up (one per
// 2^kAllFrom entries), so a proof for any of the last ~kWindow entries is served from memory.
// Thread-safety: get/get_many from any thread; remember/forget_from on the committer thread.
class StorageHashReader final : public ledger::HashReader {
 public:
  static constexpr std::size_t kWindow = 8192;
  static constexpr int kAllFrom = 10;

  explicit StorageHashReader(Storage& s) : storage_(s) {}

  Result<ledger::Hash> get(int level, std::uint64_t index) const override {
    if (auto h = cached(level, index)) return *h;
    auto h = storage_.get_hash(static_cast<std::uint32_t>(level), index);
    if (!h) return h.error();
    if (!*h) return not_stored(level, index);
    return **h;
  }
  Result<std::vector<ledger::Hash>> get_many(std::span<const ledger::HashIndex> at) const override {
    std::vector<ledger::Hash> out(at.size());
    std::vector<std::size_t> missing;
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      for (std::size_t i = 0; i < at.size(); ++i) {
        if (auto h = cached_locked(at[i].level, at[i].index)) {
          out[i] = *h;
        } else {
          missing.push_back(i);
        }
      }
    }
    if (missing.empty()) return out;
    std::vector<Storage::HashKey> keys;
    keys.reserve(missing.size());
    for (std::size_t i : missing) {
      keys.push_back({static_cast<std::uint32_t>(at[i].level), at[i].index});
    }
    auto got = storage_.get_hashes(keys);
    if (!got) return got.error();
    for (std::size_t k = 0; k < missing.size(); ++k) {
      if (!(*got)[k]) return not_stored(at[missing[k]].level, at[missing[k]].index);
      out[missing[k]] = *(*got)[k];
    }
    return out;
  }

  // Hashes the committer is about to store, in the order the tree completed them.
  void remember(std::span<const ledger::StoredHash> hashes) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    for (const auto& h : hashes) {
      auto level = static_cast<std::size_t>(h.at.level);
      if (level >= levels_.size()) levels_.resize(level + 1);
      Level& l = levels_[level];
      if (l.hashes.empty() || h.at.index != l.first + l.hashes.size()) {
        l.hashes.clear();  // not contiguous (the cache starts mid-log after a restart)
        l.first = h.at.index;
      }
      l.hashes.push_back(h.hash);
      if (h.at.level < kAllFrom && l.hashes.size() > kWindow) {
        l.hashes.pop_front();
        ++l.first;
      }
    }
  }
  // Drops what a failed commit left behind: every subtree not complete within `size` entries.
  void forget_from(std::uint64_t size) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    for (std::size_t level = 0; level < levels_.size(); ++level) {
      Level& l = levels_[level];
      const std::uint64_t complete = level < 64 ? size >> level : 0;
      if (complete <= l.first) {
        l.hashes.clear();
      } else if (l.first + l.hashes.size() > complete) {
        l.hashes.resize(static_cast<std::size_t>(complete - l.first));
      }
    }
  }

 private:
  struct Level {
    std::uint64_t first = 0;  // index of hashes.front()
    std::deque<ledger::Hash> hashes;
  };
  static Error not_stored(int level, std::uint64_t index) {
    return make_error(ErrorCode::kNotFound, "tree hash (" + std::to_string(level) + ", " +
                                                std::to_string(index) + ") is not stored");
  }
  std::optional<ledger::Hash> cached(int level, std::uint64_t index) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    return cached_locked(level, index);
  }
  std::optional<ledger::Hash> cached_locked(int level, std::uint64_t index) const {
    if (level < 0 || static_cast<std::size_t>(level) >= levels_.size()) return std::nullopt;
    const Level& l = levels_[static_cast<std::size_t>(level)];
    if (index < l.first || index - l.first >= l.hashes.size()) return std::nullopt;
    return l.hashes[static_cast<std::size_t>(index - l.first)];
  }

  Storage& storage_;
  mutable std::shared_mutex mu_;
  std::vector<Level> levels_;  // guarded by mu_
};

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

Result<std::uint64_t> query_u64(const Request& req, const std::string& name,
                                std::optional<std::uint64_t> fallback) {
  auto it = req.query.find(name);
  if (it == req.query.end()) {
    if (fallback) return *fallback;
    return make_error(ErrorCode::kInvalidArgument, "missing query parameter", name);
  }
  const std::string& text = it->second;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + text + "' is not an unsigned decimal integer", name);
  }
  return value;
}

// Adds the calling thread's CPU time since construction to a stage counter (CPU, not wall
// time: on a busy machine wall time mostly measures preemption).
class StageTimer {
 public:
  StageTimer(Metrics* m, const char* stage) : m_(m), stage_(stage), start_(thread_cpu()) {}
  ~StageTimer() {
    if (m_) m_->add_stage_seconds(stage_, thread_cpu() - start_);
  }
  static double thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }

 private:
  Metrics* m_;
  const char* stage_;
  double start_;
};

// `{"entry":"<text>"}` exactly, with no escape in the text: the text. Otherwise nullopt.
std::optional<std::string_view> entry_field_fast(std::string_view body) {
  constexpr std::string_view kPre = "{\"entry\":\"", kPost = "\"}";
  if (body.size() < kPre.size() + kPost.size() || body.substr(0, kPre.size()) != kPre ||
      body.substr(body.size() - kPost.size()) != kPost) {
    return std::nullopt;
  }
  std::string_view text = body.substr(kPre.size(), body.size() - kPre.size() - kPost.size());
  if (text.find_first_of("\"\\") != std::string_view::npos) return std::nullopt;
  return text;
}

json hex_list(const std::vector<ledger::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(to_hex(h));
  return out;
}

}  // namespace

Response entry_error_response(const Error& error) {
  if (error.reason == ErrorReason::kUnknownAuthor) {
    Response r = error_response(error);
    r.status = 401;
    return r;
  }
  return error_response(error);
}

Result<std::shared_ptr<const SigningKey>> load_or_create_ledger_key(const std::string& path,
                                                                    bool* created) {
  if (created) *created = false;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    SigningKey fresh = SigningKey::generate();
    Status saved = fresh.save_pem(path);
    if (!saved.ok()) return saved.error().with_prefix("key-file");
    if (created) *created = true;
  }
  auto key = SigningKey::load_pem(path);
  if (!key) return key.error().with_prefix("key-file");
  return std::shared_ptr<const SigningKey>(std::make_shared<SigningKey>(std::move(*key)));
}

struct ElectionLedger::Impl {
  Storage& storage;
  LedgerIdentity id;
  Metrics* metrics;
  ledger::NoteSigner signer;
  StorageHashReader reader;

  // Committer thread only (and open()).
  record::ElectionState state;
  ledger::MerkleBuilder builder;
  std::map<std::string, std::uint64_t> batch_types;
  std::uint64_t batch_ballots = 0;
  // Voter tokens as of the last commit (spent or not, and the precinct of their commitment), for
  // the gate in pre_verify and GET /v1/tokens/<hash>; the committer thread writes it after a
  // commit, pool threads read it.
  struct TokenRow {
    bool spent = false;
    std::shared_ptr<const std::string> precinct;
  };
  struct TokenChange {
    Digest hash{};
    bool spent = false;
    std::shared_ptr<const std::string> precinct;  // a commitment's; null for a spend
  };
  mutable std::shared_mutex tokens_mu;
  std::map<Digest, TokenRow> committed_tokens;
  std::vector<TokenChange> batch_tokens;  // committer thread: this batch's changes

  static void note_tokens(const record::Body& body, std::vector<TokenChange>& out) {
    if (auto* t = std::get_if<record::TokenCommitmentsBody>(&body)) {
      auto precinct = std::make_shared<const std::string>(t->precinct);
      for (const Digest& h : t->token_hashes) out.push_back({h, false, precinct});
    } else if (auto* cast = std::get_if<record::CastBallotBody>(&body)) {
      out.push_back({cast->token_hash, true, nullptr});
    }
  }
  void apply_tokens(const std::vector<TokenChange>& changes) {
    std::unique_lock<std::shared_mutex> lock(tokens_mu);
    for (const auto& c : changes) {
      TokenRow& row = committed_tokens[c.hash];
      row.spent = c.spent;
      if (c.precinct) row.precinct = c.precinct;
    }
  }
  int committed_token_state(const Digest& h) const {
    std::shared_lock<std::shared_mutex> lock(tokens_mu);
    auto it = committed_tokens.find(h);
    if (it == committed_tokens.end()) return 0;
    return it->second.spent ? 2 : 1;
  }
  // REQUIRES: committed_token_state(h) != 0
  std::string committed_token_precinct(const Digest& h) const {
    std::shared_lock<std::shared_mutex> lock(tokens_mu);
    return *committed_tokens.at(h).precinct;
  }
  std::optional<TokenRow> committed_token(const Digest& h) const {
    std::shared_lock<std::shared_mutex> lock(tokens_mu);
    auto it = committed_tokens.find(h);
    if (it == committed_tokens.end()) return std::nullopt;
    return it->second;
  }
  std::atomic<bool> broken{false};
  bool cluster = false;  // set before serving (set_cluster_mode)

  // Committer thread. The resume/ rows are complete since polls-open (this node applied
  // polls-open itself, or resumed from complete rows): only then is resume/open written.
  bool resume_tracking = false;
  bool resumed_from_stored = false;  // the last rebuild()
  // A batch is being validated: state.begin_batch() was called and batch_builder is the tree
  // before it, for the undo of a batch whose append failed (a lost cluster race).
  bool in_batch = false;
  ledger::MerkleBuilder batch_builder;

  mutable std::mutex pub_mu;
  std::shared_ptr<const Published> pub;  // guarded by pub_mu

  mutable std::mutex cp_mu;
  StoredCheckpoint published_cp;             // guarded by cp_mu: GET /checkpoint
  std::optional<StoredCheckpoint> cosigned;  // guarded by cp_mu: the latest cosigned checkpoint
  std::mutex publish_mu;                     // one publish_checkpoint at a time

  // Witnesses. `witnessed`: the manifest names witnesses (receipts then report "cosigned").
  std::atomic<bool> witnessed{false};
  bool manifest_seen = false;              // committer thread (and open()): witnesses checked
  bool opened = false;                     // open() finished its own witness check
  std::optional<Error> disk_full_at_open;  // set once by open()
  std::chrono::milliseconds cosign_wait{10000};
  // Declared last: destroyed (its threads joined) before the members its callbacks use.
  std::unique_ptr<Cosigner> cosigner;

  Impl(Storage& s, LedgerIdentity identity, Metrics* m)
      : storage(s), id(std::move(identity)), metrics(m), signer(id.origin, *id.key), reader(s) {}

  std::shared_ptr<const Published> published() const {
    std::lock_guard<std::mutex> lock(pub_mu);
    return pub;
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

  // Builds what readers see from the committed state (committer thread or open()).
  void publish(bool snapshot_changed) {
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
    auto old = published();
    if (snapshot_changed || !old) {
      p->snapshot = std::make_shared<const record::Snapshot>(state.snapshot());
    } else {
      p->snapshot = old->snapshot;
    }
    std::shared_ptr<const Published> now = p;
    {
      std::lock_guard<std::mutex> lock(pub_mu);
      pub = std::move(p);
    }
    if (opened && !manifest_seen && m != nullptr) (void)witnesses_known(*m, /*at_open=*/false);
    if (cosigner) cosigner->offer(now->size, now->receipt_note);
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
    std::lock_guard<std::mutex> lock(cp_mu);
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
      std::lock_guard<std::mutex> lock(cp_mu);
      if (!cosigned || cp.size > cosigned->size) cosigned = cp;
      return Status::success();
    };
    return v;
  }

  // Applies one stored entry to the state (no signature or proof checks: every stored entry
  // passed them when it was appended).
  Status apply_stored(std::uint64_t index, const Bytes& bytes) {
    auto entry = record::Entry::decode(bytes);
    if (!entry) return entry.error().with_prefix("stored entry " + std::to_string(index));
    auto body = record::decode_body(entry->type, entry->body);
    if (!body) return body.error().with_prefix("stored entry " + std::to_string(index));
    CheckedEntry c{std::move(*entry), std::move(*body), sha256(bytes), true,
                   ledger::leaf_hash(bytes)};
    Status st = state.apply(c);
    if (!st.ok()) {
      return make_error(ErrorCode::kConflict, "stored entry " + std::to_string(index) +
                                                  " does not replay: " + st.error().describe());
    }
    return Status::success();
  }

  // Applies the stored entries [from, to) in order.
  Status replay(std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t start = from; start < to; start += kReplayChunk) {
      auto chunk = storage.read_range(start, std::min<std::uint64_t>(kReplayChunk, to - start));
      if (!chunk) return chunk.error();
      if (chunk->empty()) {
        return make_error(ErrorCode::kNotFound,
                          "stored entry " + std::to_string(start) + " is missing");
      }
      for (std::size_t i = 0; i < chunk->size(); ++i) {
        TABELLA_TRY(apply_stored(start + i, (*chunk)[i]));
      }
    }
    return Status::success();
  }

  // The state from the resume/ rows: the entries up to polls-open, the other non-ballot entries
  // since, the stored totals and spent tokens, then the entries after the totals. False when
  // there are no stored totals; an error when they do not check out (the caller replays).
  Result<bool> resume_from_stored(std::uint64_t size) {
    auto row = storage.get_state(kResumeTotalsKey);
    if (!row) return row.error();
    if (!*row) return false;
    auto totals = record::ElectionState::OpenTotals::decode(**row);
    if (!totals) return totals.error().with_prefix(std::string(kResumeTotalsKey));
    if (totals->size > size || totals->open_index >= totals->size) {
      return make_error(ErrorCode::kConflict, "stored totals cover " +
                                                  std::to_string(totals->size) +
                                                  " entries of a log of " + std::to_string(size));
    }
    auto others = storage.scan_state(kResumeEntryPrefix);
    if (!others) return others.error();
    auto spent_rows = storage.scan_state(kResumeSpentPrefix);
    if (!spent_rows) return spent_rows.error();
    state = record::ElectionState();
    TABELLA_TRY(replay(0, totals->open_index + 1));
    for (const auto& [key, value] : *others) {
      auto index = resume_key_index(key, kResumeEntryPrefix);
      if (!index) return index.error();
      if (*index >= totals->size) break;
      if (*index <= totals->open_index) {
        return make_error(ErrorCode::kConflict, "state row before polls-open", key);
      }
      auto one = storage.read_range(*index, 1);
      if (!one) return one.error();
      if (one->size() != 1) return make_error(ErrorCode::kNotFound, "no stored entry", key);
      TABELLA_TRY(apply_stored(*index, one->front()));
    }
    std::vector<Digest> spent;
    spent.reserve(spent_rows->size());
    for (const auto& [key, value] : *spent_rows) {
      auto index = resume_key_index(key, kResumeSpentPrefix);
      if (!index) return index.error();
      if (*index >= totals->size) break;
      if (value.size() != Digest().size()) {
        return make_error(ErrorCode::kInvalidEncoding, "not a token hash", key);
      }
      Digest d{};
      std::copy(value.begin(), value.end(), d.begin());
      spent.push_back(d);
    }
    auto tree = ledger::MerkleBuilder::resume(totals->size, reader);
    if (!tree) return tree.error().with_prefix("merkle tree");
    TABELLA_TRY(state.resume_open(*totals, spent, std::move(*tree)));
    TABELLA_TRY(replay(totals->size, size));
    return true;
  }

  // Rebuilds the in-memory state from storage: from the stored totals when there are usable
  // ones, else by replaying the whole log; then resumes the Merkle frontier.
  Status rebuild() {
    state = record::ElectionState();
    in_batch = false;
    auto size = storage.size();
    if (!size) return size.error();
    reader.forget_from(*size);  // hashes of a batch that did not commit
    auto resumed_state = resume_from_stored(*size);
    resumed_from_stored = resumed_state && *resumed_state;
    if (resumed_from_stored) {
      resume_tracking = true;
    } else {
      if (!resumed_state && resumed_state.error().code != ErrorCode::kNotFound) {
        log_event(LogLevel::kWarn, "stored_state_unusable",
                  {{"message", resumed_state.error().describe() + "; replaying the whole log"}});
      }
      state = record::ElectionState();
      TABELLA_TRY(replay(0, *size));
      // Rows written by an earlier version (or not at all) may be missing: no totals from now
      // on in this election unless polls-open is still to come.
      resume_tracking = state.phase() < record::Phase::kOpen;
    }
    auto resumed = ledger::MerkleBuilder::resume(*size, reader);
    if (!resumed) return resumed.error().with_prefix("merkle tree");
    builder = std::move(*resumed);
    {
      std::unique_lock<std::shared_mutex> lock(tokens_mu);
      committed_tokens.clear();
      std::vector<std::shared_ptr<const std::string>> precincts;
      for (const auto& p : state.precincts()) {
        precincts.push_back(std::make_shared<const std::string>(p));
      }
      for (const auto& [hash, t] : state.tokens()) {
        committed_tokens[hash] = TokenRow{t.spent, precincts[t.precinct]};
      }
    }
    publish(true);
    return Status::success();
  }

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
  // kiosk_revoked(key) (nullopt: not a kiosk), q(), token_state(hash), token_precinct(hash) and
  // kiosk_precinct(key) of the committed state it reads. `body` may be null (not decoded yet:
  // decoding a ballot's group elements costs more than the signature): then the token is not
  // checked.
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
          int token = v.token_state(cast->token_hash);
          if (token == 0) {
            return make_error(ErrorCode::kConflict, "voter token is not committed",
                              "body.token_hash", ErrorReason::kTokenNotCommitted);
          }
          if (token == 2) {
            return make_error(ErrorCode::kConflict, "voter token already spent", "body.token_hash",
                              ErrorReason::kTokenSpent);
          }
          TABELLA_TRY(record::check_token_precinct(v.token_precinct(cast->token_hash),
                                                   v.kiosk_precinct(e.author)));
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
    int token_state(const Digest& h) const { return m.committed_token_state(h); }
    // REQUIRES: token_state(h) != 0
    std::string token_precinct(const Digest& h) const { return m.committed_token_precinct(h); }
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
    int token_state(const Digest& h) const { return s.token_state(h); }
    // REQUIRES: token_state(h) != 0
    const std::string& token_precinct(const Digest& h) const {
      return s.precincts()[s.tokens().at(h).precinct];
    }
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

ElectionLedger::ElectionLedger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ElectionLedger::~ElectionLedger() = default;

Result<std::unique_ptr<ElectionLedger>> ElectionLedger::open(Storage& storage,
                                                             LedgerIdentity identity,
                                                             Metrics* metrics,
                                                             WitnessOptions witnesses) {
  if (!identity.key) return make_error(ErrorCode::kInvalidArgument, "no ledger key", "key-file");
  if (!ledger::is_valid_key_name(identity.origin)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "origin \"" + identity.origin + "\" is not a valid note key name", "origin");
  }
  auto impl = std::make_unique<Impl>(storage, std::move(identity), metrics);
  TABELLA_TRY(impl->rebuild());
  auto pub = impl->published();

  // The latest stored checkpoint must be signed by this key and agree with the stored tree.
  auto latest = storage.latest_checkpoint();
  if (!latest) return latest.error();
  if (*latest) {
    ledger::NoteVerifier verifier(impl->id.origin, impl->id.key->verify_key());
    auto cp = ledger::open_checkpoint((*latest)->note, verifier);
    if (!cp) {
      return make_error(ErrorCode::kConflict,
                        "the stored checkpoint does not verify with this ledger's key and origin "
                        "(another --key-file or --origin?): " +
                            cp.error().describe());
    }
    auto root = ledger::root_at(cp->size, impl->reader);
    if (!root) return root.error();
    if (cp->size > pub->size || *root != cp->root) {
      return make_error(ErrorCode::kConflict, "the stored checkpoint of size " +
                                                  std::to_string(cp->size) +
                                                  " does not match the stored log");
    }
    impl->published_cp = **latest;
  }
  // The latest cosigned checkpoint: signed by this key, agrees with the stored tree.
  auto cosigned = storage.latest_cosigned_checkpoint();
  if (!cosigned) return cosigned.error();
  if (*cosigned) {
    ledger::NoteVerifier verifier(impl->id.origin, impl->id.key->verify_key());
    auto cp = ledger::open_checkpoint((*cosigned)->note, verifier);
    if (!cp) {
      return make_error(ErrorCode::kConflict,
                        "the stored cosigned checkpoint does not verify with this ledger's key: " +
                            cp.error().describe());
    }
    auto root = ledger::root_at(cp->size, impl->reader);
    if (!root) return root.error();
    if (cp->size != (*cosigned)->size || cp->size > pub->size || *root != cp->root) {
      return make_error(ErrorCode::kConflict, "the stored cosigned checkpoint of size " +
                                                  std::to_string(cp->size) +
                                                  " does not match the stored log");
    }
    impl->cosigned = **cosigned;
  }
  impl->cosign_wait = witnesses.cosign_wait;
  if (!witnesses.urls.empty()) {
    Cosigner::Options co;
    co.urls = std::move(witnesses.urls);
    auto c = Cosigner::create(std::move(co), impl->cosigner_view(), impl->cosigned);
    if (!c) return c.error();
    impl->cosigner = std::move(*c);
  }
  if (const election::Manifest* m = impl->state.manifest()) {
    TABELLA_TRY(impl->witnesses_known(*m, /*at_open=*/true));
  }
  impl->opened = true;
  if (impl->cosigner) impl->cosigner->offer(pub->size, pub->receipt_note);
  std::unique_ptr<ElectionLedger> out(new ElectionLedger(std::move(impl)));
  // The checkpoint of the replayed size. On a full disk the record is still served, read-only:
  // GET /checkpoint and the export sign that size on the fly, nothing new is stored.
  if (Status st = out->publish_checkpoint(); !st.ok()) {
    if (!is_disk_full(st.error())) return st.error();
    log_event(LogLevel::kError, "started_read_only",
              {{"message", st.error().describe()},
               {"action",
                "started read-only: serving the stored record, refusing appends (503) "
                "until space is freed"}});
    out->impl_->disk_full_at_open = st.error();
  }
  return out;
}

const std::optional<Error>& ElectionLedger::disk_full_at_open() const {
  return impl_->disk_full_at_open;
}

std::string ElectionLedger::verifier_key() const {
  return impl_->signer.verifier_key();
}

Status ElectionLedger::check_root(const ledger::Checkpoint& checkpoint) const {
  auto p = impl_->published();
  if (checkpoint.size > p->size) {
    return make_error(ErrorCode::kNotFound, "this node has committed " + std::to_string(p->size) +
                                                " entries, not yet " +
                                                std::to_string(checkpoint.size));
  }
  auto root = checkpoint.size == p->size ? Result<ledger::Hash>(p->root)
                                         : ledger::root_at(checkpoint.size, impl_->reader);
  if (!root) return root.error();
  if (*root != checkpoint.root) {
    return make_error(ErrorCode::kConflict,
                      "the root at size " + std::to_string(checkpoint.size) +
                          " differs from this node's tree: a rewritten or forked history",
                      "root");
  }
  return Status::success();
}

void ElectionLedger::set_cluster_mode(bool cluster) {
  impl_->cluster = cluster;
}

std::uint64_t ElectionLedger::size() const {
  return impl_->published()->size;
}

Result<std::shared_ptr<const void>> ElectionLedger::pre_verify(ByteView entry) const {
  auto admitted = admit(entry);
  if (!admitted) return admitted.error();
  return verify_admitted(entry, *admitted);
}

// Inside an entry of allowed size, a length past a decoder's bound is malformed input.
static Error as_malformed(Error e) {
  if (e.code == ErrorCode::kLimit) e.code = ErrorCode::kInvalidEncoding;
  return e;
}

Result<ElectionLedger::Admitted> ElectionLedger::admit(ByteView entry) const {
  if (entry.size() > record::kMaxEntrySize) {
    return make_error(ErrorCode::kLimit,
                      "entry has " + std::to_string(entry.size()) + " bytes; at most " +
                          std::to_string(record::kMaxEntrySize) + " are allowed",
                      "entry");
  }
  // Cheapest first (docs/api.md, "Order of checks"): a stored entry is answered as a duplicate
  // without any check (it passed them all when it was appended); the committer finds it again.
  auto stored = impl_->storage.find_by_hash(sha256(entry));
  if (!stored) return stored.error();
  if (*stored) return Admitted{nullptr, "stored"};
  // Envelope and signature, then author and phase before the body is decoded (a ballot's group
  // elements cost more to decode than the signature to check).
  auto decoded = record::Entry::decode(entry);
  if (!decoded) return as_malformed(decoded.error());
  if (Status st = decoded->verify_signature(); !st.ok()) return as_malformed(st.error());
  auto p = impl_->published();
  if (Status st = impl_->gate(*decoded, nullptr, Impl::PublishedGateView{*p, *impl_}); !st.ok()) {
    return as_malformed(st.error());
  }
  std::string flow = to_hex(decoded->author);
  return Admitted{std::make_shared<const record::Entry>(std::move(*decoded)), std::move(flow)};
}

Result<std::shared_ptr<const void>> ElectionLedger::verify_admitted(
    ByteView entry, const Admitted& admitted) const {
  if (!admitted.decoded) return std::shared_ptr<const void>();  // stored: a duplicate
  StageTimer timer(impl_->metrics, "precheck");
  // Then the token (against the latest committed state), and only then the proofs.
  const auto& decoded = *static_cast<const record::Entry*>(admitted.decoded.get());
  auto p = impl_->published();
  Impl::PublishedGateView view{*p, *impl_};
  auto body = record::decode_body(decoded.type, decoded.body);
  if (!body) return as_malformed(body.error());
  CheckedEntry checked{decoded, std::move(*body), sha256(entry), false, ledger::leaf_hash(entry)};
  if (Status st = impl_->gate(checked.entry, &checked.body, view); !st.ok()) {
    return as_malformed(st.error());
  }
  if (impl_->metrics) impl_->metrics->add_proof_checks(1);
  if (Status st = record::complete_proofs(checked, *p->snapshot); !st.ok()) {
    return as_malformed(st.error());
  }
  return std::shared_ptr<const void>(std::make_shared<const CheckedEntry>(std::move(checked)));
}

Status ElectionLedger::validate(ByteView entry, const std::shared_ptr<const void>& prepared,
                                BatchView& view) {
  Impl& m = *impl_;
  StageTimer timer(m.metrics, "validate");
  if (m.broken) {
    return make_error(ErrorCode::kIo, "the ledger failed to recover from a storage error");
  }
  if (!m.in_batch) {
    m.in_batch = true;
    m.state.begin_batch();
    m.batch_builder = m.builder;
  }
  std::optional<CheckedEntry> local;
  const CheckedEntry* c = static_cast<const CheckedEntry*>(prepared.get());
  if (c == nullptr) {
    auto checked = record::precheck(entry, record::Snapshot{});
    if (!checked) return checked.error();
    TABELLA_TRY(m.gate(checked->entry, &checked->body, Impl::StateGateView{m.state}));
    if (m.metrics) m.metrics->add_proof_checks(1);
    TABELLA_TRY(record::complete_proofs(*checked, m.state.snapshot()));
    local.emplace(std::move(*checked));
    c = &*local;
  }
  const record::Entry& e = c->entry;
  TABELLA_TRY(m.check_author(e));
  bool first = m.state.phase() == record::Phase::kEmpty && e.type == EntryType::kElection;
  if (first) TABELLA_TRY(m.check_first_entry(*c));
  const record::Phase phase_before = m.state.phase();
  TABELLA_TRY(m.state.apply(*c));
  if (m.state.phase() == record::Phase::kOpen) {
    if (phase_before == record::Phase::kKeyed) {
      m.resume_tracking = true;  // polls-open: the resume/ rows start here
    } else if (m.resume_tracking) {
      if (auto* cast = std::get_if<record::CastBallotBody>(&c->body)) {
        view.put_state(resume_key(kResumeSpentPrefix, view.index()),
                       Bytes(cast->token_hash.begin(), cast->token_hash.end()));
      } else if (e.type != EntryType::kChallengedBallot) {
        view.put_state(resume_key(kResumeEntryPrefix, view.index()), Bytes());
      }
    }
  }

  // Accepted: index rows for ballots.
  const record::EncryptedBallot* ballot = nullptr;
  if (auto* cast = std::get_if<record::CastBallotBody>(&c->body)) ballot = &cast->ballot;
  if (auto* ch = std::get_if<record::ChallengedBallotBody>(&c->body)) ballot = &ch->ballot;
  if (ballot != nullptr) {
    Digest code = election::ballot_code(e.base_hash, e.author, *ballot);
    view.put_state(ballot_key(code), Writer().u64(view.index()).bytes());
    Bytes code_bytes(code.begin(), code.end());
    view.put_state(short_key(election::short_code(code)), std::move(code_bytes));
    ++m.batch_ballots;
  }
  ++m.batch_types[std::string(record::entry_type_name(e.type))];
  Impl::note_tokens(c->body, m.batch_tokens);
  return Status::success();
}

void ElectionLedger::before_commit(std::uint64_t first_index, const std::vector<Bytes>& accepted,
                                   BatchView& view) {
  Impl& m = *impl_;
  StageTimer timer(m.metrics, "merkle");
  assert(first_index == m.builder.size());
  (void)first_index;
  std::vector<ledger::StoredHash> completed;
  for (const Bytes& e : accepted) {
    completed.clear();
    m.builder.append(ledger::leaf_hash(e), &completed);
    for (const auto& h : completed) {
      view.put_hash(static_cast<std::uint32_t>(h.at.level), h.at.index, h.hash);
    }
    m.reader.remember(completed);
  }
  if (m.state.phase() == record::Phase::kOpen) {
    if (m.resume_tracking) {
      view.put_state(std::string(kResumeTotalsKey), m.state.open_totals().encode());
    } else {
      view.delete_state(std::string(kResumeTotalsKey));
    }
  }
}

void ElectionLedger::after_commit(const Status& committed) {
  Impl& m = *impl_;
  StageTimer timer(m.metrics, "publish");
  if (committed.ok()) {
    bool snapshot_changed = m.batch_types.count("election") || m.batch_types.count("election-key");
    if (m.metrics) {
      for (const auto& [type, n] : m.batch_types) m.metrics->add_entries_by_type(type, n);
      m.metrics->add_ballots(m.batch_ballots);
      m.metrics->add_fsyncs(1);
    }
    m.apply_tokens(m.batch_tokens);
    m.publish(snapshot_changed);
    // The result closes the record: its covering checkpoint is stored (and, through publish(),
    // offered to the witnesses) now, not at the next --checkpoint-interval tick.
    if (m.batch_types.count("result") != 0) {
      Status st = publish_checkpoint();
      if (!st.ok()) {
        log_event(LogLevel::kError, "checkpoint_store_failed",
                  {{"message", st.error().describe()}});
      }
    }
  } else {
    log_event(LogLevel::kError, "commit_failed", {{"message", committed.error().describe()}});
    // Undo the batch in memory when it held only ballots (O(batch)); else rebuild from storage.
    if (m.in_batch && m.state.rollback_batch()) {
      m.builder = m.batch_builder;
      m.reader.forget_from(m.builder.size());
      if (m.metrics) m.metrics->add_rollbacks(1);
    } else {
      Status st = m.rebuild();
      if (m.metrics) m.metrics->add_rebuilds(1);
      if (!st.ok()) {
        m.broken = true;
        log_event(LogLevel::kError, "rebuild_failed", {{"message", st.error().describe()}});
      }
    }
  }
  m.in_batch = false;
  m.batch_types.clear();
  m.batch_tokens.clear();
  m.batch_ballots = 0;
}

bool ElectionLedger::resumed_from_stored_state() const {
  return impl_->resumed_from_stored;
}

Status ElectionLedger::publish_checkpoint() {
  std::lock_guard<std::mutex> serial(impl_->publish_mu);
  auto p = impl_->published();
  {
    std::lock_guard<std::mutex> lock(impl_->cp_mu);
    // Size 0 is never stored (it proves nothing; GET /checkpoint signs it on the fly).
    if (p->size == 0 || impl_->published_cp.size >= p->size) return Status::success();
  }
  StoredCheckpoint cp{p->size, p->receipt_note};
  TABELLA_TRY(impl_->storage.append_checkpoint(cp));
  if (impl_->metrics) impl_->metrics->add_fsyncs(1);
  std::lock_guard<std::mutex> lock(impl_->cp_mu);
  impl_->published_cp = std::move(cp);
  return Status::success();
}

void ElectionLedger::register_routes(Router& router, Committer& committer, ThreadPool& pool) {
  Impl* m = impl_.get();
  ElectionLedger* self = this;
  Metrics* metrics = m->metrics;
  auto reject = [metrics](const Error& error) {
    Response r = entry_error_response(error);
    if (metrics) {
      metrics->add_rejection(r.status == 401 ? "unknown_author" : error_code_name(error.code));
    }
    return r;
  };

  router.add(
      "POST", "/v1/entries",
      [m, self, metrics, &committer, &pool, reject](const Request& req, Responder respond) {
        // Fast path for the exact shape clients send; anything else goes through the parser.
        std::string parsed_text;
        std::string_view b64;
        if (auto fast = entry_field_fast(req.body)) {
          b64 = *fast;
        } else {
          json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
          if (body.is_discarded() || !body.is_object()) {
            return respond(reject(
                Error{ErrorCode::kInvalidArgument,
                      "request body must be a JSON object {\"entry\": \"<base64>\"}", "body"}));
          }
          auto it = body.find("entry");
          if (it == body.end() || !it->is_string()) {
            return respond(
                reject(Error{ErrorCode::kInvalidArgument,
                             "'entry' must be a base64 string (RFC 4648, padded)", "entry"}));
          }
          for (const auto& [key, unused] : body.items()) {
            if (key != "entry") {
              return respond(
                  reject(Error{ErrorCode::kInvalidArgument, "unknown field '" + key + "'", key}));
            }
          }
          parsed_text = it->get<std::string>();
          b64 = parsed_text;
        }
        // Refuse an oversized entry by its text's length, before decoding up to a body's worth.
        constexpr std::size_t kMaxEntryBase64 = (record::kMaxEntrySize + 2) / 3 * 4;
        if (b64.size() > kMaxEntryBase64) {
          return respond(reject(
              Error{ErrorCode::kLimit,
                    "entry has " + std::to_string(b64.size()) + " base64 characters (more than " +
                        std::to_string(record::kMaxEntrySize) + " bytes); at most " +
                        std::to_string(kMaxEntryBase64) + " characters (" +
                        std::to_string(record::kMaxEntrySize) + " bytes) are allowed",
                    "entry"}));
        }
        auto bytes = from_base64(b64);
        if (!bytes) return respond(reject(bytes.error().with_prefix("entry")));
        if (committer.writes_refused()) {
          if (metrics) metrics->add_refusal("disk_full");
          return respond(error_response(
              disk_full_error("the ledger's disk is full: nothing can be stored until space is "
                              "freed (reads go on); send the same entry again later")));
        }
        // The cheap checks here, on the I/O thread: an entry they refuse is answered now and
        // never waits in the verification queue beside an honest one; an admitted one waits in
        // its author's flow, so that one author's flood delays another's entries by at most one
        // of its own (ThreadPool). Cluster mode: a refusal may be this node lagging the cluster
        // log; the pool task decides, as below.
        auto admitted = self->admit(*bytes);
        if (!admitted && !m->cluster) return respond(reject(admitted.error()));
        std::string flow = admitted ? admitted->flow : "unadmitted";
        auto task = [m, self, &committer, &pool, reject, respond, admitted = std::move(admitted),
                     entry = std::move(*bytes)]() mutable {
          auto prepared = admitted ? self->verify_admitted(entry, *admitted)
                                   : Result<std::shared_ptr<const void>>(admitted.error());
          std::shared_ptr<const void> product;
          std::string type;
          if (prepared && *prepared) {
            product = std::move(*prepared);
            type = record::entry_type_name(
                static_cast<const CheckedEntry*>(product.get())->entry.type);
          } else if (prepared) {
            // Already stored: the committer answers it as a duplicate without validating.
            auto decoded = record::Entry::decode(entry);
            if (decoded) type = record::entry_type_name(decoded->type);
          } else {
            // Cluster mode: the snapshot may lag the cluster log; validate() prechecks again
            // after the committer caught up. A malformed entry is refused at once.
            auto decoded = record::Entry::decode(entry);
            if (!m->cluster || !decoded || entry.size() > record::kMaxEntrySize) {
              return respond(reject(prepared.error()));
            }
            type = record::entry_type_name(decoded->type);
          }
          ledger::Hash leaf = ledger::leaf_hash(entry);
          committer.submit(
              std::move(entry), std::move(product),
              [m, &pool, reject, respond, type, leaf](Result<AppendOutcome> outcome) {
                if (!outcome) return respond(reject(outcome.error()));
                // Proof reads off the committer thread.
                auto build = [m, respond, type, leaf, o = *outcome]() {
                  StageTimer timer(m->metrics, "receipt");
                  auto p = m->published();
                  auto receipt = m->receipt(o.index, *p, leaf);
                  if (!receipt) return respond(error_response(receipt.error()));
                  api::SubmitReply reply{o.index, o.hash, type, o.duplicate, std::move(*receipt)};
                  respond(json_ok(reply.to_json().dump()));
                };
                if (m->receipt_final(outcome->index)) {
                  if (!pool.post(build)) build();
                  return;
                }
                // Witnessed election: answer once a cosigned checkpoint covers
                // the entry, or after --cosign-wait with "cosigned": false.
                m->cosigner->wait_for(outcome->index + 1,
                                      std::chrono::steady_clock::now() + m->cosign_wait,
                                      [&pool, build](bool) {
                                        if (!pool.post(build)) build();
                                      });
              });
        };
        switch (pool.try_post(std::move(flow), std::move(task))) {
          case ThreadPool::Admission::kQueued:
            break;
          case ThreadPool::Admission::kFull:
            if (metrics) metrics->add_refusal("queue_full");
            respond(retry_later("the verification queue is full (" +
                                    std::to_string(pool.max_queued()) +
                                    " entries wait); nothing was stored, send the same entry again",
                                "queue"));
            break;
          case ThreadPool::Admission::kStopped:
            respond(retry_later("the ledger is shutting down; nothing was stored", "server"));
            break;
        }
      });

  router.add("GET", "/v1/entries", [m](const Request& req, Responder respond) {
    auto start = query_u64(req, "start", std::nullopt);
    if (!start) return respond(error_response(start.error()));
    auto count = query_u64(req, "count", 100);
    if (!count) return respond(error_response(count.error()));
    if (*count == 0 || *count > 1000) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange, "count must be between 1 and 1000", "count"}));
    }
    auto p = m->published();
    if (*start > p->size) {
      return respond(error_response(Error{
          ErrorCode::kOutOfRange,
          "start " + std::to_string(*start) + " is past the log size " + std::to_string(p->size),
          "start"}));
    }
    auto entries = m->storage.read_range(*start, std::min(*count, p->size - *start));
    if (!entries) return respond(error_response(entries.error()));
    json list = json::array();
    for (std::size_t i = 0; i < entries->size(); ++i) {
      const Bytes& e = (*entries)[i];
      auto decoded = record::Entry::decode(e);
      list.push_back(
          {{"index", *start + i},
           {"type", decoded ? std::string(record::entry_type_name(decoded->type)) : std::string()},
           {"entry", to_base64(e)}});
    }
    respond(json_ok(json{{"size", p->size}, {"entries", std::move(list)}}.dump()));
  });

  router.add("GET", "/v1/status", [m](const Request&, Responder respond) {
    respond(json_ok(m->published()->status(m->id.origin).to_json().dump()));
  });

  router.add("GET", "/v1/receipt", [m](const Request& req, Responder respond) {
    auto index = query_u64(req, "index", std::nullopt);
    if (!index) return respond(error_response(index.error()));
    auto r = m->receipt(*index, *m->published());
    respond(r ? json_ok(r->to_json().dump()) : error_response(r.error()));
  });

  router.add("GET", "/v1/ballots/*", [m](const Request& req, Responder respond) {
    std::string text = req.path.substr(std::string_view("/v1/ballots/").size());
    std::optional<Digest> code;
    if (text.size() == 64) {
      auto raw = from_hex(text);
      if (raw && raw->size() == 32) {
        code.emplace();
        std::copy(raw->begin(), raw->end(), code->begin());
      }
    }
    if (!code) {
      auto canonical = election::normalize_short_code(text);
      if (!canonical) {
        return respond(error_response(
            Error{ErrorCode::kInvalidArgument,
                  "not a ballot code (64 hex digits) or short code (ABCD-EFGH-IJKL-MNOP): " +
                      canonical.error().message,
                  "code"}));
      }
      auto full = m->storage.get_state(short_key(*canonical));
      if (!full) return respond(error_response(full.error()));
      if (!*full || (*full)->size() != 32) {
        return respond(json_error(404, "not_found", "no ballot has this code", "code"));
      }
      code.emplace();
      std::copy((*full)->begin(), (*full)->end(), code->begin());
    }
    auto p = m->published();
    auto row = m->storage.get_state(ballot_key(*code));
    if (!row) return respond(error_response(row.error()));
    std::optional<std::uint64_t> index = *row ? read_u64be(**row) : std::nullopt;
    if (!index || *index >= p->size) {
      return respond(json_error(404, "not_found", "no ballot has this code", "code"));
    }
    auto entries = m->storage.read_range(*index, 1);
    if (!entries) return respond(error_response(entries.error()));
    if (entries->size() != 1) return respond(json_error(500, "io_error", "ballot entry missing"));
    auto e = record::Entry::decode(entries->front());
    if (!e) return respond(error_response(e.error()));
    auto body = record::decode_body(e->type, e->body);
    if (!body) return respond(error_response(body.error()));
    std::uint64_t sequence = 0;
    if (auto* cast = std::get_if<record::CastBallotBody>(&*body)) sequence = cast->ballot.sequence;
    if (auto* ch = std::get_if<record::ChallengedBallotBody>(&*body))
      sequence = ch->ballot.sequence;
    auto receipt = m->receipt(*index, *p);
    if (!receipt) return respond(error_response(receipt.error()));
    api::BallotLookup out{*index,
                          std::string(record::entry_type_name(e->type)),
                          *code,
                          election::short_code(*code),
                          e->author,
                          sequence,
                          std::move(*receipt)};
    respond(json_ok(out.to_json().dump()));
  });

  router.add("GET", "/v1/kiosks/*", [m](const Request& req, Responder respond) {
    std::string key = req.path.substr(std::string_view("/v1/kiosks/").size());
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto p = m->published();
    auto it = p->kiosks.find(key);
    if (it == p->kiosks.end()) {
      return respond(json_error(404, "not_found", "no kiosk is enrolled with this key", "key"));
    }
    respond(json_ok(Published::kiosk_status(it->second).to_json().dump()));
  });

  // A voting code's state, for a kiosk checking a code as it is typed: asked by the token's hash
  // H("tabella/v1/voter-token"; Q, token) (what the record's token-commitments list) and answered
  // for that hash only: committed or not, spent or not, the precinct it was committed for.
  router.add("GET", "/v1/tokens/*", [m](const Request& req, Responder respond) {
    const std::string text = req.path.substr(std::string_view("/v1/tokens/").size());
    auto raw = from_hex(text);
    if (text.size() != 64 || !raw || raw->size() != 32) {
      return respond(error_response(
          Error{ErrorCode::kInvalidArgument, "not a token hash (64 hex digits)", "token_hash"}));
    }
    Digest h{};
    std::copy(raw->begin(), raw->end(), h.begin());
    auto row = m->committed_token(h);
    if (!row) {
      return respond(
          json_error(404, "not_found", "no voting code with this hash is committed", "token_hash"));
    }
    api::TokenStatus out{h, row->spent, row->precinct ? *row->precinct : std::string()};
    respond(json_ok(out.to_json().dump()));
  });

  router.add("GET", "/v1/proof/inclusion", [m](const Request& req, Responder respond) {
    auto p = m->published();
    auto index = query_u64(req, "index", std::nullopt);
    if (!index) return respond(error_response(index.error()));
    auto size = query_u64(req, "size", p->size);
    if (!size) return respond(error_response(size.error()));
    if (*size > p->size || *index >= *size) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange,
                "need index < size <= " + std::to_string(p->size) + " (the committed log size)",
                *size > p->size ? "size" : "index"}));
    }
    auto proof = ledger::inclusion_proof(*index, *size, m->reader);
    if (!proof) return respond(error_response(proof.error()));
    auto root = ledger::root_at(*size, m->reader);
    if (!root) return respond(error_response(root.error()));
    respond(json_ok(json{
        {"index", *index}, {"size", *size}, {"root", to_hex(*root)}, {"proof", hex_list(*proof)}}
                        .dump()));
  });

  router.add("GET", "/v1/proof/consistency", [m](const Request& req, Responder respond) {
    auto p = m->published();
    auto from = query_u64(req, "from", std::nullopt);
    if (!from) return respond(error_response(from.error()));
    auto to = query_u64(req, "to", p->size);
    if (!to) return respond(error_response(to.error()));
    if (*to > p->size || *from > *to) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange,
                "need from <= to <= " + std::to_string(p->size) + " (the committed log size)",
                *to > p->size ? "to" : "from"}));
    }
    auto proof = ledger::consistency_proof(*from, *to, m->reader);
    if (!proof) return respond(error_response(proof.error()));
    respond(json_ok(json{{"from", *from}, {"to", *to}, {"proof", hex_list(*proof)}}.dump()));
  });

  // GET /v1/export: the record as of now. It ends with a checkpoint of its own size (docs/spec.md
  // §12; tabella-verify check 24): the cosigned one when the witnesses covered the whole record,
  // else the ledger-signed checkpoint of that size, stored first so that it is durable.
  auto export_now = [m, self](const Responder& respond) {
    // On a full disk the export still ends with the checkpoint of its size, signed now.
    if (Status st = self->publish_checkpoint(); !st.ok() && !is_disk_full(st.error()))
      return respond(error_response(st.error()));
    // The size is fixed when the export starts; checkpoints are read then too (all <= size).
    auto p = m->published();
    std::optional<StoredCheckpoint> cosigned_cp = m->latest_cosigned();
    std::uint64_t end = p->size;
    if (cosigned_cp && cosigned_cp->size > end) end = cosigned_cp->size;  // committed meanwhile
    auto cps = m->storage.list_checkpoints();
    if (!cps) return respond(error_response(cps.error()));
    struct Cursor {
      std::string head;
      std::uint64_t next = 0;
      std::uint64_t end = 0;
      bool head_sent = false;
    };
    auto cur = std::make_shared<Cursor>();
    cur->head = json{{"format", record::kRecordFormat}, {"origin", m->id.origin}}.dump() + "\n";
    for (const auto& cp : *cps) {
      if (cp.size <= end) cur->head += json{{"checkpoint", cp.note}}.dump() + "\n";
    }
    // Last: the checkpoint of the record's size. The cosigned one comes after any ledger-only
    // note of its size, so that it is the record's final checkpoint (checks 23 and 24).
    if (cosigned_cp) cur->head += json{{"checkpoint", cosigned_cp->note}}.dump() + "\n";
    if (end > 0 && (!cosigned_cp || cosigned_cp->size < end)) {
      cur->head += json{{"checkpoint", p->receipt_note}}.dump() + "\n";
    }
    cur->end = end;
    Response r;
    r.content_type = "application/x-ndjson";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"record.jsonl\"");
    r.stream = [m, cur]() -> Result<std::optional<std::string>> {
      if (!cur->head_sent) {
        cur->head_sent = true;
        return std::optional<std::string>(std::move(cur->head));
      }
      if (cur->next >= cur->end) return std::optional<std::string>();
      auto entries = m->storage.read_range(cur->next, std::min(kExportChunk, cur->end - cur->next));
      if (!entries) return entries.error();
      if (entries->empty()) return make_error(ErrorCode::kIo, "the log shrank during the export");
      std::string out;
      for (const Bytes& e : *entries) {
        auto decoded = record::Entry::decode(e);
        out += json{{"index", cur->next},
                    {"type",
                     decoded ? std::string(record::entry_type_name(decoded->type)) : std::string()},
                    {"entry", to_base64(e)}}
                   .dump();
        out += "\n";
        ++cur->next;
      }
      return std::optional<std::string>(std::move(out));
    };
    respond(std::move(r));
  };
  router.add("GET", "/v1/export", [m, &pool, export_now](const Request&, Responder respond) {
    // Witnessed: wait (at most --cosign-wait) for a cosigned checkpoint of the current size, so
    // that the record's latest checkpoint carries the cosignatures (tabella-verify check 23).
    auto p = m->published();
    if (p->size > 0 && !m->receipt_final(p->size - 1)) {
      auto again = [export_now, respond]() { export_now(respond); };
      m->cosigner->wait_for(p->size, std::chrono::steady_clock::now() + m->cosign_wait,
                            [&pool, again](bool) {
                              if (!pool.post(again)) again();
                            });
      return;
    }
    export_now(respond);
  });
  router.add("GET", "/v1/witnesses", [m](const Request&, Responder respond) {
    json list = json::array();
    if (m->cosigner) {
      for (const auto& w : m->cosigner->stats()) {
        list.push_back({{"url", w.url},
                        {"name", w.name},
                        {"verifier_key", w.verifier_key},
                        {"member", w.member},
                        {"size", w.size},
                        {"collected", w.collected},
                        {"failed", w.failed},
                        {"last_error", w.last_error}});
      }
    }
    auto c = m->latest_cosigned();
    auto p = m->published();
    // The manifest's witness policy, so a client can name the members that did not cosign.
    json members = json::array();
    std::uint32_t quorum = 0;
    if (p->snapshot && p->snapshot->manifest) {
      quorum = p->snapshot->manifest->witness_quorum;
      for (const auto& w : p->snapshot->manifest->witnesses) members.push_back(w.name);
    }
    respond(json_ok(json{{"witnessed", m->witnessed.load()},
                         {"size", p->size},
                         {"cosigned_size", c ? c->size : 0},
                         {"quorum", quorum},
                         {"members", std::move(members)},
                         {"witnesses", std::move(list)}}
                        .dump()));
  });
  router.add("GET", "/metrics/witnesses", [m](const Request&, Responder respond) {
    Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = m->cosigner ? m->cosigner->render_metrics() : std::string();
    respond(std::move(r));
  });

  router.add("GET", "/log-key", [m](const Request&, Responder respond) {
    Response r = json_ok(m->signer.verifier_key());
    r.content_type = "text/plain; charset=utf-8";
    respond(std::move(r));
  });

  // GET /v1/checkpoints?start=<u64>&count=<u64>: the ledger's stored checkpoints, in size order,
  // from the `start`-th (0 = the first), at most `count` (1..1000, default 100); and the latest
  // cosigned one (docs/api.md). The bulletin board lists them; the record's export carries them.
  router.add("GET", "/v1/checkpoints", [m](const Request& req, Responder respond) {
    auto start = query_u64(req, "start", 0);
    if (!start) return respond(error_response(start.error()));
    auto count = query_u64(req, "count", 100);
    if (!count) return respond(error_response(count.error()));
    if (*count == 0 || *count > 1000) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange, "count must be between 1 and 1000", "count"}));
    }
    auto page = m->storage.checkpoint_page(*start, *count);
    if (!page) return respond(error_response(page.error()));
    json list = json::array();
    for (const auto& cp : page->checkpoints) list.push_back({{"size", cp.size}, {"note", cp.note}});
    auto c = m->latest_cosigned();
    respond(json_ok(json{{"total", page->total},
                         {"start", *start},
                         {"checkpoints", std::move(list)},
                         {"cosigned", c ? json{{"size", c->size}, {"note", c->note}} : json()}}
                        .dump()));
  });

  router.add("GET", "/checkpoint", [m](const Request&, Responder respond) {
    std::string note;
    {
      std::lock_guard<std::mutex> lock(m->cp_mu);
      // Witnessed: the latest cosigned checkpoint is the published one.
      note = m->cosigned ? m->cosigned->note : m->published_cp.note;
    }
    if (note.empty()) note = m->published()->receipt_note;  // the empty log
    Response r = json_ok(std::move(note));
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(r));
  });

  router.add("GET", "/tile/*", [m](const Request& req, Responder respond) {
    auto id = ledger::parse_tile_path(std::string_view(req.path).substr(1));
    if (!id) return respond(error_response(id.error().with_prefix("path")));
    auto p = m->published();
    auto not_found = [&] {
      respond(json_error(404, "not_found", "tile is beyond the committed log", "path"));
    };
    Response r;
    r.content_type = "application/octet-stream";
    if (id->entries) {
      std::uint64_t first = id->index * ledger::kTileWidth;
      if (id->index > (UINT64_MAX - ledger::kTileWidth) / ledger::kTileWidth ||
          first + id->width > p->size) {
        return not_found();
      }
      auto entries = m->storage.read_range(first, id->width);
      if (!entries) return respond(error_response(entries.error()));
      auto bundle = ledger::encode_entry_bundle(*entries);
      if (!bundle) return respond(error_response(bundle.error()));
      r.body.assign(bundle->begin(), bundle->end());
    } else {
      if (id->level > 7) return not_found();
      int shift = ledger::kTileHeight * id->level;
      std::uint64_t stored = shift >= 64 ? 0 : p->size >> shift;  // hashes at level 8L
      if (id->index > stored / ledger::kTileWidth ||
          id->index * ledger::kTileWidth + id->width > stored) {
        return not_found();
      }
      auto tile = ledger::read_tile(m->reader, id->level, id->index, id->width);
      if (!tile) return respond(error_response(tile.error()));
      r.body.assign(tile->begin(), tile->end());
    }
    r.headers.emplace_back("Cache-Control", id->width == ledger::kTileWidth
                                                ? "public, max-age=31536000, immutable"
                                                : "no-cache");
    respond(std::move(r));
  });
}

}  // namespace tabella::server
