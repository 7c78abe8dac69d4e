// Fuzz target: raw bytes -> the Beast request parser with the server's limits -> the Router with
// /healthz, /metrics and the tests' opaque entry routes (tests/support/accept_all_ledger.h,
// backed by the in-memory storage of tests/support/test_storage.h). Any input must produce
// either a parse error mapped to a 4xx JSON reply or exactly one response from the router;
// never a crash.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "http_fuzz_support.h"
#include "support/accept_all_ledger.h"
#include "support/test_storage.h"
#include "tabella/server/committer.h"
#include "tabella/server/http_parse.h"
#include "tabella/server/ledger_api.h"
#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"
#include "tabella/server/thread_pool.h"

namespace {

using namespace tabella;
using namespace tabella::server;

struct World {
  testing::MemoryStorage storage;
  Metrics metrics;
  ThreadPool pool{1};
  testing::AcceptAllHooks hooks;
  Committer committer{storage, hooks, Committer::Options{}, &metrics};
  Router router;
  World() {
    set_logging_enabled(false);
    register_ledger_api(router, LedgerApi{committer, metrics});
    testing::register_opaque_entry_routes(router, {storage, committer, pool, metrics, {}});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // lives for the whole run (threads inside)
  HttpLimits limits;
  limits.body_limit = 4096;
  limits.header_limit = 2048;
  (void)fuzz::fuzz_one_request(world->router, data, size, limits);
  return 0;
}
