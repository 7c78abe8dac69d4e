#include "tabella/server/etcd/etcd_cosign.h"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>

#include "etcd_json.h"
#include "tabella/http/client.h"
#include "tabella/server/log.h"

namespace tabella::server::etcd {

using json = nlohmann::json;

using detail::b64;

namespace {

std::string random_id() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> pick;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(pick(rd)));
  return "pid " + std::to_string(getpid()) + " " + buf;
}

}  // namespace

EtcdCosignShare::EtcdCosignShare(EtcdStorage& storage, CosignShareOptions options)
    : storage_(storage),
      options_(std::move(options)),
      prefix_("/tabella/" + storage.options().origin + "/") {
  if (options_.node_id.empty()) options_.node_id = random_id();
}

EtcdCosignShare::~EtcdCosignShare() {
  stop();
}

void EtcdCosignShare::start(Listener listener) {
  if (started_) return;
  started_ = true;
  listener_ = std::move(listener);
  runner_ = std::thread([this] { run(); });
  watcher_ = std::thread([this] { watch(); });
}

void EtcdCosignShare::stop() {
  if (stopping_.exchange(true)) return;
  wake();
  if (runner_.joinable()) runner_.join();
  if (watcher_.joinable()) watcher_.join();
  if (pushing_) {
    // Give the role up now rather than when the lease expires: another node takes over at once.
    (void)storage_.gateway("/v3/lease/revoke", json{{"ID", lease_}});
    pushing_ = false;
    log_event(LogLevel::kInfo, "cosign_pusher_resigned", {{"node", options_.node_id}});
  }
}

Result<std::uint64_t> EtcdCosignShare::cluster_size() {
  return storage_.cluster_size();
}

void EtcdCosignShare::wake() {
  MutexLock lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

Result<EtcdCosignShare::Kv> EtcdCosignShare::read(const std::string& key) {
  auto doc = storage_.gateway("/v3/kv/range", json{{"key", b64(prefix_ + key)}});
  if (!doc) return doc.error();
  Kv kv;
  const auto& kvs = doc->value("kvs", json::array());
  if (kvs.empty()) return kv;
  const auto& item = kvs[0];
  kv.exists = true;
  auto v = detail::kv_value(item, "etcd value of " + prefix_ + key);
  if (!v) return v.error();
  kv.value = to_string(*v);
  kv.mod_revision = item.value("mod_revision", std::string());
  kv.lease = item.value("lease", std::string("0"));
  return kv;
}

// One renewal (the gateway's keep-alive stream, one message): false when the lease is gone.
bool EtcdCosignShare::keep_alive(const std::string& lease) {
  auto doc = storage_.gateway("/v3/lease/keepalive", json{{"ID", lease}});
  if (!doc) return false;
  const auto& result = doc->value("result", json::object());
  std::string ttl = result.value("TTL", std::string("0"));
  return !ttl.empty() && ttl != "0" && ttl[0] != '-';
}

bool EtcdCosignShare::campaign() {
  auto granted = storage_.gateway("/v3/lease/grant",
                                  json{{"TTL", std::to_string(options_.lease_ttl.count())}});
  if (!granted || !granted->contains("ID")) return false;
  std::string lease = (*granted)["ID"].get<std::string>();
  json compare = json::array({json{{"key", b64(prefix_ + "cosigner")},
                                   {"target", "CREATE"},
                                   {"result", "EQUAL"},
                                   {"create_revision", "0"}}});
  json success = json::array({json{
      {"requestPut",
       {{"key", b64(prefix_ + "cosigner")}, {"value", b64(options_.node_id)}, {"lease", lease}}}}});
  auto won = storage_.gateway("/v3/kv/txn", json{{"compare", compare}, {"success", success}});
  if (won && won->value("succeeded", false)) {
    lease_ = lease;
    renewed_ = std::chrono::steady_clock::now();
    return true;
  }
  (void)storage_.gateway("/v3/lease/revoke", json{{"ID", lease}});
  return false;
}

void EtcdCosignShare::run() {
  while (!stopping_.load()) {
    const auto now = std::chrono::steady_clock::now();
    auto holder = read("cosigner");
    bool was = pushing_;
    if (!holder) {
      // etcd unreachable: keep pushing only while the lease may still live.
      if (pushing_ && now - renewed_ >= options_.lease_ttl) pushing_ = false;
    } else if (pushing_) {
      bool mine = holder->exists && holder->value == options_.node_id && holder->lease == lease_;
      if (!mine) {
        pushing_ = false;
      } else if (now - renewed_ >= options_.tick / 2) {
        if (keep_alive(lease_)) {
          renewed_ = now;
        } else {
          pushing_ = false;
        }
      }
    } else if (holder->exists && holder->value == options_.node_id && keep_alive(holder->lease)) {
      // This node's own key from before a failed renewal, its lease still alive: resume.
      lease_ = holder->lease;
      renewed_ = now;
      pushing_ = true;
    } else if (!holder->exists) {
      pushing_ = campaign();
    }
    if (pushing_ != was) {
      log_event(LogLevel::kInfo, "cosign_pusher",
                {{"node", options_.node_id}, {"pushing", pushing_ ? "true" : "false"}});
      if (listener_.on_role) listener_.on_role(pushing_);
    }
    if (auto shared = read("cosigned"); shared && shared->exists) {
      if (shared->mod_revision != seen_revision_) {
        seen_revision_ = shared->mod_revision;
        if (listener_.on_shared) listener_.on_shared(shared->value);
      }
    }
    MutexLock lock(mu_);
    const auto until = std::chrono::steady_clock::now() + options_.tick;
    while (!woken_ && !stopping_.load() && cv_.wait_until(mu_, until)) {
    }
    woken_ = false;
  }
}

// Follows P cosigned and P cosigner (one watch over the key range between them) and wakes the
// runner on every change and whenever the watch stream ends (EtcdStorage::watch).
void EtcdCosignShare::watch() {
  storage_.watch(
      prefix_ + "cosigned", prefix_ + "cosignes",
      [this](std::string_view data) {
        // Every piece of the stream comes here; a change carries events (a piece without that
        // word is the rest of one already seen, or a progress message). A stream end (empty)
        // wakes too.
        if (data.empty() || data.find("\"events\"") != std::string_view::npos) wake();
      },
      [this] { return !stopping_.load(); });
}

Status EtcdCosignShare::publish(std::uint64_t size, const std::string& note,
                                const std::function<bool(const std::string&)>& keep) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto current = read("cosigned");
    if (!current) return current.error();
    if (current->exists && keep(current->value)) return Status::success();
    json compare = json::array();
    if (current->exists) {
      compare.push_back(json{{"key", b64(prefix_ + "cosigned")},
                             {"target", "MOD"},
                             {"result", "EQUAL"},
                             {"mod_revision", current->mod_revision}});
    } else {
      compare.push_back(json{{"key", b64(prefix_ + "cosigned")},
                             {"target", "CREATE"},
                             {"result", "EQUAL"},
                             {"create_revision", "0"}});
    }
    json success = json::array(
        {json{{"requestPut", {{"key", b64(prefix_ + "cosigned")}, {"value", b64(note)}}}}});
    auto done = storage_.gateway("/v3/kv/txn", json{{"compare", compare}, {"success", success}});
    if (!done) return done.error();
    if (done->value("succeeded", false)) return Status::success();
  }
  return make_error(
      ErrorCode::kConflict,
      "the shared cosigned checkpoint kept changing; size " + std::to_string(size) + " not shared",
      "etcd");
}

}  // namespace tabella::server::etcd
