// A real tabella-ledger whose manifest names 3 witnesses with quorum 2, and 3 real
// `tabella-ledger witness` processes following it (polling only every 30 s, so every cosignature
// comes from the ledger's own push and the witnesses' on-demand catch-up):
//   - every receipt is answered with a checkpoint cosigned by >= 2 of them (checked with
//     check_cosignature_quorum and ledger::check_receipt with the manifest's witnesses);
//     GET /checkpoint carries the cosignatures; the export passes tabella-verify with check 23;
//   - one witness stopped: still a quorum; two stopped: the receipt comes back after
//     --cosign-wait with "cosigned": false (valid, but refused by a quorum-checking client); once
//     one witness is restarted, GET /v1/receipt returns a cosigned checkpoint for that entry;
//   - a --witness whose key is not in the manifest is refused at start-up, and so is --witness
//     for an election whose manifest names no witnesses.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/ledger_args.h"
#include "support/ledger_feed.h"
#include "support/listening_process.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_witness.h"
#include "support/verify_export.h"
#include "tabella/client/ledger_client.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/receipt.h"
#include "tabella/ledger/witness.h"
#include "verifier.h"

namespace tabella {
namespace {

using nlohmann::json;
using testing::entry_post_body;
using testing::HttpClient;
using testing::TempDir;

using Process = testing::ListeningProcess;
using testing::free_port;

class WitnessCosignTest : public ::testing::Test {
 protected:
  // An election whose manifest names `named` of the witnesses (quorum 2 when any); `extra`
  // further witnesses exist with keys the manifest does not name.
  void make_election(std::size_t named, std::size_t extra) {
    std::vector<testing::ManifestWitness> members;
    for (std::size_t i = 0; i < named + extra; ++i) {
      witnesses_.push_back(
          testing::TestWitness::make("w" + std::to_string(i + 1) + ".witness.test",
                                     dir_.path() / ("witness" + std::to_string(i + 1))));
      if (i >= named) continue;
      members.push_back({witnesses_[i].name, witnesses_[i].verifier_key});
      auto v = ledger::CosignatureVerifier::from_verifier_key(witnesses_[i].verifier_key);
      ASSERT_TRUE(v.ok());
      verifiers_.push_back(*v);
    }
    testing::SimOptions o;
    o.kiosks = 1;
    o.ballots = 4;
    o.challenged = 1;
    o.seed = "witness-cosign";
    o.manifest_file = testing::witnessed_manifest(TABELLA_SOURCE_DIR, dir_.path() / "manifest.json",
                                                  members, named > 0 ? 2 : 0);
    sim_ = testing::simulate_election(o);
    ledger_dir_ = dir_.path() / "ledger";
    std::filesystem::create_directories(ledger_dir_);
    auto parsed = ledger::parse_verifier_key(sim_.ledger_key);
    ASSERT_TRUE(parsed.ok());
    PublicKeyBytes pk{};
    std::copy(parsed->public_key.begin(), parsed->public_key.end(), pk.begin());
    ASSERT_TRUE(sim_.keys.at(pk)->save_pem((ledger_dir_ / "ledger.key").string()).ok());
    auto lv = ledger::NoteVerifier::from_verifier_key(sim_.ledger_key);
    ASSERT_TRUE(lv.ok());
    log_verifier_.emplace(*lv);
    policy_.witnesses = verifiers_;
    policy_.quorum = named > 0 ? 2 : 0;
  }

  std::vector<std::string> ledger_args(const std::vector<std::size_t>& with, std::uint16_t port,
                                       const std::string& wait = "2s") {
    auto a = testing::election_ledger_args(TABELLA_LEDGER_BIN, ledger_dir_, sim_);
    a.cosign_wait = wait;
    for (std::size_t i : with) a.witness_urls.push_back(witnesses_[i].url());
    return testing::ledger_command(a, port);
  }

  void start_witness(std::size_t i, std::uint16_t ledger_port) {
    witnesses_[i].start(TABELLA_LEDGER_BIN, ledger_port);
  }

  // POST an entry; returns the reply's JSON.
  json submit(HttpClient& client, std::size_t i) {
    auto r = client.post("/v1/entries", entry_post_body(sim_.entries[i]));
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return json();
    EXPECT_EQ(r->status, 200u) << i << ": " << r->body;
    return json::parse(r->body);
  }

