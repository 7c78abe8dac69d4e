#include "verifier.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/witness.h"
#include "tabella/record/record_file.h"
#include "tabella/record/state.h"
#include "tabella/util/utc_time.h"

namespace tabella::verify {

namespace {

using record::CheckedEntry;
using record::ElectionState;

// Entries read, prechecked and applied together: at most kBatch entries or kBatchBytes of them
// (the first entry that reaches it closes the batch). Two batches are in memory at once (one
// applied while the next is prechecked), so the bytes bound what the verifier holds whatever the
// election's size: token-commitments entries (up to ~48 KiB each, hundreds of them in a large
// election) would otherwise make batches of 256 x 48 KiB, their decoded forms as large again.
constexpr std::size_t kBatch = 256;
constexpr std::size_t kBatchBytes = std::size_t{2} << 20;
constexpr std::uint64_t kNoIndex = UINT64_MAX;
using record::kCheckFinalCheckpoint;
using record::kCheckFinalSignature;
using record::kCheckRecordComplete;
using record::kCheckRecordSequence;
using record::kCheckWitnessCosignatures;
// How many failures the text report lists (--json lists all).
constexpr std::size_t kFailuresShown = 5;
constexpr int kCheckPinnedIdentity = 35;
constexpr int kCheckLedgerConsistency = 36;

// Upper case without separators: "abcd-efgh ijkl" -> "ABCDEFGHIJKL".
std::string normalised(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '-' || ch == ' ' || ch == ':') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  }
  return out;
}

struct PendingCheckpoint {
  std::optional<ledger::Note> note;              // when the signed note parses
  std::optional<ledger::Checkpoint> checkpoint;  // when its body parses
  bool root_checked = false;
  std::optional<std::string> signature_error;  // set by check 21 when the signature is refused
};

// A failure of the voter-token check's temporary file, marked for main.cpp (not the record's).
Error temp_dir_error(Error e) {
  e.field = "--temp-dir";
  return e;
}

// Root cause first: failures of entries (and of the record's sequence) in log order, each before
// the checkpoint failures it causes at the same position (a changed entry breaks the root of every
// checkpoint after it); record-level failures last, in the order they were found.
void order_failures(std::vector<Failure>& failures) {
  std::stable_sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) {
    auto key = [](const Failure& f) {
      return std::make_pair(f.index, f.type == "checkpoint" ? 1 : 0);
    };
    return key(a) < key(b);
  });
}

class Run {
 public:
  explicit Run(const Options& o) : options_(o) {
    for (const auto& c : record::all_checks()) {
      report_.checks.push_back({c.number, c.name, c.description, 0, 0});
    }
    // Check 35 is reported only when the auditor pinned something.
    // Checks 35 and 36 are listed only when the auditor pinned something or gave a ledger URL.
    const bool pinned = !o.expect_authority.empty() || !o.expect_q.empty();
    std::erase_if(report_.checks, [&](const CheckResult& c) {
      return (c.number == kCheckPinnedIdentity && !pinned) ||
             (c.number == kCheckLedgerConsistency && !o.from_ledger);
    });
    threads_ = o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  }

  Result<Report> run(const std::filesystem::path& path);

 private:
  void fail(std::uint64_t index, std::string type, int check, std::string why) {
    check_ref(check).failed++;
    report_.failures.push_back({index, std::move(type), check, std::move(why)});
  }
  void pass(int check, std::uint64_t n = 1) { check_ref(check).passed += n; }
  // Check numbers have gaps (docs/spec.md §11): look the number up.
  CheckResult& check_ref(int number) {
    for (auto& c : report_.checks) {
      if (c.number == number) return c;
    }
    assert(false && "a check number missing from record::all_checks()");
    return report_.checks.front();
  }
  bool stop() const { return options_.fail_fast && !report_.failures.empty(); }

