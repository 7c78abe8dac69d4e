// What the HTTP fuzz targets share: raw bytes -> the server's request parser -> a Router, waiting
// for the one response; any parse error must be a 4xx JSON reply, any router error JSON, and
// nothing may answer 5xx. A violation traps (libFuzzer reports it as a crash).
// Thread-safety: one call at a time per router's handlers' needs (the targets are single-run).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "tabella/server/http_parse.h"
#include "tabella/server/router.h"

namespace tabella::fuzz {

inline void check_json_error(const server::Response& r) {
  if (r.stream) return;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("error") || !j.contains("message")) __builtin_trap();
}

// Routes one request and waits for its response (appends complete on other threads).
inline server::Response handle_sync(const server::Router& router, const server::Request& req) {
  std::mutex mu;
  std::condition_variable cv;
  int responses = 0;
  server::Response last;
  router.handle(req, [&](server::Response r) {
    std::lock_guard<std::mutex> lock(mu);
    ++responses;
    last = std::move(r);
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return responses > 0; });
  return last;
}

// Parses the input; routes it if it parses; checks the invariants above. Returns the response
// when the input was a request.
inline std::optional<server::Response> fuzz_one_request(const server::Router& router,
                                                        const std::uint8_t* data, std::size_t size,
                                                        const server::HttpLimits& limits) {
  auto req = server::parse_http_request(std::string_view(reinterpret_cast<const char*>(data), size),
                                        limits);
  if (!req) {
    server::Response r = server::parse_error_response(req.error());
    if (r.status != 400 && r.status != 413 && r.status != 431) __builtin_trap();
    check_json_error(r);
    return std::nullopt;
  }
  server::Response r = handle_sync(router, *req);
  if (r.status >= 400) check_json_error(r);
  if (r.status >= 500) __builtin_trap();
  return r;
}

}  // namespace tabella::fuzz
