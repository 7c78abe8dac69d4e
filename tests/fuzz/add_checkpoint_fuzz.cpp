// Fuzzes what a witness reads from a log over HTTP: the add-checkpoint body
// (parse_add_checkpoint) and the witness's whole handling of it (Witness::add_checkpoint on raw
// bytes, against a log it serves). Nothing may crash; an accepted body re-encodes to the same
// bytes; a malformed body is answered 400 and changes nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "tabella/ledger/witness.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kOrigin = "example.com/fuzz-log";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella;
  using namespace tabella::ledger;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto req = parse_add_checkpoint(in);
  if (req.ok()) {
    check(req->proof.size() <= kMaxWitnessProofLines && !req->checkpoint.empty());
    auto again = parse_add_checkpoint(format_add_checkpoint(*req));
    check(again.ok() && *again == *req);
  }

  static const SigningKey log_key = *SigningKey::from_seed(Bytes(32, 3));
  static const SigningKey witness_key = *SigningKey::from_seed(Bytes(32, 9));
  static const NoteSigner log_signer(std::string(kOrigin), log_key);
  MemoryWitnessStore store;
  auto witness = Witness::open("witness.example/fuzz", witness_key, store, [] { return 1; });
  check(witness.ok());
  check((*witness)->add_log(kOrigin, log_signer.verifier_key()).ok());
  const std::size_t saves = store.saves();
  WitnessAnswer a = (*witness)->add_checkpoint(in);
  if (!req.ok()) check(a.status == 400 && a.verdict == WitnessVerdict::kMalformed);
  if (a.status != 200) {
    // Refused: the witness cosigned nothing (evidence of a fork may be kept).
    auto logs = (*witness)->logs();
    check(logs.size() == 1 && logs[0].size == 0 && logs[0].checkpoint.empty());
  } else {
    check(store.saves() > saves);
  }
  return 0;
}