  // A batch read from the record, prechecked (phase 1) and waiting to be applied (phase 2).
  struct Batch {
    std::vector<record::RecordEntry> entries;
    std::vector<std::optional<Result<CheckedEntry>>> checked;
    record::Snapshot snapshot;  // what phase 1 checks against; outlives the worker threads
    // The next entry to precheck: helpers and this thread take entries until none is left.
    std::unique_ptr<std::atomic<std::size_t>> next = std::make_unique<std::atomic<std::size_t>>(0);
  };
  // Phase 1: starts `helpers` threads taking entries of b; precheck_some(b) joins in.
  std::vector<std::thread> start_precheck(Batch& b, unsigned helpers) const;
  void precheck_some(Batch& b) const;
  void apply(Batch& b);
  // Whether applying b may change the snapshot later batches are prechecked under.
  static bool changes_snapshot(const Batch& b);
  void add_checkpoint(const std::string& text);
  void verify_checkpoint_signatures();
  void check_roots(std::uint64_t index);
  // The record's final checkpoint: the largest size, the last of that size in record order.
  const PendingCheckpoint* final_checkpoint() const;
  void check_final_checkpoint();
  void check_witness_cosignatures();
  void record_identity(const record::CheckedEntry& election, std::uint64_t index);
  // A note (not a failure) when the polls opened or closed outside the manifest's window.
  void note_time(const char* what, std::uint64_t time);
  // Checks 12 and 15 over the whole record (the token events the rules handed to the audit).
  // Errors: the temporary file failed.
  Status check_tokens();
  void finish();

  Options options_;
  unsigned threads_ = 1;
  Report report_;
  ElectionState state_;
  ledger::MerkleBuilder tree_;
  std::vector<PendingCheckpoint> checkpoints_;
  // Checkpoints whose root is not checked yet, by size (record order within a size): each entry
  // looks up the one tree size it makes, so the work does not grow with the checkpoints.
  std::multimap<std::uint64_t, std::size_t> unchecked_roots_;
  bool signatures_checked_ = false;
  std::string ledger_key_from_record_;
  std::uint64_t next_index_ = 0;  // the index the next entry line should carry (check 27)
  std::string header_origin_;     // the record header's origin (check 4)
};

void Run::note_time(const char* what, std::uint64_t time) {
  const election::Manifest* m = state_.manifest();
  if (m == nullptr) return;
  const std::string at = utc_time(time);
  if (at < m->start || at > m->end) {
    report_.notes.push_back(std::string("the polls ") + what + " at " + at +
                            ", outside the manifest's window " + m->start + " .. " + m->end +
                            " (not a failure: docs/spec.md §11.3)");
  }
}

void Run::verify_checkpoint_signatures() {
  signatures_checked_ = true;
  std::string key = options_.ledger_key;
  if (key.empty()) key = ledger_key_from_record_;
  if (checkpoints_.empty()) return;
  auto refuse_all = [this](const std::string& why) {
    for (auto& cp : checkpoints_) cp.signature_error = why;
    fail(kNoIndex, "checkpoint", record::kCheckCheckpointSignatures, why);
  };
  if (key.empty()) {
    refuse_all(
        "the record has checkpoints but no ledger key (neither in the election entry nor "
        "--ledger-key)");
    return;
  }
  auto verifier = ledger::NoteVerifier::from_verifier_key(key);
  if (!verifier.ok()) {
    refuse_all("ledger key: " + verifier.error().describe());
    return;
  }
  for (std::size_t i = 0; i < checkpoints_.size(); ++i) {
    auto& cp = checkpoints_[i];
    if (!cp.note || !cp.checkpoint) continue;  // already reported as malformed
    std::string where = "checkpoint " + std::to_string(i);
    auto st = verifier->verify(*cp.note);
    if (!st.ok()) {
      cp.signature_error = st.error().describe();
      fail(kNoIndex, "checkpoint", record::kCheckCheckpointSignatures,
           where + ": " + *cp.signature_error);
      continue;
    }
    if (state_.manifest() != nullptr && cp.checkpoint->origin != state_.manifest()->origin) {
      cp.signature_error = "origin \"" + cp.checkpoint->origin + "\" is not the election's log \"" +
                           state_.manifest()->origin + "\"";
      fail(kNoIndex, "checkpoint", record::kCheckCheckpointSignatures,
           where + ": " + *cp.signature_error);
      continue;
    }
    pass(record::kCheckCheckpointSignatures);
  }
}

// Parses a checkpoint line as soon as it is read: its size and root are checked against the
// entries as they stream past, its signature once the election entry names the ledger key.
void Run::add_checkpoint(const std::string& text) {
  std::string where = "checkpoint " + std::to_string(checkpoints_.size());
  PendingCheckpoint cp;
  auto note = ledger::parse_note(text);
  if (!note.ok()) {
    fail(kNoIndex, "checkpoint", record::kCheckCheckpointSignatures,
         where + ": " + note.error().describe());
  } else {
    auto body = ledger::Checkpoint::parse(note->text);
    if (!body.ok()) {
      fail(kNoIndex, "checkpoint", record::kCheckCheckpointSignatures,
           where + ": " + body.error().describe());
    } else {
      cp.checkpoint = std::move(*body);
      unchecked_roots_.emplace(cp.checkpoint->size, checkpoints_.size());
    }
    cp.note = std::move(*note);
  }
  checkpoints_.push_back(std::move(cp));
}

