#include "tabella/server/cosigner.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tabella/http/client.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/witness.h"
#include "tabella/server/log.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int k503Retries = 5;  // 50, 100, 200, 400, 800 ms
constexpr std::chrono::milliseconds kFirst503Backoff{50};

// The same witness key, whatever the spelling of the verifier key string.
bool same_witness_key(const std::string& a, const std::string& b) {
  auto va = ledger::CosignatureVerifier::from_verifier_key(a);
  auto vb = ledger::CosignatureVerifier::from_verifier_key(b);
  return va && vb && va->name() == vb->name() &&
         va->verify_key().bytes() == vb->verify_key().bytes();
}

// The size of a signed checkpoint note, unchecked (for log lines and the share's comparisons).
std::optional<std::uint64_t> note_size(std::string_view text) {
  auto note = ledger::parse_note(text);
  if (!note) return std::nullopt;
  auto cp = ledger::Checkpoint::parse(note->text);
  if (!cp) return std::nullopt;
  return cp->size;
}

std::string prometheus_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

struct Cosigner::Impl {
  struct Target {
    std::uint64_t round = 0;
    std::uint64_t size = 0;
    std::string note;
  };
  struct Peer {
    std::string url;
    http::Url endpoint;
    // Guarded by Impl::mu (the analysis cannot name another object's mutex; the functions that
    // touch them require it). url, endpoint and thread are set before the threads start.
    std::string verifier_key;                             // from /witness/status; empty until known
    std::optional<ledger::CosignatureVerifier> verifier;  // set iff a manifest member
    bool refused = false;                                 // key known, not a member
    std::uint64_t size = 0;
    std::optional<Target> job;  // set while busy
    std::uint64_t collected = 0, failed = 0;
    std::string last_error;
    CondVar cv;
    std::thread thread;
  };
  struct Waiter {
    std::uint64_t min_size = 0;
    Clock::time_point deadline;
    std::function<void(bool)> done;
  };

  Options options;
  LedgerView view;

  mutable Mutex mu;
  CondVar cv;  // the coordinator
  bool stopping TABELLA_GUARDED_BY(mu) = false;
  bool stopped TABELLA_GUARDED_BY(mu) = false;
  std::vector<std::unique_ptr<Peer>> peers;  // the vector is fixed before the threads start
  bool configured TABELLA_GUARDED_BY(mu) = false;
  std::uint32_t quorum TABELLA_GUARDED_BY(mu) = 0;
  std::vector<election::Witness> members TABELLA_GUARDED_BY(mu);
  std::optional<Target> latest TABELLA_GUARDED_BY(mu);  // offered
  std::optional<StoredCheckpoint> cosigned TABELLA_GUARDED_BY(mu);
  bool round_active TABELLA_GUARDED_BY(mu) = false;
  bool storing TABELLA_GUARDED_BY(mu) = false;  // a cosigned note is being stored
  Target round TABELLA_GUARDED_BY(mu);
  // peer index -> its line, for `round`
  std::map<std::size_t, std::string> lines TABELLA_GUARDED_BY(mu);
  std::set<std::size_t> assigned TABELLA_GUARDED_BY(mu);  // peers given `round`
  std::size_t outstanding TABELLA_GUARDED_BY(mu) = 0;
  Clock::time_point next_round_at TABELLA_GUARDED_BY(mu){};
  std::uint64_t round_counter TABELLA_GUARDED_BY(mu) = 0;
  std::vector<Waiter> waiters TABELLA_GUARDED_BY(mu);
  std::thread coordinator;
  // Cluster mode (options.share): whether this node pushes (always true without a share), the
  // latest shared note not used yet, whether to check it now (it is new, or the served size or
  // the manifest changed since it was found not yet usable), and the counters.
  bool pushing TABELLA_GUARDED_BY(mu) = true;
  std::optional<std::string> shared_pending TABELLA_GUARDED_BY(mu);
  bool shared_fresh TABELLA_GUARDED_BY(mu) = false;  // not checked before
  bool shared_ready TABELLA_GUARDED_BY(mu) = false;
  ShareStats share TABELLA_GUARDED_BY(mu);

  bool pending_work() const TABELLA_REQUIRES(mu) {
    return configured && latest && latest->size > 0 && (!cosigned || latest->size > cosigned->size);
  }
  bool usable(const Peer& p) const TABELLA_REQUIRES(mu) { return configured && !p.refused; }

