#include "tabella/ledger/witness.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace tabella::ledger {

namespace {

using json = nlohmann::json;

Result<std::uint64_t> parse_decimal(std::string_view s, const std::string& field) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) {
    return make_error(ErrorCode::kInvalidArgument, "not a decimal number without leading zeros",
                      field);
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return make_error(ErrorCode::kInvalidArgument, "not a decimal number", field);
    }
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return make_error(ErrorCode::kOutOfRange, "exceeds 2^64 - 1", field);
    }
    v = v * 10 + d;
  }
  return v;
}

std::uint64_t system_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

WitnessAnswer answer(WitnessVerdict verdict, unsigned status, std::string body,
                     std::uint64_t size) {
  WitnessAnswer a;
  a.verdict = verdict;
  a.status = status;
  a.body = std::move(body);
  if (!a.body.empty() && a.body.back() != '\n') a.body += '\n';
  a.current_size = size;
  return a;
}

json log_to_json(const WitnessedLog& log) {
  return json{{"origin", log.origin},
              {"log_key", log.log_key},
              {"size", log.size},
              {"root", to_hex(log.root)},
              {"checkpoint", log.checkpoint}};
}

json evidence_to_json(const ForkEvidence& e) {
  json proof = json::array();
  for (const auto& h : e.proof) proof.push_back(to_hex(h));
  return json{{"origin", e.origin},   {"cosigned", e.cosigned},
              {"offered", e.offered}, {"old_size", e.old_size},
              {"proof", proof},       {"proven", e.proven},
              {"reason", e.reason},   {"observed_at", e.observed_at}};
}

Result<Hash> hash_from_hex(const json& j, const std::string& field) {
  if (!j.is_string()) return make_error(ErrorCode::kInvalidEncoding, "not a string", field);
  auto b = from_hex(j.get<std::string>());
  if (!b || b->size() != 32) {
    return make_error(ErrorCode::kInvalidEncoding, "not 64 hex digits", field);
  }
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

Result<WitnessedLog> log_from_json(const json& j) {
  if (!j.is_object()) return make_error(ErrorCode::kInvalidEncoding, "not an object", "logs");
  WitnessedLog log;
  try {
    log.origin = j.at("origin").get<std::string>();
    log.log_key = j.at("log_key").get<std::string>();
    log.size = j.at("size").get<std::uint64_t>();
    log.checkpoint = j.at("checkpoint").get<std::string>();
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kInvalidEncoding, e.what(), "logs");
  }
  auto root = hash_from_hex(j.at("root"), "logs.root");
  if (!root) return root.error();
  log.root = *root;
  return log;
}

Result<ForkEvidence> evidence_from_json(const json& j) {
  ForkEvidence e;
  try {
    e.origin = j.at("origin").get<std::string>();
    e.cosigned = j.at("cosigned").get<std::string>();
    e.offered = j.at("offered").get<std::string>();
    e.old_size = j.at("old_size").get<std::uint64_t>();
    e.proven = j.at("proven").get<bool>();
    e.reason = j.at("reason").get<std::string>();
    e.observed_at = j.at("observed_at").get<std::uint64_t>();
    for (const auto& h : j.at("proof")) {
      auto hash = hash_from_hex(h, "evidence.proof");
      if (!hash) return hash.error();
      e.proof.push_back(*hash);
    }
  } catch (const json::exception& ex) {
    return make_error(ErrorCode::kInvalidEncoding, ex.what(), "evidence");
  }
  return e;
}

Status fsync_path(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot open for fsync", path.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(ErrorCode::kIo, "fsync failed", path.string());
  return Status::success();
}

}  // namespace

// ---- request body ----

Result<AddCheckpointRequest> parse_add_checkpoint(std::string_view body) {
  AddCheckpointRequest req;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) -> bool {
    auto nl = body.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    line = body.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line) || line.substr(0, 4) != "old ") {
    return make_error(ErrorCode::kInvalidArgument, "must start with \"old <size>\\n\"",
                      "add-checkpoint line 1");
  }
  auto old = parse_decimal(line.substr(4), "add-checkpoint line 1");
  if (!old) return old.error();
  req.old_size = *old;
  for (std::size_t n = 2;; ++n) {
    if (!next_line(line)) {
      return make_error(ErrorCode::kInvalidArgument, "missing the blank line before the checkpoint",
                        "add-checkpoint line " + std::to_string(n));
    }
    if (line.empty()) break;
    if (req.proof.size() == kMaxWitnessProofLines) {
      return make_error(ErrorCode::kLimit, "more than 63 proof lines",
                        "add-checkpoint line " + std::to_string(n));
    }
    auto b = from_base64(line);
    if (!b || b->size() != 32) {
      return make_error(ErrorCode::kInvalidArgument, "not base64 of a 32-byte hash",
                        "add-checkpoint line " + std::to_string(n));
    }
    Hash h{};
    std::copy(b->begin(), b->end(), h.begin());
    req.proof.push_back(h);
  }
  req.checkpoint = std::string(body.substr(pos));
  if (req.checkpoint.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "no checkpoint after the blank line",
                      "add-checkpoint");
  }
  return req;
}