// Checks every checkpoint whose size is the tree's current size (including 0, before any entry).
void Run::check_roots(std::uint64_t index) {
  auto [first, last] = unchecked_roots_.equal_range(tree_.size());
  for (auto it = first; it != last; ++it) {
    PendingCheckpoint& cp = checkpoints_[it->second];
    cp.root_checked = true;
    if (cp.checkpoint->root == tree_.root()) {
      pass(record::kCheckLogRoots);
    } else {
      fail(index, "checkpoint", record::kCheckLogRoots,
           "the first " + std::to_string(tree_.size()) +
               " entries do not hash to the signed checkpoint's root");
    }
  }
  unchecked_roots_.erase(first, last);
}

std::vector<std::thread> Run::start_precheck(Batch& b, unsigned helpers) const {
  b.checked.assign(b.entries.size(), std::nullopt);
  b.next->store(0);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < helpers && t < b.entries.size(); ++t) {
    pool.emplace_back([this, &b] { precheck_some(b); });
  }
  return pool;
}

void Run::precheck_some(Batch& b) const {
  for (;;) {
    std::size_t i = b.next->fetch_add(1);
    if (i >= b.entries.size()) return;
    b.checked[i].emplace(record::precheck(b.entries[i].bytes, b.snapshot));
  }
}

bool Run::changes_snapshot(const Batch& b) {
  for (const auto& c : b.checked) {
    if (c && c->ok() &&
        ((*c)->entry.type == record::EntryType::kElection ||
         (*c)->entry.type == record::EntryType::kElectionKey)) {
      return true;
    }
  }
  return false;
}

void Run::apply(Batch& b) {
  auto& batch = b.entries;
  auto& checked = b.checked;
  // Phase 2, in log order: Merkle tree, checkpoints, election rules.
  for (std::size_t i = 0; i < batch.size() && !stop(); ++i) {
    const auto& item = batch[i];
    if (tree_.size() == 0) check_roots(kNoIndex);  // checkpoints of the empty log
    tree_.append(ledger::leaf_hash(item.bytes));
    check_roots(item.index);
    auto& c = *checked[i];
    std::string type_name = "unknown";
    if (!c.ok()) {
      auto e = record::Entry::decode(item.bytes);
      auto type = e.ok() ? e->type : record::EntryType::kElection;
      if (e.ok()) type_name = std::string(record::entry_type_name(type));
      int check = e.ok() ? record::classify_failure(type, c.error()) : 1;
      fail(item.index, type_name, check, c.error().describe());
      continue;
    }
    type_name = std::string(record::entry_type_name(c->entry.type));
    auto st = state_.apply(*c);
    if (!st.ok()) {
      fail(item.index, type_name, record::classify_failure(c->entry.type, st.error()),
           st.error().describe());
      continue;
    }
    for (int n : record::checks_passed(c->entry.type)) pass(n);
    if (const auto* polls = std::get_if<record::PollsBody>(&c->body))
      note_time("opened", polls->time);
    if (const auto* close = std::get_if<record::PollsCloseBody>(&c->body)) {
      note_time("closed", close->time);
    }
    if (c->entry.type == record::EntryType::kElection) {
      if (header_origin_ != state_.manifest()->origin) {
        fail(kNoIndex, "record", 4,
             "the record header names origin \"" + header_origin_ +
                 "\" but the election's log is \"" + state_.manifest()->origin + "\"");
      }
      const auto& body = std::get<record::ElectionBody>(c->body);
      ledger_key_from_record_ = body.ledger_key;
      report_.election_id = state_.manifest()->election_id;
      report_.title = state_.manifest()->title.in(state_.manifest()->languages.front());
      record_identity(*c, item.index);
      verify_checkpoint_signatures();
    }
  }
  report_.entries += batch.size();
  if (options_.progress) options_.progress(report_.entries);
}