  // Matches a peer whose key is known with the manifest's members.
  void match(Peer& p) TABELLA_REQUIRES(mu) {
    if (!configured || p.verifier_key.empty() || p.verifier || p.refused) return;
    for (const auto& m : members) {
      if (!same_witness_key(p.verifier_key, m.key)) continue;
      auto v = ledger::CosignatureVerifier::from_verifier_key(m.key);
      if (v && v->name() == m.name) {
        p.verifier.emplace(std::move(*v));
        return;
      }
    }
    p.refused = true;
  }

  std::string not_member_message(const Peer& p) const TABELLA_REQUIRES(mu) {
    return "witness " + p.url + " has the key " + p.verifier_key +
           ", which is not one of the manifest's witnesses.members";
  }

  void assign(std::size_t i) TABELLA_REQUIRES(mu) {
    Peer& p = *peers[i];
    p.job = round;
    assigned.insert(i);
    ++outstanding;
    p.cv.notify_one();
  }

  void maybe_start_round(Clock::time_point now) TABELLA_REQUIRES(mu) {
    if (!pushing || round_active || storing || !pending_work() || now < next_round_at) return;
    round = Target{++round_counter, latest->size, latest->note};
    lines.clear();
    assigned.clear();
    outstanding = 0;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (usable(*peers[i]) && !peers[i]->job) assign(i);
    }
    if (outstanding == 0) {
      next_round_at = now + options.retry_interval;
    } else {
      round_active = true;
    }
  }

  // Takes the waiters satisfied by `size` (or all of them when stopping) out of the list.
  std::vector<std::function<void()>> take_satisfied(std::uint64_t size, bool ok)
      TABELLA_REQUIRES(mu) {
    std::vector<std::function<void()>> out;
    for (auto it = waiters.begin(); it != waiters.end();) {
      if (it->min_size <= size || !ok) {
        out.push_back([done = std::move(it->done), ok] { done(ok); });
        it = waiters.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  void coordinate() TABELLA_EXCLUDES(mu) {
    mu.lock();
    while (!stopping) {
      auto now = Clock::now();
      std::vector<std::function<void()>> expired;
      for (auto it = waiters.begin(); it != waiters.end();) {
        if (it->deadline <= now) {
          expired.push_back([done = std::move(it->done)] { done(false); });
          it = waiters.erase(it);
        } else {
          ++it;
        }
      }
      if (!expired.empty()) {
        mu.unlock();
        for (auto& f : expired) f();
        mu.lock();
        continue;
      }
      if (shared_ready && shared_pending && !storing) {
        shared_ready = false;
        std::string text = std::move(*shared_pending);
        shared_pending.reset();
        bool fresh = std::exchange(shared_fresh, false);
        mu.unlock();
        take_shared(std::move(text), fresh);
        mu.lock();
        continue;
      }
      maybe_start_round(now);
      auto wake = now + std::chrono::hours(1);
      for (const auto& w : waiters) wake = std::min(wake, w.deadline);
      if (pending_work() && !round_active) wake = std::min(wake, next_round_at);
      cv.wait_until(mu, wake);
    }
    mu.unlock();
  }

  // One request to a witness: a 503 is the cosigner's to retry (submit), not the client's.
  http::Options fetch_options(std::uint64_t body_limit) const {
    http::Options o;
    o.timeout = options.request_timeout;
    o.body_limit = body_limit;
    o.peer_name = "witness";
    o.busy_retries = 0;
    return o;
  }

  // Outside mu. GET /witness/status -> verifier_key.
  Result<std::string> fetch_key(const Peer& p) const {
    auto r = http::fetch(p.endpoint, http::Request{"GET", "/witness/status", {}, {}, {}},
                         fetch_options(1u << 20));
    if (!r) return r.error().with_prefix(p.url);
    if (r->status != 200) {
      return make_error(ErrorCode::kIo, "GET /witness/status answered " + std::to_string(r->status),
                        p.url);
    }
    auto j = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("verifier_key") || !j["verifier_key"].is_string()) {
      return make_error(ErrorCode::kInvalidEncoding,
                        "GET /witness/status has no \"verifier_key\" string", p.url);
    }
    std::string key = j["verifier_key"].get<std::string>();
    auto v = ledger::CosignatureVerifier::from_verifier_key(key);
    if (!v) return v.error().with_prefix(p.url + " verifier_key");
    return key;
  }

  // Sleeps `d` unless stopping; false when stopping.
  bool sleep(Peer& p, std::chrono::milliseconds d) TABELLA_REQUIRES(mu) {
    const auto until = Clock::now() + d;
    while (!stopping && p.cv.wait_until(mu, until)) {
    }
    return !stopping;
  }

  // One submission of `t` to `p` (the protocol at the top of cosigner.h). Returns the verified
  // cosignature line. Called without mu held.
  Result<std::string> submit(Peer& p, const Target& t) TABELLA_EXCLUDES(mu) {
    mu.lock();
    if (p.verifier_key.empty()) {
      mu.unlock();
      auto key = fetch_key(p);
      if (!key) return key.error();
      mu.lock();
      p.verifier_key = *key;
      match(p);
    }
    std::optional<Error> refusal;
    if (p.refused) {
      refusal = make_error(ErrorCode::kPermission, not_member_message(p), p.url);
    } else if (!p.verifier) {
      refusal = make_error(ErrorCode::kIo, "the manifest is not known yet", p.url);
    }
    const std::optional<ledger::CosignatureVerifier> verifier = p.verifier;
    std::uint64_t old = p.size;
    mu.unlock();
    if (refusal) return *refusal;

    bool size_retried = false;
    int unavailable = 0;
    auto backoff = kFirst503Backoff;
    for (;;) {
      if (old > t.size) {
        return make_error(ErrorCode::kConflict,
                          "the witness has cosigned size " + std::to_string(old) +
                              ", newer than this checkpoint's " + std::to_string(t.size),
                          p.url);
      }
      auto proof = view.consistency_proof(old, t.size);
      if (!proof) return proof.error().with_prefix("consistency proof");
      if (proof->size() > ledger::kMaxWitnessProofLines) {
        return make_error(ErrorCode::kLimit, "consistency proof too long", p.url);
      }
      std::string body =
          ledger::format_add_checkpoint(ledger::AddCheckpointRequest{old, *proof, t.note});
      auto reply = http::fetch(
          p.endpoint,
          http::Request{
              "POST", "/add-checkpoint", std::move(body), "text/plain; charset=utf-8", {}},
          fetch_options(64u << 10));
      if (!reply) return reply.error().with_prefix(p.url);
      if (reply->status == 200) {
        auto with_line = ledger::add_signature_lines(t.note, reply->body);
        if (!with_line) return with_line.error().with_prefix(p.url + " cosignature");
        auto note = ledger::parse_note(*with_line);
        if (!note) return note.error().with_prefix(p.url + " cosignature");
        auto verified = verifier->verify(*note);
        if (!verified) return verified.error().with_prefix(p.url + " cosignature");
        MutexLock relock(mu);
        p.size = std::max(p.size, t.size);
        return reply->body;
      }
      if (reply->status == 409 && reply->content_type.rfind("text/x.tlog.size", 0) == 0 &&
          !size_retried) {
        std::string_view text = reply->body;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
        std::uint64_t m = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), m);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
          return make_error(ErrorCode::kInvalidEncoding,
                            "409 with a malformed size \"" + std::string(text) + "\"", p.url);
        }
        size_retried = true;
        old = m;
        MutexLock relock(mu);
        p.size = m;
        continue;
      }
      if (reply->status == 503 && unavailable < k503Retries) {
        ++unavailable;
        mu.lock();
        bool slept = sleep(p, backoff);
        mu.unlock();
        if (!slept) return make_error(ErrorCode::kIo, "stopping", p.url);
        backoff *= 2;
        continue;
      }
      return make_error(reply->status == 503 ? ErrorCode::kIo : ErrorCode::kConflict,
                        "add-checkpoint of size " + std::to_string(t.size) + " (old " +
                            std::to_string(old) + ") answered " + std::to_string(reply->status) +
                            ": " + reply->body.substr(0, 300),
                        p.url);
    }
  }

  // Handles one finished submission; releases mu while it stores and calls waiters back.
  void finish(std::size_t i, const Target& t, const Result<std::string>& line)
      TABELLA_REQUIRES(mu) {
    Peer& p = *peers[i];
    if (line) {
      ++p.collected;
      p.last_error.clear();
    } else {
      ++p.failed;
      p.last_error = line.error().describe();
      log_event(LogLevel::kWarn, "cosign_failed",
                {{"witness", p.url},
                 {"name", p.verifier ? p.verifier->name() : std::string()},
                 {"size", std::to_string(t.size)},
                 {"reason", p.last_error}});
      if (p.refused) {
        log_event(LogLevel::kError, "witness_not_in_manifest",
                  {{"witness", p.url}, {"message", not_member_message(p)}});
      }
    }
    if (!round_active || t.round != round.round) {
      // A straggler of an earlier round: free for the current one.
      if (round_active && !assigned.count(i) && usable(p)) assign(i);
      cv.notify_all();
      return;
    }
    --outstanding;
    if (line) lines[i] = *line;
    if (lines.size() >= quorum) {
      std::string all;
      for (const auto& [peer, l] : lines) all += l;
      round_active = false;
      auto note = ledger::add_signature_lines(t.note, all);
      if (!note) {
        log_event(LogLevel::kError, "cosign_store_failed", {{"message", note.error().describe()}});
        next_round_at = Clock::now() + options.retry_interval;
        cv.notify_all();
        return;
      }
      StoredCheckpoint cp{t.size, std::move(*note)};
      storing = true;
      mu.unlock();
      Status stored = view.store(cp);
      mu.lock();
      storing = false;
      if (!stored.ok()) {
        log_event(LogLevel::kError, "cosign_store_failed",
                  {{"size", std::to_string(t.size)}, {"message", stored.error().describe()}});
        next_round_at = Clock::now() + options.retry_interval;
        cv.notify_all();
        return;
      }
      if (!cosigned || cp.size > cosigned->size) cosigned = cp;
      auto ready = take_satisfied(cosigned->size, true);
      cv.notify_all();
      mu.unlock();
      for (auto& f : ready) f();
      if (options.share) publish(cp);
      mu.lock();
      return;
    }
    if (outstanding == 0) {
      round_active = false;
      next_round_at = Clock::now() + options.retry_interval;
      log_event(LogLevel::kWarn, "cosign_round_failed",
                {{"size", std::to_string(t.size)},
                 {"cosignatures", std::to_string(lines.size())},
                 {"quorum", std::to_string(quorum)}});
    }
    cv.notify_all();
  }

  // Cluster mode: checks a shared cosigned note in full (see cosigner.h). nullopt: not usable
  // yet (beyond the served size but within the cluster log, or no manifest yet); an error: it
  // does not check out. `fresh`: first check of this note (the cluster log's size is read).
  Result<std::optional<StoredCheckpoint>> check_shared(const std::string& text, bool fresh)
      TABELLA_EXCLUDES(mu) {
    auto found = view.check_shared(text);
    if (!found) return found.error();
    std::vector<ledger::CosignatureVerifier> witnesses;
    std::uint32_t need = 0;
    {
      MutexLock lock(mu);
      if (!configured) return std::optional<StoredCheckpoint>();
      for (const auto& m : members) {
        auto v = ledger::CosignatureVerifier::from_verifier_key(m.key);
        if (v && v->name() == m.name) witnesses.push_back(std::move(*v));
      }
      need = quorum;
    }
    TABELLA_TRY(ledger::check_cosignature_quorum(text, witnesses, need));
    if (!found->served) {
      if (fresh) {
        auto cluster = options.share->cluster_size();
        if (cluster && found->size > *cluster) {
          return make_error(ErrorCode::kConflict,
                            "size " + std::to_string(found->size) + " is beyond the cluster log (" +
                                std::to_string(*cluster) + " entries)",
                            "size");
        }
      }
      return std::optional<StoredCheckpoint>();
    }
    return std::optional<StoredCheckpoint>(StoredCheckpoint{found->size, text});
  }

  // Cluster mode, coordinator: uses a shared note that checks out and is newer than the stored
  // one (stored, waiters woken), keeps one not usable yet, refuses (logs, counts) the others.
  void take_shared(std::string text, bool fresh) TABELLA_EXCLUDES(mu) {
    auto checked = check_shared(text, fresh);
    mu.lock();
    if (!checked) {
      ++share.refused;
      share.last_refusal = checked.error().describe();
      auto size = note_size(text);
      log_event(LogLevel::kError, "shared_cosigned_refused",
                {{"size", size ? std::to_string(*size) : std::string("?")},
                 {"reason", share.last_refusal}});
    } else if (!*checked) {
      if (!shared_pending) shared_pending = std::move(text);      // else a newer one came
    } else if (!cosigned || cosigned->size < (*checked)->size) {  // else nothing new
      adopt(std::move(**checked));
    }
    mu.unlock();
  }

  // Stores a checked shared note and wakes the waiters it satisfies; releases mu meanwhile.
  void adopt(StoredCheckpoint cp) TABELLA_REQUIRES(mu) {
    storing = true;
    mu.unlock();
    Status stored = view.store(cp);
    mu.lock();
    storing = false;
    cv.notify_all();
    if (!stored.ok()) {
      log_event(LogLevel::kError, "cosign_store_failed",
                {{"size", std::to_string(cp.size)}, {"message", stored.error().describe()}});
      return;
    }
    ++share.adopted;
    // The witnesses that cosigned it have seen that size: saves a 409 if this node pushes next.
    if (auto note = ledger::parse_note(cp.note)) {
      for (auto& p : peers) {
        if (p->verifier && p->verifier->verify(*note).ok()) p->size = std::max(p->size, cp.size);
      }
    }
    if (!cosigned || cp.size > cosigned->size) cosigned = cp;
    auto ready = take_satisfied(cosigned->size, true);
    mu.unlock();
    for (auto& f : ready) f();
    mu.lock();
  }

  // Cluster mode: shares this node's cosigned note, unless the shared one is at least as new
  // and checks out. On a worker thread, without mu.
  void publish(const StoredCheckpoint& cp) TABELLA_EXCLUDES(mu) {
    auto keep = [this, &cp](const std::string& current) {
      if (current == cp.note) return true;
      auto checked = check_shared(current, /*fresh=*/true);
      auto size = note_size(current);
      return checked.ok() && size && *size >= cp.size;
    };
    Status st = options.share->publish(cp.size, cp.note, keep);
    MutexLock lock(mu);
    if (st.ok()) {
      ++share.published;
    } else {
      log_event(LogLevel::kWarn, "cosign_share_failed",
                {{"size", std::to_string(cp.size)}, {"message", st.error().describe()}});
    }
  }

  void set_pushing(bool now) TABELLA_EXCLUDES(mu) {
    MutexLock lock(mu);
    if (pushing == now) return;
    pushing = now;
    next_round_at = Clock::now();  // the share logs the change (event=cosign_pusher)
    cv.notify_all();
  }

  void offer_shared(std::string note) TABELLA_EXCLUDES(mu) {
    MutexLock lock(mu);
    shared_pending = std::move(note);
    shared_fresh = true;
    shared_ready = true;
    cv.notify_all();
  }

  std::vector<WitnessStats> stats() const TABELLA_EXCLUDES(mu) {
    MutexLock lock(mu);
    std::vector<WitnessStats> out;
    for (const auto& p : peers) {
      WitnessStats s;
      s.url = p->url;
      s.verifier_key = p->verifier_key;
      if (auto v = ledger::CosignatureVerifier::from_verifier_key(p->verifier_key)) {
        s.name = v->name();
      }
      s.member = p->verifier.has_value();
      s.size = p->size;
      s.collected = p->collected;
      s.failed = p->failed;
      s.last_error = p->last_error;
      out.push_back(std::move(s));
    }
    return out;
  }

  std::string render_metrics() const TABELLA_EXCLUDES(mu) {
    auto all = stats();
    std::string out =
        "# HELP tabella_ledger_cosignatures_total Witness cosignatures on the ledger's "
        "checkpoints, by witness and result.\n"
        "# TYPE tabella_ledger_cosignatures_total counter\n";
    for (const auto& s : all) {
      std::string labels =
          "witness=\"" + prometheus_label(s.url) + "\",name=\"" + prometheus_label(s.name) + "\"";
      out += "tabella_ledger_cosignatures_total{" + labels + ",result=\"collected\"} " +
             std::to_string(s.collected) + "\n";
      out += "tabella_ledger_cosignatures_total{" + labels + ",result=\"failed\"} " +
             std::to_string(s.failed) + "\n";
    }
    MutexLock lock(mu);
    out +=
        "# HELP tabella_ledger_cosigned_size Tree size of the latest stored cosigned checkpoint.\n"
        "# TYPE tabella_ledger_cosigned_size gauge\n"
        "tabella_ledger_cosigned_size " +
        std::to_string(cosigned ? cosigned->size : 0) + "\n";
    if (options.share) {
      auto line = [&out](const char* name, const char* type, const char* help, std::uint64_t v) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + " " + std::to_string(v) + "\n";
      };
      line("tabella_ledger_cosign_pushing", "gauge",
           "1 while this node is the cluster's one pusher to the witnesses.", pushing ? 1 : 0);
      line("tabella_ledger_shared_cosigned_adopted_total", "counter",
           "Cosigned checkpoints of another node taken from the cluster, checked.", share.adopted);
      line("tabella_ledger_shared_cosigned_refused_total", "counter",
           "Cosigned checkpoints in the cluster that did not check out (never served).",
           share.refused);
      line("tabella_ledger_shared_cosigned_published_total", "counter",
           "Cosigned checkpoints this node shared with the cluster.", share.published);
    }
    return out;
  }

  void work(std::size_t i) TABELLA_EXCLUDES(mu) {
    Peer& p = *peers[i];
    mu.lock();
    for (;;) {
      while (!stopping && !p.job.has_value()) p.cv.wait(mu);
      if (stopping) break;
      Target t = *p.job;
      mu.unlock();
      Result<std::string> line = submit(p, t);
      mu.lock();
      p.job.reset();
      if (stopping) break;
      finish(i, t, line);
    }
    mu.unlock();
  }
};

