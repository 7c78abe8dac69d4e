// tabella-ledger: the election ledger server. Thin: parses the command line (CLI11) and the
// optional config file, then runs the ledger (server/src/app.cpp). `tabella-ledger witness ...`
// runs the witness observer instead (server/witness; the options of tabella-witness). --origin
// and --authority-key are required: the ledger records one election and validates every entry.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string_view>

#include "tabella/ledger/note.h"
#include "tabella/server/app.h"
#include "tabella/server/config.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/etcd/etcd_cosign.h"
#include "tabella/server/etcd/etcd_storage.h"
#include "tabella/server/witness/witness_service.h"
#include "tabella/util/cli_parse.h"

namespace {

// CLI11 config reader for our format (key = value lines or a JSON object); see config.h.
class ConfigFormat final : public CLI::Config {
 public:
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::stringstream text;
    text << input.rdbuf();
    auto parsed = tabella::server::parse_config_text(text.str());
    if (!parsed) throw CLI::ParseError("config file: " + parsed.error().describe(), 2);
    // A repeated key (witness = ...) is one item with several inputs.
    std::vector<CLI::ConfigItem> out;
    for (auto& [name, value] : *parsed) {
      const std::string& key = name;
      auto same = std::find_if(out.begin(), out.end(),
                               [&](const CLI::ConfigItem& i) { return i.name == key; });
      if (same != out.end()) {
        same->inputs.push_back(value);
        continue;
      }
      CLI::ConfigItem item;
      item.name = key;
      item.inputs = {value};
      out.push_back(std::move(item));
    }
    return out;
  }
};

// The committer's view of EtcdStorage's cluster side.
class EtcdRemote final : public tabella::server::RemoteLog {
 public:
  explicit EtcdRemote(tabella::server::etcd::EtcdStorage& storage) : storage_(storage) {}
  tabella::Result<std::uint64_t> cluster_size() override { return storage_.cluster_size(); }
  tabella::Result<std::uint64_t> catch_up_target() override { return storage_.catch_up_target(); }
  bool take_contended() override { return storage_.take_contended(); }
  tabella::Result<std::vector<tabella::Bytes>> fetch_remote(std::size_t max_entries) override {
    return storage_.fetch_remote(max_entries);
  }
  tabella::Status apply_remote(std::uint64_t first_index, std::vector<tabella::Bytes> entries,
                               tabella::server::BatchEffects effects) override {
    return storage_.apply_remote(first_index, std::move(entries), std::move(effects));
  }

 private:
  tabella::server::etcd::EtcdStorage& storage_;
};

// --cluster etcd://h:p,...: EtcdStorage over the local copy (docs/cluster.md).
tabella::Result<tabella::server::ClusterStorage> open_cluster(
    const std::string& url, const std::string& origin, bool watch_entries,
    std::unique_ptr<tabella::server::Storage> local) {
  namespace etcd = tabella::server::etcd;
  auto endpoints = etcd::parse_etcd_url(url);
  if (!endpoints) return endpoints.error();
  etcd::EtcdOptions options;
  options.endpoints = std::move(*endpoints);
  options.origin = origin;
  options.watch_entries = watch_entries;
  auto opened = etcd::EtcdStorage::open(std::move(options), std::move(local));
  if (!opened) return opened.error();
  etcd::EtcdStorage* raw = opened->get();
  tabella::server::ClusterStorage cluster;
  auto remote = std::make_shared<EtcdRemote>(*raw);
  cluster.remote = remote.get();
  cluster.owner = remote;
  cluster.set_listener = [raw](std::function<void()> listener) {
    raw->set_remote_listener(std::move(listener));
  };
  cluster.metrics = [raw] {
    return "# HELP tabella_ledger_etcd_txns_total etcd append transactions sent (one per chunk).\n"
           "# TYPE tabella_ledger_etcd_txns_total counter\n"
           "tabella_ledger_etcd_txns_total " +
           std::to_string(raw->txn_count()) +
           "\n"
           "# HELP tabella_ledger_etcd_conflicts_total Append transactions that lost the race "
           "(another node appended first).\n"
           "# TYPE tabella_ledger_etcd_conflicts_total counter\n"
           "tabella_ledger_etcd_conflicts_total " +
           std::to_string(raw->conflict_count()) +
           "\n"
           "# HELP tabella_ledger_etcd_catch_ups_total Catch-ups by where their target size and "
           "entries came from (watch: the watch stream alone, no request to etcd; read: a "
           "transaction reading P size and the first entries).\n"
           "# TYPE tabella_ledger_etcd_catch_ups_total counter\n"
           "tabella_ledger_etcd_catch_ups_total{source=\"watch\"} " +
           std::to_string(raw->watch_fed_count()) +
           "\n"
           "tabella_ledger_etcd_catch_ups_total{source=\"read\"} " +
           std::to_string(raw->read_catch_up_count()) +
           "\n"
           "# HELP tabella_ledger_etcd_watch_buffer_bytes Bytes of log entries the watch "
           "delivered and this node keeps for its next catch-up (at most 16 MiB).\n"
           "# TYPE tabella_ledger_etcd_watch_buffer_bytes gauge\n"
           "tabella_ledger_etcd_watch_buffer_bytes " +
           std::to_string(raw->watch_buffered().second) + "\n";
  };
  // One cosigning path for the cluster (docs/cluster.md section 4): used when --witness is given.
  cluster.cosign = std::make_shared<etcd::EtcdCosignShare>(*raw, etcd::CosignShareOptions{});
  cluster.storage = std::move(*opened);
  return cluster;
}

}  // namespace

