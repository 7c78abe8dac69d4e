// HttpServer: HTTP/1.1 (optionally TLS) over Boost.Beast, in the shape of Beast's examples: a
// listener accepts, a session per connection runs read -> Router::handle -> write on its own
// strand, N threads run the io_context. Beast and Asio stay inside http_server.cpp (pimpl).
//
// Limits on by default: body and header limits (413/431 JSON errors, then close), read and write
// timeouts, one request at a time per connection (pipelined bytes wait in the buffer) and a bound
// on requests per keep-alive connection. Every response carries X-Request-Id (the client's, if
// well-formed, else a fresh one) and is logged as one key=value line.
//
// Shutdown: stop() closes the acceptor, lets in-flight requests finish and be answered (an
// append's response is only produced once it is durable), closes idle connections, then joins the
// threads. wait_for_signal() blocks until SIGINT/SIGTERM (when handle_signals) or request_stop().
//
// Thread-safety: start/stop/wait_for_signal from one controlling thread; request_stop() and
// port() from any thread. The Router and Metrics must outlive the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tabella/server/http_parse.h"
#include "tabella/server/router.h"
#include "tabella/util/result.h"

namespace tabella::server {

class Metrics;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8640;  // 0: an ephemeral port, see HttpServer::port()
  std::size_t threads = 2;
  HttpLimits limits;
  std::chrono::milliseconds read_timeout{30000};   // whole request, from its first byte wait
  std::chrono::milliseconds write_timeout{30000};  // whole response
  std::size_t max_requests_per_connection = 1000;
  std::chrono::milliseconds shutdown_grace{10000};  // in-flight requests get this long on stop()
  std::string tls_cert_file;    // PEM chain; TLS is on when both files are given
  std::string tls_key_file;     // PEM private key
  bool handle_signals = false;  // catch SIGINT/SIGTERM for wait_for_signal()
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router& router, Metrics* metrics);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads TLS material, binds, listens and starts the threads.
  // Errors: kInvalidArgument (bad address, TLS files unreadable), kIo (bind/listen failed).
  Status start();

  // The bound port (the real one when options.port was 0). REQUIRES: start() succeeded.
  std::uint16_t port() const;
  // "http://host:port" or "https://host:port".
  std::string url() const;

  // Blocks until a signal (if handle_signals) or request_stop(); returns the signal's name.
  std::string wait_for_signal();
  void request_stop();

  // Graceful stop, see above. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::server
