#include "tabella/server/http_server.h"

#include <sys/resource.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <csignal>
#include <cstring>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "beast_convert.h"
#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Posts to the session's strand: closes the connection unless a request is being handled.
  virtual void shutdown_if_idle() = 0;
};

// What every session shares: options, router, metrics, the registry used for shutdown and the
// counts behind the connection and stream bounds.
struct ServerState {
  HttpServerOptions options;
  const Router& router;
  Metrics* metrics;
  std::atomic<bool> stopping{false};
  std::size_t max_connections = 0;  // options.max_connections fitted to RLIMIT_NOFILE at start
  Mutex mu;
  CondVar cv;
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions TABELLA_GUARDED_BY(mu);
  std::map<std::string, std::size_t> per_peer TABELLA_GUARDED_BY(mu);
  std::size_t serving TABELLA_GUARDED_BY(mu) = 0;   // sessions not being refused
  std::size_t refusing TABELLA_GUARDED_BY(mu) = 0;  // sessions answering a connection refusal
  std::atomic<std::size_t> streams{0};

  ServerState(HttpServerOptions o, const Router& r, Metrics* m)
      : options(std::move(o)), router(r), metrics(m), max_connections(options.max_connections) {}

  // Registers a new connection from `peer_address`. Returns the refusal reason when a bound is
  // reached (the session then only answers 503), or an empty string.
  std::string add(const std::shared_ptr<SessionBase>& s, const std::string& peer_address,
                  bool* close_now) {
    MutexLock lock(mu);
    std::string reason;
    if (max_connections != 0 && serving >= max_connections) {
      reason = "connection_limit";
    } else if (options.max_connections_per_peer != 0 &&
               per_peer[peer_address] >= options.max_connections_per_peer) {
      reason = "peer_connection_limit";
    }
    // Refusals are answered by a few sessions at a time; past that the socket is just closed.
    *close_now = !reason.empty() && refusing >= kMaxRefusing;
    if (*close_now) return reason;
    sessions.emplace(s.get(), s);
    if (reason.empty()) {
      ++serving;
      ++per_peer[peer_address];
    } else {
      ++refusing;
    }
    return reason;
  }
  void remove(SessionBase* s, const std::string& peer_address, bool refused) {
    MutexLock lock(mu);
    if (sessions.erase(s) == 0) return;
    if (refused) {
      --refusing;
    } else {
      --serving;
      auto it = per_peer.find(peer_address);
      if (it != per_peer.end() && --it->second == 0) per_peer.erase(it);
    }
    if (sessions.empty()) cv.notify_all();
  }
  bool acquire_stream() {
    std::size_t n = streams.load();
    do {
      if (options.max_streams != 0 && n >= options.max_streams) return false;
    } while (!streams.compare_exchange_weak(n, n + 1));
    return true;
  }
  void release_stream() { --streams; }
  void refuse(const char* reason) {
    if (metrics) metrics->add_refusal(reason);
  }

  static constexpr std::size_t kMaxRefusing = 64;
};