std::string format_add_checkpoint(const AddCheckpointRequest& request) {
  assert(request.proof.size() <= kMaxWitnessProofLines);
  std::string out = "old " + std::to_string(request.old_size) + "\n";
  for (const auto& h : request.proof) out += to_base64(h) + "\n";
  out += "\n";
  out += request.checkpoint;
  return out;
}

// ---- stores ----

WitnessStore::~WitnessStore() = default;

Result<std::vector<WitnessedLog>> MemoryWitnessStore::load_logs() {
  std::vector<WitnessedLog> out;
  for (const auto& [k, v] : logs_) out.push_back(v);
  return out;
}
Result<std::vector<ForkEvidence>> MemoryWitnessStore::load_evidence() {
  return evidence_;
}
Status MemoryWitnessStore::save_log(const WitnessedLog& log) {
  logs_[log.origin] = log;
  ++saves_;
  return Status::success();
}
Status MemoryWitnessStore::save_evidence(const ForkEvidence& evidence) {
  evidence_.push_back(evidence);
  return Status::success();
}

Result<std::unique_ptr<FileWitnessStore>> FileWitnessStore::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kIo, ec.message(), dir.string());
  return std::unique_ptr<FileWitnessStore>(new FileWitnessStore(dir));
}

Result<std::vector<WitnessedLog>> FileWitnessStore::load_logs() {
  logs_.clear();
  loaded_ = true;
  auto path = dir_ / "witness-state.json";
  std::ifstream in(path);
  if (!in) return std::vector<WitnessedLog>{};
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("logs") || !doc["logs"].is_array()) {
    return make_error(ErrorCode::kInvalidEncoding, "not a witness state file", path.string());
  }
  std::vector<WitnessedLog> out;
  for (const auto& j : doc["logs"]) {
    auto log = log_from_json(j);
    if (!log) return log.error().with_prefix(path.string());
    logs_[log->origin] = *log;
    out.push_back(*log);
  }
  return out;
}

Result<std::vector<ForkEvidence>> FileWitnessStore::load_evidence() {
  auto path = dir_ / "evidence.jsonl";
  std::ifstream in(path);
  std::vector<ForkEvidence> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return make_error(ErrorCode::kInvalidEncoding, "bad JSON line", path.string());
    }
    auto e = evidence_from_json(j);
    if (!e) return e.error().with_prefix(path.string());
    out.push_back(std::move(*e));
  }
  return out;
}

Status FileWitnessStore::save_log(const WitnessedLog& log) {
  if (!loaded_) {
    auto r = load_logs();
    if (!r) return r.error();
  }
  auto old = logs_;
  logs_[log.origin] = log;
  json doc{{"format", "tabella-witness-state/v1"}, {"logs", json::array()}};
  for (const auto& [k, v] : logs_) doc["logs"].push_back(log_to_json(v));
  auto path = dir_ / "witness-state.json";
  auto tmp = dir_ / "witness-state.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(1) << "\n";
    out.flush();
    if (!out) {
      logs_ = std::move(old);
      return make_error(ErrorCode::kIo, "cannot write", tmp.string());
    }
  }
  Status st = fsync_path(tmp, O_RDONLY);
  std::error_code ec;
  if (st.ok()) std::filesystem::rename(tmp, path, ec);
  if (st.ok() && ec) st = make_error(ErrorCode::kIo, ec.message(), path.string());
  if (st.ok()) st = fsync_path(dir_, O_RDONLY | O_DIRECTORY);
  if (!st.ok()) logs_ = std::move(old);
  return st;
}

Status FileWitnessStore::save_evidence(const ForkEvidence& evidence) {
  auto path = dir_ / "evidence.jsonl";
  {
    std::ofstream out(path, std::ios::app);
    out << evidence_to_json(evidence).dump() << "\n";
    out.flush();
    if (!out) return make_error(ErrorCode::kIo, "cannot append", path.string());
  }
  return fsync_path(path, O_RDONLY);
}

// ---- witness ----

Witness::Witness(std::string name, const SigningKey& key, WitnessStore& store, Clock clock)
    : name_(name), signer_(std::move(name), key), store_(store), clock_(std::move(clock)) {
  if (!clock_) clock_ = system_now;
}