Cosigner::Cosigner(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Cosigner::~Cosigner() {
  stop();
}

Result<std::unique_ptr<Cosigner>> Cosigner::create(Options options, LedgerView ledger,
                                                   std::optional<StoredCheckpoint> restored) {
  auto impl = std::make_shared<Impl>();
  std::set<std::string> seen;
  for (const auto& url : options.urls) {
    auto ep = http::Url::parse(url, http::kEndpointRules);
    if (!ep) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "'" + url + "' is not a witness URL like http://host:port (" + ep.error().message + ")",
          "witness");
    }
    std::string id = ep->authority();
    if (!seen.insert(id).second) {
      return make_error(ErrorCode::kInvalidArgument, "witness " + url + " is given twice",
                        "witness");
    }
    auto p = std::make_unique<Impl::Peer>();
    p->url = url;
    p->endpoint = *ep;
    impl->peers.push_back(std::move(p));
  }
  impl->options = std::move(options);
  impl->view = std::move(ledger);
  {
    MutexLock lock(impl->mu);
    impl->cosigned = std::move(restored);
    impl->pushing = impl->options.share == nullptr;  // cluster: once the share says so
  }
  // Keys: asked in parallel; a witness that does not answer now is asked again later.
  {
    std::vector<std::thread> ask;
    std::vector<Result<std::string>> keys(impl->peers.size(), Result<std::string>(std::string()));
    for (std::size_t i = 0; i < impl->peers.size(); ++i) {
      ask.emplace_back([&, i] { keys[i] = impl->fetch_key(*impl->peers[i]); });
    }
    for (auto& t : ask) t.join();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i]) {
        impl->peers[i]->verifier_key = *keys[i];
      } else {
        log_event(LogLevel::kWarn, "witness_unreachable",
                  {{"witness", impl->peers[i]->url},
                   {"message", keys[i].error().describe() + "; its key is asked again later"}});
      }
    }
  }
  Impl* raw = impl.get();
  raw->coordinator = std::thread([raw] { raw->coordinate(); });
  for (std::size_t i = 0; i < raw->peers.size(); ++i) {
    raw->peers[i]->thread = std::thread([raw, i] { raw->work(i); });
  }
  if (raw->options.share) {
    raw->options.share->start(
        CosignShare::Listener{[raw](bool pushing) { raw->set_pushing(pushing); },
                              [raw](std::string note) { raw->offer_shared(std::move(note)); }});
  }
  return std::unique_ptr<Cosigner>(new Cosigner(std::move(impl)));
}

