// The election tabella-loadgen posts: its setup entries and N cast ballots, generated in parallel
// and cached on disk so that a later run with the same parameters reuses them.
//
// Generation: the setup (authority, guardians' key ceremony, one kiosk per connection, ledger key)
// comes from the test simulator (tests/support/election_sim.h) with no ballots; then the token
// commitments for N voters, and the N ballots, each kiosk's ballots encrypted in order on its own
// chain (a ballot's chain position needs the previous ballot's code), the kiosks spread over all
// cores. Ballot n is cast at kiosk n mod K with the simulator's deterministic choices; every
// random draw comes from a seeded generator per kiosk, so the same parameters give the same
// election whatever the thread count.
//
// Cache: a directory <cache-dir>/<key>, the key naming every parameter (format version, manifest
// name and the SHA-256 of its bytes, N, K, seed), holding
//   entries.bin   every entry in log order, each as u32be(length) || the entry's bytes
//   keys/         ledger.pem (the checkpoint signer) and kiosk-<i>.pem (i = 0..K-1, in
//                 enrolment order), PKCS#8 PEM, mode 0600
//   header.json   {"format": "tabella-loadgen-cache", "version": 1, the parameters, "entries"
//                 (count), "first_ballot" (index of the first cast ballot), "entries_bytes" (size
//                 of entries.bin), "entries_digest" (hex of d_count, d_0 = 32 zero bytes,
//                 d_i = SHA-256(d_(i-1) || entry_(i-1))), "origin", "authority" (hex),
//                 "ledger_key" (the note verifier key)}
// A cache is built in a temporary sibling directory and renamed into place once complete, so a
// crash never leaves a half-written <key>. A cache whose header is missing, of another format or
// version, of other parameters, whose entries.bin has another size or digest or entry count, or
// whose keys do not load or do not match the entries, is reported and regenerated, never used.
//
// Thread-safety: load_or_generate is a program step; it runs its own worker threads.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "support/election_sim.h"

namespace tabella::loadgen {

struct ElectionOptions {
  std::string manifest_file = "ballots/demo-general.json";  // relative to the source tree
  std::uint32_t ballots = 2000;
  std::uint32_t kiosks = 8;
  std::string seed = "tabella-loadgen";
  std::string cache_dir;  // empty: generate in memory, cache nothing
  unsigned threads = 0;   // 0: every core
};

struct Election {
  // manifest, entries (setup, then token commitments, polls-open, then the ballots; no
  // polls-close), authority, ledger_key, q, and in keys the ledger's and every kiosk's key.
  testing::SimElection sim;
  std::size_t first_ballot = 0;  // index of the first cast ballot; they run to entries.size()
  std::string cache_path;        // the cache directory used ("" without a cache)
  bool from_cache = false;       // reused, not generated
};

// The election for these options: read from the cache when a valid one exists, else generated
// (progress lines on `progress`) and, with a cache dir, written there (a cache that cannot be
// written is reported on `progress` and the election is returned all the same). Throws
// std::runtime_error when generation fails.
Election load_or_generate(const ElectionOptions& options, std::FILE* progress);

// The cache directory for these options (under options.cache_dir).
std::string cache_path(const ElectionOptions& options);

}  // namespace tabella::loadgen
