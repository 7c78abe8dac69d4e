// The command line of a real tabella-ledger for an integration test: on 127.0.0.1:<port> (0: the
// system picks one, read back from its "listening on" line), with the given data directory
// (holding ledger.key), origin, authority and witnesses, 2 threads, a 100 ms checkpoint interval
// unless the test sets another, and any further flags. Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tabella/util/bytes.h"

namespace tabella::testing {

struct LedgerArgs {
  std::string binary;  // the tabella-ledger executable
  std::filesystem::path data_dir;
  std::string origin;
  std::string authority_hex;
  std::string cosign_wait = "2s";
  std::vector<std::string> witness_urls;
  std::string checkpoint_interval = "100ms";
  std::vector<std::string> extra;  // appended as they are
};

// The arguments for a simulated election (support/election_sim.h): its origin and authority.
template <typename Sim>
LedgerArgs election_ledger_args(const std::string& binary, const std::filesystem::path& data_dir,
                                const Sim& sim) {
  LedgerArgs a;
  a.binary = binary;
  a.data_dir = data_dir;
  a.origin = sim.manifest.origin;
  a.authority_hex = to_hex(sim.authority);
  return a;
}

inline std::vector<std::string> ledger_command(const LedgerArgs& a, std::uint16_t port = 0) {
  std::vector<std::string> args{a.binary,
                                "--listen",
                                "127.0.0.1:" + std::to_string(port),
                                "--data-dir",
                                a.data_dir.string(),
                                "--origin",
                                a.origin,
                                "--authority-key",
                                a.authority_hex,
                                "--threads",
                                "2",
                                "--checkpoint-interval",
                                a.checkpoint_interval,
                                "--cosign-wait",
                                a.cosign_wait};
  for (const auto& url : a.witness_urls) {
    args.push_back("--witness");
    args.push_back(url);
  }
  args.insert(args.end(), a.extra.begin(), a.extra.end());
  return args;
}

}  // namespace tabella::testing