Status Cosigner::set_witnesses(std::span<const election::Witness> members, std::uint32_t quorum) {
  MutexLock lock(impl_->mu);
  if (members.empty() || quorum == 0) {
    impl_->configured = false;
    return make_error(ErrorCode::kInvalidArgument,
                      "--witness is given but the election's manifest names no witnesses "
                      "(witnesses.members): checkpoints are not submitted to witnesses",
                      "witness");
  }
  impl_->members.assign(members.begin(), members.end());
  impl_->quorum = quorum;
  impl_->configured = true;
  if (impl_->shared_pending) impl_->shared_ready = true;
  std::string refused;
  std::size_t known_members = 0;
  for (auto& p : impl_->peers) {
    impl_->match(*p);
    if (p->refused) refused += (refused.empty() ? "" : "; ") + impl_->not_member_message(*p);
    if (p->verifier) ++known_members;
  }
  impl_->cv.notify_all();
  if (!refused.empty()) return make_error(ErrorCode::kInvalidArgument, refused, "witness");
  if (impl_->peers.size() < quorum) {
    log_event(LogLevel::kWarn, "witness_quorum_unreachable",
              {{"witnesses", std::to_string(impl_->peers.size())},
               {"quorum", std::to_string(quorum)},
               {"message",
                "fewer --witness URLs than the manifest's witness_quorum: no "
                "checkpoint can be cosigned"}});
  }
  (void)known_members;
  return Status::success();
}