// The election's identity, from the election entry, and check 35 against the auditor's pins.
void Run::record_identity(const record::CheckedEntry& election, std::uint64_t index) {
  const election::Manifest& m = *state_.manifest();
  Identity& id = report_.identity;
  id.q = to_hex(*state_.snapshot().q);
  id.manifest_hash = to_hex(election::manifest_hash(m));
  id.authority_key = to_hex(state_.authority());
  auto key = VerifyKey::from_bytes(state_.authority());
  id.authority_fingerprint = key ? key->fingerprint() : "";
  id.ledger_key = std::get<record::ElectionBody>(election.body).ledger_key;
  id.witness_quorum = m.witness_quorum;
  for (const auto& w : m.witnesses) id.witnesses.emplace_back(w.name, w.key);
  if (options_.expect_authority.empty() && options_.expect_q.empty()) return;
  const std::string type = "election";
  bool ok = true;
  if (!options_.expect_authority.empty()) {
    const std::string want = normalised(options_.expect_authority);
    if (want != normalised(id.authority_key) && want != normalised(id.authority_fingerprint)) {
      ok = false;
      fail(index, type, kCheckPinnedIdentity,
           "the election's authority key is " + id.authority_fingerprint + " (" + id.authority_key +
               "), not the expected " + options_.expect_authority);
    }
  }
  if (!options_.expect_q.empty() && normalised(options_.expect_q) != normalised(id.q)) {
    ok = false;
    fail(index, type, kCheckPinnedIdentity,
         "the election's Q is " + id.q + ", not the expected " + options_.expect_q);
  }
  if (ok) pass(kCheckPinnedIdentity);
}

const PendingCheckpoint* Run::final_checkpoint() const {
  const PendingCheckpoint* latest = nullptr;
  for (const auto& cp : checkpoints_) {
    if (!cp.note || !cp.checkpoint) continue;  // reported by check 21
    if (latest == nullptr || cp.checkpoint->size >= latest->checkpoint->size) latest = &cp;
  }
  return latest;
}

// Checks 24 and 25: the final checkpoint covers exactly the record's entries and is the ledger's.
// A record whose last entries no signed checkpoint covers could have been cut short or extended
// by anyone; a record without checkpoints proves nothing about the log it claims to be.
void Run::check_final_checkpoint() {
  const std::uint64_t n = tree_.size();
  const PendingCheckpoint* last = final_checkpoint();
  if (last == nullptr) {
    fail(kNoIndex, "record", kCheckFinalCheckpoint,
         checkpoints_.empty() ? "the record holds no checkpoint: no ledger signature covers its " +
                                    std::to_string(n) + " entries"
                              : "the record holds no well-formed checkpoint (see check 21)");
    return;
  }
  const std::uint64_t size = last->checkpoint->size;
  if (size < n) {
    fail(kNoIndex, "record", kCheckFinalCheckpoint,
         "the final checkpoint covers " + std::to_string(size) + " of the record's " +
             std::to_string(n) + " entries: entries " + std::to_string(size) + ".." +
             std::to_string(n - 1) + " are in no signed checkpoint");
  } else if (size > n) {
    fail(kNoIndex, "record", kCheckFinalCheckpoint,
         "the final checkpoint has size " + std::to_string(size) + " but the record holds " +
             std::to_string(n) + " entries: entries " + std::to_string(n) + ".." +
             std::to_string(size - 1) + " are missing from the record");
  } else {
    pass(kCheckFinalCheckpoint);
  }
  if (last->signature_error) {
    fail(kNoIndex, "checkpoint", kCheckFinalSignature,
         "the final checkpoint (size " + std::to_string(size) +
             ") is not the ledger's: " + *last->signature_error);
  } else {
    pass(kCheckFinalSignature);
  }
}