Result<std::unique_ptr<Witness>> Witness::open(std::string name, const SigningKey& key,
                                               WitnessStore& store, Clock clock) {
  assert(is_valid_key_name(name));
  std::unique_ptr<Witness> w(new Witness(std::move(name), key, store, std::move(clock)));
  auto logs = store.load_logs();
  if (!logs) return logs.error();
  MutexLock lock(w->mu_);  // not shared yet; the lock states what guards the members
  for (auto& log : *logs) {
    LogState st;
    st.log = std::move(log);
    auto v = NoteVerifier::from_verifier_key(st.log.log_key);
    if (v) st.verifier = *v;
    w->logs_.emplace(st.log.origin, std::move(st));
  }
  auto ev = store.load_evidence();
  if (!ev) return ev.error();
  w->evidence_ = std::move(*ev);
  return w;
}

Status Witness::add_log(std::string_view origin, std::string_view log_verifier_key,
                        RootCheck root_check) {
  auto verifier = NoteVerifier::from_verifier_key(log_verifier_key);
  if (!verifier) return verifier.error().with_prefix("log_key");
  if (verifier->name() != origin) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the log key's name must be the origin \"" + std::string(origin) + "\"",
                      "log_key");
  }
  MutexLock lock(mu_);
  auto it = logs_.find(origin);
  if (it != logs_.end()) {
    if (it->second.log.log_key != log_verifier_key) {
      return make_error(ErrorCode::kConflict,
                        "the stored state of this origin was witnessed under another log key",
                        "log_key");
    }
    it->second.verifier = *verifier;
    it->second.root_check = std::move(root_check);
    return Status::success();
  }
  LogState st;
  st.log.origin = std::string(origin);
  st.log.log_key = std::string(log_verifier_key);
  st.verifier = *verifier;
  st.root_check = std::move(root_check);
  TABELLA_TRY(store_.save_log(st.log));
  logs_.emplace(std::string(origin), std::move(st));
  return Status::success();
}

std::string Witness::verifier_key() const {
  return signer_.verifier_key();
}

WitnessAnswer Witness::add_checkpoint(std::string_view body) {
  auto req = parse_add_checkpoint(body);
  if (!req) return answer(WitnessVerdict::kMalformed, 400, req.error().describe(), 0);
  return add_checkpoint(*req);
}

WitnessAnswer Witness::refuse_with_evidence(WitnessedLog& log, const AddCheckpointRequest& request,
                                            bool proven, std::string reason, unsigned status) {
  ForkEvidence e;
  e.origin = log.origin;
  e.cosigned = log.checkpoint;
  e.offered = request.checkpoint;
  e.old_size = request.old_size;
  e.proof = request.proof;
  e.proven = proven;
  e.reason = reason;
  e.observed_at = clock_();
  Status saved = store_.save_evidence(e);
  evidence_.push_back(std::move(e));
  std::string msg = (proven ? "inconsistent: " : "inconsistent (unproven): ") + reason;
  if (!saved.ok()) msg += " (evidence not persisted: " + saved.error().describe() + ")";
  return answer(WitnessVerdict::kInconsistent, status, msg, log.size);
}

WitnessAnswer Witness::add_checkpoint(const AddCheckpointRequest& request) {
  MutexLock lock(mu_);
  auto note = parse_note(request.checkpoint);
  if (!note) return answer(WitnessVerdict::kMalformed, 400, note.error().describe(), 0);
  auto origin_end = note->text.find('\n');
  std::string_view origin(note->text.data(), origin_end);
  auto it = logs_.find(origin);
  if (it == logs_.end()) {
    return answer(WitnessVerdict::kUnknownLog, 404,
                  "unknown log origin \"" + std::string(origin) + "\"", 0);
  }
  LogState& st = it->second;
  WitnessedLog& log = st.log;
  if (!st.verifier) {
    return answer(WitnessVerdict::kInternal, 500, "the log's key is not usable", log.size);
  }
  if (Status sig = st.verifier->verify(*note); !sig.ok()) {
    return answer(WitnessVerdict::kBadSignature, 403,
                  "not signed by the log key " + log.log_key + ": " + sig.error().describe(),
                  log.size);
  }
  auto cp = Checkpoint::parse(note->text);
  if (!cp) return answer(WitnessVerdict::kMalformed, 400, cp.error().describe(), log.size);
  if (request.old_size > cp->size) {
    return answer(WitnessVerdict::kMalformed, 400,
                  "old size " + std::to_string(request.old_size) + " exceeds the checkpoint size " +
                      std::to_string(cp->size),
                  log.size);
  }
  if (request.old_size != log.size) {
    WitnessAnswer a = answer(WitnessVerdict::kOldSize, 409, std::to_string(log.size), log.size);
    a.content_type = "text/x.tlog.size";
    return a;
  }
  if (cp->size == 0 && cp->root != empty_root()) {
    return answer(WitnessVerdict::kInvalidProof, 422,
                  "a size-0 checkpoint must have the empty root", log.size);
  }
  if (cp->size == log.size) {
    if (cp->root != log.root) {
      return refuse_with_evidence(log, request, /*proven=*/true,
                                  "same size " + std::to_string(cp->size) + ", different root",
                                  409);
    }
  } else if (Status ok = verify_consistency(log.size, cp->size, log.root, cp->root, request.proof);
             !ok.ok()) {
    return refuse_with_evidence(log, request, /*proven=*/false,
                                "consistency proof from " + std::to_string(log.size) + " to " +
                                    std::to_string(cp->size) + " failed: " + ok.error().describe(),
                                422);
  }
  if (st.root_check) {
    Status own = st.root_check(*cp);
    if (!own.ok()) {
      if (own.error().code == ErrorCode::kNotFound) {
        return answer(WitnessVerdict::kNotReplayed, 503, own.error().describe(), log.size);
      }
      return refuse_with_evidence(
          log, request, /*proven=*/true,
          "the root differs from the one recomputed from the entries: " + own.error().describe(),
          409);
    }
  }
  WitnessedLog next = log;
  next.size = cp->size;
  next.root = cp->root;
  next.checkpoint = request.checkpoint;
  if (Status saved = store_.save_log(next); !saved.ok()) {
    return answer(WitnessVerdict::kInternal, 500, "cannot persist: " + saved.error().describe(),
                  log.size);
  }
  log = std::move(next);
  std::uint64_t now = std::min(clock_(), kMaxCosignatureTime);
  return answer(WitnessVerdict::kCosigned, 200,
                format_signature_line(signer_.sign(note->text, now)), log.size);
}

