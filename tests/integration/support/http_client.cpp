#include "support/http_client.h"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace tabella::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // A kept-alive connection that the server has closed meanwhile (it closes idle connections
  // after its header timeout, 10 s by default, which a slow step of a test can exceed) reads as
  // ready with nothing to read: it is dropped and a new one is made.
  bool stale() {
    if (buffer.size() != 0) return false;
    pollfd p{};
    p.fd = stream->socket().native_handle();
    p.events = POLLIN;
    return ::poll(&p, 1, 0) != 0;
  }

  Status connect() {
    if (stream && stale()) stream.reset();
    if (stream) return Status::success();
    beast::error_code ec;
    stream.emplace(ioc);
    stream->expires_after(std::chrono::seconds(10));
    stream->connect(tcp::endpoint(net::ip::make_address(host), port), ec);
    if (ec) {
      stream.reset();
      return make_error(ErrorCode::kIo, "connect: " + ec.message());
    }
    buffer.clear();
    return Status::success();
  }

  Result<HttpReply> read_reply() {
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    stream->expires_after(std::chrono::seconds(30));
    http::read(*stream, buffer, parser, ec);
    if (ec) {
      stream.reset();
      return make_error(ErrorCode::kIo, "read: " + ec.message());
    }
    auto res = parser.release();
    HttpReply reply;
    reply.status = res.result_int();
    reply.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) stream.reset();
    return reply;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string host) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}
HttpClient::~HttpClient() = default;

Result<HttpReply> HttpClient::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  TABELLA_TRY(impl_->connect());
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  beast::error_code ec;
  impl_->stream->expires_after(std::chrono::seconds(30));
  http::write(*impl_->stream, req, ec);
  if (ec) {
    impl_->stream.reset();
    return make_error(ErrorCode::kIo, "write: " + ec.message());
  }
  return impl_->read_reply();
}

Result<HttpReply> HttpClient::raw(const std::string& bytes) {
  impl_->stream.reset();
  TABELLA_TRY(impl_->connect());
  beast::error_code ec;
  net::write(impl_->stream->socket(), net::buffer(bytes), ec);
  if (ec) {
    impl_->stream.reset();
    return make_error(ErrorCode::kIo, "write: " + ec.message());
  }
  auto r = impl_->read_reply();
  impl_->stream.reset();
  return r;
}

}  // namespace tabella::testing
