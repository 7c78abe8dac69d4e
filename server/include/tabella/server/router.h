// Router: maps an HTTP request to a response without any socket, so every route is testable as a
// plain function call. A handler gets the request and a Responder it must call exactly once,
// now or later from any thread (e.g. after the committer made an append durable), so no I/O
// thread ever blocks on a handler. Unknown paths answer 404, known paths with another method
// 405 (with an Allow header), both as JSON errors:
//   {"error": "<code>", "message": "<what and why>", "field": "<where, may be empty>"}
//
// Thread-safety: add() only before serving; handle() may then be called from many threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/api/messages.h"
#include "tabella/util/result.h"

namespace tabella::server {

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string target;                        // as received: path?query
  std::string path;                          // percent-decoded path without the query
  std::map<std::string, std::string> query;  // percent-decoded; the last value of a repeated key
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string request_id;  // X-Request-Id (received or generated)

  // The first header with this (case-insensitive) name, or empty.
  std::string_view header(std::string_view name) const;
};

// Query parameter `name` as a strict unsigned decimal (no sign, no spaces, no overflow), or
// `fallback` when absent. Errors (kInvalidArgument, field = name): missing without a fallback,
// not such a number.
Result<std::uint64_t> query_u64(const Request& req, const std::string& name,
                                std::optional<std::uint64_t> fallback);

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string route;  // filled by the Router: the matched pattern, for metrics and logs
  // When set, the body is streamed instead of `body`: chunked transfer encoding, one chunk per
  // call, until it returns nullopt (end) or an error (the connection is closed mid-stream, so
  // the client sees a truncated chunked body). Called on the connection's I/O strand; each call
  // should produce a bounded amount. The connection closes after a streamed response.
  std::function<Result<std::optional<std::string>>()> stream;
};

using Responder = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Responder)>;

// JSON error body {"error","message","field"} with the given status.
Response json_error(unsigned status, std::string_view code, std::string_view message,
                    std::string_view field = {});
// The error body (api::ErrorBody, with its "reason" when it has one) with the given status.
Response error_body_response(unsigned status, const api::ErrorBody& body);
// The HTTP status for an Error: invalid input 400 (kInvalidArgument, kInvalidEncoding,
// kOutOfRange), kInvalidProof/kInvalidSignature 422, kNotFound 404, kPermission 403, kConflict
// 409, kLimit 413, kIo/kCrypto 500, kUnavailable 503.
unsigned http_status_for(const Error& error);
// The error body {"error": error_code_name(code), "message", "field", "reason"} with that status; a
// kUnavailable error is answered by retry_later with its retry_after (at least 1 s).
Response error_response(const Error& error);
// 503 {"error": "unavailable", ...} with `Retry-After: <seconds>`: the server is busy or cannot
// store now, nothing was done, and the same request may be sent again after that delay. field
// says which bound refused it ("queue", "connections", "exports", "disk", ...).
Response retry_later(std::string_view message, std::string_view field, unsigned seconds = 1);
Response retry_later(const api::ErrorBody& body, unsigned seconds);
inline constexpr std::string_view kRetryAfterHeader = "Retry-After";
// A 200 JSON response with the given serialised JSON body.
Response json_ok(std::string body, unsigned status = 200);

// Parses "a=1&b=x%20y" (no leading '?'); kInvalidArgument on a bad percent escape.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);
// Percent-decodes a path or query component ('+' is a space only in queries).
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

class Router {
 public:
  // Registers method + exact path, or a prefix pattern ending in "/*" ("/v1/ballots/*" matches
  // "/v1/ballots/<anything non-empty>"; an exact path wins, then the longest prefix); the
  // handler reads the rest from Request::path. REQUIRES: not yet serving; no duplicate
  // (method, path).
  void add(std::string method, std::string path, Handler handler);

  // Dispatches. Handler exceptions are caught and answered 500 (they must not escape to I/O).
  void handle(const Request& request, Responder respond) const;

 private:
  std::map<std::string, std::map<std::string, Handler>> routes_;  // path -> method -> handler
};

}  // namespace tabella::server
