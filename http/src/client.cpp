#include "tabella/http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <thread>

namespace tabella::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

const char* failure_name(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "none";
    case Failure::kUrl:
      return "url";
    case Failure::kResolve:
      return "resolve";
    case Failure::kConnect:
      return "connect";
    case Failure::kTls:
      return "tls";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kBroken:
      return "broken";
    case Failure::kTooLarge:
      return "too_large";
    case Failure::kFile:
      return "file";
    case Failure::kStatus:
      return "status";
  }
  return "unknown";
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n > 86400) {
    return std::nullopt;
  }
  return std::chrono::seconds(n);
}

namespace {

// A failed step: what failed and the error for people.
struct Failed {
  Failure failure;
  Error error;
};

}  // namespace

struct Client::Impl {
  Url url;
  Options options;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls_context;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  static constexpr std::size_t kReadBufferBytes = 64 * 1024;  // bytes read at once, at most
  beast::flat_buffer buffer;
  bool connected = false;
  unsigned jitter_state = static_cast<unsigned>(
      std::chrono::steady_clock::now().time_since_epoch().count() & 0xffffffffu);

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Beast's deadlines bound asynchronous operations only: each step runs as one, driven to
  // completion on this client's io_context.
  template <class Start>
  error_code run(std::chrono::milliseconds timeout, Start&& start) {
    lowest().expires_after(timeout);
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  static std::string seconds(std::chrono::milliseconds d) {
    return std::to_string(static_cast<double>(d.count()) / 1000.0).substr(0, 4) + "s";
  }

  // "cannot reach ledger at http://...: connection refused"; the connection is closed.
  Failed io_failure(Failure failure, const std::string& doing, error_code ec,
                    std::chrono::milliseconds timeout) {
    close();
    if (ec == beast::error::timeout) failure = Failure::kTimeout;
    std::string why =
        ec == beast::error::timeout ? "timed out after " + seconds(timeout) : ec.message();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return {failure, make_error(ErrorCode::kIo,
                                doing + " " + options.peer_name + " at " + url.text + ": " + why)};
  }

  void close() {
    error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
    plain.reset();
    tls.reset();
    buffer.clear();
    connected = false;
  }

  std::optional<Failed> connect() {
    close();
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) return io_failure(Failure::kResolve, "cannot resolve", ec, options.timeout);
    if (url.scheme == "https") {
      if (!tls_context) {
        tls_context.emplace(asio::ssl::context::tls_client);
        tls_context->set_default_verify_paths(ec);
        if (!options.ca_file.empty()) {
          tls_context->load_verify_file(options.ca_file, ec);
          if (ec) {
            tls_context.reset();
            return Failed{Failure::kTls,
                          make_error(ErrorCode::kIo, "cannot read CA file: " + ec.message(),
                                     options.ca_file)};
          }
        }
        tls_context->set_verify_mode(options.verify_tls ? asio::ssl::verify_peer
                                                        : asio::ssl::verify_none);
      }
      tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *tls_context);
      // SSL_set_tlsext_host_name is a macro with a C cast (an error under gcc's
      // -Wold-style-cast); this is its expansion.
      if (SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(url.host.c_str())) != 1) {
        tls.reset();
        return Failed{Failure::kTls,
                      make_error(ErrorCode::kIo, "cannot set TLS server name " + url.host)};
      }
      if (options.verify_tls) tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    ec = run(options.timeout,
             [&](auto handler) { lowest().async_connect(endpoints, std::move(handler)); });
    if (ec) return io_failure(Failure::kConnect, "cannot reach", ec, options.timeout);
    if (tls) {
      ec = run(options.timeout, [&](auto handler) {
        tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
      });
      if (ec) return io_failure(Failure::kTls, "TLS handshake failed with", ec, options.timeout);
    }
    connected = true;
    return std::nullopt;
  }

  // Every read and write goes through here, over TLS or not.
  template <class Op>
  error_code on_stream(std::chrono::milliseconds timeout, Op&& op) {
    return run(timeout, [&](auto handler) {
      if (tls) {
        op(*tls, std::move(handler));
      } else {
        op(*plain, std::move(handler));
      }
    });
  }

  template <class Message>
  error_code write(Message& req) {
    return on_stream(options.timeout,
                     [&](auto& s, auto h) { bhttp::async_write(s, req, std::move(h)); });
  }

  template <class Parser>
  error_code read_header(Parser& parser, std::chrono::milliseconds timeout) {
    // Beast reads max(512, free capacity) bytes at a time and a flat_buffer only grows when a
    // read does not fit: without room reserved, every response (a record export of gigabytes
    // included) would be read 512 bytes per system call and per turn of the event loop.
    if (buffer.capacity() < kReadBufferBytes) buffer.reserve(kReadBufferBytes);
    return on_stream(timeout, [&](auto& s, auto h) {
      bhttp::async_read_header(s, buffer, parser, std::move(h));
    });
  }

  template <class Parser>
  error_code read_some(Parser& parser, std::chrono::milliseconds timeout) {
    return on_stream(
        timeout, [&](auto& s, auto h) { bhttp::async_read_some(s, buffer, parser, std::move(h)); });
  }

  static bool retryable(error_code ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
  }

  bhttp::request<bhttp::string_body> make_request(const Request& r) const {
    bhttp::request<bhttp::string_body> req;
    bhttp::verb verb = bhttp::string_to_verb(r.method);
    if (verb == bhttp::verb::unknown) {
      req.method_string(r.method);
    } else {
      req.method(verb);
    }
    req.target(url.prefix + r.target);
    req.version(11);
    req.set(bhttp::field::host, url.host);
    req.set(bhttp::field::user_agent, "tabella/0.1");
    if (!options.keep_alive) req.set(bhttp::field::connection, "close");
    if (!r.content_type.empty()) req.set(bhttp::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) req.set(name, value);
    req.body() = r.body;
    req.prepare_payload();
    return req;
  }

  static Response head_of(const bhttp::response_parser<bhttp::buffer_body>& parser) {
    const auto& res = parser.get();
    Response out;
    out.status = res.result_int();
    out.content_type = std::string(res[bhttp::field::content_type]);
    out.retry_after = parse_retry_after(res[bhttp::field::retry_after]);
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    return out;
  }

  // The body after a header read into `parser`; `file` set: a 200 body is streamed there.
  Outcome<Response> read_body(bhttp::response_parser<bhttp::buffer_body>& parser,
                              std::string_view target, const std::filesystem::path* file) {
    Response out = head_of(parser);
    bool to_file = file != nullptr && out.status == 200;
    std::ofstream sink;
    if (to_file) {
      sink.open(*file, std::ios::binary | std::ios::trunc);
      if (!sink) {
        close();
        return {Failure::kFile, make_error(ErrorCode::kIo, "cannot create file", file->string())};
      }
    }
    char chunk[64 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      error_code ec = read_some(parser, options.timeout);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        auto f = io_failure(Failure::kBroken, "lost the connection to", ec, options.timeout);
        return {f.failure, f.error};
      }
      std::size_t got = sizeof(chunk) - parser.get().body().size;
      if (to_file) {
        sink.write(chunk, static_cast<std::streamsize>(got));
        if (!sink) {
          close();
          return {Failure::kFile, make_error(ErrorCode::kIo, "cannot write file", file->string())};
        }
      } else {
        if (out.body.size() + got > options.body_limit) {
          close();
          return {Failure::kTooLarge,
                  make_error(ErrorCode::kLimit, options.peer_name + " at " + url.text +
                                                    " sent more than " +
                                                    std::to_string(options.body_limit) +
                                                    " bytes for " + std::string(target))};
        }
        out.body.append(chunk, got);
      }
    }
    if (to_file) {
      sink.close();
      if (!sink) {
        return {Failure::kFile, make_error(ErrorCode::kIo, "cannot write file", file->string())};
      }
    }
    if (!parser.get().keep_alive() || !options.keep_alive) close();
    return out;
  }

  // One exchange; a kept-alive connection that turns out closed is opened again once.
  Outcome<Response> exchange(const Request& r, const std::filesystem::path* file) {
    for (int attempt = 0;; ++attempt) {
      bool reused = connected;
      if (!connected) {
        if (auto f = connect()) return {f->failure, f->error};
      }
      auto req = make_request(r);
      error_code ec = write(req);
      bhttp::response_parser<bhttp::buffer_body> parser;
      parser.body_limit(boost::none);
      if (!ec) ec = read_header(parser, options.timeout);
      if (ec) {
        if (reused && attempt == 0 && retryable(ec)) {
          close();
          continue;
        }
        auto f = io_failure(Failure::kBroken, "lost the connection to", ec, options.timeout);
        return {f.failure, f.error};
      }
      return read_body(parser, r.target, file);
    }
  }

  unsigned jitter() {
    jitter_state = jitter_state * 1103515245u + 12345u;
    return jitter_state >> 16;
  }

  // exchange(), again while the server answers 503 + Retry-After (Options::busy_retries).
  Outcome<Response> exchange_retrying(const Request& r, const std::filesystem::path* file) {
    std::chrono::milliseconds waited{0};
    for (int retries = 0;; ++retries) {
      auto out = exchange(r, file);
      if (!out || out->status != 503 || !out->retry_after || retries >= options.busy_retries) {
        if (out) out->retries = retries;
        return out;
      }
      // A little jitter, so that clients refused together do not all come back together.
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*out->retry_after) +
                  std::chrono::milliseconds(jitter() % 250);
      if (waited + wait > options.max_retry_wait) {
        out->retries = retries;
        return out;
      }
      std::this_thread::sleep_for(wait);
      waited += wait;
    }
  }

  Outcome<StreamEnd> stream(const Request& r, const std::function<bool(std::string_view)>& on_data,
                            const std::function<bool()>& keep_going,
                            std::chrono::milliseconds idle) {
    if (auto f = connect()) return {f->failure, f->error};
    auto req = make_request(r);
    error_code ec = write(req);
    if (ec) {
      auto f = io_failure(Failure::kBroken, "lost the connection to", ec, options.timeout);
      return {f.failure, f.error};
    }
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    ec = read_header(parser, idle);
    if (ec) {
      auto f = io_failure(Failure::kBroken, "no response from", ec, idle);
      return {f.failure, f.error};
    }
    if (parser.get().result_int() != 200) {
      close();
      return {Failure::kStatus,
              make_error(ErrorCode::kIo, options.peer_name + " at " + url.text + " answered " +
                                             std::to_string(parser.get().result_int()) + " to " +
                                             r.target)};
    }
    char chunk[16384];
    for (;;) {
      if (parser.is_done()) {
        close();
        return StreamEnd::kComplete;
      }
      if (!keep_going()) {
        close();
        return StreamEnd::kStopped;
      }
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      ec = read_some(parser, idle);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec == beast::error::timeout) {
        close();
        return StreamEnd::kIdle;
      }
      if (ec) {
        auto f = io_failure(Failure::kBroken, "lost the connection to", ec, idle);
        return {f.failure, f.error};
      }
      std::size_t got = sizeof chunk - parser.get().body().size;
      if (got > 0 && !on_data(std::string_view(chunk, got))) {
        close();
        return StreamEnd::kStopped;
      }
    }
  }

  Outcome<Response> exchange_raw(std::string_view bytes) {
    if (auto f = connect()) return {f->failure, f->error};
    error_code ec = on_stream(options.timeout, [&](auto& s, auto h) {
      asio::async_write(s, asio::buffer(bytes.data(), bytes.size()), std::move(h));
    });
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    if (!ec) ec = read_header(parser, options.timeout);
    if (ec) {
      auto f = io_failure(Failure::kBroken, "lost the connection to", ec, options.timeout);
      return {f.failure, f.error};
    }
    auto out = read_body(parser, "a raw request", nullptr);
    close();
    return out;
  }
};

