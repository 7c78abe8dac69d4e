// tabella-ledger witness: follows one ledger, verifies every entry and every checkpoint, and
// serves the C2SP tlog-witness API. Accepts no submissions.
#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

#include "tabella/server/config.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/http_server.h"
#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/server/witness/witness_service.h"
#include "tabella/util/cli_parse.h"
#include "tabella/util/mutex.h"

namespace tabella::server::witness {

int run_witness(int argc, char** argv) {
  LogFollower::Options follow;
  std::string listen = "127.0.0.1:8650";
  std::string data_dir = "witness-data";
  std::string key_file;
  std::string name = "tabella-witness";
  std::string poll = "1s";
  bool print_key = false;
  CLI::App app{"tabella-ledger witness: follow a ledger, verify it, cosign its checkpoints"};
  app.add_option("--ledger", follow.ledger_url, "The ledger to follow (http://host:port)");
  app.add_option("--listen", listen, "host:port to serve /add-checkpoint on")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "Witness state and evidence")->capture_default_str();
  app.add_option("--key-file", key_file, "Witness key (default <data-dir>/witness.key)");
  app.add_option("--name", name, "Witness key name (C2SP signed-note)")->capture_default_str();
  app.add_option("--log-key", follow.log_key, "Pin the ledger's note verifier key");
  app.add_option("--poll", poll, "How often to read the ledger's checkpoint")
      ->capture_default_str();
  app.add_flag("--print-verifier-key", print_key, "Print the witness verifier key and exit");
  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;
  if (!ledger::is_valid_key_name(name)) {
    std::cerr << "--name: not a valid key name\n";
    return 2;
  }
  if (key_file.empty()) key_file = data_dir + "/witness.key";
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  auto key = load_or_create_ledger_key(key_file);
  if (!key) {
    std::cerr << key.error().describe() << "\n";
    return 1;
  }
  if (print_key) {
    std::cout << ledger::CosignatureSigner(name, **key).verifier_key() << "\n";
    return 0;
  }
  if (follow.ledger_url.empty()) {
    std::cerr << "--ledger is required\n";
    return 2;
  }
  auto interval = parse_duration(poll);
  auto address = parse_listen(listen);
  if (!interval || !address) {
    std::cerr << (interval ? address.error().describe() : interval.error().describe()) << "\n";
    return 2;
  }
  auto store = ledger::FileWitnessStore::open(data_dir);
  if (!store) {
    std::cerr << store.error().describe() << "\n";
    return 1;
  }
  auto w = ledger::Witness::open(name, **key, **store);
  if (!w) {
    std::cerr << w.error().describe() << "\n";
    return 1;
  }
  LogFollower follower(follow, **w);
  Status started = follower.start();
  for (int i = 0; !started.ok() && started.error().code == ErrorCode::kIo && i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    started = follower.start();
  }
  if (!started.ok()) {
    std::cerr << "cannot follow " << follow.ledger_url << ": " << started.error().describe()
              << "\n";
    return 1;
  }
  Router router;
  register_witness_routes(router, **w, &follower);
  router.add("GET", "/healthz",
             [](const Request&, Responder respond) { respond(json_ok("{\"ok\":true}")); });
  Metrics metrics;
  HttpServerOptions http;
  http.host = address->host;
  http.port = address->port;
  http.handle_signals = true;
  HttpServer server(http, router, &metrics);
  if (Status st = server.start(); !st.ok()) {
    std::cerr << st.error().describe() << "\n";
    return 1;
  }
  std::printf("listening on %s\nwitness key %s\nfollowing %s\n", server.url().c_str(),
              (*w)->verifier_key().c_str(), follower.origin().c_str());
  std::fflush(stdout);

  struct {
    Mutex mu;
    CondVar cv;
    bool stop TABELLA_GUARDED_BY(mu) = false;
  } shared;
  std::thread poller([&] {
    for (;;) {
      auto r = follower.poll_once();
      if (!r) {
        log_event(r.error().code == ErrorCode::kConflict ? LogLevel::kError : LogLevel::kWarn,
                  "witness_poll", {{"message", r.error().describe()}});
      }
      MutexLock lock(shared.mu);
      const auto deadline = std::chrono::steady_clock::now() + *interval;
      while (!shared.stop && shared.cv.wait_until(shared.mu, deadline)) {
      }
      if (shared.stop) break;
    }
  });
  std::string reason = server.wait_for_signal();
  log_event(LogLevel::kInfo, "stopping", {{"reason", reason}});
  {
    MutexLock lock(shared.mu);
    shared.stop = true;
  }
  shared.cv.notify_all();
  poller.join();
  server.stop();
  return 0;
}

}  // namespace tabella::server::witness
