// Private: conversion between Beast messages and the Router's Request/Response. Only the few .cpp
// files that already include Beast include this header.
// Thread-safety: free functions.
#pragma once

#include <boost/beast/http.hpp>

#include "tabella/server/router.h"

namespace tabella::server::detail {

namespace http = boost::beast::http;
using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

// kInvalidArgument for a target that is not origin-form or has bad percent escapes.
Result<Request> to_request(BeastRequest&& req);

// Message framing the server refuses (RFC 9112): a Transfer-Encoding other than exactly
// "chunked" (the only coding it decodes; field "headers"), and an HTTP/1.1 request without Host.
// kInvalidArgument; the caller answers 400 and closes the connection.
Status check_framing(const BeastRequest& req);

// A valid X-Request-Id is 1..128 chars of [A-Za-z0-9._:-]; otherwise a fresh random id is used.
std::string choose_request_id(std::string_view received);

BeastResponse to_beast(const Response& r, unsigned version, bool keep_alive,
                       std::string_view request_id);

}  // namespace tabella::server::detail
