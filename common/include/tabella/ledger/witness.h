// A C2SP tlog-witness (c2sp.org/tlog-witness): remembers, per log origin, the last checkpoint it
// cosigned and cosigns a new one only if it is signed by the log's key and provably an extension
// of it (RFC 6962 consistency proof). Answers in the protocol's vocabulary (HTTP status + body)
// so the HTTP layer is a thin adapter. A witness shown two checkpoints of one log that cannot
// both be true keeps them as evidence (ForkEvidence) and never forgets it.
//
// add-checkpoint request body (bytes, all lines end in "\n"):
//   "old " <decimal size, no leading zeros> "\n"
//   zero to 63 lines, each base64(32-byte hash): the consistency proof PROOF(old, D[0:size])
//   "\n"
//   <the signed checkpoint note (c2sp.org/signed-note)>
// Answers, checked in this order:
//   400 malformed body, or old > checkpoint size
//   404 the checkpoint's origin is not a log this witness serves
//   403 no valid signature by the log's key
//   409 old != the size this witness last cosigned; body "<current size>\n",
//       Content-Type text/x.tlog.size
//   409 old == size but the root differs from the cosigned one (a fork: evidence kept)
//   422 the proof does not verify (evidence kept, marked unproven: a bad proof is not by itself
//       proof of a fork), or a size-0 checkpoint whose root is not SHA-256("")
//   503 a root check hook (a following witness) has not replayed up to the size yet
//   200 body: this witness's cosignature/v1 line "— <name> base64(keyid || u64be(t) || sig)\n"
// The new state is persisted (WitnessStore::save_log) BEFORE the cosignature is returned, so a
// restarted witness never cosigns a checkpoint inconsistent with one it cosigned before.
//
// Thread-safety: Witness is internally synchronised (one mutex; add_checkpoint calls are
// serialised, including their persistence). Stores are called under that mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/util/mutex.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

// The proof in a request has at most this many lines (the protocol's bound).
inline constexpr std::size_t kMaxWitnessProofLines = 63;

struct AddCheckpointRequest {
  std::uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string checkpoint;  // the signed note, verbatim
  bool operator==(const AddCheckpointRequest&) const = default;
};

// Strict parse of the body above: kInvalidArgument naming the line.
Result<AddCheckpointRequest> parse_add_checkpoint(std::string_view body);
// The body above. REQUIRES: proof.size() <= kMaxWitnessProofLines.
std::string format_add_checkpoint(const AddCheckpointRequest& request);

// What the witness holds for one log.
struct WitnessedLog {
  std::string origin;
  std::string log_key;  // the log's note verifier key (type 0x01)
  std::uint64_t size = 0;
  Hash root = empty_root();
  std::string checkpoint;  // the last cosigned signed note; empty before the first
};

// Two signed checkpoints of one log that cannot both be prefixes of one history.
struct ForkEvidence {
  std::string origin;
  std::string cosigned;  // the checkpoint the witness had cosigned (or replayed itself)
  std::string offered;   // the checkpoint it refused
  std::uint64_t old_size = 0;
  std::vector<Hash> proof;  // as offered
  // true: both notes are validly signed by the log and the conflict needs no proof (same size,
  // different roots; or a root the witness recomputed from the entries). false: the offered
  // consistency proof failed, which a wrong proof also explains.
  bool proven = false;
  std::string reason;
  std::uint64_t observed_at = 0;  // POSIX seconds
};

// Persistence of the witness state. Writes must be durable on return.
class WitnessStore {
 public:
  virtual ~WitnessStore();
  virtual Result<std::vector<WitnessedLog>> load_logs() = 0;
  virtual Result<std::vector<ForkEvidence>> load_evidence() = 0;
  virtual Status save_log(const WitnessedLog& log) = 0;
  virtual Status save_evidence(const ForkEvidence& evidence) = 0;
};

// In memory (tests, and observers that accept losing state).
class MemoryWitnessStore final : public WitnessStore {
 public:
  Result<std::vector<WitnessedLog>> load_logs() override;
  Result<std::vector<ForkEvidence>> load_evidence() override;
  Status save_log(const WitnessedLog& log) override;
  Status save_evidence(const ForkEvidence& evidence) override;
  std::size_t saves() const { return saves_; }

 private:
  std::map<std::string, WitnessedLog> logs_;
  std::vector<ForkEvidence> evidence_;
  std::size_t saves_ = 0;
};

