// Feeding a ledger under test with an election's entries, as the integration, cluster and crash
// tests do:
//   entry_post_body   the body of POST /v1/entries for one entry: {"entry": "<base64>"}.
//   KioskWriters      one thread per author (kiosk), each sending that author's entries in
//                     chain order (the way real kiosks talk to a ledger at the same time),
//                     counting the acknowledged ones.
//   witnessed_manifest  a copy of a manifest that names the given witnesses with a quorum, for
//                     SimOptions::manifest_file.
//
// Thread-safety: entry_post_body and witnessed_manifest are pure apart from the file written;
// KioskWriters is owned by one test thread (its submit function runs on its own threads).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tabella/util/bytes.h"

namespace tabella::testing {

std::string entry_post_body(ByteView entry);

class KioskWriters {
 public:
  // Sends submit(position, nth) for every entry of entries[first, end) (the polling-day
  // ballots), grouped by author, on one thread per author, in order; nth counts that author's
  // entries from 0. A submit that returns false stops its author's thread.
  KioskWriters(const std::vector<Bytes>& entries, std::size_t first, std::size_t end,
               std::function<bool(std::size_t position, std::size_t nth)> submit);
  ~KioskWriters();  // join()
  KioskWriters(const KioskWriters&) = delete;
  KioskWriters& operator=(const KioskWriters&) = delete;

  // How many submits have returned true so far.
  int acknowledged() const { return acknowledged_.load(); }
  // Waits (polling every 2 ms) until acknowledged() >= n or every thread has finished.
  void wait_for(int n) const;
  // Waits for every thread to finish.
  void join();

 private:
  std::atomic<int> acknowledged_{0};
  std::atomic<int> running_{0};
  std::vector<std::thread> threads_;
};

// One witness a manifest names: the name and the verifier key (C2SP note verifier key).
struct ManifestWitness {
  std::string name;
  std::string verifier_key;
};

// Writes to `file` the manifest `source_dir`/ballots/demo-general.json with `witnesses` and
// `quorum` (none named: the file as it is), and returns its path relative to `source_dir` (what
// SimOptions::manifest_file takes).
std::string witnessed_manifest(const std::filesystem::path& source_dir,
                               const std::filesystem::path& file,
                               const std::vector<ManifestWitness>& witnesses, unsigned quorum);

}  // namespace tabella::testing