  // The receipt verifies as a ledger receipt; with the witnesses' quorum iff `cosigned`.
  void expect_receipt(const json& receipt, std::size_t i, bool cosigned) {
    ASSERT_TRUE(receipt.is_object()) << receipt.dump();
    EXPECT_EQ(receipt["cosigned"], cosigned) << i << ": " << receipt.dump();
    auto r = ledger::Receipt::from_json(receipt);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->index, i);
    ledger::LogTrust plain{*log_verifier_, sim_.manifest.origin, {}};
    auto without = ledger::check_receipt(*r, sim_.entries[i], plain);
    EXPECT_TRUE(without.final()) << i << ": " << without.detail;
    ledger::LogTrust witnessed{*log_verifier_, sim_.manifest.origin, policy_};
    auto quorum = ledger::check_receipt(*r, sim_.entries[i], witnessed);
    EXPECT_EQ(quorum.final(), cosigned) << i << ": " << quorum.detail;
    if (!quorum.final()) {
      EXPECT_TRUE(quorum.awaiting()) << quorum.detail;
    }
    EXPECT_EQ(ledger::check_cosignature_quorum(r->checkpoint, verifiers_, 2).ok(), cosigned);
  }

  TempDir dir_;
  std::vector<testing::TestWitness> witnesses_;
  std::vector<ledger::CosignatureVerifier> verifiers_;
  testing::SimElection sim_;
  std::filesystem::path ledger_dir_;
  std::optional<ledger::NoteVerifier> log_verifier_;
  ledger::WitnessPolicy policy_;
};

TEST_F(WitnessCosignTest, ReceiptsCheckpointAndExportCarryAQuorum) {
  make_election(3, 0);
  // The witnesses are not up yet when the ledger starts: it asks for their keys later.
  std::uint16_t ledger_port = free_port();
  Process ledger(ledger_args({0, 1, 2}, ledger_port));
  ASSERT_EQ(ledger.port(), ledger_port);
  for (std::size_t i = 0; i < 3; ++i) start_witness(i, ledger_port);
  HttpClient client(ledger_port);

  const std::size_t one_down = sim_.find(record::EntryType::kCastBallot, 1);
  const std::size_t two_down = sim_.find(record::EntryType::kCastBallot, 2);
  std::size_t i = 0;
  std::vector<double> ms;  // reported, not asserted: one round trip to the witnesses per receipt
  for (; i < one_down; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    json reply = submit(client, i);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    expect_receipt(reply["receipt"], i, true);
  }
  std::sort(ms.begin(), ms.end());
  RecordProperty("cosigned_receipt_median_ms", std::to_string(ms[ms.size() / 2]));
  std::printf("cosigned receipts: %zu, median %.1f ms, max %.1f ms (first includes key lookup)\n",
              ms.size(), ms[ms.size() / 2], ms.back());

  // GET /checkpoint is the cosigned checkpoint.
  auto cp = client.get("/checkpoint");
  ASSERT_TRUE(cp.ok());
  EXPECT_TRUE(ledger::check_cosignature_quorum(cp->body, verifiers_, 2).ok()) << cp->body;
  EXPECT_TRUE(ledger::open_checkpoint(cp->body, *log_verifier_).ok());

  // One witness stopped: two remain, still a quorum.
  witnesses_[2].process.reset();
  for (; i < two_down; ++i) {
    json reply = submit(client, i);
    expect_receipt(reply["receipt"], i, true);
    auto note = ledger::parse_note(reply["receipt"]["checkpoint"].get<std::string>());
    ASSERT_TRUE(note.ok());
    EXPECT_EQ(ledger::count_cosignatures(*note, verifiers_), 2u);
  }

  // Two stopped: the entry is acknowledged (durable) after --cosign-wait, not cosigned.
  witnesses_[1].process.reset();
  const std::size_t uncosigned = i;
  json reply = submit(client, i);
  expect_receipt(reply["receipt"], i, false);
  EXPECT_EQ(reply["index"], i);
  ++i;

  // One witness back: the proof route answers with a cosigned checkpoint for that entry.
  start_witness(1, ledger_port);
  json receipt;
  for (int tries = 0; tries < 600; ++tries) {
    auto r = client.get("/v1/receipt?index=" + std::to_string(uncosigned));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << r->body;
    receipt = json::parse(r->body);
    if (receipt["cosigned"] == true) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  expect_receipt(receipt, uncosigned, true);

  for (; i < sim_.entries.size(); ++i) expect_receipt(submit(client, i)["receipt"], i, true);

  // Metrics and the witness table.
  auto metrics = client.get("/metrics/witnesses");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(
      metrics->body.find("tabella_ledger_cosignatures_total{witness=\"" + witnesses_[0].url() +
                         "\",name=\"" + witnesses_[0].name + "\",result=\"collected\"}"),
      std::string::npos)
      << metrics->body;
  auto table = client.get("/v1/witnesses");
  ASSERT_TRUE(table.ok());
  json t = json::parse(table->body);
  ASSERT_EQ(t["witnesses"].size(), 3u) << t.dump();
  EXPECT_EQ(t["witnessed"], true);
  EXPECT_GT(t["witnesses"][0]["collected"].get<std::uint64_t>(), 0u);
  EXPECT_GT(t["witnesses"][2]["failed"].get<std::uint64_t>(), 0u) << t.dump();  // stopped
  EXPECT_TRUE(t["witnesses"][0]["member"].get<bool>());

  // The export's latest checkpoint is cosigned: tabella-verify passes, including check 23.
  auto exported = client.get("/v1/export");
  ASSERT_TRUE(exported.ok());
  ASSERT_EQ(exported->status, 200u);
  auto file = dir_.path() / "record.jsonl";
  auto report = testing::verify_export(exported->body, file);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_TRUE(report->ok()) << verify::format_report(*report);
  for (const auto& c : report->checks) {
    // 23: the final checkpoint is cosigned; 24, 25: it covers the record and is the ledger's.
    if (c.number >= 23 && c.number <= 26) {
      EXPECT_TRUE(c.passed > 0 && c.failed == 0) << verify::format_report(*report);
    }
  }
  // The export ends with the cosigned checkpoint of its full size.
  {
    std::istringstream body(exported->body);
    std::string l, final_note;
    std::uint64_t entries = 0;
    while (std::getline(body, l)) {
      json j = json::parse(l);
      if (j.contains("checkpoint")) final_note = j["checkpoint"];
      if (j.contains("entry")) ++entries;
    }
    auto final_cp = ledger::open_checkpoint(final_note, *log_verifier_);
    ASSERT_TRUE(final_cp.ok()) << final_cp.error().describe();
    EXPECT_EQ(final_cp->size, entries);
    EXPECT_EQ(entries, sim_.entries.size());
    EXPECT_TRUE(ledger::check_cosignature_quorum(final_note, verifiers_, 2).ok()) << final_note;
  }

  // The same record without its cosigned checkpoint fails check 23 (the check is not vacuous).
  std::string stripped;
  std::istringstream lines(exported->body);
  std::string line, last_checkpoint;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  for (const auto& l : all) {
    if (l.rfind("{\"checkpoint\"", 0) == 0) last_checkpoint = l;
  }
  for (const auto& l : all) {
    if (l != last_checkpoint) stripped += l + "\n";
  }
  auto bad_file = dir_.path() / "stripped.jsonl";
  std::ofstream(bad_file, std::ios::binary) << stripped;
  auto bad = verify::verify_record(bad_file, verify::Options{});
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->ok());
}

// tabella-admin publish waits for the witnesses' quorum on the checkpoint of the whole log: with
// one of three witnesses up it times out naming the two that did not cosign (and exports
// nothing); with a second one back it publishes a record whose final checkpoint is cosigned.
TEST_F(WitnessCosignTest, PublishWaitsForTheFinalCosignatureAndNamesTheMissingWitnesses) {
  make_election(3, 0);
  std::uint16_t ledger_port = free_port();
  Process ledger(ledger_args({0, 1, 2}, ledger_port, "100ms"));
  start_witness(0, ledger_port);
  HttpClient client(ledger_port);
  for (std::size_t i = 0; i < sim_.entries.size(); ++i) {
    expect_receipt(submit(client, i)["receipt"], i, false);
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(ledger_port);
  auto w = json::parse(client.get("/v1/witnesses")->body);
  EXPECT_EQ(w["size"], sim_.entries.size()) << w.dump();
  EXPECT_EQ(w["quorum"], 2) << w.dump();
  EXPECT_EQ(w["members"].size(), 3u) << w.dump();

  auto out = dir_.path() / "published";
  auto refused = testing::run_program(
      {TABELLA_ADMIN_BIN, "--ledger", url, "--cosign-wait", "1", "publish", out.string()}, "",
      std::chrono::seconds(120));
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("did not cosign the final checkpoint (size " +
                             std::to_string(sim_.entries.size()) + ", quorum 2)"),
            std::string::npos)
      << refused.err;
  // The two witnesses that are down: by name, and their URLs with the ledger's error.
  for (std::size_t i : {1u, 2u}) {
    EXPECT_NE(refused.err.find(witnesses_[i].name), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find(witnesses_[i].url() + " ("), std::string::npos) << refused.err;
  }
  EXPECT_EQ(refused.err.find(witnesses_[0].name), std::string::npos) << refused.err;
  EXPECT_NE(refused.out.find("waiting for the witnesses to cosign the final checkpoint"),
            std::string::npos)
      << refused.out;
  EXPECT_FALSE(std::filesystem::exists(out / "record.jsonl"));

  start_witness(1, ledger_port);
  auto published = testing::run_program(
      {TABELLA_ADMIN_BIN, "--ledger", url, "--cosign-wait", "120", "publish", out.string()}, "",
      std::chrono::seconds(180));
  ASSERT_EQ(published.exit_code, 0) << published.out << published.err;
  auto report = verify::verify_record(out / "record.jsonl", verify::Options{});
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_TRUE(report->ok()) << verify::format_report(*report);
}

// An entry sent on by another node of a cluster (header X-Tabella-Forwarded, docs/cluster.md "One
// appender") is answered without waiting for the witnesses: that node builds its own receipt and
// waits for them itself. No witness runs and --cosign-wait is 120 s, so an ordinary request would
// wait two minutes per entry (beyond the client's 30 s); a forwarded one comes back at once,
// stored, "cosigned": false.
TEST_F(WitnessCosignTest, AnEntryFromAnotherClusterNodeIsAnsweredWithoutWaitingForWitnesses) {
  make_election(3, 0);
  std::uint16_t ledger_port = free_port();
  Process ledger(ledger_args({0, 1, 2}, ledger_port, "120s"));
  ASSERT_EQ(ledger.port(), ledger_port);
  HttpClient client(ledger_port);
  const std::size_t first_ballot = sim_.find(record::EntryType::kCastBallot);
  for (std::size_t i = 0; i <= first_ballot; ++i) {
    auto r = client.request("POST", "/v1/entries", entry_post_body(sim_.entries[i]),
                            {{"X-Tabella-Forwarded", "1"}});
    ASSERT_TRUE(r.ok()) << "entry " << i << ": " << r.error().describe();
    ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
    json reply = json::parse(r->body);
    EXPECT_EQ(reply["index"], i);
    if (i > 0) expect_receipt(reply["receipt"], i, false);
  }
}

TEST_F(WitnessCosignTest, WitnessWhoseKeyIsNotInTheManifestIsRefusedAtStart) {
  make_election(2, 1);  // witnesses_[2] is not named by the manifest
  std::uint16_t ledger_port = free_port();
  {
    Process ledger(ledger_args({}, ledger_port));
    ASSERT_EQ(ledger.port(), ledger_port);
    HttpClient client(ledger_port);
    (void)submit(client, 0);  // the election entry: the manifest is now stored
    start_witness(2, ledger_port);
  }  // ledger killed; the rogue witness keeps serving /witness/status
  auto run = testing::run_program(ledger_args({0, 2}, ledger_port));
  const int code = run.exit_code;
  const std::string& err = run.err;
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find(witnesses_[2].url()), std::string::npos) << err;
  EXPECT_NE(err.find("not one of the manifest's witnesses.members"), std::string::npos) << err;
  // The named witness alone is accepted (it is not even running: its key is asked later). One
  // URL cannot make the quorum of 2: receipts do not wait for cosignatures (with a wait of 10
  // minutes, a waiting reply would not come before the test's ctest timeout).
  Process ok(ledger_args({0}, ledger_port, "10m"));
  ASSERT_EQ(ok.port(), ledger_port);
  HttpClient client(ledger_port);
  json reply = submit(client, 1);
  EXPECT_EQ(reply["receipt"]["cosigned"], false) << reply.dump();
}