// A directory: witness-state.json (all logs; replaced atomically: temporary file, fsync,
// rename, fsync of the directory) and evidence.jsonl (one JSON object per line, appended and
// fsync'ed). Hashes are lowercase hex.
class FileWitnessStore final : public WitnessStore {
 public:
  // Creates the directory if missing. kIo on failure.
  static Result<std::unique_ptr<FileWitnessStore>> open(const std::filesystem::path& dir);
  Result<std::vector<WitnessedLog>> load_logs() override;
  Result<std::vector<ForkEvidence>> load_evidence() override;
  Status save_log(const WitnessedLog& log) override;
  Status save_evidence(const ForkEvidence& evidence) override;

 private:
  explicit FileWitnessStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
  std::map<std::string, WitnessedLog> logs_;  // cache of witness-state.json
  bool loaded_ = false;
};

enum class WitnessVerdict {
  kCosigned,      // 200
  kMalformed,     // 400
  kUnknownLog,    // 404
  kBadSignature,  // 403
  kOldSize,       // 409, body = current size
  kInconsistent,  // 409 (same size, other root) or 422 (proof failed): evidence kept
  kInvalidProof,  // 422 without evidence (size-0 root wrong)
  kNotReplayed,   // 503: the root check hook is behind
  kInternal,      // 500: persistence failed; nothing was cosigned
};

struct WitnessAnswer {
  WitnessVerdict verdict = WitnessVerdict::kInternal;
  unsigned status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::uint64_t current_size = 0;  // the witness's size for the origin after the call
};

class Witness {
 public:
  // An optional extra check a following witness runs before cosigning: success iff the
  // checkpoint's root equals the root it recomputed from the entries at that size.
  // kNotFound: not replayed that far yet (503); any other error: the root differs (a proven
  // fork, evidence kept, 409).
  using RootCheck = std::function<Status(const Checkpoint& checkpoint)>;
  // Clock for cosignature timestamps (POSIX seconds).
  using Clock = std::function<std::uint64_t()>;

  // `key` and `store` must outlive the witness. REQUIRES: is_valid_key_name(name).
  // Loads the stored state; kIo / kInvalidEncoding from the store.
  static Result<std::unique_ptr<Witness>> open(std::string name, const SigningKey& key,
                                               WitnessStore& store, Clock clock = {});

  // Serves a log. A log already in the store keeps its state; its key must match (kConflict).
  Status add_log(std::string_view origin, std::string_view log_verifier_key,
                 RootCheck root_check = {});

  // The protocol operation on a raw request body.
  WitnessAnswer add_checkpoint(std::string_view body);
  WitnessAnswer add_checkpoint(const AddCheckpointRequest& request);

  // "<name>+<8 hex>+base64(0x04 || key)".
  std::string verifier_key() const;
  const std::string& name() const { return name_; }

  std::vector<WitnessedLog> logs() const;
  std::vector<ForkEvidence> evidence() const;
  // The witness status as JSON text: {"name","verifier_key","logs":[{"origin","log_key",
  // "size","root","checkpoint"}],"evidence":[...],"forked":bool}.
  std::string status_json() const;

 private:
  Witness(std::string name, const SigningKey& key, WitnessStore& store, Clock clock);
  WitnessAnswer refuse_with_evidence(WitnessedLog& log, const AddCheckpointRequest& request,
                                     bool proven, std::string reason, unsigned status)
      TABELLA_REQUIRES(mu_);

  std::string name_;
  CosignatureSigner signer_;
  WitnessStore& store_;
  Clock clock_;
  mutable Mutex mu_;
  struct LogState {
    WitnessedLog log;
    std::optional<NoteVerifier> verifier;
    RootCheck root_check;
  };
  std::map<std::string, LogState, std::less<>> logs_ TABELLA_GUARDED_BY(mu_);
  std::vector<ForkEvidence> evidence_ TABELLA_GUARDED_BY(mu_);
};

// One note signature as a line "— <name> base64(u32be(key id) || signature)\n".
std::string format_signature_line(const NoteSignature& signature);
// Appends cosignature lines (as returned by a witness) to a signed note; lines by a key already
// on the note are skipped. kInvalidArgument if a line is malformed.
Result<std::string> add_signature_lines(std::string_view signed_note, std::string_view lines);

// Counts the distinct witnesses of `witnesses` with a valid cosignature on the note.
std::size_t count_cosignatures(const Note& note, std::span<const CosignatureVerifier> witnesses);
// Success iff at least `quorum` of `witnesses` cosigned the signed note; kInvalidSignature
// saying how many did otherwise. quorum 0 always succeeds.
Status check_cosignature_quorum(std::string_view signed_note,
                                std::span<const CosignatureVerifier> witnesses,
                                std::uint32_t quorum);

}  // namespace tabella::ledger
