// Fuzz target: arbitrary bytes as an election definition. parse_manifest must never crash, leak
// or throw; whatever it accepts must survive to_json -> parse_manifest with the same canonical
// bytes, and validate_manifest_json must agree that it is valid.
// Thread-safety: libFuzzer calls this from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tabella/election/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::election;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_manifest(text);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) std::abort();  // every failure says why
    // The DOM-level validator on whatever nlohmann accepts (duplicate keys collapsed).
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_discarded()) (void)validate_manifest_json(doc);
    return 0;
  }
  const Manifest& m = *parsed;
  nlohmann::json j = to_json(m);
  if (!validate_manifest_json(j).empty()) std::abort();
  auto again = parse_manifest(j.dump());
  if (!again.ok() || !(*again == m)) std::abort();
  if (canonical_bytes(*again) != canonical_bytes(m)) std::abort();
  (void)manifest_hash(m);
  return 0;
}
