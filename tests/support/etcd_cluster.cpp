#include "support/etcd_cluster.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.h"

namespace tabella::testing {

namespace {

bool healthy(std::uint16_t client_port) {
  HttpClient c(client_port);
  auto r = c.get("/health");
  return r.ok() && r->status == 200 && r->body.find("true") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<EtcdCluster>> EtcdCluster::start_fresh(const std::string& binary,
                                                              const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  EtcdClusterOptions o;
  o.binary = binary;
  o.dir = dir;
  o.quick_failover = true;
  return start(std::move(o));
}

Result<std::unique_ptr<EtcdCluster>> EtcdCluster::start(EtcdClusterOptions o) {
  std::string last_failure;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto ports = free_ports(2 * o.members);
    if (ports.size() != 2 * o.members) {
      return make_error(ErrorCode::kIo, "no free ports on 127.0.0.1 for etcd");
    }
    std::string initial;
    for (std::size_t i = 0; i < o.members; ++i) {
      initial += (i ? "," : "") + ("m" + std::to_string(i)) +
                 "=http://127.0.0.1:" + std::to_string(ports[2 * i + 1]);
    }
    std::string token =
        "tabella-test-" + std::to_string(::getpid()) + "-" + std::to_string(attempt);
    std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
    for (std::size_t i = 0; i < o.members; ++i) {
      std::string name = "m" + std::to_string(i);
      std::string c = "http://127.0.0.1:" + std::to_string(ports[2 * i]);
      std::string p = "http://127.0.0.1:" + std::to_string(ports[2 * i + 1]);
      std::vector<std::string> args{o.binary,
                                    "--name",
                                    name,
                                    "--data-dir",
                                    (o.dir / (name + "-" + std::to_string(attempt))).string(),
                                    "--listen-client-urls",
                                    c,
                                    "--advertise-client-urls",
                                    c,
                                    "--listen-peer-urls",
                                    p,
                                    "--initial-advertise-peer-urls",
                                    p,
                                    "--initial-cluster",
                                    initial,
                                    "--initial-cluster-state",
                                    "new",
                                    "--initial-cluster-token",
                                    token,
                                    "--max-txn-ops",
                                    "1024",
                                    "--max-request-bytes",
                                    "33554432"};
      if (o.quick_failover) {
        for (const char* a : {"--heartbeat-interval", "50", "--election-timeout", "500"}) {
          args.emplace_back(a);
        }
      }
      args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
      Member m;
      m.client_port = ports[2 * i];
      m.log = (o.dir / (name + ".log")).string();
      Process::Options po;
      po.log_file = m.log;
      po.keep = 64u << 10;
      m.process = std::make_unique<Process>(std::move(args), std::move(po));
      cluster->members_.push_back(std::move(m));
    }
    bool all = false, exited = false;
    const auto deadline = std::chrono::steady_clock::now() + o.healthy_within;
    while (!all && !exited && std::chrono::steady_clock::now() < deadline) {
      all = true;
      for (std::size_t i = 0; i < cluster->size() && all; ++i) {
        exited = !cluster->running(i);
        all = !exited && healthy(cluster->client_port(i));
      }
      if (!all && !exited) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (all) return cluster;
    last_failure = std::string(exited ? "a member exited" : "not healthy in time") + " (attempt " +
                   std::to_string(attempt + 1) + "); last lines of m0's log:\n" +
                   cluster->log_tail(0);
    if (!exited) break;  // a slow machine, not a port race: another attempt would not help
  }
  return make_error(ErrorCode::kUnavailable, "etcd cluster did not start: " + last_failure);
}

EtcdCluster::~EtcdCluster() {
  for (auto& m : members_) {
    if (m.process) m.process->signal_and_wait(SIGKILL);
  }
}

std::vector<std::uint16_t> EtcdCluster::client_ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& m : members_) out.push_back(m.client_port);
  return out;
}

std::string EtcdCluster::ledger_url() const {
  std::string url = "etcd://";
  for (std::size_t i = 0; i < members_.size(); ++i) {
    url += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(members_[i].client_port);
  }
  return url;
}

bool EtcdCluster::running(std::size_t member) {
  return members_[member].process->running();
}

void EtcdCluster::kill(std::size_t member) {
  members_[member].process->signal_and_wait(SIGKILL);
}

int EtcdCluster::leader() {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!running(i)) continue;
    HttpClient c(members_[i].client_port);
    auto r = c.post("/v3/maintenance/status", "{}");
    if (!r.ok() || r->status != 200) continue;
    auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (doc.is_discarded() || !doc.contains("header")) continue;
    std::string leader_id = doc.value("leader", "");
    std::string self = doc["header"].value("member_id", "");
    if (!leader_id.empty() && leader_id == self) return static_cast<int>(i);
  }
  return -1;
}

std::string EtcdCluster::log_tail(std::size_t member, std::size_t bytes) const {
  std::ifstream in(members_[member].log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace tabella::testing
