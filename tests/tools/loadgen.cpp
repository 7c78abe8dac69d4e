// tabella-loadgen: measures the election ledger's ballot throughput end to end, on one
// single-node ledger or on a cluster of ledger nodes over etcd (docs/benchmarks.md).
//
//   1. Builds a complete election setup and N valid ballots (loadgen_election.h: the setup from
//      tests/support/election_sim.h, then tokens and ballots encrypted on every core), one kiosk
//      per connection so each kiosk's chain is submitted in order on its own connection; cached
//      on disk (--cache-dir) and reused by later runs with the same parameters.
//   2. Starts tabella-ledger (--ledger-bin) on a fresh data dir with the election's ledger key;
//      with --cluster-nodes N, first an etcd cluster of --etcd-members members on 127.0.0.1
//      (fresh data dirs, free ports) and then N ledger nodes with --cluster pointing at every
//      member and one shared --key-file. Posts the setup entries over HTTP (to the nodes in
//      turn, retrying like a client), waits until every node holds them, then posts the ballots
//      over C concurrent keep-alive connections (connection k to node k mod N, optionally paced
//      to --rate ballots/s in total).
//   3. Reports ballots/s, p50/p99/max latency, the ledger processes' CPU use (from /proc), the
//      etcd members' CPU and their /metrics (transactions, WAL fsync, server-side txn time), the
//      ledger's per-stage counters and commit failures (= lost etcd races in cluster mode), and
//      the verification bound: ballots/s that this machine's cores reach doing nothing but
//      record::precheck on the same ballots, measured in the same run before the ledger starts
//      and again after the ingest (the ratios use the mean of the two).
//   4. Checks that every ballot was acknowledged at a distinct index and that every node ends at
//      the same size and the same checkpoint root; exits 1 otherwise.
//
// Every process it starts (tests/support: testing::Process, testing::EtcdCluster) is stopped at
// the end, on an error, and on SIGINT/SIGTERM/SIGHUP (a signal thread stops them and removes the
// work dir); children also get SIGKILL if loadgen dies (PR_SET_PDEATHSIG).
//
// A measuring tool of the test suite, not a product: it builds its election with the test
// simulator and runs the cluster tests (tests/cluster/loadgen_cluster_test.sh); see
// docs/CONTRIBUTING.md.
//
// Thread-safety: a program; one thread per connection, plus the signal thread. The child list is
// guarded by a mutex.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "loadgen_election.h"
#include "support/cpu_clock.h"
#include "support/etcd_cluster.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "tabella/api/messages.h"
#include "tabella/record/state.h"

namespace {

using namespace tabella;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace fs = std::filesystem;

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

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// $XDG_CACHE_HOME/tabella-loadgen, else $HOME/.cache/tabella-loadgen, else /tmp/tabella-loadgen.
std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    return std::string(x) + "/tabella-loadgen";
  }
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/tabella-loadgen";
  return "/tmp/tabella-loadgen";
}

// A "VmRSS:" or "VmHWM:" line of /proc/<pid>/status, in MB (0 if unreadable).
double proc_status_mb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024;
  }
  return 0;
}

// Bytes of every regular file under `dir`.
std::uint64_t dir_bytes(const fs::path& dir) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  }
  return n;
}

// ---- CPU caps (--cpu-cap): one cgroup per process under test -----------------------------------
// Each ledger node and each etcd member gets a cgroup of its own with a CPU quota, as if each ran
// on a machine of its own with that much CPU: cgroup v2 `cpu.max` when a unified hierarchy has
// the cpu controller (/sys/fs/cgroup or /sys/fs/cgroup/unified), else cgroup v1
// `cpu.cfs_quota_us` / `cpu.cfs_period_us` under /sys/fs/cgroup/cpu. The groups are named
// tabella-loadgen-<loadgen pid>-<process name> and removed once their processes have exited.

std::mutex g_cgroups_mu;
std::vector<fs::path> g_cgroups;  // guarded by g_cgroups_mu

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

// Puts `pid` (all its threads) into a new cgroup limited to `cpus` CPUs per `period` µs. Returns
// "" or why not. A short period (10 ms by default) spreads the quota finely: with the kernel's
// 100 ms a process capped at 0.6 may run 60 ms at once and then be throttled for 40 ms, a pause
// a slower machine of its own would not make and that lands on whatever request is in flight.
std::string cap_cpu(pid_t pid, const std::string& name, double cpus, long period) {
  const long quota = std::max(1000L, static_cast<long>(cpus * static_cast<double>(period)));
  const std::string group = "tabella-loadgen-" + std::to_string(::getpid()) + "-" + name;
  for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    std::ifstream controllers(fs::path(root) / "cgroup.controllers");
    std::string word;
    bool has_cpu = false;
    while (controllers >> word) has_cpu |= word == "cpu";
    if (!has_cpu) continue;
    fs::path dir = fs::path(root) / group;
    std::error_code ec;
    (void)write_file(fs::path(root) / "cgroup.subtree_control", "+cpu");
    if (!fs::create_directory(dir, ec) && ec) return "cannot create " + dir.string();
    {
      std::lock_guard<std::mutex> lock(g_cgroups_mu);
      g_cgroups.push_back(dir);
    }
    if (!write_file(dir / "cpu.max", std::to_string(quota) + " " + std::to_string(period))) {
      return "cannot write " + (dir / "cpu.max").string();
    }
    if (!write_file(dir / "cgroup.procs", std::to_string(pid))) {
      return "cannot move pid " + std::to_string(pid) + " into " + dir.string();
    }
    return "";
  }
  fs::path dir = fs::path("/sys/fs/cgroup/cpu") / group;
  std::error_code ec;
  if (!fs::is_directory("/sys/fs/cgroup/cpu")) return "no cgroup cpu controller (v2 or v1)";
  if (!fs::create_directory(dir, ec) && ec) return "cannot create " + dir.string();
  {
    std::lock_guard<std::mutex> lock(g_cgroups_mu);
    g_cgroups.push_back(dir);
  }
  if (!write_file(dir / "cpu.cfs_period_us", std::to_string(period)) ||
      !write_file(dir / "cpu.cfs_quota_us", std::to_string(quota))) {
    return "cannot set the CPU quota of " + dir.string();
  }
  if (!write_file(dir / "cgroup.procs", std::to_string(pid))) {
    return "cannot move pid " + std::to_string(pid) + " into " + dir.string();
  }
  return "";
}

// Removes the groups (their processes have exited).
void remove_cgroups() {
  std::vector<fs::path> dirs;
  {
    std::lock_guard<std::mutex> lock(g_cgroups_mu);
    dirs.swap(g_cgroups);
  }
  for (const auto& d : dirs) ::rmdir(d.c_str());
}

// ---- Child processes: registered so that a signal stops them gracefully. ---------------------
// Each is a testing::Process (tests/support/process.h): SIGTERM then SIGKILL when it goes out of
// scope, and SIGKILL from the kernel if loadgen dies (PR_SET_PDEATHSIG).

std::mutex g_children_mu;
std::vector<pid_t> g_children;  // guarded by g_children_mu
fs::path g_remove_on_signal;    // guarded by g_children_mu; the work dir when it is temporary

void remember_child(pid_t pid) {
  std::lock_guard<std::mutex> lock(g_children_mu);
  if (pid > 0) g_children.push_back(pid);
}

