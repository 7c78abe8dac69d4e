#include "tabella/server/http_parse.h"

#include <atomic>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

#include "beast_convert.h"
#include "tabella/crypto/random.h"
#include "tabella/util/canonical.h"

namespace tabella::server {

namespace detail {

Result<Request> to_request(BeastRequest&& req) {
  Request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target = out.target;
  if (target.empty() || target.front() != '/') {
    return make_error(ErrorCode::kInvalidArgument, "request target must start with '/'", "target");
  }
  std::size_t q = target.find('?');
  auto path = percent_decode(target.substr(0, q), /*plus_is_space=*/false);
  if (!path) return path.error().with_prefix("target");
  out.path = std::move(*path);
  if (q != std::string_view::npos) {
    auto query = parse_query(target.substr(q + 1));
    if (!query) return query.error();
    out.query = std::move(*query);
  }
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.request_id = choose_request_id(out.header("x-request-id"));
  out.body = std::move(req.body());
  return out;
}

Status check_framing(const BeastRequest& req) {
  for (const auto& field : req) {
    if (field.name() != http::field::transfer_encoding) continue;
    std::string_view v = field.value();
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    if (!boost::beast::iequals(v, "chunked")) {
      return make_error(ErrorCode::kInvalidArgument,
                        "Transfer-Encoding \"" + std::string(field.value()) +
                            "\" is not supported (only \"chunked\"); the connection is closed",
                        "headers");
    }
  }
  if (req.version() == 11 && req.find(http::field::host) == req.end()) {
    return make_error(ErrorCode::kInvalidArgument, "an HTTP/1.1 request must have a Host header",
                      "headers");
  }
  return Status::success();
}

std::string choose_request_id(std::string_view received) {
  bool ok = !received.empty() && received.size() <= 128;
  for (char c : received) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
                c == '-');
  }
  if (ok) return std::string(received);
  // 32 random bits drawn once per process, then a counter: unique among the process's requests
  // (the first 2^32) and unlikely to repeat across restarts. A random draw per request cost a
  // DRBG call on the I/O thread for an identifier that needs no secrecy.
  static const std::uint64_t prefix = [] {
    std::uint8_t raw[4];
    SystemRng::instance().fill(raw);
    return std::uint64_t{load_u32be(raw)} << 32;
  }();
  static std::atomic<std::uint32_t> counter{0};
  return to_hex(u64be(prefix | counter.fetch_add(1, std::memory_order_relaxed)));
}

BeastResponse to_beast(const Response& r, unsigned version, bool keep_alive,
                       std::string_view request_id) {
  BeastResponse res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "tabella-ledger");
  res.set(http::field::content_type, r.content_type);
  res.set("X-Request-Id", request_id);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

}  // namespace detail

Result<Request> parse_http_request(std::string_view raw, const HttpLimits& limits) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.body_limit(limits.body_limit);
  parser.header_limit(limits.header_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done() && used < raw.size()) {
    std::size_t n = parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) break;
  }
  if (!ec && !parser.is_done() && parser.got_some()) parser.put_eof(ec);
  if (ec == http::error::body_limit) {
    return make_error(
        ErrorCode::kLimit,
        "request body exceeds the limit of " + std::to_string(limits.body_limit) + " bytes",
        "body");
  }
  if (ec == http::error::header_limit) {
    return make_error(
        ErrorCode::kLimit,
        "request headers exceed the limit of " + std::to_string(limits.header_limit) + " bytes",
        "headers");
  }
  if (ec) return make_error(ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message());
  if (!parser.is_done()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "incomplete HTTP request (" + std::to_string(used) + " bytes parsed)");
  }
  if (auto framing = detail::check_framing(parser.get()); !framing.ok()) return framing.error();
  return detail::to_request(parser.release());
}

Response parse_error_response(const Error& error) {
  if (error.code == ErrorCode::kLimit && error.field == "headers") {
    return json_error(431, error_code_name(error.code), error.message, error.field);
  }
  return error_response(error);
}

}  // namespace tabella::server