// Check 23: when the manifest names witnesses, the final checkpoint of the record (the largest
// size; the last one of that size in record order; check 24 makes it cover the whole record)
// carries valid cosignature/v1 lines by at least witness_quorum distinct listed witnesses. A
// listed key that is not a cosignature verifier key of the listed name cannot count towards
// the quorum.
void Run::check_witness_cosignatures() {
  const election::Manifest* m = state_.manifest();
  if (m == nullptr || m->witnesses.empty() || m->witness_quorum == 0) return;
  const PendingCheckpoint* latest = final_checkpoint();
  const std::string need = std::to_string(m->witness_quorum) + " of " +
                           std::to_string(m->witnesses.size()) + " witnesses";
  if (latest == nullptr) {
    fail(kNoIndex, "checkpoint", kCheckWitnessCosignatures,
         "the manifest requires cosignatures by " + need + " but the record holds no checkpoint");
    return;
  }
  std::vector<ledger::CosignatureVerifier> witnesses;
  std::string unusable;
  for (std::size_t i = 0; i < m->witnesses.size(); ++i) {
    const auto& w = m->witnesses[i];
    auto v = ledger::CosignatureVerifier::from_verifier_key(w.key);
    if (v && v->name() == w.name) {
      witnesses.push_back(std::move(*v));
    } else {
      unusable += (unusable.empty() ? "" : ", ") + std::string("witnesses.members[") +
                  std::to_string(i) + "]";
    }
  }
  auto st = ledger::check_cosignature_quorum(ledger::format_note(*latest->note), witnesses,
                                             m->witness_quorum);
  if (st.ok()) {
    pass(kCheckWitnessCosignatures);
    return;
  }
  fail(kNoIndex, "checkpoint", kCheckWitnessCosignatures,
       "the final checkpoint (size " + std::to_string(latest->checkpoint->size) +
           ") lacks cosignatures by " + need + ": " + st.error().message +
           (unusable.empty()
                ? ""
                : " (not a cosignature/v1 verifier key of its name: " + unusable + ")"));
}

Status Run::check_tokens() {
  record::TokenAudit* audit = state_.token_audit();
  if (audit == nullptr) return {};
  auto violations = audit->finish();
  if (!violations) return violations.error();
  // The entries apply() refused: a ballot whose kiosk chain failed (check 16) is reported by
  // its token instead when that fails too, since the rules check the token first.
  std::map<std::uint64_t, std::size_t> refused;
  for (std::size_t i = 0; i < report_.failures.size(); ++i) {
    const Failure& f = report_.failures[i];
    if (f.index != kNoIndex && f.type != "checkpoint") refused.emplace(f.index, i);
  }
  std::uint64_t last = kNoIndex;
  for (const auto& v : *violations) {
    if (v.index == last) continue;  // one failure per entry, as the rules report it
    last = v.index;
    const auto type =
        v.spend ? record::EntryType::kCastBallot : record::EntryType::kTokenCommitments;
    const int check = record::classify_failure(type, v.error);
    if (auto it = refused.find(v.index); it != refused.end()) {
      Failure& f = report_.failures[it->second];
      check_ref(f.check).failed--;
      check_ref(check).failed++;
      f.check = check;
      f.why = v.error.describe();
      continue;
    }
    // apply() counted the entry's checks as passed; this one did not pass.
    if (check_ref(check).passed > 0) check_ref(check).passed--;
    fail(v.index, std::string(record::entry_type_name(type)), check, v.error.describe());
  }
  return {};
}

void Run::finish() {
  if (tree_.size() == 0) check_roots(kNoIndex);
  if (const PendingCheckpoint* latest = final_checkpoint()) {
    report_.identity.checkpoint_size = latest->checkpoint->size;
    report_.identity.checkpoint_root = to_hex(latest->checkpoint->root);
  }
  if (report_.identity.q.empty() &&
      (!options_.expect_authority.empty() || !options_.expect_q.empty())) {
    fail(kNoIndex, "record", kCheckPinnedIdentity,
         "the record defines no election to compare with the expected authority or Q");
  }
  if (!signatures_checked_) verify_checkpoint_signatures();
  check_final_checkpoint();
  check_witness_cosignatures();
  for (const auto& cp : checkpoints_) {
    if (cp.checkpoint && !cp.root_checked) {
      fail(kNoIndex, "checkpoint", record::kCheckLogRoots,
           "a checkpoint of size " + std::to_string(cp.checkpoint->size) +
               " covers more entries than the record holds (" + std::to_string(tree_.size()) + ")");
    }
  }
  if (tree_.size() == 0) fail(kNoIndex, "record", 4, "the record holds no entries");
  report_.manifest = state_.snapshot().manifest;
  report_.record_root = tree_.root();
  report_.phase = std::string(record::phase_name(state_.phase()));
  report_.complete = state_.phase() == record::Phase::kFinished;
  report_.ballots_cast = state_.cast_count();
  report_.ballots_challenged = state_.challenged_count();
  if (report_.complete) {
    pass(kCheckRecordComplete);
  } else if (!options_.in_progress) {
    fail(kNoIndex, "record", kCheckRecordComplete,
         "the record ends before the result (phase " + report_.phase +
             "): a published record must end with the result entry, or entries are missing at "
             "its end (--in-progress audits an election that is still running)");
  }
  order_failures(report_.failures);
  if (report_.complete && state_.manifest() != nullptr) {
    const auto& m = *state_.manifest();
    const auto& r = *state_.result();
    const std::string& lang = m.languages.front();
    for (std::size_t c = 0; c < m.contests.size() && c < r.counts.size(); ++c) {
      report_.result_lines.push_back(m.contests[c].title.in(lang));
      for (std::size_t s = 0; s < m.contests[c].choices.size() && s < r.counts[c].size(); ++s) {
        report_.result_lines.push_back("  " + m.contests[c].choices[s].label.in(lang) + ": " +
                                       std::to_string(r.counts[c][s]));
      }
    }
  }
}

