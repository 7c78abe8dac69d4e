// Fuzzes tabella-ledger's config parsers (server/include/tabella/server/config.h): the config
// file (key = value lines or a JSON object) and the values behind --listen, the durations and
// sizes. Nothing may crash; keys come back normalised; every accepted value re-formats to text
// that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tabella/server/config.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::server;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto pairs = parse_config_text(in); pairs.ok()) {
    for (const auto& [key, value] : *pairs) {
      check(!key.empty() && key.find('_') == std::string::npos);
    }
  }
  if (auto l = parse_listen(in); l.ok()) {
    check(!l->host.empty());
    const bool v6 = l->host.find(':') != std::string::npos;
    auto again = parse_listen((v6 ? "[" + l->host + "]" : l->host) + ":" + std::to_string(l->port));
    check(again.ok() && again->host == l->host && again->port == l->port);
  }
  if (auto d = parse_duration(in); d.ok()) {
    // Written in the largest unit that divides it: never a larger number than the input had.
    const std::int64_t ms = d->count();
    check(ms >= 0);
    std::string text = std::to_string(ms) + "ms";
    if (ms % 3600000 == 0) {
      text = std::to_string(ms / 3600000) + "h";
    } else if (ms % 60000 == 0) {
      text = std::to_string(ms / 60000) + "m";
    } else if (ms % 1000 == 0) {
      text = std::to_string(ms / 1000) + "s";
    }
    auto again = parse_duration(text);
    check(again.ok() && *again == *d);
  }
  if (auto s = parse_size(in); s.ok()) {
    auto again = parse_size(std::to_string(*s));
    check(again.ok() && *again == *s);
  }
  return 0;
}