void forget_child(pid_t pid) {
  std::lock_guard<std::mutex> lock(g_children_mu);
  g_children.erase(std::remove(g_children.begin(), g_children.end(), pid), g_children.end());
}

// SIGTERM, then SIGKILL after 10 s; reaps the child. Returns false if it had to be killed.
bool stop_child(testing::Process& process) {
  pid_t pid = process.pid();
  if (pid <= 0) return true;
  int status = process.stop(std::chrono::seconds(10));
  forget_child(pid);
  return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

// Blocks SIGINT/SIGTERM/SIGHUP in every thread and handles them on one thread: stops every
// child, removes a temporary work dir, exits 130.
void install_signal_thread() {
  static sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never reaches
  // sigwait: restore the default first.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    std::vector<pid_t> pids;
    fs::path dir;
    {
      std::lock_guard<std::mutex> lock(g_children_mu);
      pids = g_children;
      dir = g_remove_on_signal;
    }
    std::fprintf(stderr, "\nsignal %d: stopping %zu processes\n", sig, pids.size());
    for (pid_t p : pids) kill(p, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    for (pid_t p : pids) {
      while (waitpid(p, nullptr, WNOHANG) == 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      kill(p, SIGKILL);
      waitpid(p, nullptr, 0);
    }
    remove_cgroups();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
    _exit(130);
  }).detach();
}

// ---- Processes under test ---------------------------------------------------------------------

struct Node {
  std::unique_ptr<testing::Process> process;
  std::uint16_t port = 0;
  pid_t pid = -1;
};

// Starts tabella-ledger with `args` after the binary and reads its "listening on" line; its
// stderr goes to `log` ("" = kept in memory only, shown when it does not start).
Node start_ledger(const std::string& bin, const std::vector<std::string>& args,
                  const std::string& log) {
  std::vector<std::string> argv{bin};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::Process::Options options;
  options.log_file = log;
  options.keep = 64u << 10;
  Node n;
  n.process = std::make_unique<testing::Process>(std::move(argv), std::move(options));
  n.pid = n.process->pid();
  remember_child(n.pid);
  auto port = n.process->wait_listening();
  if (port) {
    n.port = *port;
  } else {
    std::fprintf(stderr, "%s\n", port.error().describe().c_str());
  }
  return n;
}

// ---- Metrics ----------------------------------------------------------------------------------

// A Prometheus text page as {"name{labels}" -> value}.
using Scrape = std::map<std::string, double>;

Scrape scrape(std::uint16_t port) {
  Scrape out;
  testing::HttpClient c(port);
  auto r = c.get("/metrics");
  if (!r.ok() || r->status != 200) return out;
  std::istringstream in(r->body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    try {
      out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
    } catch (const std::exception&) {
    }
  }
  return out;
}

// after - before, summed over the series whose name starts with `name` and contains every
// string of `has`.
double delta(const Scrape& before, const Scrape& after, const std::string& name,
             const std::vector<std::string>& has = {}) {
  double sum = 0;
  for (const auto& [key, value] : after) {
    if (key.rfind(name, 0) != 0) continue;
    if (key.size() > name.size() && key[name.size()] != '{') continue;
    bool all = true;
    for (const auto& h : has) all = all && key.find(h) != std::string::npos;
    if (!all) continue;
    auto it = before.find(key);
    sum += value - (it == before.end() ? 0 : it->second);
  }
  return sum;
}

// The ledger's seconds per stage (tabella_ledger_stage_seconds_total) from `before` to `after`.
std::map<std::string, double> stage_seconds(const Scrape& before, const Scrape& after) {
  std::map<std::string, double> out;
  const std::string prefix = "tabella_ledger_stage_seconds_total{stage=\"";
  for (const auto& [key, value] : after) {
    if (key.rfind(prefix, 0) != 0) continue;
    auto it = before.find(key);
    out[key.substr(prefix.size(), key.size() - prefix.size() - 2)] =
        value - (it == before.end() ? 0 : it->second);
  }
  return out;
}

// The verification pool's queue waits (tabella_ledger_pool_wait_seconds) from `before` to
// `after`, one line: per queue the tasks taken, their mean wait and the bucket bound under which
// 99% of them waited.
std::string pool_waits(const Scrape& before, const Scrape& after) {
  const std::string name = "tabella_ledger_pool_wait_seconds";
  std::string out;
  for (const char* queue : {"reply", "admitted", "new"}) {
    const std::string label = "queue=\"" + std::string(queue) + "\"";
    double n = delta(before, after, name + "_count", {label});
    double sum = delta(before, after, name + "_sum", {label});
    std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
    const std::string prefix = name + "_bucket{" + label + ",le=\"";
    for (const auto& [key, value] : after) {
      if (key.rfind(prefix, 0) != 0) continue;
      std::string le = key.substr(prefix.size(), key.size() - prefix.size() - 2);
      auto it = before.find(key);
      buckets.emplace_back(le == "+Inf" ? HUGE_VAL : std::stod(le),
                           value - (it == before.end() ? 0 : it->second));
    }
    std::sort(buckets.begin(), buckets.end());
    double p99 = 0;  // ms; 0: no task
    for (const auto& [le, count] : buckets) {
      if (n > 0 && count >= 0.99 * n) {
        p99 = 1000 * le;
        break;
      }
    }
    char line[160];
    std::snprintf(line, sizeof line, "%s %s %.0f, mean %.2f ms, p99 <= %g ms",
                  out.empty() ? "" : ";", queue, n, n > 0 ? 1000 * sum / n : 0.0, p99);
    out += line;
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// ---- Submitting -------------------------------------------------------------------------------

struct Posted {
  bool ok = false;
  std::uint64_t index = 0;
  unsigned retries = 0;
  std::string error;
};

// A 409 for a lost cluster race (reason append_race: the node gave up after its own retries).
bool lost_race(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return false;
  auto e = api::ErrorBody::from_json(j);
  return e.ok() && e->reason == ErrorReason::kAppendRace;
}

// POSTs one entry, retrying like a client: on a connection failure, a 5xx, or a 409 for a lost
// cluster race. Appends are idempotent: a retried entry that had committed is answered with its
// original index.
Posted post_entry(testing::HttpClient& client, const std::string& body) {
  Posted p;
  for (unsigned attempt = 0;; ++attempt) {
    auto r = client.post("/v1/entries", body);
    bool retry = !r.ok() || r->status >= 500 || (r->status == 409 && lost_race(r->body));
    if (!retry) {
      if (r->status != 200) {
        p.error = std::to_string(r->status) + " " + r->body;
        return p;
      }
      try {
        p.index = json::parse(r->body).at("index").get<std::uint64_t>();
        p.ok = true;
      } catch (const std::exception& e) {
        p.error = std::string("unreadable answer: ") + e.what();
      }
      return p;
    }
    if (attempt >= 30) {
      p.error = r.ok() ? std::to_string(r->status) + " " + r->body : r.error().describe();
      return p;
    }
    ++p.retries;
    // A well-behaved kiosk: a busy ledger's Retry-After is honoured.
    if (r.ok() && r->status == 503 && r->headers.count("retry-after")) {
      std::this_thread::sleep_for(std::chrono::seconds(std::stoi(r->headers["retry-after"])));
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20u * (attempt + 1), 500u)));
  }
}

std::optional<std::string> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');) {
    fs::path p = fs::path(d.empty() ? "." : d) / name;
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return std::nullopt;
}