Result<Report> Run::run(const std::filesystem::path& path) {
  auto start = std::chrono::steady_clock::now();
  report_.in_progress = options_.in_progress;
  auto reader = record::RecordReader::open(path);
  if (!reader.ok()) return reader.error();
  header_origin_ = reader->header().origin;
  std::filesystem::path temp_dir = options_.temp_dir;
  if (temp_dir.empty()) {
    std::error_code ec;
    temp_dir = std::filesystem::temp_directory_path(ec);  // $TMPDIR
    if (ec) temp_dir = "/tmp";
  }
  auto audit = record::TokenAudit::create(temp_dir);
  if (!audit) return temp_dir_error(audit.error());
  state_.defer_token_checks(std::move(*audit));
  // Phase 1 of the next batch runs on threads-1 helper threads while this thread applies the
  // previous one (phase 2), then joins them on phase 1 before it reads on: the rules, the
  // Merkle tree and the reading are the serial part, and they overlap the proofs without more
  // threads than cores. A batch whose entries change the snapshot (the election or
  // election-key entry) is applied before the next one is prechecked. One thread (-j 1) runs
  // everything in turn.
  const bool overlap = threads_ > 1;
  std::optional<Batch> previous;
  std::vector<std::thread> running;  // phase 1 of *previous
  auto join = [&running] {
    for (auto& t : running) t.join();
    running.clear();
  };
  auto submit = [&](Batch next) {
    join();
    if (previous && (!overlap || changes_snapshot(*previous))) {
      apply(*previous);
      previous.reset();
    }
    std::optional<Batch> done = std::move(previous);
    previous = std::move(next);
    previous->snapshot = state_.snapshot();
    running = start_precheck(*previous, overlap ? threads_ - 1 : 0);
    if (done && !stop()) apply(*done);
    precheck_some(*previous);
  };
  Batch batch;
  std::size_t batch_bytes = 0;  // of batch.entries
  for (;;) {
    if (stop()) break;
    auto item = reader->next();
    if (!item.ok()) {
      join();
      return item.error();
    }
    if (!item->has_value()) break;
    if (auto* cp = std::get_if<record::RecordCheckpoint>(&**item)) {
      add_checkpoint(cp->note);
      ++report_.checkpoints;
      continue;
    }
    auto& entry = std::get<record::RecordEntry>(**item);
    if (entry.index != next_index_) {
      // The entry takes the next position of the tree all the same (the checkpoints then show
      // whether the record is the signed log: checks 22 and 24) and keeps the index its line
      // states; the sequence goes on from there, so one gap is reported once.
      const std::uint64_t expected = next_index_;
      std::string why = "line " + std::to_string(reader->line()) + " holds entry " +
                        std::to_string(entry.index) + " where entry " + std::to_string(expected) +
                        " was expected: ";
      if (entry.index == expected + 1) {
        why += "entry " + std::to_string(expected) + " is missing";
      } else if (entry.index > expected) {
        why += "entries " + std::to_string(expected) + ".." + std::to_string(entry.index - 1) +
               " are missing";
      } else {
        why += "an entry is repeated or out of place";
      }
      fail(expected, "record", kCheckRecordSequence, std::move(why));
    } else {
      pass(kCheckRecordSequence);
    }
    next_index_ = entry.index + 1;
    batch_bytes += entry.bytes.size();
    batch.entries.push_back(std::move(entry));
    if (batch.entries.size() == kBatch || batch_bytes >= kBatchBytes) {
      submit(std::move(batch));
      batch = Batch{};
      batch_bytes = 0;
    }
  }
  if (!batch.entries.empty() && !stop()) submit(std::move(batch));
  join();
  if (previous && !stop()) apply(*previous);
  if (!stop()) {
    if (Status st = check_tokens(); !st.ok()) return temp_dir_error(st.error());
  }
  finish();
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report_;
}

}  // namespace

