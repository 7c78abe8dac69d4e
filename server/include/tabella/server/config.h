// ServerConfig: the settings of tabella-ledger, from the command line and an optional config file
// (key = value lines, or one JSON object; the command line wins), plus the small parsers behind
// them, kept free of CLI11 so they are testable on their own.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/util/result.h"

namespace tabella::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:8640";  // host:port; port 0 picks an ephemeral port
  std::string data_dir = "./ledger-data";
  std::size_t threads = 0;              // I/O threads; 0: one per core, at least 2
  std::size_t verify_threads = 0;       // pre-verification pool; 0: one per core
  std::uint64_t body_limit = 1u << 20;  // bytes
  std::string tls_cert;                 // PEM files; TLS when both are set
  std::string tls_key;
  std::chrono::milliseconds checkpoint_interval{1000};
  std::chrono::milliseconds commit_linger{10};  // Committer::Options::linger
  // Bounds against overload and strangers (http_server.h, docs/api.md "Limits").
  std::size_t max_queue = 256;                 // entries waiting for verification; then 503
  std::size_t max_connections = 1024;          // 0: only the open-files limit
  std::size_t max_connections_per_peer = 256;  // 0: no per-address bound
  std::size_t max_exports = 16;                // concurrent GET /v1/export streams; 0: no bound
  std::chrono::milliseconds header_timeout{10000};    // idle + request headers
  std::chrono::milliseconds response_timeout{30000};  // a whole response (an export included)
  std::chrono::milliseconds refusal_pause{0};         // HttpServerOptions::refusal_pause
  // The election ledger (election_ledger.h); when origin is empty the ledger stores opaque
  // entries without validation (infrastructure tests only).
  std::string origin;         // C2SP log origin = the manifest's "origin"
  std::string authority_key;  // hex Ed25519 public key of the election authority
  std::string key_file;       // ledger key (PKCS#8 PEM); empty: <data_dir>/ledger.key
  // Witnesses that cosign the checkpoints (docs/cluster.md section 5): base URLs
  // http://host:port, each a member of the manifest's witnesses; and how long a receipt waits
  // for a cosigned checkpoint before it is answered with "cosigned": false.
  std::vector<std::string> witnesses;
  std::chrono::milliseconds cosign_wait{10000};
  // Cluster mode: the base URL of the node that appends for the cluster; this node sends its
  // POST /v1/entries bodies on to it (docs/cluster.md, "One appender"). Empty: appends itself.
  std::string cluster_appender;
};

// <data_dir>/ledger.key unless key_file is set.
std::string ledger_key_path(const ServerConfig& config);

struct ListenAddress {
  std::string host;  // IPv4 or IPv6 literal (without brackets)
  std::uint16_t port = 0;
};

// "127.0.0.1:8640", "[::1]:0", "0.0.0.0:80". kInvalidArgument with field "listen" otherwise.
Result<ListenAddress> parse_listen(std::string_view text);

// "250ms", "1s", "2m", "1h"; a bare number means seconds. Field "checkpoint_interval".
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A size in bytes with an optional suffix K, M, G (powers of 1024): "1048576", "1M", "512K".
Result<std::uint64_t> parse_size(std::string_view text);

// Config file text: either a JSON object of scalars ({"listen": "...", "threads": 4}; a list of
// strings gives one pair per element: {"witness": ["http://a:1", "http://b:2"]}) or lines of
// `key = value` (blank lines and lines starting with '#' or ';' ignored; values may be quoted;
// a key may repeat). Keys use '-' or '_' interchangeably and are returned with '-'. Errors name
// the line or key.
Result<std::vector<std::pair<std::string, std::string>>> parse_config_text(std::string_view text);

}  // namespace tabella::server
