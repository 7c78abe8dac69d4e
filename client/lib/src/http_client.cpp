#include "tabella/client/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>
#include <thread>

namespace tabella::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Result<Url> Url::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "'" + std::string(text) + "': " + why, "url");
  };
  Url u;
  std::string_view rest = text;
  if (rest.substr(0, 7) == "http://") {
    u.scheme = "http";
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    u.scheme = "https";
    rest.remove_prefix(8);
  } else {
    return bad("must start with http:// or https://");
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after ']'");
      port_text = after.substr(1);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return bad("no host");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
  if (port_text.empty()) {
    u.port = u.scheme == "https" ? 443 : 80;
  } else {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return bad("port must be a number in 1..65535");
    }
    u.port = static_cast<std::uint16_t>(port);
  }
  if (path.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment");
  u.prefix = std::string(path);
  bool v6 = u.host.find(':') != std::string::npos;
  u.text = u.scheme + "://" + (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port) +
           u.prefix;
  return u;
}

struct HttpClient::Impl {
  Url url;
  HttpOptions options;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls_context;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Runs one asynchronous operation to completion (the tcp_stream's expiry bounds it).
  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  std::string seconds() const {
    return std::to_string(options.timeout.count() / 1000.0).substr(0, 4) + "s";
  }

  Error io_error(const std::string& doing, error_code ec) const {
    std::string why = ec == beast::error::timeout ? "timed out after " + seconds() : ec.message();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return make_error(ErrorCode::kIo,
                      doing + " " + options.peer_name + " at " + url.text + ": " + why);
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

  Status connect() {
    close();
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) return io_error("cannot resolve", ec);
    if (url.scheme == "https") {
      if (!tls_context) {
        tls_context.emplace(asio::ssl::context::tls_client);
        tls_context->set_default_verify_paths(ec);
        if (!options.ca_file.empty()) {
          tls_context->load_verify_file(options.ca_file, ec);
          if (ec) {
            return make_error(ErrorCode::kIo, "cannot read CA file: " + ec.message(),
                              options.ca_file);
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
        return make_error(ErrorCode::kIo, "cannot set TLS server name " + url.host);
      }
      if (options.verify_tls) tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    lowest().expires_after(options.timeout);
    ec = run([&](auto handler) { lowest().async_connect(endpoints, std::move(handler)); });
    if (ec) {
      close();
      return io_error("cannot reach", ec);
    }
    if (tls) {
      lowest().expires_after(options.timeout);
      ec = run([&](auto handler) {
        tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
      });
      if (ec) {
        close();
        return io_error("TLS handshake failed with", ec);
      }
    }
    connected = true;
    return {};
  }

  template <class Message>
  error_code write(Message& req) {
    lowest().expires_after(options.timeout);
    return run([&](auto handler) {
      if (tls) {
        http::async_write(*tls, req, std::move(handler));
      } else {
        http::async_write(*plain, req, std::move(handler));
      }
    });
  }

  template <class Parser>
  error_code read_header(Parser& parser) {
    lowest().expires_after(options.timeout);
    return run([&](auto handler) {
      if (tls) {
        http::async_read_header(*tls, buffer, parser, std::move(handler));
      } else {
        http::async_read_header(*plain, buffer, parser, std::move(handler));
      }
    });
  }

  template <class Parser>
  error_code read_some(Parser& parser) {
    lowest().expires_after(options.timeout);
    return run([&](auto handler) {
      if (tls) {
        http::async_read_some(*tls, buffer, parser, std::move(handler));
      } else {
        http::async_read_some(*plain, buffer, parser, std::move(handler));
      }
    });
  }

  static bool retryable(error_code ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
  }

  http::request<http::string_body> make_request(http::verb verb, std::string_view target,
                                                std::string body) const {
    http::request<http::string_body> req{verb, url.prefix + std::string(target), 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "tabella-client/0.1");
    req.set(http::field::accept, "application/json, application/x-ndjson, text/plain");
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    req.prepare_payload();
    return req;
  }

  // exchange(), again while the server answers 503 + Retry-After (HttpOptions::busy_retries).
  Result<HttpResponse> exchange_retrying(http::verb verb, std::string_view target,
                                         const std::string& body,
                                         const std::filesystem::path* file);
  unsigned jitter() {
    jitter_state = jitter_state * 1103515245u + 12345u;
    return jitter_state >> 16;
  }
  unsigned jitter_state = static_cast<unsigned>(
      std::chrono::steady_clock::now().time_since_epoch().count() & 0xffffffffu);

  // One exchange; `file` set: a 200 body is streamed there.
  Result<HttpResponse> exchange(http::verb verb, std::string_view target, std::string body,
                                const std::filesystem::path* file) {
    for (int attempt = 0;; ++attempt) {
      bool reused = connected;
      if (!connected) TABELLA_TRY(connect());
      auto req = make_request(verb, target, body);
      error_code ec = write(req);
      http::response_parser<http::buffer_body> parser;
      parser.body_limit(boost::none);
      if (!ec) ec = read_header(parser);
      if (ec) {
        close();
        if (reused && attempt == 0 && retryable(ec)) continue;
        return io_error("lost the connection to", ec);
      }
      HttpResponse out;
      out.status = parser.get().result_int();
      out.content_type = std::string(parser.get()[http::field::content_type]);
      out.retry_after = parse_retry_after(parser.get()[http::field::retry_after]);
      bool to_file = file != nullptr && out.status == 200;
      std::ofstream sink;
      if (to_file) {
        sink.open(*file, std::ios::binary | std::ios::trunc);
        if (!sink) {
          close();
          return make_error(ErrorCode::kIo, "cannot create file", file->string());
        }
      }
      char chunk[64 * 1024];
      while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof(chunk);
        ec = read_some(parser);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
          close();
          return io_error("lost the connection to", ec);
        }
        std::size_t got = sizeof(chunk) - parser.get().body().size;
        if (to_file) {
          sink.write(chunk, static_cast<std::streamsize>(got));
          if (!sink) {
            close();
            return make_error(ErrorCode::kIo, "cannot write file", file->string());
          }
        } else {
          if (out.body.size() + got > options.body_limit) {
            close();
            return make_error(ErrorCode::kLimit, options.peer_name + " at " + url.text +
                                                     " sent more than " +
                                                     std::to_string(options.body_limit) +
                                                     " bytes for " + std::string(target));
          }
          out.body.append(chunk, got);
        }
      }
      if (to_file) {
        sink.close();
        if (!sink) return make_error(ErrorCode::kIo, "cannot write file", file->string());
      }
      if (!parser.get().keep_alive()) close();
      return out;
    }
  }
};

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n > 86400) {
    return std::nullopt;
  }
  return std::chrono::seconds(n);
}