// Errors that just mean "the peer went away": no log line at warn level.
bool is_disconnect(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::operation_aborted ||
         ec == beast::error::timeout || ec == ssl::error::stream_truncated;
}

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  // Bytes read at once: a cast ballot's request (headers and ~5 KB of base64) in one read. At
  // most max_connections x this much (8 MiB at the default 1024).
  static constexpr std::size_t kReadBufferBytes = 8192;
  enum class Phase { kHandshake, kReading, kHandling, kWriting, kClosing };

 public:
  template <class... Args>
  explicit Session(ServerState& state, std::string peer_address, Args&&... args)
      : state_(state),
        stream_(std::forward<Args>(args)...),
        peer_address_(std::move(peer_address)),
        deadline_(stream_.get_executor()),
        pause_(stream_.get_executor()) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() override {
    if (holds_stream_) state_.release_stream();
    state_.remove(this, peer_address_, !refusal_.empty());
  }

  // refusal: empty to serve the connection, else the bound it exceeds (answered 503, closed).
  void start(std::string refusal) {
    refusal_ = std::move(refusal);
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::on_start, this->shared_from_this()));
  }

  const std::string& peer_address() const { return peer_address_; }

  void shutdown_if_idle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->phase_ == Phase::kHandshake || self->phase_ == Phase::kReading) {
        beast::get_lowest_layer(self->stream_).cancel();
      }
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_start() {
    if (!refusal_.empty()) return refuse_connection();
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      lowest().expires_after(state_.options.read_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
    } else {
      do_read();
    }
  }

  // Past a connection bound: a plain connection gets a 503 with Retry-After (the client knows to
  // come back), then the bounded drain and close; a TLS one is closed before any handshake work.
  void refuse_connection() {
    state_.refuse(refusal_.c_str());
    if constexpr (kTls) {
      phase_ = Phase::kClosing;
      beast::error_code ignored;
      lowest().socket().close(ignored);
    } else {
      start_ = std::chrono::steady_clock::now();
      request_.request_id = detail::choose_request_id("");
      keep_alive_ = false;
      Response r = retry_later(refusal_ == "peer_connection_limit"
                                   ? "too many connections from this address (at most " +
                                         std::to_string(state_.options.max_connections_per_peer) +
                                         "); retry later"
                                   : "too many open connections (at most " +
                                         std::to_string(state_.max_connections) + "); retry later",
                               "connections");
      r.route = "unmatched";
      send(std::move(r), /*drain=*/true);
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "tls_handshake");
    do_read();
  }

  void do_read() {
    if (state_.stopping) return do_close();
    phase_ = Phase::kReading;
    // Beast reads max(512, free capacity) bytes at a time and a flat_buffer only grows when a
    // read does not fit, so without this a connection reads 512 bytes per system call forever:
    // ten reads (and ten handler dispatches) for one ballot's request of about 5 KB.
    if (buffer_.capacity() < kReadBufferBytes) buffer_.reserve(kReadBufferBytes);
    parser_.emplace();
    parser_->body_limit(state_.options.limits.body_limit);
    parser_->header_limit(state_.options.limits.header_limit);
    // The idle wait and the headers share one deadline: a client trickling a header byte at a
    // time (slowloris) is cut off header_timeout after the connection became ready for it.
    lowest().expires_after(state_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t bytes) {
    if (ec == beast::error::timeout && (buffer_.size() > 0 || parser_->got_some())) {
      state_.refuse("header_timeout");
    }
    if (ec || parser_->is_done()) return on_read(ec, bytes);
    phase_ = Phase::kReading;
    lowest().expires_after(state_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    start_ = std::chrono::steady_clock::now();
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == beast::error::timeout && parser_->is_header_done()) state_.refuse("body_timeout");
    if (ec && is_disconnect(ec)) return do_close();
    if (ec) {
      // A malformed or oversized request: answer with a JSON error, then close the connection
      // (the rest of the stream cannot be trusted to be aligned on a message boundary).
      request_ = Request{};
      // Whatever of the request line and headers was parsed before the error, for the log.
      request_.method = std::string(parser_->get().method_string());
      request_.target = std::string(parser_->get().target());
      request_.request_id = detail::choose_request_id(parser_->get()["X-Request-Id"]);
      version_ = 11;
      keep_alive_ = false;
      Error error =
          make_error(ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message());
      if (ec == http::error::body_limit) {
        error = make_error(ErrorCode::kLimit,
                           "request body exceeds the limit of " +
                               std::to_string(state_.options.limits.body_limit) + " bytes",
                           "body");
      } else if (ec == http::error::header_limit) {
        error = make_error(ErrorCode::kLimit,
                           "request headers exceed the limit of " +
                               std::to_string(state_.options.limits.header_limit) + " bytes",
                           "headers");
      } else if (ec.category() != http::make_error_code(http::error::partial_message).category()) {
        return fail(ec, "read");
      }
      Response r = parse_error_response(error);
      r.route = "unmatched";
      return send(std::move(r), /*drain=*/true);
    }
    auto& msg = parser_->get();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    std::string received_id(msg["X-Request-Id"]);
    if (auto framing = detail::check_framing(msg); !framing.ok()) {
      // RFC 9112 §6.3: a transfer coding we do not decode leaves the body's end unknown, so what
      // follows cannot be trusted as a next request: answer 400 and close (no smuggling).
      request_ = Request{};
      request_.method = std::string(msg.method_string());
      request_.target = std::string(msg.target());
      request_.request_id = detail::choose_request_id(received_id);
      keep_alive_ = false;
      Response r = parse_error_response(framing.error());
      r.route = "unmatched";
      if (state_.metrics) state_.metrics->add_refusal("bad_framing");
      return send(std::move(r), /*drain=*/true);
    }
    auto converted = detail::to_request(parser_->release());
    if (!converted) {
      request_ = Request{};
      request_.request_id = detail::choose_request_id(received_id);
      Response r = parse_error_response(converted.error());
      r.route = "unmatched";
      return send(std::move(r), /*drain=*/false);
    }
    request_ = std::move(*converted);
    phase_ = Phase::kHandling;
    auto self = this->shared_from_this();
    state_.router.handle(request_, [self](Response r) {
      // Handlers may answer from any thread: hop back onto this connection's strand.
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable { self->send(std::move(r), /*drain=*/false); });
    });
  }

  void send(Response r, bool drain) {
    if (r.stream && !holds_stream_) {
      if (!state_.acquire_stream()) {
        state_.refuse("stream_limit");
        std::string route = r.route;
        r = retry_later("too many streamed responses (exports) at once (at most " +
                            std::to_string(state_.options.max_streams) + "); retry later",
                        "exports");
        r.route = std::move(route);
      } else {
        holds_stream_ = true;
      }
    }
    ++served_;
    refused_answer_ = r.status == 401 || r.status == 403;
    bool keep = keep_alive_ && !drain && !state_.stopping &&
                served_ < state_.options.max_requests_per_connection;
    res_.emplace(detail::to_beast(r, version_, keep, request_.request_id));
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
    if (state_.metrics) state_.metrics->observe_request(r.route, r.status, took.count());
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", took.count() * 1000);
    log_event(r.status >= 500 ? LogLevel::kError : LogLevel::kInfo, "request",
              {{"id", request_.request_id},
               {"peer", peer_},
               {"method", request_.method},
               {"target", request_.target},
               {"route", r.route},
               {"status", std::to_string(r.status)},
               {"ms", ms},
               {"in", std::to_string(request_.body.size())},
               {"out", std::to_string(r.body.size())}});
    phase_ = Phase::kWriting;
    arm_response_deadline();
    if (r.stream) return send_stream(std::move(r));
    http::async_write(
        stream_, *res_,
        beast::bind_front_handler(&Session::on_write, this->shared_from_this(), keep, drain));
  }

  // A streamed body: the header with chunked encoding, then one chunk per producer call.
  void send_stream(Response r) {
    stream_fn_ = std::move(r.stream);
    auto& header = stream_res_.emplace(res_->result(), res_->version());
    for (const auto& field : *res_) header.set(field.name_string(), field.value());
    header.erase(http::field::content_length);
    header.keep_alive(false);
    header.chunked(true);
    res_.reset();
    stream_ser_.emplace(header);
    http::async_write_header(stream_, *stream_ser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->fail(ec, "write");
                               self->next_chunk();
                             });
  }
  void next_chunk() {
    auto chunk = stream_fn_();
    if (!chunk) {
      log_event(LogLevel::kError, "stream_failed",
                {{"id", request_.request_id}, {"message", chunk.error().describe()}});
      return end_stream();
    }
    if (!*chunk) {
      net::async_write(stream_, http::make_chunk_last(),
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail(ec, "write");
                         self->end_stream();
                       });
      return;
    }
    chunk_ = std::move(**chunk);
    if (chunk_.empty()) return next_chunk();
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->fail(ec, "write");
                       self->next_chunk();
                     });
  }
  void end_stream() {
    disarm_response_deadline();
    if (holds_stream_) {
      holds_stream_ = false;
      state_.release_stream();
    }
    stream_fn_ = nullptr;
    stream_ser_.reset();
    stream_res_.reset();
    chunk_.clear();
    do_close();
  }

  // One deadline for the whole response, chunks included (never renewed per write). Past it the
  // connection is aborted (RST): a graceful close would leave the unsent rest in the kernel's
  // send buffer, still trickling to the slow reader.
  void arm_response_deadline() {
    lowest().expires_never();
    std::uint64_t generation = ++response_generation_;
    deadline_.expires_after(state_.options.write_timeout);
    deadline_.async_wait([weak = this->weak_from_this(), generation](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->response_generation_ != generation ||
          self->phase_ != Phase::kWriting) {
        return;
      }
      self->state_.refuse("response_timeout");
      self->abort();
    });
  }
  void disarm_response_deadline() {
    ++response_generation_;
    deadline_.cancel();
  }
  void abort() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    auto& socket = lowest().socket();
    socket.set_option(net::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
  }

  void on_write(bool keep, bool drain, beast::error_code ec, std::size_t /*bytes*/) {
    disarm_response_deadline();
    res_.reset();
    if (ec) return fail(ec, "write");
    if (drain) return drain_then_close();
    if (!keep) return do_close();
    if (refused_answer_ && state_.options.refusal_pause.count() > 0) {
      // A refused client's next request waits (HttpServerOptions::refusal_pause).
      pause_.expires_after(state_.options.refusal_pause);
      return pause_.async_wait([self = this->shared_from_this()](beast::error_code wait_ec) {
        if (wait_ec) return self->do_close();
        self->do_read();
      });
    }
    do_read();
  }

  // After an error reply the client may still be sending the body we refused. Closing at once
  // would reset the connection and could destroy our reply in flight, so read and discard for a
  // short while (bounded), then close.
  void drain_then_close() {
    phase_ = Phase::kClosing;
    if constexpr (!kTls) {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    discard_.resize(16 * 1024);
    lowest().expires_after(std::chrono::seconds(2));
    do_discard();
  }
  void do_discard() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->discarded_ > (8u << 20)) return self->do_close();
                              self->do_discard();
                            });
  }

  void do_close() {
    phase_ = Phase::kClosing;
    beast::error_code ec;
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  void fail(beast::error_code ec, const char* what) {
    disarm_response_deadline();
    if (!is_disconnect(ec) && !(ec == net::error::bad_descriptor && phase_ == Phase::kClosing)) {
      log_event(LogLevel::kWarn, "connection_error",
                {{"peer", peer_}, {"op", what}, {"error", ec.message()}});
    }
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    lowest().socket().close(ignored);
  }

  ServerState& state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<detail::BeastResponse> res_;
  std::optional<http::response<http::empty_body>> stream_res_;
  std::optional<http::response_serializer<http::empty_body>> stream_ser_;
  std::function<Result<std::optional<std::string>>()> stream_fn_;
  std::string chunk_;
  Request request_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::size_t served_ = 0;
  Phase phase_ = Phase::kReading;
  std::chrono::steady_clock::time_point start_;
  std::string peer_;
  std::vector<char> discard_;
  std::size_t discarded_ = 0;
  std::string peer_address_;  // the IP address alone: the per-peer bound's key
  std::string refusal_;       // non-empty: this connection is only refused
  bool holds_stream_ = false;
  net::steady_timer deadline_;   // the whole response's (arm_response_deadline)
  net::steady_timer pause_;      // refusal_pause before the next read
  bool refused_answer_ = false;  // the last response was 401 or 403
  std::uint64_t response_generation_ = 0;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, ServerState& state, ssl::context* tls)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        backoff_timer_(acceptor_.get_executor()),
        state_(state),
        tls_(tls) {}

  Status open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return make_error(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message(),
                        "listen");
    return Status::success();
  }
  std::uint16_t port() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }
  void run() { do_accept(); }
  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->backoff_timer_.cancel();
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (is_resource_exhaustion(ec)) return back_off(ec);
      log_event(LogLevel::kWarn, "accept_error", {{"error", ec.message()}});
    } else if (!state_.stopping) {
      backoff_ = std::chrono::milliseconds(0);
      beast::error_code peer_ec;
      auto ep = socket.remote_endpoint(peer_ec);
      std::string address = peer_ec ? std::string() : ep.address().to_string();
      if (tls_) {
        start_session(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            state_, address, std::move(socket), *tls_));
      } else {
        start_session(
            std::make_shared<Session<beast::tcp_stream>>(state_, address, std::move(socket)));
      }
    }
    if (!state_.stopping && acceptor_.is_open()) do_accept();
  }

  template <class S>
  void start_session(const std::shared_ptr<S>& s) {
    bool close_now = false;
    std::string refusal = state_.add(s, s->peer_address(), &close_now);
    if (close_now) {
      state_.refuse(refusal.c_str());
      return;  // the socket closes with s
    }
    s->start(std::move(refusal));
  }

  static bool is_resource_exhaustion(const beast::error_code& ec) {
    return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
           ec == net::error::no_memory ||
           (ec.category() == net::error::get_system_category() && ec.value() == ENFILE);
  }

  // Out of descriptors (or kernel memory): accepting again at once fails again, so wait (50 ms
  // doubling to 1 s) while the open connections are served and some of them close. One log
  // line per 10 s, with how many failures it stands for.
  void back_off(const beast::error_code& ec) {
    state_.refuse("fd_exhausted");
    ++suppressed_;
    auto now = std::chrono::steady_clock::now();
    if (now - last_log_ >= std::chrono::seconds(10)) {
      // strerror, not ec.message(): the sanitizers' checks behind a virtual call need a
      // descriptor of their own, and there is none left.
      log_event(LogLevel::kError, "accept_backoff",
                {{"error", std::strerror(ec.value())},
                 {"failures", std::to_string(suppressed_)},
                 {"open_connections", std::to_string(open_connections())}});
      last_log_ = now;
      suppressed_ = 0;
    }
    backoff_ =
        std::clamp(backoff_ * 2, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
    backoff_timer_.expires_after(backoff_);
    backoff_timer_.async_wait([self = shared_from_this()](beast::error_code wec) {
      if (wec || self->state_.stopping || !self->acceptor_.is_open()) return;
      self->do_accept();
    });
  }

  std::size_t open_connections() {
    MutexLock lock(state_.mu);
    return state_.serving;
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_timer_;
  ServerState& state_;
  ssl::context* tls_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point last_log_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  ServerState state;  // declared first: outlives the io_context and every session in it
  net::io_context ioc;
  std::optional<ssl::context> tls;
  std::shared_ptr<Listener> listener;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<net::signal_set> signals;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;

  Mutex wait_mu;
  CondVar wait_cv;
  bool stop_requested TABELLA_GUARDED_BY(wait_mu) = false;
  std::string stop_reason TABELLA_GUARDED_BY(wait_mu);

  Impl(HttpServerOptions o, const Router& r, Metrics* m)
      : state(std::move(o), r, m),
        ioc(static_cast<int>(std::max<std::size_t>(1, state.options.threads))) {}

  void request_stop(std::string reason) {
    {
      MutexLock lock(wait_mu);
      if (stop_requested) return;
      stop_requested = true;
      stop_reason = std::move(reason);
    }
    wait_cv.notify_all();
  }
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  assert(!impl_->started);
  const HttpServerOptions& o = impl_->state.options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file",
                      o.tls_cert_file.empty() ? "tls_cert" : "tls_key");
  }
  if (!o.tls_cert_file.empty()) {
    impl_->tls.emplace(ssl::context::tls_server);
    ssl::context& ctx = *impl_->tls;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    ctx.use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) {
      return make_error(ErrorCode::kInvalidArgument,
                        "cannot load TLS certificate " + o.tls_cert_file + ": " + ec.message(),
                        "tls_cert");
    }
    ctx.use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      return make_error(ErrorCode::kInvalidArgument,
                        "cannot load TLS key " + o.tls_key_file + ": " + ec.message(), "tls_key");
    }
  }
  beast::error_code ec;
  auto address = net::ip::make_address(o.host, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument, "'" + o.host + "' is not an IP address",
                      "listen");
  }
  // Leave descriptors for the database, logs and the accept itself: a connection bound above
  // the open-files limit would turn into EMFILE instead of a 503.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    constexpr std::size_t kReserved = 64;
    std::size_t fit = files.rlim_cur > kReserved * 2 ? files.rlim_cur - kReserved : kReserved;
    if (impl_->state.max_connections == 0 || impl_->state.max_connections > fit) {
      log_event(LogLevel::kWarn, "connection_limit_lowered",
                {{"max_connections", std::to_string(fit)},
                 {"open_files_limit", std::to_string(files.rlim_cur)}});
      impl_->state.max_connections = fit;
    }
  }
  impl_->listener =
      std::make_shared<Listener>(impl_->ioc, impl_->state, impl_->tls ? &*impl_->tls : nullptr);
  TABELLA_TRY(impl_->listener->open(tcp::endpoint(address, o.port)));
  impl_->port = impl_->listener->port();
  if (o.handle_signals) {
    impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
    impl_->signals->async_wait([impl = impl_.get()](beast::error_code sec, int signo) {
      if (sec) return;
      impl->request_stop(signo == SIGINT ? "SIGINT" : "SIGTERM");
    });
  }
  impl_->work.emplace(net::make_work_guard(impl_->ioc));
  impl_->listener->run();
  std::size_t n = std::max<std::size_t>(1, o.threads);
  for (std::size_t i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
  impl_->started = true;
  return Status::success();
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

std::string HttpServer::url() const {
  const std::string& host = impl_->state.options.host;
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(impl_->tls ? "https://" : "http://") + h + ":" + std::to_string(impl_->port);
}

std::size_t HttpServer::max_connections() const {
  return impl_->state.max_connections;
}

std::size_t HttpServer::open_connections() const {
  MutexLock lock(impl_->state.mu);
  return impl_->state.serving;
}

std::string HttpServer::wait_for_signal() {
  MutexLock lock(impl_->wait_mu);
  while (!impl_->stop_requested) impl_->wait_cv.wait(impl_->wait_mu);
  return impl_->stop_reason;
}

void HttpServer::request_stop() {
  impl_->request_stop("request_stop");
}

void HttpServer::stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->request_stop("stop");
  impl_->state.stopping = true;
  impl_->listener->close();
  if (impl_->signals) {
    net::post(impl_->ioc, [impl = impl_.get()] {
      beast::error_code ec;
      impl->signals->cancel(ec);
    });
  }
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    MutexLock lock(impl_->state.mu);
    for (auto& [ptr, weak] : impl_->state.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shutdown_if_idle();
  live.clear();
  {
    MutexLock lock(impl_->state.mu);
    const auto deadline = std::chrono::steady_clock::now() + impl_->state.options.shutdown_grace;
    while (!impl_->state.sessions.empty() &&
           impl_->state.cv.wait_until(impl_->state.mu, deadline)) {
    }
    const bool drained = impl_->state.sessions.empty();
    if (!drained) {
      log_event(LogLevel::kWarn, "shutdown_grace_expired",
                {{"open_connections", std::to_string(impl_->state.sessions.size())}});
    }
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace tabella::server