void Cosigner::offer(std::uint64_t size, std::string note) {
  MutexLock lock(impl_->mu);
  if (impl_->latest && impl_->latest->size >= size) return;
  impl_->latest = Impl::Target{0, size, std::move(note)};
  if (impl_->shared_pending) impl_->shared_ready = true;  // the served size grew
  impl_->cv.notify_all();
}

bool Cosigner::can_reach_quorum() const {
  MutexLock lock(impl_->mu);
  if (!impl_->configured) return false;
  std::size_t usable = 0;
  for (const auto& p : impl_->peers) usable += p->refused ? 0 : 1;
  return usable >= impl_->quorum;
}

std::optional<StoredCheckpoint> Cosigner::latest_cosigned() const {
  MutexLock lock(impl_->mu);
  return impl_->cosigned;
}

void Cosigner::wait_for(std::uint64_t min_size, std::chrono::steady_clock::time_point deadline,
                        std::function<void(bool)> done) {
  std::optional<bool> now;  // answered at once: ok or not
  {
    MutexLock lock(impl_->mu);
    if (impl_->cosigned && impl_->cosigned->size >= min_size) {
      now = true;
    } else if (impl_->stopping) {
      now = false;
    } else {
      impl_->waiters.push_back(Impl::Waiter{min_size, deadline, std::move(done)});
      impl_->cv.notify_all();
    }
  }
  if (now) done(*now);
}