Result<HttpResponse> HttpClient::Impl::exchange_retrying(http::verb verb, std::string_view target,
                                                         const std::string& body,
                                                         const std::filesystem::path* file) {
  std::chrono::milliseconds waited{0};
  for (int retries = 0;; ++retries) {
    auto r = exchange(verb, target, body, file);
    if (!r || r->status != 503 || !r->retry_after || retries >= options.busy_retries) {
      if (r) r->retries = retries;
      return r;
    }
    // A little jitter, so that clients refused together do not all come back together.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*r->retry_after) +
                std::chrono::milliseconds(jitter() % 250);
    if (waited + wait > options.max_retry_wait) {
      r->retries = retries;
      return r;
    }
    std::this_thread::sleep_for(wait);
    waited += wait;
  }
}

Result<HttpClient> HttpClient::create(std::string_view base_url, HttpOptions options) {
  auto url = Url::parse(base_url);
  if (!url) return url.error();
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(*url);
  impl->options = std::move(options);
  return HttpClient(std::move(impl));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() {
  if (impl_) impl_->close();
}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::get(std::string_view target) {
  return impl_->exchange_retrying(http::verb::get, target, {}, nullptr);
}

Result<HttpResponse> HttpClient::post_json(std::string_view target, std::string body) {
  return impl_->exchange_retrying(http::verb::post, target, body, nullptr);
}

Result<HttpResponse> HttpClient::download(std::string_view target,
                                          const std::filesystem::path& path) {
  return impl_->exchange_retrying(http::verb::get, target, {}, &path);
}

const Url& HttpClient::url() const {
  return impl_->url;
}

}  // namespace tabella::client
