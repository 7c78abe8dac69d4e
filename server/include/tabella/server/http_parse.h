// HTTP request parsing with the server's limits, outside of any socket: the same Beast parser and
// the same conversion to Request that a session uses, for the fuzzer and for tests.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string_view>

#include "tabella/server/router.h"
#include "tabella/util/result.h"

namespace tabella::server {

// Limits every request is held to; exceeding one closes the connection after the error reply.
struct HttpLimits {
  std::uint64_t body_limit = 1u << 20;     // bytes of body (413 past it)
  std::uint32_t header_limit = 16u << 10;  // bytes of request line + headers (431 past it)
};

// Parses exactly one request from raw bytes. Errors: kLimit with field "body" (-> 413) or
// "headers" (-> 431); kInvalidArgument for malformed or incomplete HTTP or a bad target (-> 400).
Result<Request> parse_http_request(std::string_view raw, const HttpLimits& limits);

// The JSON error reply a session sends for a parse failure (413, 431 or 400).
Response parse_error_response(const Error& error);

}  // namespace tabella::server