Result<Report> verify_record(const std::filesystem::path& path, const Options& options) {
  Run run(options);
  return run.run(path);
}

void check_ledger_checkpoint(
    Report& report, std::string_view signed_note,
    const std::function<Result<std::vector<ledger::Hash>>(std::uint64_t, std::uint64_t)>&
        consistency_proof) {
  auto it = std::find_if(report.checks.begin(), report.checks.end(),
                         [](const CheckResult& c) { return c.number == kCheckLedgerConsistency; });
  if (it == report.checks.end()) {
    for (const auto& c : record::all_checks()) {
      if (c.number == kCheckLedgerConsistency) {
        report.checks.push_back({c.number, c.name, c.description, 0, 0});
      }
    }
    it = std::prev(report.checks.end());
  }
  CheckResult& check = *it;
  auto fail = [&](std::string why) {
    ++check.failed;
    report.failures.push_back({kNoIndex, "ledger checkpoint", kCheckLedgerConsistency,
                               "the ledger's current checkpoint: " + std::move(why)});
  };
  if (!report.manifest) return fail("the record defines no election to check it against");
  auto trust = ledger::LogTrust::make(*report.manifest, report.identity.ledger_key);
  if (!trust) return fail(trust.error().describe());
  ledger::LogCheck cp = ledger::check_ledger_signature(signed_note, *trust);
  if (cp.final()) ledger::check_cosignatures(signed_note, *trust, cp);
  if (!cp.final()) {
    return fail(std::string(ledger::log_fault_name(cp.fault)) + ": " + cp.detail);
  }
  const std::uint64_t m = report.entries;
  const std::uint64_t n = cp.checkpoint.size;
  const std::string sizes =
      "(ledger size " + std::to_string(n) + ", record size " + std::to_string(m) + ")";
  // One log is a prefix of the other: PROOF(smaller, larger) from the ledger links the roots (a
  // cosigned checkpoint may lag the export by the entries not yet cosigned).
  const std::uint64_t lo = std::min(m, n), hi = std::max(m, n);
  std::vector<ledger::Hash> proof;
  if (lo != hi) {
    auto p = consistency_proof(lo, hi);
    if (!p) return fail("no consistency proof " + sizes + ": " + p.error().describe());
    proof = std::move(*p);
  }
  const ledger::Hash& root_lo = m <= n ? report.record_root : cp.checkpoint.root;
  const ledger::Hash& root_hi = m <= n ? cp.checkpoint.root : report.record_root;
  Status st = ledger::verify_consistency(lo, hi, root_lo, root_hi, proof);
  if (!st.ok()) {
    return fail("its log and the record are not one history " + sizes + ": " +
                st.error().describe() + " (evidence of a fork)");
  }
  ++check.passed;
}

