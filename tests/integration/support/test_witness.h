// A real witness for an integration test: a key of its own (saved 0600 in its data directory,
// as `tabella-ledger witness` reads it), a free port, and the `tabella-ledger witness` process
// following a ledger. Thread-safety: owned by one test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/listening_process.h"
#include "support/process.h"
#include "tabella/crypto/ed25519.h"
#include "tabella/ledger/witness.h"

namespace tabella::testing {

struct TestWitness {
  std::string name;
  std::shared_ptr<const SigningKey> key;
  std::string verifier_key;  // what a manifest names it by
  std::filesystem::path dir;
  std::uint16_t port = 0;
  std::unique_ptr<ListeningProcess> process;  // null until start(), and once stopped

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  // A witness called `name` with a new key in `dir`/witness.key and a free port; not started.
  // A key that cannot be saved is a test failure (the process would not start).
  static TestWitness make(const std::string& name, const std::filesystem::path& dir) {
    TestWitness w;
    w.name = name;
    auto key = std::make_shared<SigningKey>(SigningKey::generate());
    w.verifier_key = ledger::CosignatureSigner(name, *key).verifier_key();
    w.dir = dir;
    std::filesystem::create_directories(dir);
    Status saved = key->save_pem((dir / "witness.key").string());
    EXPECT_TRUE(saved.ok()) << saved.error().describe();
    w.key = std::move(key);
    w.port = free_port();
    return w;
  }

  // `binary witness` (tabella-ledger's witness mode) following the ledger on `ledger_port`,
  // polling only every 30 s: its cosignatures come from the ledger's pushes and its own
  // on-demand catch-up.
  void start(const std::string& binary, std::uint16_t ledger_port) {
    process = std::make_unique<ListeningProcess>(std::vector<std::string>{
        binary, "witness", "--ledger", "http://127.0.0.1:" + std::to_string(ledger_port),
        "--listen", "127.0.0.1:" + std::to_string(port), "--data-dir", dir.string(), "--name", name,
        "--poll", "30s"});
    EXPECT_EQ(process->port(), port);
  }
};

}  // namespace tabella::testing
