// tabella-loadgen: measures the election ledger's ballot throughput end to end.
//
//   1. Builds a complete election setup and N valid ballots in memory (the steps of
//      tests/support/election_sim.h: authority, guardians' key ceremony, kiosks, tokens), one
//      kiosk per connection so each kiosk's chain is submitted in order on its own connection.
//   2. Starts tabella-ledger (--ledger-bin) on a fresh data dir with the election's ledger key,
//      posts the setup entries over HTTP, then the ballots over C concurrent keep-alive
//      connections (optionally paced to --rate ballots/s in total).
//   3. Reports ballots/s, p50/p99/max latency, the ledger process's CPU use (from /proc), and the
//      verification bound: ballots/s that this machine's cores reach doing nothing but
//      record::precheck on the same ballots, measured in the same run.
//
// Thread-safety: a program; one thread per connection.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "tabella/record/state.h"

namespace {

using namespace tabella;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  std::vector<std::string> v;
  while (fields >> f) v.push_back(f);
  if (v.size() < 13) return 0;
  // After ") ": state(0) ... utime is field 14 overall -> index 11, stime index 12.
  double ticks = std::stod(v[11]) + std::stod(v[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Child {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

Child start_ledger(const std::string& bin, const std::string& dir, const std::string& origin,
                   const std::string& authority, const std::string& interval) {
  int out[2];
  if (pipe(out) != 0) return {};
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);  // one log line per request
    close(out[0]);
    close(out[1]);
    execl(bin.c_str(), bin.c_str(), "--listen", "127.0.0.1:0", "--data-dir", dir.c_str(),
          "--origin", origin.c_str(), "--authority-key", authority.c_str(), "--checkpoint-interval",
          interval.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  close(out[0]);
  auto colon = line.rfind(':');
  if (line.rfind("listening on http://", 0) == 0 && colon != std::string::npos) {
    c.port = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
  }
  return c;
}

double own_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string ledger_bin;
  std::uint32_t ballots = 2000;
  std::uint32_t connections = 8;
  double rate = 0;
  std::string interval = "1s";
  CLI::App app{"tabella-loadgen: ballot throughput of tabella-ledger"};
  app.add_option("--ledger-bin", ledger_bin, "Path of tabella-ledger")->required();
  app.add_option("--ballots", ballots, "Ballots to cast")->capture_default_str();
  app.add_option("--connections", connections, "Concurrent connections (= kiosks)")
      ->capture_default_str();
  app.add_option("--rate", rate, "Total ballots/s to offer (0: as fast as possible)")
      ->capture_default_str();
  app.add_option("--checkpoint-interval", interval, "Passed to the ledger")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (connections == 0 || ballots == 0) {
    std::fprintf(stderr, "--ballots and --connections must be positive\n");
    return 2;
  }

  // 1. The election, in memory.
  auto t0 = Clock::now();
  testing::SimOptions o;
  o.kiosks = connections;
  o.ballots = ballots;
  o.challenged = 0;
  o.finish = false;
  o.seed = "tabella-loadgen";
  testing::SimElection sim = testing::simulate_election(o);
  std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  std::size_t close_index = sim.find(record::EntryType::kPollsClose);
  std::map<PublicKeyBytes, std::vector<std::size_t>> by_kiosk;
  for (std::size_t i = first_ballot; i < close_index; ++i) {
    by_kiosk[sim.entry(i).author].push_back(i);
  }
  std::chrono::duration<double> built = Clock::now() - t0;
  std::printf("built %u ballots for %zu kiosks in %.1f s\n", ballots, by_kiosk.size(),
              built.count());

  // 3a. The verification bound: precheck of the same ballots on every core.
  record::ElectionState state;
  for (std::size_t i = 0; i < first_ballot; ++i) {
    auto c = record::precheck(sim.entries[i], state.snapshot());
    if (!c.ok() || !state.apply(*c).ok()) {
      std::fprintf(stderr, "setup entry %zu does not apply\n", i);
      return 1;
    }
  }
  const record::Snapshot snapshot = state.snapshot();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> next{first_ballot};
  std::atomic<bool> precheck_failed{false};
  auto v0 = Clock::now();
  double c0 = own_cpu_seconds();
  {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < cores; ++t) {
      workers.emplace_back([&] {
        for (std::size_t i; (i = next++) < close_index;) {
          auto c = record::precheck(sim.entries[i], snapshot);
          if (!c.ok() || !c->proofs_checked) precheck_failed = true;
        }
      });
    }
    for (auto& w : workers) w.join();
  }
  std::chrono::duration<double> vtook = Clock::now() - v0;
  double precheck_cpu = (own_cpu_seconds() - c0) / ballots;  // CPU seconds per ballot
  if (precheck_failed) {
    std::fprintf(stderr, "precheck failed on a generated ballot\n");
    return 1;
  }
  double bound = ballots / vtook.count();
  std::printf(
      "verification bound: %.0f ballots/s (precheck on %u threads, %.2f s wall); precheck CPU "
      "%.2f ms/ballot -> %.0f ballots/s on %u idle cores\n",
      bound, cores, vtook.count(), 1000 * precheck_cpu, cores / precheck_cpu, cores);

  // 2. The ledger on a fresh data dir with the election's ledger key.
  testing::TempDir dir;
  auto parsed = ledger::parse_verifier_key(sim.ledger_key);
  PublicKeyBytes pk{};
  std::copy(parsed->public_key.begin(), parsed->public_key.end(), pk.begin());
  if (!sim.keys.at(pk)->save_pem((dir.path() / "ledger.key").string()).ok()) return 1;
  Child ledger = start_ledger(ledger_bin, dir.path().string(), sim.manifest.origin,
                              to_hex(sim.authority), interval);
  if (ledger.port == 0) {
    std::fprintf(stderr, "tabella-ledger did not start\n");
    return 1;
  }
  int exit_code = 0;
  {
    testing::HttpClient setup(ledger.port);
    for (std::size_t i = 0; i < first_ballot; ++i) {
      auto r = setup.post("/v1/entries", json{{"entry", to_base64(sim.entries[i])}}.dump());
      if (!r.ok() || r->status != 200) {
        std::fprintf(stderr, "setup entry %zu refused: %s\n", i, r.ok() ? r->body.c_str() : "");
        kill(ledger.pid, SIGKILL);
        waitpid(ledger.pid, nullptr, 0);
        return 1;
      }
    }
    // Pre-encode the request bodies so the clients spend no time on base64.
    std::vector<std::string> bodies(sim.entries.size());
    for (std::size_t i = first_ballot; i < close_index; ++i) {
      bodies[i] = json{{"entry", to_base64(sim.entries[i])}}.dump();
    }
    std::vector<std::vector<double>> latencies(by_kiosk.size());
    std::atomic<std::uint64_t> errors{0};
    double cpu0 = process_cpu_seconds(ledger.pid);
    auto start = Clock::now();
    std::vector<std::thread> clients;
    std::size_t k = 0;
    for (auto& [kiosk, positions] : by_kiosk) {
      clients.emplace_back([&, k, positions = positions] {
        testing::HttpClient client(ledger.port);
        auto& lat = latencies[k];
        lat.reserve(positions.size());
        // Paced: connection k sends its j-th ballot at start + (j * C + k) / rate.
        for (std::size_t j = 0; j < positions.size(); ++j) {
          if (rate > 0) {
            auto due =
                start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                            static_cast<double>(j * by_kiosk.size() + k) / rate));
            std::this_thread::sleep_until(due);
          }
          auto t = Clock::now();
          auto r = client.post("/v1/entries", bodies[positions[j]]);
          lat.push_back(std::chrono::duration<double>(Clock::now() - t).count());
          if (!r.ok() || r->status != 200) {
            if (errors++ == 0) {
              std::fprintf(stderr, "ballot refused: %s\n", r.ok() ? r->body.c_str() : "io");
            }
            return;
          }
        }
      });
      ++k;
    }
    for (auto& c : clients) c.join();
    std::chrono::duration<double> took = Clock::now() - start;
    double cpu = process_cpu_seconds(ledger.pid) - cpu0;
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    double throughput = static_cast<double>(all.size()) / took.count();
    std::string metrics;
    if (auto m = setup.get("/metrics"); m.ok()) metrics = m->body;
    std::uint64_t commits = 0;
    if (auto pos = metrics.find("\ntabella_ledger_commits_total "); pos != std::string::npos) {
      commits = std::stoull(metrics.substr(pos + 30));
    }
    std::printf("submitted %zu ballots over %zu connections in %.2f s%s\n", all.size(),
                by_kiosk.size(), took.count(),
                rate > 0 ? (" (offered " + std::to_string(rate) + "/s)").c_str() : "");
    std::printf("throughput: %.0f ballots/s = %.0f%% of the verification bound\n", throughput,
                100 * throughput / bound);
    std::printf("latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", 1000 * percentile(all, 0.5),
                1000 * percentile(all, 0.99), 1000 * percentile(all, 1.0));
    std::printf(
        "ledger CPU: %.0f%% of one core (%.0f%% of %u cores), %.2f ms/ballot = %.0f%% of "
        "precheck's; %llu commits (%.1f ballots each)\n",
        100 * cpu / took.count(), 100 * cpu / took.count() / cores, cores,
        1000 * cpu / static_cast<double>(all.size()),
        100 * cpu / static_cast<double>(all.size()) / precheck_cpu,
        static_cast<unsigned long long>(commits),
        commits ? static_cast<double>(all.size()) / static_cast<double>(commits) : 0.0);
    for (std::size_t pos = 0;
         (pos = metrics.find("\ntabella_ledger_stage_seconds_total{", pos)) != std::string::npos;) {
      ++pos;
      auto end = metrics.find('\n', pos);
      std::printf("  %s\n", metrics.substr(pos, end - pos).c_str());
    }
    if (errors) {
      std::fprintf(stderr, "%llu connections stopped on an error\n",
                   static_cast<unsigned long long>(errors.load()));
      exit_code = 1;
    }
  }
  kill(ledger.pid, SIGTERM);
  waitpid(ledger.pid, nullptr, 0);
  return exit_code;
}