Outcome<Client> Client::create(std::string_view base_url, Options options) {
  auto url = Url::parse(base_url);
  if (!url) return {Failure::kUrl, url.error()};
  return create(std::move(*url), std::move(options));
}

Client Client::create(Url url, Options options) {
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(url);
  impl->options = std::move(options);
  return Client(std::move(impl));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() {
  if (impl_) impl_->close();
}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Outcome<Response> Client::request(const Request& request) {
  return impl_->exchange_retrying(request, nullptr);
}

Outcome<Response> Client::get(std::string_view target) {
  return request(Request{"GET", std::string(target), {}, {}, {}});
}

Outcome<Response> Client::post_json(std::string_view target, std::string body) {
  return request(Request{"POST", std::string(target), std::move(body), "application/json", {}});
}

Outcome<Response> Client::download(std::string_view target, const std::filesystem::path& path) {
  return impl_->exchange_retrying(Request{"GET", std::string(target), {}, {}, {}}, &path);
}

Outcome<StreamEnd> Client::stream(const Request& request,
                                  const std::function<bool(std::string_view)>& on_data,
                                  const std::function<bool()>& keep_going,
                                  std::chrono::milliseconds idle) {
  return impl_->stream(request, on_data, keep_going, idle);
}

Outcome<Response> Client::exchange_raw(std::string_view bytes) {
  return impl_->exchange_raw(bytes);
}

const Url& Client::url() const {
  return impl_->url;
}

const Options& Client::options() const {
  return impl_->options;
}

Outcome<Response> fetch(const Url& url, const Request& request, Options options) {
  options.keep_alive = false;
  auto client = Client::create(url, std::move(options));
  return client.request(request);
}

}  // namespace tabella::http
