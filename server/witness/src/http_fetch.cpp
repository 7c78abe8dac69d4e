#include "tabella/server/witness/http_fetch.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tabella::server::witness {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<HttpEndpoint> parse_http_url(std::string_view url) {
  if (url.substr(0, 7) == "http://") url.remove_prefix(7);
  if (url.substr(0, 8) == "https://") {
    return make_error(ErrorCode::kInvalidArgument, "https is not supported here", "url");
  }
  auto slash = url.find('/');
  if (slash != std::string_view::npos) url = url.substr(0, slash);
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(ErrorCode::kInvalidArgument, "expected host:port", "url");
  }
  HttpEndpoint e;
  e.host = std::string(url.substr(0, colon));
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  unsigned long port = 0;
  for (char c : url.substr(colon + 1)) {
    if (c < '0' || c > '9') return make_error(ErrorCode::kInvalidArgument, "bad port", "url");
    port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port > 65535) return make_error(ErrorCode::kInvalidArgument, "bad port", "url");
  }
  if (port == 0) return make_error(ErrorCode::kInvalidArgument, "bad port", "url");
  e.port = static_cast<std::uint16_t>(port);
  return e;
}

namespace {
std::string where(const HttpEndpoint& e, std::string_view target) {
  return "http://" + e.host + ":" + std::to_string(e.port) + std::string(target);
}

// Beast's tcp_stream deadlines apply to asynchronous operations only: every step runs as an
// async operation driven to completion on the caller's io_context.
template <class Start>
beast::error_code run_op(boost::asio::io_context& ioc, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}
}  // namespace

Result<FetchReply> http_fetch(const HttpEndpoint& endpoint, std::string_view method,
                              std::string_view target, std::string_view body,
                              const FetchOptions& options) {
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) return make_error(ErrorCode::kIo, "resolve: " + ec.message(), where(endpoint, target));
    stream.expires_after(options.timeout);
    ec = run_op(ioc, [&](auto h) { stream.async_connect(results, h); });
    if (ec) return make_error(ErrorCode::kIo, "connect: " + ec.message(), where(endpoint, target));
    http::request<http::string_body> req{http::string_to_verb(method), std::string(target), 11};
    req.set(http::field::host, endpoint.host);
    req.set(http::field::connection, "close");
    if (!body.empty() || method == "POST") {
      req.set(http::field::content_type, options.content_type);
      req.body() = std::string(body);
      req.prepare_payload();
    }
    ec = run_op(ioc, [&](auto h) { http::async_write(stream, req, h); });
    if (ec) return make_error(ErrorCode::kIo, "write: " + ec.message(), where(endpoint, target));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    ec = run_op(ioc, [&](auto h) { http::async_read(stream, buffer, parser, h); });
    if (ec) return make_error(ErrorCode::kIo, "read: " + ec.message(), where(endpoint, target));
    auto& res = parser.get();
    FetchReply reply;
    reply.status = res.result_int();
    reply.content_type = std::string(res[http::field::content_type]);
    reply.body = std::move(res.body());
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return reply;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, e.what(), where(endpoint, target));
  }
}

Status http_stream(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                   std::string_view body, const std::function<bool(std::string_view)>& on_data,
                   const std::function<bool()>& keep_going,
                   std::chrono::milliseconds connect_timeout) {
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) return make_error(ErrorCode::kIo, "resolve: " + ec.message(), where(endpoint, target));
    stream.expires_after(connect_timeout);
    ec = run_op(ioc, [&](auto h) { stream.async_connect(results, h); });
    if (ec) return make_error(ErrorCode::kIo, "connect: " + ec.message(), where(endpoint, target));
    http::request<http::string_body> req{http::string_to_verb(method), std::string(target), 11};
    req.set(http::field::host, endpoint.host);
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
    req.prepare_payload();
    ec = run_op(ioc, [&](auto h) { http::async_write(stream, req, h); });
    if (ec) return make_error(ErrorCode::kIo, "write: " + ec.message(), where(endpoint, target));
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    char chunk[16384];
    bool header_done = false;
    for (;;) {
      if (!keep_going()) return Status::success();
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      // Short deadlines so keep_going() is polled; a timeout is not an error here.
      stream.expires_after(std::chrono::milliseconds(1000));
      if (!header_done) {
        ec = run_op(ioc, [&](auto h) { http::async_read_header(stream, buffer, parser, h); });
        if (ec == beast::error::timeout) {
          // The stream is unusable after a timeout in Beast; reconnect is the caller's job.
          return make_error(ErrorCode::kIo, "no response header", where(endpoint, target));
        }
        if (ec) return make_error(ErrorCode::kIo, "read: " + ec.message(), where(endpoint, target));
        header_done = true;
        if (parser.get().result_int() != 200) {
          return make_error(ErrorCode::kIo, "status " + std::to_string(parser.get().result_int()),
                            where(endpoint, target));
        }
        continue;
      }
      ec = run_op(ioc, [&](auto h) { http::async_read(stream, buffer, parser, h); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec == beast::error::timeout) {
        return make_error(ErrorCode::kIo, "idle timeout", where(endpoint, target));
      }
      if (ec) return make_error(ErrorCode::kIo, "read: " + ec.message(), where(endpoint, target));
      std::size_t got = sizeof chunk - parser.get().body().size;
      if (got > 0 && !on_data(std::string_view(chunk, got))) return Status::success();
      if (parser.is_done()) return Status::success();
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, e.what(), where(endpoint, target));
  }
}

}  // namespace tabella::server::witness
