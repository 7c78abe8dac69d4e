// The one URL parser for every HTTP peer: the ledger, witnesses, etcd members.
// Thread-safety: value types, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tabella/util/result.h"

namespace tabella::http {

// What a caller accepts beyond "http[s]://host[:port][/prefix]".
struct UrlRules {
  // Set ("http"): a bare "host:port" is read as default_scheme://host:port.
  std::string_view default_scheme;
  // The port must be written out (no 80 / 443 default).
  bool require_port = false;
};

// A peer given on a command line as a witness or an etcd member: a bare "host:port" is http, and
// the port is written out.
inline constexpr UrlRules kEndpointRules{"http", /*require_port=*/true};

// "http://host:port[/prefix]" or "https://...". The port defaults to 80 / 443.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // name or IPv4/IPv6 literal (without brackets)
  std::uint16_t port = 0;
  std::string prefix;  // path prefix without a trailing '/', often empty
  std::string text;    // the normalised URL, for messages

  // kInvalidArgument (field "url") for anything else, naming what is wrong: another scheme,
  // user info, a query or fragment, a port outside 1..65535, no host.
  static Result<Url> parse(std::string_view url, const UrlRules& rules = {});

  // "host:port" ("[::1]:8640" for IPv6): one peer, whatever the scheme or prefix.
  std::string authority() const;
};

}  // namespace tabella::http
