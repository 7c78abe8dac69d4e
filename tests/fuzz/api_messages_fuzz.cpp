// Fuzzes what a client reads from the ledger's API bodies (api/messages.h): the error body, the
// submit reply, status, kiosk, ballot lookup, token status, entry page, inclusion proof and
// checkpoint page parsers. Every body is tried with every parser. Nothing may crash or throw; an
// accepted body re-encodes to JSON that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tabella/api/messages.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

template <class T>
void round_trip(const nlohmann::json& j) {
  auto r = T::from_json(j);
  if (!r.ok()) return;
  const nlohmann::json once = r->to_json();
  auto again = T::from_json(once);
  check(again.ok() && again->to_json() == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::api;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  round_trip<SubmitReply>(j);
  round_trip<LedgerStatus>(j);
  round_trip<KioskStatus>(j);
  round_trip<BallotLookup>(j);
  round_trip<TokenStatus>(j);
  round_trip<EntryPage>(j);
  round_trip<InclusionProofReply>(j);
  round_trip<CheckpointPage>(j);
  if (auto e = ErrorBody::from_json(j); e.ok()) {
    e->dump();  // invalid UTF-8 in the message is replaced, never thrown
    auto again = ErrorBody::from_json(e->to_json());
    check(again.ok() && again->error == e->error && again->reason == e->reason);
  }
  return 0;
}
