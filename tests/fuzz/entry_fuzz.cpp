// Fuzzes the record-entry decoder and every body decoder, and the precheck that the ledger and
// the verifier run on outside bytes. Any accepted entry must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tabella/record/state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella;
  ByteView bytes(data, size);
  auto e = record::Entry::decode(bytes);
  if (e.ok()) {
    if (e->encode() != Bytes(bytes.begin(), bytes.end())) std::abort();
    (void)e->verify_signature();
  } else if (e.error().message.empty()) {
    std::abort();
  }
  // The same bytes as the body of every entry type.
  for (int t = 0; t < record::kEntryTypeCount; ++t) {
    auto body = record::decode_body(static_cast<record::EntryType>(t), bytes);
    if (!body.ok() && body.error().message.empty()) std::abort();
  }
  (void)record::precheck(bytes, record::Snapshot{});
  return 0;
}
