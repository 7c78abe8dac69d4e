#include "tabella/server/witness/witness_service.h"

#include <nlohmann/json.hpp>

#include "tabella/http/client.h"
#include "tabella/server/log.h"

namespace tabella::server::witness {

using json = nlohmann::json;

void register_witness_routes(Router& router, ledger::Witness& witness, LogFollower* follower) {
  router.add("POST", "/add-checkpoint",
             [&witness, follower](const Request& req, Responder respond) {
               if (follower != nullptr) {
                 // A ledger pushing its newest checkpoint: replay up to it now rather than answer
                 // 503 until the next poll. Failures surface as the witness's own answer below.
                 Status caught_up = follower->catch_up_for(req.body);
                 if (!caught_up.ok()) {
                   log_event(LogLevel::kWarn, "witness_catch_up",
                             {{"message", caught_up.error().describe()}});
                 }
               }
               ledger::WitnessAnswer a = witness.add_checkpoint(req.body);
               Response r;
               r.status = a.status;
               r.content_type = a.content_type;
               r.body = std::move(a.body);
               respond(std::move(r));
             });
  router.add("GET", "/witness/status", [&witness, follower](const Request&, Responder respond) {
    json doc = json::parse(witness.status_json());
    if (follower != nullptr) doc["follower"] = json::parse(follower->status_json());
    respond(json_ok(doc.dump()));
  });
}

LogFollower::LogFollower(Options options, ledger::Witness& witness)
    : options_(std::move(options)), witness_(witness) {}

Result<std::string> LogFollower::get(const std::string& target) const {
  http::Options o;
  o.timeout = std::chrono::milliseconds(5000);
  o.peer_name = "ledger";
  o.busy_retries = 0;  // the next poll is the retry
  auto r = http::fetch(endpoint_, http::Request{"GET", target, {}, {}, {}}, o);
  if (!r) return r.error();
  if (r->status != 200) {
    return make_error(ErrorCode::kIo,
                      "status " + std::to_string(r->status) + ": " + r->body.substr(0, 200),
                      options_.ledger_url + target);
  }
  return std::move(r->body);
}

Status LogFollower::start() {
  auto ep = http::Url::parse(options_.ledger_url, http::kEndpointRules);
  if (!ep) return ep.error().with_prefix("ledger");
  endpoint_ = *ep;
  auto key = get("/log-key");
  if (!key) return key.error();
  std::string served = *key;
  while (!served.empty() && (served.back() == '\n' || served.back() == ' ')) served.pop_back();
  if (!options_.log_key.empty() && options_.log_key != served) {
    return make_error(ErrorCode::kConflict,
                      "the ledger serves the key " + served + ", pinned " + options_.log_key,
                      "log-key");
  }
  auto parsed = ledger::parse_verifier_key(served);
  if (!parsed) return parsed.error().with_prefix("log-key");
  log_key_ = served;
  origin_ = parsed->name;
  return witness_.add_log(origin_, log_key_,
                          [this](const ledger::Checkpoint& cp) { return check_root(cp); });
}

Status LogFollower::check_root(const ledger::Checkpoint& checkpoint) const {
  MutexLock lock(mu_);
  if (fatal_) return *fatal_;
  if (checkpoint.size > tree_.size()) {
    return make_error(ErrorCode::kNotFound,
                      "replayed " + std::to_string(tree_.size()) + " entries, the checkpoint has " +
                          std::to_string(checkpoint.size),
                      "checkpoint");
  }
  auto root = ledger::root_at(checkpoint.size, tree_);
  if (!root) return root.error();
  if (*root != checkpoint.root) {
    return make_error(ErrorCode::kConflict,
                      "root at size " + std::to_string(checkpoint.size) + " recomputed as " +
                          to_hex(*root) + ", signed " + to_hex(checkpoint.root),
                      "checkpoint");
  }
  return Status::success();
}

Status LogFollower::catch_up_for(std::string_view add_checkpoint_body) {
  auto request = ledger::parse_add_checkpoint(add_checkpoint_body);
  if (!request) return Status::success();  // the witness answers 400
  auto note = ledger::parse_note(request->checkpoint);
  if (!note) return Status::success();
  auto body = ledger::Checkpoint::parse(note->text);
  if (!body || body->origin != origin_) return Status::success();  // 400 / 404
  if (body->size <= replayed()) return Status::success();
  auto verifier = ledger::NoteVerifier::from_verifier_key(log_key_);
  if (!verifier) return verifier.error();
  if (!verifier->verify(*note).ok()) return Status::success();  // the witness answers 403
  return replay_to(body->size);
}

Status LogFollower::replay_to(std::uint64_t size) {
  MutexLock serial(replay_mu_);
  for (;;) {
    std::uint64_t have;
    {
      MutexLock lock(mu_);
      if (fatal_) return *fatal_;
      have = tree_.size();
    }
    if (have >= size) return Status::success();
    std::uint64_t count = std::min(options_.page, size - have);
    auto body =
        get("/v1/entries?start=" + std::to_string(have) + "&count=" + std::to_string(count));
    if (!body) return body.error();
    json doc = json::parse(*body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("entries") || !doc["entries"].is_array()) {
      return make_error(ErrorCode::kInvalidEncoding, "not an entries page", "/v1/entries");
    }
    if (doc["entries"].empty()) {
      return make_error(ErrorCode::kNotFound, "the ledger has no entry " + std::to_string(have),
                        "/v1/entries");
    }
    MutexLock lock(mu_);
    for (const auto& item : doc["entries"]) {
      if (tree_.size() >= size) break;
      const json& e = item.is_object() ? item["entry"] : item;
      std::string field = "entry " + std::to_string(tree_.size());
      auto bytes = e.is_string()
                       ? from_base64(e.get<std::string>())
                       : Result<Bytes>(make_error(ErrorCode::kInvalidEncoding, "no entry"));
      if (!bytes) return bytes.error().with_prefix(field);
      // Every entry is re-validated with the rules the ledger applied before appending it.
      auto checked = record::precheck(*bytes, state_.snapshot());
      Status applied = checked ? state_.apply(*checked) : Status(checked.error());
      if (!applied.ok()) {
        Error refused = applied.error().with_prefix(field);
        refused.code = ErrorCode::kConflict;
        refused.message = "the log holds an entry the election rules refuse: " + refused.message;
        fatal_ = refused;
        return refused;
      }
      tree_.append_entry(*bytes);
    }
  }
}

Result<std::uint64_t> LogFollower::poll_once() {
  auto note = get("/checkpoint");
  if (!note) return note.error();
  auto verifier = ledger::NoteVerifier::from_verifier_key(log_key_);
  if (!verifier) return verifier.error();
  auto cp = ledger::open_checkpoint(*note, *verifier);
  if (!cp) return cp.error().with_prefix("/checkpoint");
  TABELLA_TRY(replay_to(cp->size));
  if (options_.cosign_self) {
    std::uint64_t old = 0;
    for (const auto& log : witness_.logs()) {
      if (log.origin == origin_) old = log.size;
    }
    if (old <= cp->size) {
      ledger::AddCheckpointRequest req;
      req.old_size = old;
      {
        MutexLock lock(mu_);
        auto proof = ledger::consistency_proof(old, cp->size, tree_);
        if (!proof) return proof.error();
        req.proof = std::move(*proof);
      }
      req.checkpoint = *note;
      ledger::WitnessAnswer a = witness_.add_checkpoint(req);
      if (a.status != 200) {
        return make_error(
            a.verdict == ledger::WitnessVerdict::kInconsistent ? ErrorCode::kConflict
                                                               : ErrorCode::kIo,
            "witness refused the ledger's checkpoint (" + std::to_string(a.status) + "): " + a.body,
            "/checkpoint");
      }
      MutexLock lock(mu_);
      last_cosigned_ = cp->size;
    }
  }
  return replayed();
}

std::uint64_t LogFollower::replayed() const {
  MutexLock lock(mu_);
  return tree_.size();
}

std::string LogFollower::status_json() const {
  MutexLock lock(mu_);
  return json{{"ledger", options_.ledger_url},
              {"origin", origin_},
              {"replayed", tree_.size()},
              {"root", to_hex(tree_.root())},
              {"phase", std::string(record::phase_name(state_.phase()))},
              {"last_cosigned", last_cosigned_},
              {"error", fatal_ ? fatal_->describe() : std::string()}}
      .dump();
}

}  // namespace tabella::server::witness
