// Fuzz target: raw bytes -> the Beast request parser with the server's limits -> the election
// ledger's routes (submit, receipts, ballot lookup, proofs, tiles, checkpoint, export, status)
// over a real SQLite file holding a small election with its polls open and a few ballots cast.
// Any input must produce either a parse error mapped to a 4xx JSON reply or exactly one response;
// errors are JSON; nothing answers 5xx (no storage failure is injected); never a crash.
#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>

#include "http_fuzz_support.h"
#include "support/election_sim.h"
#include "tabella/ledger/note.h"
#include "tabella/server/committer.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/http_parse.h"
#include "tabella/server/ledger_api.h"
#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"
#include "tabella/server/sqlite_storage.h"
#include "tabella/server/thread_pool.h"

namespace {

using namespace tabella;
using namespace tabella::server;

struct World {
  std::filesystem::path dir;
  testing::SimElection sim;
  std::unique_ptr<SqliteStorage> storage;
  Metrics metrics;
  std::unique_ptr<ElectionLedger> ledger;
  ThreadPool pool{1};
  std::unique_ptr<Committer> committer;
  Router router;

  World() {
    set_logging_enabled(false);
    testing::SimOptions o;
    o.ballots = 4;
    o.challenged = 1;
    o.seed = "election-http-fuzz";
    sim = testing::simulate_election(o);
    dir = std::filesystem::temp_directory_path() /
          ("tabella-election-http-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    storage = std::move(*SqliteStorage::open(dir));
    auto opened = ElectionLedger::open(
        *storage,
        LedgerIdentity{sim.manifest.origin, sim.authority, sim.shared_ledger_signing_key()},
        &metrics);
    if (!opened) std::abort();
    ledger = std::move(*opened);
    committer = std::make_unique<Committer>(*storage, *ledger, Committer::Options{}, &metrics);
    register_ledger_api(router, LedgerApi{*committer, metrics});
    ledger->register_routes(router, *committer, pool);
    // The election up to the first cast ballots and the challenged one: polls stay open, so
    // fuzzed ballots meet every rule (token, chain, proofs) rather than "polls closed".
    std::size_t stop = sim.find(record::EntryType::kCastBallot, 2);
    for (std::size_t i = 0; i < stop; ++i) {
      Request req;
      req.method = "POST";
      req.target = req.path = "/v1/entries";
      req.body = nlohmann::json{{"entry", to_base64(sim.entries[i])}}.dump();
      if (fuzz::handle_sync(router, req).status != 200) std::abort();
    }
    cleanup_dir() = dir;
    std::atexit([] { std::filesystem::remove_all(cleanup_dir()); });
  }
  static std::filesystem::path& cleanup_dir() {
    static std::filesystem::path p;
    return p;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // lives for the whole run (threads inside)
  HttpLimits limits;
  limits.body_limit = 1u << 16;
  limits.header_limit = 4096;
  auto response = fuzz::fuzz_one_request(world->router, data, size, limits);
  if (!response) return 0;
  Response& r = *response;
  if (r.stream) {
    // Drain a streamed body (the export) to its end: every chunk must come out.
    for (;;) {
      auto chunk = r.stream();
      if (!chunk) __builtin_trap();
      if (!chunk->has_value()) break;
    }
  }
  return 0;
}
