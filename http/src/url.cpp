#include "tabella/http/url.h"

#include <charconv>

namespace tabella::http {

Result<Url> Url::parse(std::string_view text, const UrlRules& rules) {
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
  } else if (!rules.default_scheme.empty() && rest.find("://") == std::string_view::npos) {
    u.scheme = std::string(rules.default_scheme);
  } else {
    return bad("must start with http:// or https://");
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after ']'");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    std::size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (u.host.empty()) return bad("no host");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
  if (!has_port && rules.require_port) return bad("expected host:port");
  if (!has_port) {
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
  u.text = u.scheme + "://" + u.authority() + u.prefix;
  return u;
}

std::string Url::authority() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace tabella::http