TEST_F(WitnessCosignTest, WitnessForAnElectionWithoutWitnessesIsRefusedAtStart) {
  make_election(0, 1);
  std::uint16_t ledger_port = free_port();
  {
    Process ledger(ledger_args({}, ledger_port));
    ASSERT_EQ(ledger.port(), ledger_port);
    HttpClient client(ledger_port);
    // No witnesses in the manifest: receipts are as before (no "cosigned" member).
    std::vector<double> ms;  // for comparison with the cosigned receipts (reported only)
    for (std::size_t i = 0; i < sim_.entries.size(); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      json reply = submit(client, i);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      EXPECT_FALSE(reply["receipt"].contains("cosigned")) << reply.dump();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("receipts without witnesses: %zu, median %.1f ms\n", ms.size(), ms[ms.size() / 2]);
  }
  auto run = testing::run_program(ledger_args({0}, ledger_port));
  const int code = run.exit_code;
  const std::string& err = run.err;
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("manifest names no witnesses"), std::string::npos) << err;
}

// The cause of a collision CI saw once in this file: witnesses take their ports from free_port()
// when they are made and bind them only when started, and the kernel offers a released port
// again (about one call in ten on a busy range). free_port() never hands a number out twice.
TEST(TestPorts, FreePortNeverHandsOutTheSameNumberTwice) {
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 500; ++i) ports.push_back(testing::free_port());
  for (auto p : testing::free_ports(20)) ports.push_back(p);
  ASSERT_EQ(std::count(ports.begin(), ports.end(), std::uint16_t{0}), 0);
  std::sort(ports.begin(), ports.end());
  EXPECT_EQ(std::adjacent_find(ports.begin(), ports.end()), ports.end())
      << "a port was handed out twice";
}

