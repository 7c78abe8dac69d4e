// The command line of a real tabella-ledger for an integration test: on 127.0.0.1:<port>, with
// the given data directory (holding ledger.key), origin, authority and witnesses, 2 threads and a
// 100 ms checkpoint interval. Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tabella::testing {

struct LedgerArgs {
  std::string binary;  // the tabella-ledger executable
  std::filesystem::path data_dir;
  std::string origin;
  std::string authority_hex;
  std::string cosign_wait = "2s";
  std::vector<std::string> witness_urls;
};

inline std::vector<std::string> ledger_command(const LedgerArgs& a, std::uint16_t port) {
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
                                "100ms",
                                "--cosign-wait",
                                a.cosign_wait};
  for (const auto& url : a.witness_urls) {
    args.push_back("--witness");
    args.push_back(url);
  }
  return args;
}

}  // namespace tabella::testing
