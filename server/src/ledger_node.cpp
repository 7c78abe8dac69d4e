#include "tabella/server/ledger_node.h"

#include <algorithm>
#include <chrono>

#include "tabella/server/log.h"
#include "tabella/server/sqlite_storage.h"
#include "tabella/server/web_board.h"

namespace tabella::server {

namespace {
std::size_t cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

Result<HttpServerOptions> http_server_options(const ServerConfig& config) {
  auto listen = parse_listen(config.listen);
  if (!listen) return listen.error();
  HttpServerOptions http;
  http.host = listen->host;
  http.port = listen->port;
  http.threads = config.threads ? config.threads : std::max<std::size_t>(2, cores());
  http.limits.body_limit = config.body_limit;
  http.max_connections = config.max_connections;
  http.max_connections_per_peer = config.max_connections_per_peer;
  http.max_streams = config.max_exports;
  http.header_timeout = config.header_timeout;
  http.write_timeout = config.response_timeout;
  http.refusal_pause = config.refusal_pause;
  http.tls_cert_file = config.tls_cert;
  http.tls_key_file = config.tls_key;
  return http;
}

Result<std::unique_ptr<LedgerNode>> LedgerNode::start(const ServerConfig& config,
                                                      const LedgerHooks& hooks) {
  auto http = http_server_options(config);
  if (!http) return http.error();
  return start(config, hooks, std::move(*http));
}

Result<std::unique_ptr<LedgerNode>> LedgerNode::start(const ServerConfig& config,
                                                      const LedgerHooks& hooks,
                                                      HttpServerOptions http) {
  std::unique_ptr<LedgerNode> node(new LedgerNode());
  Status wired = node->wire(config, hooks, std::move(http));
  if (!wired.ok()) {
    // Whatever started is stopped again; no final checkpoint for a node that never served.
    if (node->pool_) node->pool_->stop();
    if (node->cluster_.set_listener) node->cluster_.set_listener({});
    if (node->committer_) node->committer_->stop();
    node->stop_timer();
    if (node->storage_) (void)node->storage_->close();
    node->stopped_ = true;
    return wired.error();
  }
  return node;
}

Status LedgerNode::wire(const ServerConfig& config, const LedgerHooks& hooks,
                        HttpServerOptions http) {
  auto sqlite = SqliteStorage::open(config.data_dir);
  if (!sqlite) return sqlite.error();
  std::unique_ptr<Storage> store = std::move(*sqlite);
  if (hooks.cluster) {
    auto clustered = hooks.cluster(std::move(store));
    if (!clustered) return clustered.error();
    cluster_ = std::move(*clustered);
    store = std::move(cluster_.storage);
  }
  storage_ = std::move(store);
  auto size = storage_->size();
  if (!size) return size.error();

  if (config.origin.empty() && hooks.record == nullptr) {
    return Error{ErrorCode::kInvalidArgument,
                 "the ledger records one election: --origin and --authority-key are required",
                 "origin"};
  }
  // The election ledger: replays the stored log first.
  if (!config.origin.empty()) {
    auto authority = from_hex(config.authority_key);
    if (!authority || authority->size() != 32) {
      return Error{ErrorCode::kInvalidArgument, "must be 64 hex digits (an Ed25519 public key)",
                   "authority-key"};
    }
    bool created = false;
    auto key = load_or_create_ledger_key(ledger_key_path(config), &created);
    if (!key) return key.error();
    LedgerIdentity id;
    id.origin = config.origin;
    std::copy(authority->begin(), authority->end(), id.authority.begin());
    id.key = *key;
    auto replay_start = std::chrono::steady_clock::now();
    auto opened =
        ElectionLedger::open(*storage_, std::move(id), &metrics_,
                             WitnessOptions{config.witnesses, config.cosign_wait, cluster_.cosign});
    if (!opened) return opened.error();
    election_ = std::move(*opened);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - replay_start;
    log_event(LogLevel::kInfo, "ledger_key",
              {{"verifier_key", election_->verifier_key()},
               {"file", ledger_key_path(config)},
               {"created", created ? "true" : "false"}});
    log_event(LogLevel::kInfo, "replayed",
              {{"entries", std::to_string(election_->size())},
               {"seconds", std::to_string(took.count())},
               {"from_stored_state", election_->resumed_from_stored_state() ? "true" : "false"}});
  }
  if (election_ && cluster_.remote != nullptr) election_->set_cluster_mode(true);
  if (!config.cluster_appender.empty()) {
    if (!election_ || cluster_.remote == nullptr) {
      return Error{ErrorCode::kInvalidArgument, "needs cluster mode (--cluster) and --origin",
                   "cluster-appender"};
    }
    auto forwarder = AppendForwarder::create(config.cluster_appender, {}, &metrics_);
    if (!forwarder) return forwarder.error();
    forwarder_ = std::move(*forwarder);
    election_->set_append_forwarder(forwarder_.get());
    log_event(LogLevel::kInfo, "cluster_appender",
              {{"url", config.cluster_appender},
               {"message", "entries posted here are sent on to this node first"}});
  }
  pool_ = std::make_unique<ThreadPool>(config.verify_threads ? config.verify_threads : cores(),
                                       config.max_queue);
  metrics_.add_source(pool_->render_waits());
  Committer::Options committer_options;
  committer_options.remote = cluster_.remote;
  committer_options.linger = config.commit_linger;
  committer_ =
      election_
          ? std::make_unique<Committer>(*storage_, *election_, committer_options, &metrics_)
          : std::make_unique<Committer>(*storage_, *hooks.record, committer_options, &metrics_);
  // Started on a full disk: reads are served, appends refused until space is back.
  if (election_ && election_->disk_full_at_open()) {
    committer_->report_disk_full(*election_->disk_full_at_open());
  }
  // Cluster mode: catch up now and whenever the cluster log grows.
  if (cluster_.set_listener) cluster_.set_listener([this] { committer_->wake(); });
  if (cluster_.metrics) metrics_.add_source(cluster_.metrics);
  if (cluster_.remote != nullptr) committer_->wake();

  register_ledger_api(router_, LedgerApi{*committer_, metrics_});
  if (election_) election_->register_routes(router_, *committer_, *pool_);
  if (election_) register_web_board(router_);  // the public pages over the routes above
  if (hooks.add_routes) hooks.add_routes(router_, *this);
  if (election_ && hooks.add_election_routes) {
    TABELLA_TRY(hooks.add_election_routes(router_, *election_));
  }

  // The checkpoint timer: GET /checkpoint advances at most once per interval.
  if (election_) {
    timer_ = std::thread([this, interval = config.checkpoint_interval] {
      for (;;) {
        {
          MutexLock lock(timer_mu_);
          auto next = std::chrono::steady_clock::now() + interval;
          while (!timer_stop_ && std::chrono::steady_clock::now() < next) {
            timer_cv_.wait_until(timer_mu_, next);
          }
          if (timer_stop_) return;
        }
        Status st = election_->publish_checkpoint();
        if (!st.ok()) {
          log_event(LogLevel::kError, "checkpoint_failed", {{"message", st.error().describe()}});
        }
      }
    });
  }

  server_ = std::make_unique<HttpServer>(http, router_, &metrics_);
  TABELLA_TRY(server_->start());
  log_event(LogLevel::kInfo, "started",
            {{"url", server_->url()},
             {"data_dir", config.data_dir},
             {"entries", std::to_string(*size)},
             {"io_threads", std::to_string(http.threads)},
             {"verify_threads", std::to_string(pool_->size())},
             {"max_queue", std::to_string(pool_->max_queued())},
             {"max_connections", std::to_string(server_->max_connections())},
             {"header_timeout_ms", std::to_string(config.header_timeout.count())},
             {"response_timeout_ms", std::to_string(config.response_timeout.count())}});
  return Status::success();
}

void LedgerNode::stop_timer() {
  {
    MutexLock lock(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

Status LedgerNode::stop() {
  if (stopped_) return Status::success();
  stopped_ = true;
  server_->stop();     // in-flight requests answered, so their appends are already durable
  forwarder_.reset();  // nothing is forwarded any more (no request is in flight)
  pool_->stop();       // nothing left to verify (no request is in flight)
  if (cluster_.set_listener) cluster_.set_listener({});
  committer_->stop();  // commits anything still queued
  stop_timer();
  if (election_) {
    Status st = election_->publish_checkpoint();  // the final size is published
    if (!st.ok()) {
      log_event(LogLevel::kError, "checkpoint_failed", {{"message", st.error().describe()}});
    }
  }
  Status closed = storage_->close();
  if (!closed.ok()) {
    log_event(LogLevel::kError, "close_failed", {{"message", closed.error().describe()}});
    return closed;
  }
  log_event(LogLevel::kInfo, "stopped", {{"entries", std::to_string(metrics_.entries_appended())}});
  return Status::success();
}

LedgerNode::~LedgerNode() {
  (void)stop();
}

std::string LedgerNode::wait_for_signal() {
  return server_->wait_for_signal();
}
void LedgerNode::request_stop() {
  server_->request_stop();
}
std::uint16_t LedgerNode::port() const {
  return server_->port();
}
std::string LedgerNode::url() const {
  return server_->url();
}
Storage& LedgerNode::storage() {
  return *storage_;
}
Metrics& LedgerNode::metrics() {
  return metrics_;
}
ThreadPool& LedgerNode::pool() {
  return *pool_;
}
Committer& LedgerNode::committer() {
  return *committer_;
}
HttpServer& LedgerNode::http_server() {
  return *server_;
}
ElectionLedger* LedgerNode::election() {
  return election_.get();
}

}  // namespace tabella::server
