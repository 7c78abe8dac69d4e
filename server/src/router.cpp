#include "tabella/server/router.h"

#include <atomic>
#include <cctype>
#include <charconv>
#include <exception>
#include <nlohmann/json.hpp>

#include "tabella/server/storage.h"

namespace tabella::server {

std::string_view Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return value;
  }
  return {};
}

Response json_error(unsigned status, std::string_view code, std::string_view message,
                    std::string_view field) {
  return error_body_response(
      status, api::ErrorBody{std::string(code), std::string(message), std::string(field)});
}

Response error_body_response(unsigned status, const api::ErrorBody& body) {
  Response r;
  r.status = status;
  r.body = body.dump();  // invalid UTF-8 from outside bytes in the message is replaced
  return r;
}

Response retry_later(std::string_view message, std::string_view field, unsigned seconds) {
  return retry_later(api::ErrorBody{"unavailable", std::string(message), std::string(field)},
                     seconds);
}

Response retry_later(const api::ErrorBody& body, unsigned seconds) {
  Response r = error_body_response(503, body);
  r.headers.emplace_back(std::string(kRetryAfterHeader), std::to_string(seconds));
  return r;
}

unsigned http_status_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kInvalidEncoding:
    case ErrorCode::kOutOfRange:
      return 400;
    case ErrorCode::kInvalidProof:
    case ErrorCode::kInvalidSignature:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kPermission:
      return 403;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kLimit:
      return 413;
    case ErrorCode::kIo:
    case ErrorCode::kCrypto:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
  }
  return 500;
}

Response error_response(const Error& error) {
  // Nothing was done, and the same request may succeed later: say when, with Retry-After.
  if (error.code == ErrorCode::kUnavailable) {
    return retry_later(api::ErrorBody::of(error), error.retry_after == 0 ? 1 : error.retry_after);
  }
  return error_body_response(http_status_for(error), api::ErrorBody::of(error));
}

Response json_ok(std::string body, unsigned status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "bad percent escape at offset " + std::to_string(i));
      }
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq), true);
    if (!key) return key.error().with_prefix("query");
    auto value = percent_decode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
    if (!value) return value.error().with_prefix("query." + *key);
    out[*key] = *value;
  }
  return out;
}

void Router::add(std::string method, std::string path, Handler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

void Router::handle(const Request& request, Responder respond) const {
  auto path_it = routes_.find(request.path);
  if (path_it == routes_.end()) {
    // Prefix patterns "/a/b/*": the longest one whose "/a/b/" starts the path.
    std::size_t best = 0;
    for (auto it = routes_.begin(); it != routes_.end(); ++it) {
      const std::string& p = it->first;
      if (p.size() < 2 || p.compare(p.size() - 2, 2, "/*") != 0) continue;
      std::string_view stem(p.data(), p.size() - 1);  // keeps the '/'
      if (request.path.size() > stem.size() && request.path.compare(0, stem.size(), stem) == 0 &&
          stem.size() > best) {
        best = stem.size();
        path_it = it;
      }
    }
  }
  if (path_it == routes_.end()) {
    Response r = json_error(404, "not_found", "no such path: " + request.path, "path");
    r.route = "unmatched";
    respond(std::move(r));
    return;
  }
  const std::string& route = path_it->first;
  auto method_it = path_it->second.find(request.method);
  if (method_it == path_it->second.end()) {
    std::string allow;
    for (const auto& [method, unused] : path_it->second) {
      allow += (allow.empty() ? "" : ", ") + method;
    }
    Response r = json_error(
        405, "method_not_allowed",
        request.method + " is not allowed on " + route + " (allowed: " + allow + ")", "method");
    r.headers.emplace_back("Allow", allow);
    r.route = route;
    respond(std::move(r));
    return;
  }
  // Tag the response with the route whenever and wherever the handler completes; a second call
  // (a buggy handler) is dropped so the session sees exactly one response.
  struct Once {
    std::atomic<bool> done{false};
    Responder respond;
  };
  auto once = std::make_shared<Once>();
  once->respond = std::move(respond);
  Responder tagged = [route, once](Response r) {
    if (once->done.exchange(true)) return;
    r.route = route;
    once->respond(std::move(r));
  };
  try {
    method_it->second(request, tagged);
  } catch (const std::exception& e) {
    // A handler that throws is a bug; answer rather than take the server down.
    tagged(json_error(500, "internal", std::string("internal error: ") + e.what()));
  }
}

Result<std::uint64_t> query_u64(const Request& req, const std::string& name,
                                std::optional<std::uint64_t> fallback) {
  auto it = req.query.find(name);
  if (it == req.query.end()) {
    if (fallback) return *fallback;
    return make_error(ErrorCode::kInvalidArgument, "missing query parameter", name);
  }
  const std::string& text = it->second;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + text + "' is not an unsigned decimal integer", name);
  }
  return value;
}

}  // namespace tabella::server