std::vector<WitnessedLog> Witness::logs() const {
  MutexLock lock(mu_);
  std::vector<WitnessedLog> out;
  for (const auto& [k, v] : logs_) out.push_back(v.log);
  return out;
}

std::vector<ForkEvidence> Witness::evidence() const {
  MutexLock lock(mu_);
  return evidence_;
}

std::string Witness::status_json() const {
  MutexLock lock(mu_);
  json doc{{"name", name_}, {"verifier_key", signer_.verifier_key()}};
  json logs = json::array();
  for (const auto& [k, v] : logs_) logs.push_back(log_to_json(v.log));
  json ev = json::array();
  bool forked = false;
  for (const auto& e : evidence_) {
    ev.push_back(evidence_to_json(e));
    forked = forked || e.proven;
  }
  doc["logs"] = logs;
  doc["evidence"] = ev;
  doc["forked"] = forked;
  doc["suspicious"] = !evidence_.empty();
  return doc.dump();
}

// ---- cosignature helpers ----

std::string format_signature_line(const NoteSignature& signature) {
  // format_note(text "x\n") = "x\n" "\n" <lines>: the lines are what follows the first 3 bytes.
  return format_note(Note{"x\n", {signature}}).substr(3);
}

Result<std::string> add_signature_lines(std::string_view signed_note, std::string_view lines) {
  auto note = parse_note(signed_note);
  if (!note) return note.error();
  auto extra = parse_note(std::string("x\n\n") + std::string(lines));
  if (!extra) return extra.error().with_prefix("cosignature lines");
  for (auto& sig : extra->signatures) {
    bool present = false;
    for (const auto& s : note->signatures) {
      present = present || (s.key_name == sig.key_name && s.key_id == sig.key_id);
    }
    if (!present) note->signatures.push_back(std::move(sig));
  }
  if (note->signatures.size() > kMaxNoteSignatures) {
    return make_error(ErrorCode::kLimit, "too many signatures", "note");
  }
  return format_note(*note);
}

std::size_t count_cosignatures(const Note& note, std::span<const CosignatureVerifier> witnesses) {
  std::set<std::pair<std::string, std::uint32_t>> seen;
  std::size_t n = 0;
  for (const auto& w : witnesses) {
    if (!seen.insert({w.name(), w.key_id()}).second) continue;  // a witness listed twice
    if (w.verify(note)) ++n;
  }
  return n;
}

Status check_cosignature_quorum(std::string_view signed_note,
                                std::span<const CosignatureVerifier> witnesses,
                                std::uint32_t quorum) {
  if (quorum == 0) return Status::success();
  auto note = parse_note(signed_note);
  if (!note) return note.error();
  std::size_t n = count_cosignatures(*note, witnesses);
  if (n < quorum) {
    return make_error(ErrorCode::kInvalidSignature,
                      "the checkpoint carries " + std::to_string(n) +
                          " valid witness cosignature(s), the election requires " +
                          std::to_string(quorum),
                      "checkpoint");
  }
  return Status::success();
}

}  // namespace tabella::ledger
