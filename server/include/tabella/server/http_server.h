// HttpServer: HTTP/1.1 (optionally TLS) over Boost.Beast, in the shape of Beast's examples: a
// listener accepts, a session per connection runs read -> Router::handle -> write on its own
// strand, N threads run the io_context. Beast and Asio stay inside http_server.cpp (pimpl).
//
// Limits on by default: body and header limits (413/431 JSON errors, then close), read and write
// timeouts, one request at a time per connection (pipelined bytes wait in the buffer) and a bound
// on requests per keep-alive connection. Every response carries X-Request-Id (the client's, if
// well-formed, else a fresh one) and is logged as one key=value line.
//
// Bounds against strangers (docs/api.md "Limits"), each refusal counted in
// tabella_ledger_http_refusals_total{reason}:
//   - connections: at most max_connections open (lowered to fit the open-files limit), at most
//     max_connections_per_peer from one IP address; a connection past either bound is answered
//     503 with Retry-After and closed (reasons "connection_limit", "peer_connection_limit").
//   - time: header_timeout from the wait for a request (keep-alive idle included) until its
//     headers are complete ("header_timeout" when part of a request had arrived), read_timeout
//     for the body after that ("body_timeout"), write_timeout for the WHOLE response, streamed or
//     not, so a client that reads slowly or never cannot hold a connection ("response_timeout").
//   - streamed responses (the export): at most max_streams at once; past it 503 + Retry-After
//     ("stream_limit"). A stream produces its next chunk only when the previous one was written
//     (back-pressure on the socket, one chunk of memory per reader).
//   - accept(): when the process is out of file descriptors (EMFILE/ENFILE) the listener backs
//     off (50 ms doubling to 1 s) instead of spinning, logs once per 10 s, and open connections
//     keep being served ("fd_exhausted" per back-off).
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
  std::chrono::milliseconds header_timeout{10000};  // idle wait + request line and headers
  std::chrono::milliseconds read_timeout{30000};    // the body, once the headers are in
  std::chrono::milliseconds write_timeout{30000};   // the whole response, streamed or not
  std::size_t max_requests_per_connection = 1000;
  std::size_t max_connections = 1024;          // open at once; 0: no bound
  std::size_t max_connections_per_peer = 256;  // from one IP address; 0: no bound
  std::size_t max_streams = 16;                // streamed responses (exports) at once; 0: no bound
  // After answering 401 or 403 (a request from a key that may not write), wait this long before
  // reading the connection's next request (a timer; no thread waits). A client that keeps
  // sending refused requests is slowed down; an honest one never gets these answers. 0: none.
  std::chrono::milliseconds refusal_pause{0};
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
  // The connection bound in force (max_connections, or less to fit RLIMIT_NOFILE).
  std::size_t max_connections() const;
  // Connections open now (being served; not those being refused).
  std::size_t open_connections() const;

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