// Replays entries [0, n) as ElectionLedger's rebuild does without stored state (decode and
// apply, no signature or proof checks) and returns the CPU seconds it took, or -1 if an entry
// does not replay.
double replay_once(const std::vector<Bytes>& entries, std::size_t n) {
  double c0 = testing::cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  record::ElectionState state;
  for (std::size_t i = 0; i < n && i < entries.size(); ++i) {
    auto entry = record::Entry::decode(entries[i]);
    if (!entry) return -1;
    auto body = record::decode_body(entry->type, entry->body);
    if (!body) return -1;
    record::CheckedEntry c{std::move(*entry), std::move(*body), sha256(entries[i]), true,
                           ledger::leaf_hash(entries[i])};
    if (!state.apply(c).ok()) return -1;
  }
  return testing::cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
}

// The in-memory part of what one lost cluster race costs a node at log size n: the least of 3
// replays.
double rebuild_cpu_seconds(const std::vector<Bytes>& entries, std::size_t n) {
  double best = replay_once(entries, n);
  for (int i = 0; i < 2; ++i) best = std::min(best, replay_once(entries, n));
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ledger_bin, etcd_bin, work_dir, export_file;
  std::string cache_dir = default_cache_dir();
  bool no_cache = false, generate_only = false;
  unsigned gen_threads = 0;
  std::uint32_t bound_ballots = 5000;
  std::uint32_t ballots = 2000;
  std::uint32_t refused = 0;
  std::uint32_t hostile = 0;
  std::string manifest_file;
  std::uint32_t connections = 8;
  std::uint32_t cluster_nodes = 0;
  std::uint32_t etcd_members = 0;
  double rate = 0;
  double cpu_cap = 0;
  long cpu_cap_period = 10000;  // µs
  std::string interval = "1s";
  CLI::App app{
      "tabella-loadgen: ballot throughput of tabella-ledger, single-node or a cluster of nodes "
      "on etcd (docs/benchmarks.md)"};
  app.add_option("--ledger-bin", ledger_bin,
                 "Path of tabella-ledger (required unless --generate-only)");
  app.add_option("--ballots", ballots, "Ballots to cast")->capture_default_str();
  app.add_option("--manifest", manifest_file,
                 "Election manifest, relative to the source tree (default: the simulation's, "
                 "ballots/demo-general.json)");
  app.add_option("--refused", refused,
                 "After the ballots, send this many requests of each refused kind (bad "
                 "signature, unenrolled key, spent token, stored duplicate, oversized) on one "
                 "connection and report the ledger's CPU per request (/proc, node 0)");
  app.add_option("--hostile", hostile,
                 "During the ballot run, this many more connections flood node 0 with ballots "
                 "signed by an unenrolled key (valid proofs, refused 401) as fast as they can; "
                 "the kiosks' latency is then the latency under that flood")
      ->capture_default_str();
  app.add_option("--connections", connections,
                 "Concurrent connections (= kiosks; each kiosk's ballots in order on one)")
      ->capture_default_str();
  app.add_option("--rate", rate, "Total ballots/s to offer (0: as fast as possible)")
      ->capture_default_str();
  app.add_option("--checkpoint-interval", interval, "Passed to the ledger(s)")
      ->capture_default_str();
  std::vector<std::string> ledger_extra;
  app.add_option("--ledger-arg", ledger_extra,
                 "Extra argument for every tabella-ledger, repeatable "
                 "(e.g. --ledger-arg=--commit-linger=5ms)");
  app.add_option("--cluster-nodes", cluster_nodes,
                 "0: one single-node ledger. N >= 1: start an etcd cluster on 127.0.0.1 (fresh "
                 "data dirs, free ports) and N tabella-ledger --cluster nodes sharing one ledger "
                 "key; setup entries go to the nodes in turn, connection k posts to node k mod N; "
                 "reports per-node and etcd CPU and etcd /metrics, and fails unless every node "
                 "ends at the same size and checkpoint root")
      ->capture_default_str()
      ->check(CLI::Range(0, 9));
  bool direct_appends = false;
  app.add_flag("--direct-appends", direct_appends,
               "--cluster-nodes: every node appends its own entries to etcd (they race), instead "
               "of nodes 1.. sending theirs on to node 0 (--cluster-appender, docs/cluster.md)");
  app.add_option("--etcd-members", etcd_members,
                 "etcd members for --cluster-nodes (0: as many as nodes)")
      ->capture_default_str()
      ->check(CLI::Range(0, 9));
  app.add_option("--etcd-bin", etcd_bin,
                 "Path of etcd for --cluster-nodes (default: etcd on PATH)");
  app.add_option("--cpu-cap", cpu_cap,
                 "Put each ledger node and each etcd member in a cgroup of its own limited to "
                 "this many CPUs (e.g. 0.6), as if each had a machine of its own: cgroup v2 "
                 "cpu.max, else v1 cpu.cfs_quota_us (needs write access to /sys/fs/cgroup). "
                 "0: no cap")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 64.0));
  app.add_option("--cpu-cap-period", cpu_cap_period,
                 "CFS period of --cpu-cap in microseconds: the quota is cap x period per period. "
                 "Short periods throttle in short slices, closer to a slower machine of its own "
                 "than the kernel's 100000, which can pause a capped process for 40 ms at once")
      ->capture_default_str()
      ->check(CLI::Range(1000L, 1000000L));
  app.add_option("--cache-dir", cache_dir,
                 "Cache of generated elections: the setup, the N ballots and the keys are "
                 "generated once (on every core, with progress lines) into <dir>/v1-<manifest>-"
                 "<its sha256>-n<ballots>-k<connections>-<seed> and reused by later runs with the "
                 "same parameters; a cache that is truncated, of another format version or whose "
                 "digest does not match its header.json is reported and regenerated")
      ->capture_default_str();
  app.add_flag("--no-cache", no_cache, "Generate the election in memory, read and write no cache");
  app.add_flag("--generate-only", generate_only,
               "Generate (or check and reuse) the cached election, print its cache directory, "
               "and exit without starting a ledger");
  app.add_option(
         "--bound-ballots", bound_ballots,
         "Ballots (the first ones) prechecked to measure the verification bound, before the "
         "ledger starts and again after the ingest (0: all)")
      ->capture_default_str();
  app.add_option("--gen-threads", gen_threads, "Threads generating ballots (0: every core)")
      ->capture_default_str();
  app.add_option(
      "--export", export_file,
      "After the run, download the record with GET /v1/export (curl) from node 0 into "
      "this file and report its time, size and the ledger's RSS during it (the ledger runs "
      "with --response-timeout 600s unless a --ledger-arg sets it)");
  app.add_option("--work-dir", work_dir,
                 "Keep data dirs and logs (ledger stderr nI.log, etcd mI.log) in this new or "
                 "empty directory instead of a temporary one removed at the end");
  CLI11_PARSE(app, argc, argv);
  if (connections == 0 || ballots == 0) {
    std::fprintf(stderr, "--ballots and --connections must be positive\n");
    return 2;
  }
  const bool cluster = cluster_nodes > 0;
  if (etcd_members == 0) etcd_members = cluster_nodes;
  if (cluster && etcd_bin.empty()) {
    auto found = find_in_path("etcd");
    if (!found) {
      std::fprintf(stderr, "--cluster-nodes: no etcd on PATH; pass --etcd-bin\n");
      return 2;
    }
    etcd_bin = *found;
  }
  if (cluster && access(etcd_bin.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "--etcd-bin %s: not an executable file\n", etcd_bin.c_str());
    return 2;
  }
  if (!generate_only && access(ledger_bin.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "--ledger-bin %s: not an executable file\n", ledger_bin.c_str());
    return 2;
  }
  if (!work_dir.empty()) {
    std::error_code ec;
    fs::create_directories(work_dir, ec);
    if (ec || !fs::is_directory(work_dir) || !fs::is_empty(work_dir)) {
      std::fprintf(stderr, "--work-dir %s: must be a new or empty directory\n", work_dir.c_str());
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear as they happen, also in a pipe
  install_signal_thread();
  std::printf("load average at start: %s\n", load_average().c_str());

  // 1. The election: from the cache, or generated on every core (and cached).
  auto t0 = Clock::now();
  double g0 = testing::cpu_seconds();
  loadgen::ElectionOptions o;
  o.kiosks = connections;
  o.ballots = ballots;
  o.threads = gen_threads;
  if (!no_cache) o.cache_dir = cache_dir;
  if (!manifest_file.empty()) o.manifest_file = manifest_file;
  loadgen::Election election;
  try {
    election = loadgen::load_or_generate(o, stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot build the election: %s\n", e.what());
    return 1;
  }
  const testing::SimElection& sim = election.sim;
  const std::size_t first_ballot = election.first_ballot;
  const std::size_t close_index = sim.entries.size();
  std::map<PublicKeyBytes, std::vector<std::size_t>> by_kiosk;
  for (std::size_t i = first_ballot; i < close_index; ++i) {
    by_kiosk[sim.entry(i).author].push_back(i);
  }
  std::chrono::duration<double> built = Clock::now() - t0;
  std::printf("%s %u ballots for %zu kiosks in %.1f s (%.1f s CPU)\n",
              election.from_cache ? "read" : "built", ballots, by_kiosk.size(), built.count(),
              testing::cpu_seconds() - g0);
  if (generate_only) {
    std::printf("election: %s\n",
                election.cache_path.empty() ? "(not cached)" : election.cache_path.c_str());
    return 0;
  }

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
  const std::uint32_t sampled = std::min(ballots, bound_ballots ? bound_ballots : ballots);
  const std::size_t bound_end = first_ballot + sampled;
  // Prechecks the first `sampled` ballots on every core: ballots/s (wall) and CPU seconds per
  // ballot. Measured before the ledger starts and again after the ingest, and the two averaged:
  // this host's speed drifts by a quarter within minutes, and a bound taken on one side only
  // would move the ratio by as much.
  struct Bound {
    double per_second = 0;
    double cpu = 0;  // CPU seconds per ballot
    double wall = 0;
  };
  auto measure_bound = [&]() -> std::optional<Bound> {
    std::atomic<std::size_t> next{first_ballot};
    std::atomic<bool> precheck_failed{false};
    auto v0 = Clock::now();
    double c0 = testing::cpu_seconds();
    {
      std::vector<std::thread> workers;
      for (unsigned t = 0; t < cores; ++t) {
        workers.emplace_back([&] {
          for (std::size_t i; (i = next++) < bound_end;) {
            auto c = record::precheck(sim.entries[i], snapshot);
            if (!c.ok() || !c->proofs_checked) precheck_failed = true;
          }
        });
      }
      for (auto& w : workers) w.join();
    }
    std::chrono::duration<double> vtook = Clock::now() - v0;
    if (precheck_failed) {
      std::fprintf(stderr, "precheck failed on a generated ballot\n");
      return std::nullopt;
    }
    return Bound{sampled / vtook.count(), (testing::cpu_seconds() - c0) / sampled, vtook.count()};
  };
  auto print_bound = [&](const char* label, const Bound& b) {
    std::printf(
        "%s: %.0f ballots/s (precheck of %u ballots on %u threads, %.2f s wall); "
        "precheck CPU %.2f ms/ballot -> %.0f ballots/s on %u idle cores\n",
        label, b.per_second, sampled, cores, b.wall, 1000 * b.cpu, cores / b.cpu, cores);
  };
  auto bound_before = measure_bound();
  if (!bound_before) return 1;
  print_bound("verification bound", *bound_before);

  // 2. The ledger(s) on fresh data dirs with the election's ledger key.
  std::optional<testing::TempDir> temp;
  fs::path dir;
  if (work_dir.empty()) {
    temp.emplace();
    dir = temp->path();
    std::lock_guard<std::mutex> lock(g_children_mu);
    g_remove_on_signal = dir;
  } else {
    dir = work_dir;
  }
  auto log_path = [&](const std::string& name) {
    return work_dir.empty() ? std::string() : (dir / (name + ".log")).string();
  };
  auto parsed = ledger::parse_verifier_key(sim.ledger_key);
  PublicKeyBytes pk{};
  std::copy(parsed->public_key.begin(), parsed->public_key.end(), pk.begin());
  const std::string key_file = (dir / "ledger.key").string();
  if (!sim.keys.at(pk)->save_pem(key_file).ok()) return 1;

  // The etcd members' pids and client ports (their processes are owned by etcd_cluster).
  struct EtcdMember {
    pid_t pid = -1;
    std::uint16_t client_port = 0;
  };
  std::unique_ptr<testing::EtcdCluster> etcd_cluster;
  std::vector<EtcdMember> etcd;
  std::vector<Node> nodes;
  // Stops every node, then every etcd member; returns `code`.
  auto finish = [&](int code) {
    for (auto& n : nodes) {
      if (!stop_child(*n.process)) std::fprintf(stderr, "a ledger node did not stop on SIGTERM\n");
    }
    for (std::size_t i = 0; i < etcd.size(); ++i) {
      if (!stop_child(etcd_cluster->process(i))) {
        std::fprintf(stderr, "an etcd member did not stop on SIGTERM\n");
      }
    }
    remove_cgroups();
    return code;
  };
  auto fail = [&](const std::string& what) {
    if (!what.empty()) std::fprintf(stderr, "%s\n", what.c_str());
    if (work_dir.empty()) {
      std::fprintf(stderr, "(run with --work-dir DIR to keep the nodes' and etcd's logs)\n");
    }
    return finish(1);
  };

  std::string cluster_url;
  if (cluster) {
    // The flags of deploy/cluster.sh; --metrics extensive adds server-side request timings.
    testing::EtcdClusterOptions options;
    options.binary = etcd_bin;
    options.dir = dir;
    options.members = etcd_members;
    options.extra_args = {"--metrics", "extensive"};
    auto started = testing::EtcdCluster::start(std::move(options));
    if (!started) return fail(started.error().describe());
    etcd_cluster = std::move(*started);
    for (std::size_t i = 0; i < etcd_cluster->size(); ++i) {
      etcd.push_back({etcd_cluster->process(i).pid(), etcd_cluster->client_port(i)});
      remember_child(etcd.back().pid);
      if (cpu_cap > 0) {
        std::string why =
            cap_cpu(etcd.back().pid, "m" + std::to_string(i), cpu_cap, cpu_cap_period);
        if (!why.empty()) return fail("--cpu-cap: " + why);
      }
    }
  }
  // The export of a large record takes longer than the ledger's 30 s bound on one response
  // (docs/api.md), which would reset it halfway: with --export the ledger gets ten minutes,
  // unless a --ledger-arg sets the bound (--response-timeout=T or --response-timeout T).
  std::string response_timeout = "600s";
  bool timeout_given = false;
  for (std::size_t a = 0; a < ledger_extra.size(); ++a) {
    const std::string_view flag = "--response-timeout";
    if (ledger_extra[a] == flag && a + 1 < ledger_extra.size()) {
      response_timeout = ledger_extra[a + 1];
      timeout_given = true;
    } else if (ledger_extra[a].starts_with(std::string(flag) + "=")) {
      response_timeout = ledger_extra[a].substr(flag.size() + 1);
      timeout_given = true;
    }
  }
  for (std::uint32_t i = 0; i < std::max(1u, cluster_nodes); ++i) {
    std::string name = "n" + std::to_string(i);
    std::vector<std::string> args{"--listen",
                                  "127.0.0.1:0",
                                  "--data-dir",
                                  (dir / name).string(),
                                  "--origin",
                                  sim.manifest.origin,
                                  "--authority-key",
                                  to_hex(sim.authority),
                                  "--checkpoint-interval",
                                  interval,
                                  "--key-file",
                                  key_file};
    // --refused measures the ledger's CPU per refused request, one after another on one
    // connection: without the pause a 401 normally costs the client (docs/api.md).
    if (refused > 0) args.insert(args.end(), {"--refusal-pause", "0"});
    if (!export_file.empty() && !timeout_given) {
      args.insert(args.end(), {"--response-timeout", response_timeout});
    }
    args.insert(args.end(), ledger_extra.begin(), ledger_extra.end());
    if (cluster) {
      // Every member, node i's list starting at member i mod M: the client sticks to the member
      // that answered last, so this spreads the nodes' requests over the members.
      std::string url = "etcd://";
      for (std::size_t j = 0; j < etcd.size(); ++j) {
        url += (j ? "," : "") + std::string("127.0.0.1:") +
               std::to_string(etcd[(i + j) % etcd.size()].client_port);
      }
      args.push_back("--cluster");
      args.push_back(url);
      if (i == 0) cluster_url = url;
      if (i > 0 && !direct_appends) {
        args.push_back("--cluster-appender");
        args.push_back("http://127.0.0.1:" + std::to_string(nodes.front().port));
      }
    }
    nodes.push_back(start_ledger(ledger_bin, args, log_path(name)));
    if (nodes.back().port == 0)
      return fail("tabella-ledger node " + std::to_string(i) + " did not start");
    if (cpu_cap > 0) {
      std::string why = cap_cpu(nodes.back().pid, name, cpu_cap, cpu_cap_period);
      if (!why.empty()) return fail("--cpu-cap: " + why);
    }
  }
  const std::size_t node_count = nodes.size();
  if (cpu_cap > 0) {
    std::printf(
        "cpu cap: %.2f CPU for each of %zu ledger node%s and %zu etcd member%s (%s, period "
        "%ld us)\n",
        cpu_cap, node_count, node_count == 1 ? "" : "s", etcd.size(), etcd.size() == 1 ? "" : "s",
        g_cgroups.empty() ? "?" : g_cgroups.front().parent_path().c_str(), cpu_cap_period);
  }
  if (cluster) {
    std::printf("cluster: %zu etcd member%s (%s), %zu ledger node%s (ports", etcd.size(),
                etcd.size() == 1 ? "" : "s", cluster_url.c_str(), node_count,
                node_count == 1 ? "" : "s");
    for (const auto& n : nodes) std::printf(" %u", n.port);
    std::printf(")\n");
  }

  // Setup entries, to the nodes in turn (a node that lags catches up before validating).
  std::vector<std::unique_ptr<testing::HttpClient>> setup;
  for (const auto& n : nodes) setup.push_back(std::make_unique<testing::HttpClient>(n.port));
  unsigned setup_retries = 0;
  for (std::size_t i = 0; i < first_ballot; ++i) {
    Posted p =
        post_entry(*setup[i % node_count], json{{"entry", to_base64(sim.entries[i])}}.dump());
    setup_retries += p.retries;
    if (!p.ok) return fail("setup entry " + std::to_string(i) + " refused: " + p.error);
  }
  // Every node holds the setup (its snapshot has the election key) before the ballots start.
  for (std::size_t k = 0; k < node_count; ++k) {
    bool caught_up = false;
    for (int i = 0; i < 300 && !caught_up; ++i) {
      auto r = setup[k]->get("/v1/status");
      try {
        caught_up = r.ok() && json::parse(r->body).at("size").get<std::uint64_t>() >= first_ballot;
      } catch (const std::exception&) {
      }
      if (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!caught_up) return fail("node " + std::to_string(k) + " did not catch up with the setup");
  }
  if (setup_retries) std::printf("setup: %u retries\n", setup_retries);

  // Pre-encode the request bodies so the clients spend no time on base64.
  std::vector<std::string> bodies(sim.entries.size());
  for (std::size_t i = first_ballot; i < close_index; ++i) {
    bodies[i] = json{{"entry", to_base64(sim.entries[i])}}.dump();
  }
  std::vector<std::vector<double>> latencies(by_kiosk.size());
  std::vector<std::vector<std::uint64_t>> indices(by_kiosk.size());
  std::atomic<std::uint64_t> errors{0}, retries{0};
  std::vector<Scrape> node_before, etcd_before, node_after, etcd_after;
  for (const auto& n : nodes) node_before.push_back(scrape(n.port));
  for (const auto& m : etcd) etcd_before.push_back(scrape(m.client_port));
  std::vector<double> node_cpu0, etcd_cpu0;
  for (const auto& n : nodes) node_cpu0.push_back(process_cpu_seconds(n.pid));
  for (const auto& m : etcd) etcd_cpu0.push_back(process_cpu_seconds(m.pid));
  // Hostile connections (--hostile): the same unenrolled-key ballot, again and again.
  std::atomic<bool> hostile_stop{false};
  std::vector<std::thread> flooders;
  std::mutex hostile_mu;
  std::map<unsigned, std::uint64_t> hostile_statuses;  // guarded by hostile_mu
  if (hostile > 0 && !by_kiosk.empty()) {
    const record::Entry stored = sim.entry(by_kiosk.begin()->second.front());
    SigningKey stranger = SigningKey::generate();
    std::string body =
        json{{"entry",
              to_base64(record::Entry::make(stored.type, stored.base_hash, stored.body, stranger)
                            .encode())}}
            .dump();
    for (std::uint32_t h = 0; h < hostile; ++h) {
      flooders.emplace_back([&, body] {
        testing::HttpClient client(nodes[0].port);
        std::map<unsigned, std::uint64_t> seen;
        while (!hostile_stop) {
          auto r = client.post("/v1/entries", body);
          ++seen[r.ok() ? r->status : 0];
          if (!r.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::lock_guard<std::mutex> lock(hostile_mu);
        for (const auto& [st, n] : seen) hostile_statuses[st] += n;
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the flood is on before the kiosks
  }
  const std::uint64_t disk_before = dir_bytes(dir / "n0");
  std::atomic<std::uint64_t> acked_now{0};
  std::atomic<bool> run_over{false};
  double own0 = testing::cpu_seconds();
  auto start = Clock::now();
  // Progress: at every tenth of the ballots, the rate over that tenth and node 0's RSS and CPU.
  std::vector<double> tenth_rates;
  std::thread sampler([&] {
    std::uint64_t mark = 0;
    auto last_time = start;
    double last_cpu = process_cpu_seconds(nodes[0].pid);
    Scrape last_scrape = scrape(nodes[0].port);
    for (int tenth = 1; tenth <= 10;) {
      const std::uint64_t target = static_cast<std::uint64_t>(ballots) * tenth / 10;
      if (target <= mark) {  // passed already (few ballots)
        ++tenth;
        continue;
      }
      const std::uint64_t now_acked = acked_now;
      if (now_acked < target) {
        if (run_over) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      auto now = Clock::now();
      double dt = std::chrono::duration<double>(now - last_time).count();
      double cpu = process_cpu_seconds(nodes[0].pid);
      double tenth_rate = dt > 0 ? static_cast<double>(now_acked - mark) / dt : 0;
      tenth_rates.push_back(tenth_rate);
      std::printf(
          "  progress %3d%%: %llu ballots at %.1f s; %.0f ballots/s over this tenth, node 0 "
          "CPU %.2f ms/ballot, RSS %.1f MB\n",
          tenth * 10, static_cast<unsigned long long>(now_acked),
          std::chrono::duration<double>(now - start).count(), tenth_rate,
          now_acked > mark ? 1000 * (cpu - last_cpu) / static_cast<double>(now_acked - mark) : 0.0,
          proc_status_mb(nodes[0].pid, "VmRSS"));
      // Where that CPU went: node 0's stages over the tenth, per ballot (what grows with the log).
      Scrape now_scrape = scrape(nodes[0].port);
      std::printf("            stages ms/ballot:");
      for (const auto& [stage, sec] : stage_seconds(last_scrape, now_scrape)) {
        std::printf(" %s %.3f", stage.c_str(),
                    now_acked > mark ? 1000 * sec / static_cast<double>(now_acked - mark) : 0.0);
      }
      std::printf("\n");
      last_scrape = std::move(now_scrape);
      mark = now_acked;
      last_time = now;
      last_cpu = cpu;
      ++tenth;
    }
  });
  std::vector<std::thread> clients;
  std::size_t k = 0;
  for (auto& [kiosk, positions] : by_kiosk) {
    clients.emplace_back([&, k, positions = positions] {
      testing::HttpClient client(nodes[k % node_count].port);
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
        Posted p = post_entry(client, bodies[positions[j]]);
        lat.push_back(std::chrono::duration<double>(Clock::now() - t).count());
        retries += p.retries;
        if (!p.ok) {
          if (errors++ == 0) std::fprintf(stderr, "ballot refused: %s\n", p.error.c_str());
          return;
        }
        indices[k].push_back(p.index);
        ++acked_now;
      }
    });
    ++k;
  }
  for (auto& c : clients) c.join();
  std::chrono::duration<double> took = Clock::now() - start;
  run_over = true;
  sampler.join();
  if (tenth_rates.size() == 10) {
    std::printf(
        "ingest rate: first 10%% %.0f ballots/s, last 10%% %.0f ballots/s (last/first %.2f)\n",
        tenth_rates.front(), tenth_rates.back(), tenth_rates.back() / tenth_rates.front());
  }
  hostile_stop = true;
  for (auto& f : flooders) f.join();
  if (hostile > 0) {
    std::string seen;
    for (const auto& [st, n] : hostile_statuses) {
      seen += (seen.empty() ? "" : ", ") + std::to_string(n) + "x HTTP " + std::to_string(st);
    }
    std::printf("hostile: %u connections sent %s during the run\n", hostile, seen.c_str());
  }
  double own_cpu = testing::cpu_seconds() - own0;
  std::vector<double> node_cpu, etcd_cpu;
  for (std::size_t i = 0; i < node_count; ++i) {
    node_cpu.push_back(process_cpu_seconds(nodes[i].pid) - node_cpu0[i]);
  }
  for (std::size_t i = 0; i < etcd.size(); ++i) {
    etcd_cpu.push_back(process_cpu_seconds(etcd[i].pid) - etcd_cpu0[i]);
  }
  for (const auto& n : nodes) node_after.push_back(scrape(n.port));
  for (const auto& m : etcd) etcd_after.push_back(scrape(m.client_port));

  // The bound again, the ledger idle: the figures below use the mean of both measurements.
  auto bound_after = measure_bound();
  if (!bound_after) return 1;
  print_bound("verification bound after the ingest", *bound_after);
  const double bound = (bound_before->per_second + bound_after->per_second) / 2;
  const double precheck_cpu = (bound_before->cpu + bound_after->cpu) / 2;
  std::printf(
      "verification bound, mean of both: %.0f ballots/s, precheck CPU %.2f ms/ballot (after/before "
      "%.2f)\n",
      bound, 1000 * precheck_cpu, bound_after->per_second / bound_before->per_second);

  double cpu = 0;
  for (double c : node_cpu) cpu += c;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::size_t acked = 0;
  for (const auto& v : indices) acked += v.size();
  double throughput = static_cast<double>(acked) / took.count();
  auto sum_nodes = [&](const std::string& name, const std::vector<std::string>& has = {}) {
    double s = 0;
    for (std::size_t i = 0; i < node_count; ++i)
      s += delta(node_before[i], node_after[i], name, has);
    return s;
  };
  double commits = sum_nodes("tabella_ledger_commits_total");
  double failures = sum_nodes("tabella_ledger_commit_failures_total");
  char offered[64] = "";  // "410", "12.5": std::to_string would print six decimals
  if (rate > 0) std::snprintf(offered, sizeof offered, " (offered %g/s)", rate);
  std::printf("submitted %zu ballots over %zu connections in %.2f s%s\n", all.size(),
              by_kiosk.size(), took.count(), offered);
  std::printf("throughput: %.0f ballots/s = %.0f%% of the verification bound\n", throughput,
              100 * throughput / bound);
  std::printf("latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", 1000 * percentile(all, 0.5),
              1000 * percentile(all, 0.99), 1000 * percentile(all, 1.0));
  if (node_count > 1) {
    // By the node the ballots were posted to (connection k posts to node k mod N): with one
    // appender, node 0's own clients against those whose entries nodes 1.. sent on to it.
    std::printf("latency by node posted to:");
    for (std::size_t i = 0; i < node_count; ++i) {
      std::vector<double> mine;
      for (std::size_t c = i; c < latencies.size(); c += node_count) {
        mine.insert(mine.end(), latencies[c].begin(), latencies[c].end());
      }
      std::printf(" n%zu p50 %.1f p99 %.1f ms%s", i, 1000 * percentile(mine, 0.5),
                  1000 * percentile(mine, 0.99), i + 1 < node_count ? ";" : "\n");
    }
  }
  std::printf(
      "ledger CPU: %.0f%% of one core (%.0f%% of %u cores), %.2f ms/ballot = %.0f%% of "
      "precheck's; %.0f commits (%.1f ballots each)\n",
      100 * cpu / took.count(), 100 * cpu / took.count() / cores, cores,
      1000 * cpu / static_cast<double>(std::max<std::size_t>(acked, 1)),
      100 * cpu / static_cast<double>(std::max<std::size_t>(acked, 1)) / precheck_cpu, commits,
      commits > 0 ? static_cast<double>(acked) / commits : 0.0);
  auto print_stages = [](const Scrape& before, const Scrape& after) {
    std::printf("  stage seconds:");
    for (const auto& [stage, sec] : stage_seconds(before, after)) {
      std::printf(" %s %.3f%s", stage.c_str(), sec,
                  stage == "commit" ? " (wall)" : "");  // *_wall: wall time too
    }
    std::printf("\n  pool wait:%s\n", pool_waits(before, after).c_str());
  };
  if (!cluster) {
    print_stages(node_before[0], node_after[0]);
    // The load generator shares the cores: what it took is not the ledger's to use.
    std::printf("load generator CPU: %.0f%% of one core (%.0f us/ballot)\n",
                100 * own_cpu / took.count(),
                1e6 * own_cpu / static_cast<double>(std::max<std::size_t>(acked, 1)));
  } else {
    for (std::size_t i = 0; i < node_count; ++i) {
      double c = delta(node_before[i], node_after[i], "tabella_ledger_commits_total");
      double f = delta(node_before[i], node_after[i], "tabella_ledger_commit_failures_total");
      double csum =
          delta(node_before[i], node_after[i], "tabella_ledger_commit_duration_seconds_sum");
      std::printf(
          "node %zu: CPU %.0f%% of one core; %.0f commits, %.0f failed commits (lost etcd "
          "races), mean commit %.1f ms (etcd txn + local SQLite)\n",
          i, 100 * node_cpu[i] / took.count(), c, f, c > 0 ? 1000 * csum / c : 0.0);
      print_stages(node_before[i], node_after[i]);
    }
    double ecpu = 0;
    std::printf("etcd CPU:");
    for (std::size_t i = 0; i < etcd.size(); ++i) {
      ecpu += etcd_cpu[i];
      std::printf(" m%zu %.0f%%", i, 100 * etcd_cpu[i] / took.count());
    }
    std::printf(" of one core; total %.0f%% (%.2f ms/ballot)\n", 100 * ecpu / took.count(),
                1000 * ecpu / static_cast<double>(std::max<std::size_t>(acked, 1)));
    std::printf(
        "CPU split: ledger nodes %.0f%%, etcd %.0f%%, load generator %.0f%% of one core "
        "(%u cores: %.0f%% available)\n",
        100 * cpu / took.count(), 100 * ecpu / took.count(), 100 * own_cpu / took.count(), cores,
        100.0 * cores);
    // etcd's own counters, summed over members (a request is counted by the member that served
    // it; Raft and disk metrics by every member).
    double txn = 0, txn_s = 0, txn_n = 0, range = 0, range_s = 0, range_n = 0;
    double fsync_s = 0, fsync_n = 0, bcommit_s = 0, bcommit_n = 0, proposals = 0;
    const std::vector<std::string> kTxn{"grpc_method=\"Txn\""};
    const std::vector<std::string> kRange{"grpc_method=\"Range\""};
    for (std::size_t i = 0; i < etcd.size(); ++i) {
      const auto& b = etcd_before[i];
      const auto& a = etcd_after[i];
      txn += delta(b, a, "grpc_server_handled_total", kTxn);
      txn_s += delta(b, a, "grpc_server_handling_seconds_sum", kTxn);
      txn_n += delta(b, a, "grpc_server_handling_seconds_count", kTxn);
      range += delta(b, a, "grpc_server_handled_total", kRange);
      range_s += delta(b, a, "grpc_server_handling_seconds_sum", kRange);
      range_n += delta(b, a, "grpc_server_handling_seconds_count", kRange);
      fsync_s += delta(b, a, "etcd_disk_wal_fsync_duration_seconds_sum");
      fsync_n += delta(b, a, "etcd_disk_wal_fsync_duration_seconds_count");
      bcommit_s += delta(b, a, "etcd_disk_backend_commit_duration_seconds_sum");
      bcommit_n += delta(b, a, "etcd_disk_backend_commit_duration_seconds_count");
      proposals = std::max(proposals, delta(b, a, "etcd_server_proposals_committed_total"));
    }
    std::printf(
        "etcd: %.0f txns (server-side mean %.1f ms), %.0f ranges (mean %.1f ms), %.0f Raft "
        "proposals committed; WAL fsync mean %.2f ms (%.0f over all members), backend commit "
        "mean %.2f ms\n",
        txn, txn_n > 0 ? 1000 * txn_s / txn_n : 0.0, range,
        range_n > 0 ? 1000 * range_s / range_n : 0.0, proposals,
        fsync_n > 0 ? 1000 * fsync_s / fsync_n : 0.0, fsync_n,
        bcommit_n > 0 ? 1000 * bcommit_s / bcommit_n : 0.0);
    double publish = sum_nodes("tabella_ledger_stage_seconds_total", {"stage=\"publish\""});
    const std::size_t final_size = first_ballot + acked;
    double replay_setup = rebuild_cpu_seconds(sim.entries, first_ballot);
    double replay_full = rebuild_cpu_seconds(sim.entries, final_size);
    double rollbacks = sum_nodes("tabella_ledger_batch_rollbacks_total");
    double rebuilds = sum_nodes("tabella_ledger_state_rebuilds_total");
    std::printf(
        "conflicts: %.0f of %.0f append attempts lost the etcd race (%.0f%%); %.0f undone in "
        "memory (O(batch)), %.0f rebuilt from stored state; a full replay (decode + apply, a "
        "start without stored state) would cost %.1f ms CPU for the %zu setup entries + %.2f ms "
        "per ballot = %.1f ms at the final %zu entries; the nodes' publish stage (which includes "
        "undos and rebuilds) took %.2f s CPU\n",
        failures, commits + failures,
        commits + failures > 0 ? 100 * failures / (commits + failures) : 0.0, rollbacks, rebuilds,
        1000 * replay_setup, first_ballot,
        acked > 0 ? 1000 * (replay_full - replay_setup) / static_cast<double>(acked) : 0.0,
        1000 * replay_full, final_size, publish);
    std::printf(
        "catch-ups: %.0f fed by the watch alone (no request to etcd), %.0f read from etcd\n",
        sum_nodes("tabella_ledger_etcd_catch_ups_total", {"source=\"watch\""}),
        sum_nodes("tabella_ledger_etcd_catch_ups_total", {"source=\"read\""}));
    std::printf("client retries: %llu\n", static_cast<unsigned long long>(retries.load()));
    std::printf(
        "forwarded to the appender (node 0): %.0f stored, %.0f without a usable answer, %.0f "
        "not sent%s\n",
        sum_nodes("tabella_ledger_forwarded_total", {"outcome=\"stored\""}),
        sum_nodes("tabella_ledger_forwarded_total", {"outcome=\"failed\""}),
        sum_nodes("tabella_ledger_forwarded_total", {"outcome=\"declined\""}),
        direct_appends ? " (--direct-appends: none)" : "");
  }

  // 4. Every ballot acknowledged once, every node at the same size and root.
  int exit_code = 0;
  std::string problem;
  if (errors || acked != ballots) {
    problem = std::to_string(ballots - acked) + " of " + std::to_string(ballots) +
              " ballots not acknowledged (" + std::to_string(errors.load()) +
              " connections stopped on an error)";
  } else {
    std::vector<std::uint64_t> all_indices;
    for (const auto& v : indices) all_indices.insert(all_indices.end(), v.begin(), v.end());
    std::sort(all_indices.begin(), all_indices.end());
    for (std::size_t i = 0; i < all_indices.size() && problem.empty(); ++i) {
      if (all_indices[i] != first_ballot + i) {
        problem = "acknowledged indices are not " + std::to_string(first_ballot) + ".." +
                  std::to_string(first_ballot + ballots - 1) + " each once";
      }
    }
  }
  const std::uint64_t expected = first_ballot + acked;
  std::vector<std::string> roots(node_count);
  for (std::size_t n = 0; n < node_count && problem.empty(); ++n) {
    testing::HttpClient c(nodes[n].port);
    std::string note;
    for (int i = 0; i < 300; ++i) {  // a node may still be catching up; checkpoints every interval
      auto r = c.get("/checkpoint");
      note = r.ok() ? r->body : "";
      if (note.find("\n" + std::to_string(expected) + "\n") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::istringstream lines(note);
    std::string origin, size, root;
    std::getline(lines, origin);
    std::getline(lines, size);
    std::getline(lines, root);
    if (size != std::to_string(expected)) {
      problem = "node " + std::to_string(n) + " checkpoint size " + size + ", expected " +
                std::to_string(expected);
    }
    roots[n] = root;
    if (n > 0 && roots[n] != roots[0]) {
      problem =
          "node " + std::to_string(n) + " root " + roots[n] + " differs from node 0's " + roots[0];
    }
  }
  for (std::size_t n = 0; n < node_count && problem.empty(); ++n) {
    if (!nodes[n].process->running()) problem = "node " + std::to_string(n) + " exited";
  }
  if (problem.empty()) {
    std::printf("check: %zu ballots acknowledged once each; %zu node%s at size %llu, root %s\n",
                acked, node_count, node_count > 1 ? "s agree" : "",
                static_cast<unsigned long long>(expected), roots[0].c_str());
  } else {
    std::fprintf(stderr, "check failed: %s\n", problem.c_str());
    exit_code = 1;
  }
  if (problem.empty() && !cluster) {
    const std::uint64_t disk_after = dir_bytes(dir / "n0");
    std::printf(
        "disk: node 0 data dir %.1f MB after the setup, %.1f MB after the ballots = %.0f bytes "
        "per ballot; ledger RSS %.1f MB now, peak %.1f MB\n",
        static_cast<double>(disk_before) / 1e6, static_cast<double>(disk_after) / 1e6,
        static_cast<double>(disk_after - disk_before) / std::max<std::size_t>(acked, 1),
        proc_status_mb(nodes[0].pid, "VmRSS"), proc_status_mb(nodes[0].pid, "VmHWM"));
  }
  // The record, downloaded while node 0's RSS is sampled.
  if (!export_file.empty() && problem.empty()) {
    std::atomic<bool> exported{false};
    double rss_before = proc_status_mb(nodes[0].pid, "VmRSS");
    double rss_max = rss_before;
    std::thread watch([&] {
      while (!exported) {
        rss_max = std::max(rss_max, proc_status_mb(nodes[0].pid, "VmRSS"));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    double cpu0 = process_cpu_seconds(nodes[0].pid);
    auto e0 = Clock::now();
    std::string cmd = "curl -sS --fail -o '" + export_file +
                      "' http://127.0.0.1:" + std::to_string(nodes[0].port) + "/v1/export";
    int rc = std::system(cmd.c_str());
    double secs = std::chrono::duration<double>(Clock::now() - e0).count();
    exported = true;
    watch.join();
    std::error_code ec;
    auto size = fs::file_size(export_file, ec);
    if (rc != 0 || ec) {
      problem = "GET /v1/export failed (" + cmd + "; the ledger resets an export not sent within " +
                "its --response-timeout, here " + response_timeout + ")";
      std::fprintf(stderr, "check failed: %s\n", problem.c_str());
      exit_code = 1;
    } else {
      std::printf(
          "export: %.1f MB (%.0f bytes per ballot) in %.2f s wall, ledger CPU %.2f s; ledger RSS "
          "%.1f MB before, at most %.1f MB during it (sampled every 50 ms); the ledger's "
          "--response-timeout %s\n",
          static_cast<double>(size) / 1e6, static_cast<double>(size) / std::max(1u, ballots), secs,
          process_cpu_seconds(nodes[0].pid) - cpu0, rss_before, rss_max, response_timeout.c_str());
    }
  }
  // 5. Refused requests: the ledger's CPU (user + system, /proc) per request of each kind.
  if (refused > 0 && problem.empty() && by_kiosk.size() > 0) {
    const std::vector<std::size_t>& mine = by_kiosk.begin()->second;
    const record::Entry stored = sim.entry(mine.front());
    const SigningKey& kiosk = *sim.keys.at(stored.author);
    SigningKey stranger = SigningKey::generate();
    Bytes bad_sig = sim.entries[mine.front()];
    bad_sig.back() ^= 1;
    Bytes unenrolled =
        record::Entry::make(stored.type, stored.base_hash, stored.body, stranger).encode();
    Bytes spent;
    if (mine.size() > 1) {
      auto body = *record::CastBallotBody::decode(sim.entry(mine[1]).body);
      body.token_hash = record::CastBallotBody::decode(stored.body)->token_hash;
      body.ballot.sequence = mine.size() + 1;  // after the kiosk's chain: only the token is wrong
      spent = record::Entry::make(stored.type, stored.base_hash, body.encode(), kiosk).encode();
    }
    struct Kind {
      const char* name;
      std::string body;
    };
    std::vector<Kind> kinds{
        {"bad signature", json{{"entry", to_base64(bad_sig)}}.dump()},
        {"unenrolled key (valid proofs)", json{{"entry", to_base64(unenrolled)}}.dump()},
        {"stored duplicate", json{{"entry", to_base64(sim.entries[mine.front()])}}.dump()},
        {"oversized (87,384 base64 chars)",
         json{{"entry", std::string((record::kMaxEntrySize + 2) / 3 * 4 + 4, 'A')}}.dump()}};
    if (!spent.empty()) kinds.push_back({"spent token", json{{"entry", to_base64(spent)}}.dump()});
    testing::HttpClient c(nodes[0].port);
    for (const Kind& kind : kinds) {
      std::map<unsigned, unsigned> statuses;
      double cpu0 = process_cpu_seconds(nodes[0].pid);
      for (std::uint32_t i = 0; i < refused; ++i) {
        auto r = c.post("/v1/entries", kind.body);
        ++statuses[r.ok() ? r->status : 0];
      }
      double per = (process_cpu_seconds(nodes[0].pid) - cpu0) / refused;
      std::string seen;
      for (const auto& [st, n] : statuses) {
        seen += (seen.empty() ? "" : ", ") + std::to_string(n) + "x HTTP " + std::to_string(st);
      }
      std::printf("refused: %-32s %.3f ms ledger CPU/request over %u (%s)\n", kind.name, 1000 * per,
                  refused, seen.c_str());
    }
  }
  std::printf("load average at end: %s\n", load_average().c_str());
  return exit_code ? fail("") : finish(0);
}