// The collision CI saw next: a witness's port, found free when the witness was made, was taken
// before it started ("Address already in use"). Every test process makes loopback connections,
// and the kernel picks their local ports from the ephemeral range, where bind-to-0 had found
// this one. free_port() now picks below that range and locks each port against the other test
// processes.
TEST(TestPorts, FreePortsAreOutsideTheEphemeralRangeAndLockedAgainstOtherProcesses) {
  unsigned lo = 0, hi = 0;
  FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fscanf(f, "%u %u", &lo, &hi), 2);
  std::fclose(f);
  auto ports = testing::free_ports(20);
  ASSERT_EQ(ports.size(), 20u);
  for (auto p : ports) EXPECT_TRUE(p < lo || p > hi) << p << " is in " << lo << "-" << hi;

  // Another process cannot take the lock of a port this one holds (util-linux flock(1) takes
  // the same flock(2) lock).
  auto held = testing::run_program(
      {"/usr/bin/flock", "-n", "-E", "3", testing::port_lock_path(ports[0]).string(), "true"});
  EXPECT_EQ(held.exit_code, 3) << held.err;
  EXPECT_FALSE(testing::reserve_port(ports[0])) << "this process handed it out already";

  // And this process is refused a port another process holds: a shell holds the lock of a port
  // below the range whose lock nobody held (one process: stopping it releases the lock).
  std::uint16_t theirs = 0;
  for (std::uint16_t p = static_cast<std::uint16_t>(lo - 1); p > lo - 200 && theirs == 0; --p) {
    if (std::find(ports.begin(), ports.end(), p) != ports.end()) continue;
    auto probe = testing::run_program(
        {"/usr/bin/flock", "-n", "-E", "3", testing::port_lock_path(p).string(), "true"});
    if (probe.exit_code == 0) theirs = p;
  }
  ASSERT_NE(theirs, 0);
  testing::Process holder({"/bin/sh", "-c",
                           "exec 9>>\"$0\" && flock 9 && echo locked && exec sleep 60",
                           testing::port_lock_path(theirs).string()});
  ASSERT_TRUE(holder.wait_for_line("locked").ok()) << holder.output();
  EXPECT_FALSE(testing::reserve_port(theirs)) << "a port another process holds was reserved";
}

}  // namespace
}  // namespace tabella