// The node's own witness: the ledger's checkpoints (from this node or any other node of the
// cluster, or a rewritten copy shown to it) are cosigned only when their root is this node's
// root at that size. Objects live as long as the process (the router keeps references).
static tabella::Status add_node_witness(tabella::server::Router& router,
                                        tabella::server::ElectionLedger& election,
                                        const std::string& name, const std::string& data_dir) {
  using namespace tabella;
  std::filesystem::path dir = std::filesystem::path(data_dir) / "witness";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto key =
      server::load_or_create_ledger_key((std::filesystem::path(data_dir) / "witness.key").string());
  if (!key) return key.error().with_prefix("witness key");
  auto store = ledger::FileWitnessStore::open(dir.string());
  if (!store) return store.error().with_prefix("witness state");
  auto witness = ledger::Witness::open(name, **key, **store);
  if (!witness) return witness.error().with_prefix("witness");
  std::string origin = election.verifier_key().substr(0, election.verifier_key().find('+'));
  TABELLA_TRY(witness.value()->add_log(
      origin, election.verifier_key(),
      [&election](const ledger::Checkpoint& cp) { return election.check_root(cp); }));
  server::witness::register_witness_routes(router, **witness);
  // Kept for the life of the process, with the router's handlers.
  static std::shared_ptr<const SigningKey> kept_key = *key;
  static auto kept_store = std::move(*store);
  static auto kept_witness = std::move(*witness);
  return Status::success();
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "witness") {
    return tabella::server::witness::run_witness(argc - 1, argv + 1);
  }
  tabella::server::ServerConfig config;
  std::string checkpoint_interval = "1s";
  std::string body_limit = "1M";

  CLI::App app{"tabella-ledger: append-only, verifiable election ledger (HTTP API, SQLite)"};
  app.config_formatter(std::make_shared<ConfigFormat>());
  app.set_config("--config", "",
                 "Config file: key = value lines or a JSON object; "
                 "the command line wins");
  // A misspelt key ("tls_kye") must not silently leave a setting at its default.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--listen", config.listen, "host:port to listen on (port 0: ephemeral)")
      ->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "Directory holding ledger.sqlite")
      ->capture_default_str();
  app.add_option("--threads", config.threads, "HTTP I/O threads (0: one per core, min 2)")
      ->capture_default_str();
  app.add_option("--verify-threads", config.verify_threads,
                 "Pre-verification threads (0: one per core)")
      ->capture_default_str();
  app.add_option("--body-limit", body_limit, "Largest request body, bytes (K/M/G suffixes)")
      ->capture_default_str();
  app.add_option("--tls-cert", config.tls_cert, "PEM certificate chain; enables TLS with --tls-key")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", config.tls_key, "PEM private key")->check(CLI::ExistingFile);
  app.add_option("--checkpoint-interval", checkpoint_interval,
                 "How often to sign a checkpoint (250ms, 1s, 2m)")
      ->capture_default_str();
  app.add_option("--origin", config.origin,
                 "Required. C2SP log origin: the manifest's \"origin\"; names the checkpoint key");
  app.add_option("--authority-key", config.authority_key,
                 "Required. Hex Ed25519 public key of the election authority (signs the first "
                 "entry)");
  app.add_option("--key-file", config.key_file,
                 "Ledger key, PKCS#8 PEM (default <data-dir>/ledger.key; created 0600 if missing)");
  std::string cluster;
  app.add_option("--cluster", cluster,
                 "Cluster mode: etcd://host:port,host:port,... orders the log (docs/cluster.md); "
                 "needs --origin");
  app.add_option("--cluster-appender", config.cluster_appender,
                 "Cluster mode: base URL (http://host:port) of the node that appends for the "
                 "cluster; entries posted here are sent on to it, so that the nodes' appends "
                 "do not race (docs/cluster.md, \"One appender\"). Unreachable: this node "
                 "appends itself");
  std::vector<std::string> witnesses;
  app.add_option("--witness", witnesses,
                 "Witness base URL (http://host:port) to collect checkpoint cosignatures from; "
                 "repeat or separate with commas. Each must be one of the manifest's "
                 "witnesses.members (docs/cluster.md section 4)")
      ->delimiter(',');
  std::string cosign_wait = "10s";
  app.add_option("--cosign-wait", cosign_wait,
                 "With witnesses: how long POST /v1/entries waits for a cosigned checkpoint "
                 "covering the entry before answering with \"cosigned\": false (250ms, 10s)")
      ->capture_default_str();
  std::string node_witness;
  app.add_option("--node-witness", node_witness,
                 "Also serve POST /add-checkpoint and GET /witness/status as a C2SP witness "
                 "named NAME (key <data-dir>/witness.key, state <data-dir>/witness/): this node "
                 "cosigns a checkpoint of its log only when the root equals its own tree's at "
                 "that size (docs/cluster.md section 4)");
  std::string commit_linger = "10ms";
  app.add_option("--commit-linger", commit_linger,
                 "Group commit under concurrent load: wait up to this long for more entries "
                 "before a transaction (0ms: never wait; a lone client never waits)")
      ->capture_default_str();
  app.add_option("--max-queue", config.max_queue,
                 "Entries waiting for verification at most; past it POST /v1/entries answers "
                 "503 with Retry-After (0: no bound)")
      ->capture_default_str();
  app.add_option("--max-connections", config.max_connections,
                 "Open connections at most (lowered to fit the open-files limit); past it 503 "
                 "with Retry-After")
      ->capture_default_str();
  app.add_option("--max-connections-per-peer", config.max_connections_per_peer,
                 "Open connections from one IP address at most (0: no bound)")
      ->capture_default_str();
  app.add_option("--max-exports", config.max_exports,
                 "Concurrent GET /v1/export streams at most; past it 503 with Retry-After "
                 "(0: no bound)")
      ->capture_default_str();
  std::string header_timeout = "10s";
  app.add_option("--header-timeout", header_timeout,
                 "A connection waiting for a request, or for the rest of its headers, is closed "
                 "after this long")
      ->capture_default_str();
  std::string response_timeout = "30s";
  app.add_option("--response-timeout", response_timeout,
                 "A whole response (an export included) must be sent within this; a slower "
                 "reader is disconnected")
      ->capture_default_str();
  std::string refusal_pause = "1s";
  app.add_option("--refusal-pause", refusal_pause,
                 "After answering 401/403 (an unknown key, or a key in the wrong role), wait this "
                 "long before reading that connection's next request; 0 turns it off")
      ->capture_default_str();
  bool print_key = false;
  app.add_flag("--print-verifier-key", print_key,
               "Print the ledger's note verifier key (needs --origin) and exit");
  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;

  if (print_key) {
    if (config.origin.empty() || !tabella::ledger::is_valid_key_name(config.origin)) {
      std::cerr << "--print-verifier-key needs a valid --origin\n";
      return 2;
    }
    auto key = tabella::server::load_or_create_ledger_key(tabella::server::ledger_key_path(config));
    if (!key) {
      std::cerr << key.error().describe() << "\n";
      return 1;
    }
    std::cout << tabella::ledger::NoteSigner(config.origin, **key).verifier_key() << "\n";
    return 0;
  }
  if (config.origin.empty() || config.authority_key.empty()) {
    std::cerr << "tabella-ledger records one election: --origin (the manifest's origin) and "
                 "--authority-key (the election authority's hex public key) are required; see "
                 "--help\n";
    return 2;
  }

  auto interval = tabella::server::parse_duration(checkpoint_interval);
  if (!interval) {
    std::cerr << "--checkpoint-interval: " << interval.error().message << "\n";
    return 2;
  }
  config.checkpoint_interval = *interval;
  auto wait = tabella::server::parse_duration(cosign_wait);
  if (!wait) {
    std::cerr << "--cosign-wait: " << wait.error().message << "\n";
    return 2;
  }
  config.cosign_wait = *wait;
  auto linger = tabella::server::parse_duration(commit_linger);
  if (!linger || *linger > std::chrono::milliseconds(1000)) {
    std::cerr << "--commit-linger: " << (linger ? "at most 1s" : linger.error().message) << "\n";
    return 2;
  }
  config.commit_linger = *linger;
  auto header_wait = tabella::server::parse_duration(header_timeout);
  if (!header_wait || header_wait->count() == 0) {
    std::cerr << "--header-timeout: "
              << (header_wait ? "must be positive" : header_wait.error().message) << "\n";
    return 2;
  }
  config.header_timeout = *header_wait;
  auto response_wait = tabella::server::parse_duration(response_timeout);
  if (!response_wait || response_wait->count() == 0) {
    std::cerr << "--response-timeout: "
              << (response_wait ? "must be positive" : response_wait.error().message) << "\n";
    return 2;
  }
  config.response_timeout = *response_wait;
  auto pause = tabella::server::parse_duration(refusal_pause);
  if (!pause) {
    std::cerr << "--refusal-pause: " << pause.error().message << "\n";
    return 2;
  }
  config.refusal_pause = *pause;
  config.witnesses = std::move(witnesses);
  auto limit = tabella::server::parse_size(body_limit);
  if (!limit || *limit == 0) {
    std::cerr << "--body-limit: " << (limit ? "must be positive" : limit.error().message) << "\n";
    return 2;
  }
  config.body_limit = *limit;
  if (auto listen = tabella::server::parse_listen(config.listen); !listen) {
    std::cerr << "--listen: " << listen.error().message << "\n";
    return 2;
  }
  tabella::server::LedgerHooks hooks;
  if (!cluster.empty()) {
    if (auto endpoints = tabella::server::etcd::parse_etcd_url(cluster); !endpoints) {
      std::cerr << "--cluster: " << endpoints.error().message << "\n";
      return 2;
    }
    // A node that sends its entries on to an appender catches up with every other entry, so
    // its watch brings the entries along; the appender (and a node appending itself) gets
    // them back only as its own, and watches the size alone (docs/cluster.md, "Catching up from the
    // watch").
    hooks.cluster = [cluster, origin = config.origin,
                     watch_entries = !config.cluster_appender.empty()](
                        std::unique_ptr<tabella::server::Storage> local) {
      return open_cluster(cluster, origin, watch_entries, std::move(local));
    };
  }
  if (!node_witness.empty()) {
    if (!tabella::ledger::is_valid_key_name(node_witness)) {
      std::cerr << "--node-witness: not a valid key name\n";
      return 2;
    }
    hooks.add_election_routes = [name = node_witness, dir = config.data_dir](
                                    tabella::server::Router& router,
                                    tabella::server::ElectionLedger& election) {
      return add_node_witness(router, election, name, dir);
    };
  }
  return tabella::server::run_ledger(config, hooks);
}
