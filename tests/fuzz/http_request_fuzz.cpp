// Fuzz target: raw bytes -> the Beast request parser with the server's limits -> the Router with
// /healthz, /metrics and the tests' opaque entry routes (tests/support/accept_all_ledger.h,
// backed by an in-memory storage). Any input must produce either a parse error mapped to a 4xx
// JSON reply or exactly one response from the router; never a crash.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "http_fuzz_support.h"
#include "support/accept_all_ledger.h"
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

// A tiny Storage in memory, enough for the generic routes.
class MemoryStorage final : public Storage {
 public:
  Result<std::uint64_t> size() override {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }
  Result<std::vector<std::uint64_t>> append_batch(std::vector<Bytes> entries,
                                                  BatchEffects) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::uint64_t> out;
    for (auto& e : entries) {
      hashes_[sha256(e)] = entries_.size();
      out.push_back(entries_.size());
      entries_.push_back(std::move(e));
    }
    return out;
  }
  Result<std::vector<Bytes>> read_range(std::uint64_t start, std::uint64_t count) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (start > entries_.size()) return make_error(ErrorCode::kOutOfRange, "past end", "start");
    std::uint64_t end = start + std::min<std::uint64_t>(count, entries_.size() - start);
    return std::vector<Bytes>(entries_.begin() + static_cast<std::ptrdiff_t>(start),
                              entries_.begin() + static_cast<std::ptrdiff_t>(end));
  }
  Result<std::optional<std::uint64_t>> find_by_hash(const Digest& h) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hashes_.find(h);
    if (it == hashes_.end()) return std::optional<std::uint64_t>();
    return std::optional<std::uint64_t>(it->second);
  }
  Result<std::optional<Bytes>> get_state(std::string_view) override {
    return std::optional<Bytes>();
  }
  Status put_state(std::vector<StateWrite>) override { return Status::success(); }
  Result<std::optional<Digest>> get_hash(std::uint32_t, std::uint64_t) override {
    return std::optional<Digest>();
  }
  Status put_hashes(std::vector<HashWrite>) override { return Status::success(); }
  Status append_checkpoint(const StoredCheckpoint&) override { return Status::success(); }
  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override {
    return std::optional<StoredCheckpoint>();
  }
  Result<std::optional<StoredCheckpoint>> get_checkpoint(std::uint64_t) override {
    return std::optional<StoredCheckpoint>();
  }
  Result<std::vector<StoredCheckpoint>> list_checkpoints() override {
    return std::vector<StoredCheckpoint>();
  }
  Status close() override { return Status::success(); }

 private:
  std::mutex mu_;
  std::vector<Bytes> entries_;
  std::map<Digest, std::uint64_t> hashes_;
};

struct World {
  MemoryStorage storage;
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
