// Fuzzes what a client reads from the ledger about the log: receipt JSON (Receipt::from_json),
// the receipt check and the log-view check on whatever checkpoint it carries. Nothing may crash;
// an accepted receipt re-encodes to one that parses the same; a final verdict has no fault.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tabella/ledger/log_view.h"
#include "tabella/ledger/receipt.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const tabella::ledger::LogTrust& trust() {
  using namespace tabella::ledger;
  static const LogTrust t = [] {
    WitnessPolicy p;
    p.quorum = 1;
    p.witnesses.push_back(*CosignatureVerifier::from_verifier_key(
        "witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"));
    return LogTrust{*NoteVerifier::from_verifier_key(
                        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
                    "PeterNeumann", p};
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::ledger;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto r = Receipt::from_json(j);
  if (!r.ok()) return 0;
  auto again = Receipt::from_json(r->to_json());
  check(again.ok() && again->index == r->index && again->leaf_hash == r->leaf_hash &&
        again->tree_size == r->tree_size && again->inclusion_proof == r->inclusion_proof &&
        again->checkpoint == r->checkpoint && again->cosigned == r->cosigned);
  const tabella::Bytes entry = {1, 2, 3};
  LogCheck c = check_receipt(*r, entry, trust());
  check(c.final() == (c.fault == LogFault::kNone));
  check(c.awaiting() == (c.fault == LogFault::kMissingQuorum));
  LogView view;
  for (std::uint8_t i = 0; i < 5; ++i) view.append(tabella::Bytes{i});
  LogCheck v = view.check(r->checkpoint, trust(), &r->inclusion_proof);
  check(v.final() == (v.fault == LogFault::kNone));
  LogCheck p = view.check_prefix(r->checkpoint, trust(), r->inclusion_proof);
  check(p.final() == (p.fault == LogFault::kNone));
  return 0;
}