void Cosigner::offer_shared(std::string note) {
  impl_->offer_shared(std::move(note));
}

bool Cosigner::pushing() const {
  MutexLock lock(impl_->mu);
  return impl_->pushing;
}

Cosigner::ShareStats Cosigner::share_stats() const {
  MutexLock lock(impl_->mu);
  return impl_->share;
}

std::vector<Cosigner::WitnessStats> Cosigner::stats() const {
  return impl_->stats();
}

std::string Cosigner::render_metrics() const {
  return impl_->render_metrics();
}

std::function<std::string()> Cosigner::metrics_source() const {
  return [weak = std::weak_ptr<const Impl>(impl_)] {
    auto impl = weak.lock();
    return impl ? impl->render_metrics() : std::string();
  };
}

void Cosigner::stop() {
  std::vector<std::function<void()>> pending;
  // The share first: no callback into the cosigner after this, and another node pushes now.
  if (impl_->options.share) impl_->options.share->stop();
  {
    MutexLock lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    impl_->stopping = true;
    impl_->cv.notify_all();
    for (auto& p : impl_->peers) p->cv.notify_all();
  }
  if (impl_->coordinator.joinable()) impl_->coordinator.join();
  for (auto& p : impl_->peers) {
    if (p->thread.joinable()) p->thread.join();
  }
  {
    MutexLock lock(impl_->mu);
    pending = impl_->take_satisfied(0, false);
  }
  for (auto& f : pending) f();
}

}  // namespace tabella::server
