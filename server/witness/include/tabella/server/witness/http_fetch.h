// A minimal synchronous HTTP/1.1 client over Boost.Beast for the cluster modules: one request
// per call on a fresh connection, a total deadline, a bounded body. Used by the witness follower
// (ledger reads) and the etcd storage (JSON gateway). Beast stays in http_fetch.cpp.
//
// Thread-safety: free functions; each call owns its socket.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/util/result.h"

namespace tabella::server::witness {

struct HttpEndpoint {
  std::string host;
  std::uint16_t port = 0;
};

// "http://host:port[/...]" or "host:port" -> endpoint (the path is ignored). kInvalidArgument.
Result<HttpEndpoint> parse_http_url(std::string_view url);

struct FetchReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

struct FetchOptions {
  std::chrono::milliseconds timeout{5000};
  std::size_t body_limit = 64u << 20;
  std::string content_type = "application/json";
};

// One request; kIo on connection failure or timeout (the status is not inspected).
Result<FetchReply> http_fetch(const HttpEndpoint& endpoint, std::string_view method,
                              std::string_view target, std::string_view body = {},
                              const FetchOptions& options = {});

// A long-lived streaming request (HTTP/1.1 chunked or close-delimited body): on_data gets each
// piece of body as it arrives and returns false to stop. Returns when the server closes, the
// callback stops, or `keep_going()` returns false (checked at least every poll interval).
Status http_stream(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                   std::string_view body, const std::function<bool(std::string_view)>& on_data,
                   const std::function<bool()>& keep_going,
                   std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(3000));

}  // namespace tabella::server::witness