std::string format_report(const Report& r) {
  std::ostringstream out;
  // A test election's record (manifest "test": true, spec section 7.2) is never a real result.
  if (r.manifest && r.manifest->test) {
    out << "TEST ELECTION: a logic and accuracy test record, not a real election's\n";
  }
  out << "Election: " << (r.title.empty() ? "(unknown)" : r.title);
  if (!r.election_id.empty()) out << " [" << r.election_id << "]";
  const Identity& id = r.identity;
  if (!id.q.empty()) {
    out << "\n  Q:                " << id.q << "\n  manifest hash:    " << id.manifest_hash
        << "\n  authority:        " << id.authority_fingerprint << " (key " << id.authority_key
        << ")\n  ledger key:       " << (id.ledger_key.empty() ? "(none)" : id.ledger_key)
        << "\n  witnesses:        ";
    if (id.witnesses.empty()) {
      out << "none";
    } else {
      out << "quorum " << id.witness_quorum << " of " << id.witnesses.size();
      for (const auto& [name, key] : id.witnesses) out << "\n    " << name << "  " << key;
    }
  }
  out << "\n  final checkpoint: ";
  if (id.checkpoint_size) {
    out << "size " << *id.checkpoint_size << ", root " << id.checkpoint_root;
  } else {
    out << "none";
  }
  out << "\nRecord: " << r.entries << " entries, " << r.checkpoints << " checkpoints, "
      << r.ballots_cast << " ballots cast, " << r.ballots_challenged << " challenged; phase "
      << r.phase << "\n\n";
  for (const auto& c : r.checks) {
    const char* mark = c.failed != 0 ? "FAIL" : (c.passed != 0 ? " ok " : " -- ");
    char line[160];
    std::snprintf(line, sizeof line, "[%s] %2d %-22s %8llu passed", mark, c.number, c.name.c_str(),
                  static_cast<unsigned long long>(c.passed));
    out << line;
    if (c.failed != 0) out << ", " << c.failed << " failed";
    out << "\n";
  }
  if (!r.failures.empty()) {
    // The first failure is the root cause (order_failures); the others may follow from it.
    auto where = [](const Failure& f) {
      return f.index != UINT64_MAX ? "entry " + std::to_string(f.index) + " (" + f.type + ")"
                                   : f.type;
    };
    const auto& f = r.failures.front();
    out << "\nFirst failure: " << where(f) << ", check " << f.check << ": " << f.why << "\n";
    std::size_t shown = std::min(r.failures.size(), kFailuresShown);
    if (shown > 1) out << "Then:\n";
    for (std::size_t i = 1; i < shown; ++i) {
      const auto& g = r.failures[i];
      out << "  " << where(g) << ", check " << g.check << ": " << g.why << "\n";
    }
    if (r.failures.size() > shown)
      out << "(" << r.failures.size() - shown << " more failures; --json lists all)\n";
  }
  for (const auto& n : r.notes) out << "\nNote: " << n << "\n";
  if (!r.result_lines.empty()) {
    out << "\nResult:\n";
    for (const auto& l : r.result_lines) out << "  " << l << "\n";
  } else if (!r.complete) {
    out << "\nNote: the record has no result yet (phase " << r.phase << ")"
        << (r.in_progress ? "; audited as in progress (--in-progress)" : "") << ".\n";
  }
  char secs[64];
  std::snprintf(secs, sizeof secs, "%.2f", r.seconds);
  out << "\n" << (r.ok() ? "VERIFIED" : "NOT VERIFIED") << " in " << secs << " s\n";
  return out.str();
}

std::string report_json(const Report& r) {
  nlohmann::json j;
  j["ok"] = r.ok();
  j["election_id"] = r.election_id;
  j["test"] = r.manifest && r.manifest->test;
  const Identity& id = r.identity;
  nlohmann::json identity = {{"q", id.q},
                             {"manifest_hash", id.manifest_hash},
                             {"authority_key", id.authority_key},
                             {"authority_fingerprint", id.authority_fingerprint},
                             {"ledger_key", id.ledger_key},
                             {"witness_quorum", id.witness_quorum},
                             {"witnesses", nlohmann::json::array()},
                             {"final_checkpoint", nullptr}};
  for (const auto& [name, key] : id.witnesses) {
    identity["witnesses"].push_back({{"name", name}, {"key", key}});
  }
  if (id.checkpoint_size) {
    identity["final_checkpoint"] = {{"size", *id.checkpoint_size}, {"root", id.checkpoint_root}};
  }
  j["identity"] = identity;
  j["title"] = r.title;
  j["entries"] = r.entries;
  j["checkpoints"] = r.checkpoints;
  j["ballots_cast"] = r.ballots_cast;
  j["ballots_challenged"] = r.ballots_challenged;
  j["phase"] = r.phase;
  j["complete"] = r.complete;
  j["in_progress"] = r.in_progress;
  j["seconds"] = r.seconds;
  j["checks"] = nlohmann::json::array();
  for (const auto& c : r.checks) {
    j["checks"].push_back({{"number", c.number},
                           {"name", c.name},
                           {"description", c.description},
                           {"passed", c.passed},
                           {"failed", c.failed}});
  }
  j["failures"] = nlohmann::json::array();
  for (const auto& f : r.failures) {
    nlohmann::json fj = {{"type", f.type}, {"check", f.check}, {"why", f.why}};
    if (f.index != UINT64_MAX) fj["index"] = f.index;
    j["failures"].push_back(fj);
  }
  j["result"] = r.result_lines;
  j["notes"] = r.notes;
  return j.dump(2);
}

}  // namespace tabella::verify
