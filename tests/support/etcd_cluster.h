// A real etcd cluster on 127.0.0.1 for the cluster tests and tabella-loadgen: N members on free
// ports with fresh data directories, started with the flags of deploy/cluster.sh
// (--max-txn-ops 1024, --max-request-bytes 32 MiB), and waited for until every member reports
// healthy; if a member exits during start-up (a port taken meanwhile) it is retried on other
// ports. Each member is a testing::Process (stderr in <dir>/mI.log), stopped when the cluster
// is destroyed.
//
//   auto etcd = testing::EtcdCluster::start({TABELLA_ETCD_BIN, dir});
//   ASSERT_TRUE(etcd.ok()) << etcd.error().describe();
//   ... "--cluster", (*etcd)->ledger_url() ...
//
// Thread-safety: one owner; leader() may be called from any thread while no member is killed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "tabella/util/result.h"

namespace tabella::testing {

struct EtcdClusterOptions {
  std::string binary;         // the etcd executable
  std::filesystem::path dir;  // data dirs <dir>/mI-<attempt>, logs <dir>/mI.log
  std::size_t members = 3;
  // Heartbeat 50 ms, election timeout 500 ms: a killed leader is replaced within a second
  // (tests that kill one); otherwise etcd's defaults.
  bool quick_failover = false;
  std::vector<std::string> extra_args;      // appended to every member's command line
  std::chrono::seconds healthy_within{60};  // a loaded 2-core machine took over 10 s
};

class EtcdCluster {
 public:
  // Errors: kUnavailable when the members do not all become healthy (with the last lines of a
  // member's log), kIo when no free ports are left.
  static Result<std::unique_ptr<EtcdCluster>> start(EtcdClusterOptions options);
  // The cluster tests' set-up: `dir` emptied and created, 3 members with quick failover.
  static Result<std::unique_ptr<EtcdCluster>> start_fresh(const std::string& binary,
                                                          const std::filesystem::path& dir);
  ~EtcdCluster();  // every member stopped
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  std::size_t size() const { return members_.size(); }
  std::uint16_t client_port(std::size_t member) const { return members_[member].client_port; }
  std::vector<std::uint16_t> client_ports() const;
  // tabella-ledger's --cluster value: etcd://127.0.0.1:<client port>,...
  std::string ledger_url() const;
  Process& process(std::size_t member) { return *members_[member].process; }
  bool running(std::size_t member);
  // SIGKILLs one member and reaps it.
  void kill(std::size_t member);
  // The member that is the Raft leader (asked through every running member); -1 if none says.
  int leader();
  // The last `bytes` of a member's log.
  std::string log_tail(std::size_t member, std::size_t bytes = 1500) const;

 private:
  struct Member {
    std::uint16_t client_port = 0;
    std::string log;
    std::unique_ptr<Process> process;
  };
  EtcdCluster() = default;
  std::vector<Member> members_;
};

}  // namespace tabella::testing
