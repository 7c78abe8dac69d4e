// The election ledger in-process over real HTTP (127.0.0.1, ephemeral port) and a real SQLite
// file, fed the entries of a complete simulated election (tests/support/election_sim.h):
// every entry validated, receipts verified with verify_inclusion + NoteVerifier, the permission
// matrix, every rejection reason, idempotency, proofs against the served tiles, restart, a
// failed COMMIT, and the exported record through tabella-verify's engine.
#include "tabella/server/election_ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>

#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/ledger_feed.h"
#include "support/temp_dir.h"
#include "support/test_storage.h"
#include "support/verify_export.h"
#include "tabella/client/ledger_client.h"
#include "tabella/election/token.h"
#include "tabella/ledger/tiles.h"
#include "tabella/record/state.h"
#include "tabella/server/ledger_node.h"
#include "tabella/server/log.h"
#include "tabella/server/sqlite_storage.h"
#include "verifier.h"

namespace tabella::server {
namespace {

using nlohmann::json;
using record::EntryType;
using testing::entry_post_body;
using testing::FlakyStorage;
using testing::HttpClient;
using testing::SimElection;
using testing::TempDir;

// The election ledger as tabella-ledger runs it (LedgerNode), on 127.0.0.1:0 over a
// FlakyStorage (tests/support/test_storage.h), with the simulation's ledger key; `racing` adds
// its race_remote() as the cluster side. No checkpoint timer (1 h): the tests publish checkpoints
// themselves.
struct Node {
  Node(const std::filesystem::path& dir, const SimElection& sim, const std::string& origin = {},
       std::size_t max_queue = 0, bool racing = false)
      : node(start(dir, sim, origin, max_queue, racing)),
        storage(static_cast<FlakyStorage&>(node->storage())),
        metrics(node->metrics()),
        ledger(node->election()),
        pool(node->pool()) {}
  ~Node() { EXPECT_TRUE(node->stop().ok()); }
  std::uint16_t port() const { return node->port(); }

  static std::unique_ptr<LedgerNode> start(const std::filesystem::path& dir, const SimElection& sim,
                                           const std::string& origin, std::size_t max_queue,
                                           bool racing) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir.string();
    config.key_file = (dir / "ledger.key").string();
    if (!std::filesystem::exists(config.key_file)) {
      Status saved = sim.shared_ledger_signing_key()->save_pem(config.key_file);
      if (!saved.ok()) throw std::runtime_error(saved.error().describe());
    }
    config.origin = origin.empty() ? sim.manifest.origin : origin;
    config.authority_key = to_hex(sim.authority);
    config.verify_threads = 2;
    config.max_queue = max_queue;
    config.threads = 2;
    config.checkpoint_interval = std::chrono::hours(1);
    LedgerHooks hooks;
    hooks.cluster = [racing](std::unique_ptr<Storage> local) -> Result<ClusterStorage> {
      auto flaky = std::make_unique<FlakyStorage>(std::move(local));
      ClusterStorage wrapped;
      if (racing) {
        auto remote = flaky->race_remote();
        wrapped.remote = remote.get();
        wrapped.owner = remote;
      }
      wrapped.storage = std::move(flaky);
      return wrapped;
    };
    auto node = LedgerNode::start(config, hooks);
    if (!node) throw std::runtime_error("ledger node: " + node.error().describe());
    return std::move(*node);
  }

  std::unique_ptr<LedgerNode> node;
  FlakyStorage& storage;
  Metrics& metrics;
  ElectionLedger* ledger;
  ThreadPool& pool;
};

// The position of `author`'s first cast ballot after position `after` in the simulation.
std::size_t next_cast_by(const SimElection& s, std::size_t after, const PublicKeyBytes& author) {
  std::size_t next = after + 1;
  while (s.entry(next).author != author || s.entry(next).type != EntryType::kCastBallot) ++next;
  return next;
}

json parse(const Result<testing::HttpReply>& r) {
  EXPECT_TRUE(r.ok());
  return r.ok() ? json::parse(r->body, nullptr, false) : json();
}

ledger::Hash hash_from_hex(const std::string& hex) {
  auto b = from_hex(hex);
  ledger::Hash h{};
  if (b && b->size() == 32) std::copy(b->begin(), b->end(), h.begin());
  return h;
}

// Checks a receipt as a voter's device would: the checkpoint's signature under the ledger key
// named in the election entry, then the inclusion of this entry's leaf in it.
void expect_valid_receipt(const json& receipt, ByteView entry, std::uint64_t index,
                          const std::string& ledger_vkey) {
  ASSERT_TRUE(receipt.is_object()) << receipt.dump();
  EXPECT_EQ(receipt["index"], index);
  auto verifier = ledger::NoteVerifier::from_verifier_key(ledger_vkey);
  ASSERT_TRUE(verifier.ok());
  auto cp = ledger::open_checkpoint(receipt["checkpoint"].get<std::string>(), *verifier);
  ASSERT_TRUE(cp.ok()) << cp.error().describe();
  EXPECT_EQ(cp->size, receipt["tree_size"]);
  EXPECT_GT(cp->size, index);
  EXPECT_EQ(receipt["leaf_hash"], to_hex(ledger::leaf_hash(entry)));
  std::vector<ledger::Hash> proof;
  for (const auto& h : receipt["inclusion_proof"]) proof.push_back(hash_from_hex(h));
  EXPECT_TRUE(
      ledger::verify_inclusion(ledger::leaf_hash(entry), index, cp->size, proof, cp->root).ok());
  // Tampering with one proof hash must fail.
  if (!proof.empty()) {
    proof[0][0] ^= 1;
    EXPECT_FALSE(
        ledger::verify_inclusion(ledger::leaf_hash(entry), index, cp->size, proof, cp->root).ok());
  }
}

class ElectionLedgerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_logging_enabled(false);
    testing::SimOptions o;
    o.guardians = 3;
    o.quorum = 2;
    o.kiosks = 2;
    o.ballots = 6;
    o.challenged = 2;
    sim_ = new SimElection(testing::simulate_election(o));
  }
  static void TearDownTestSuite() { delete sim_; }
  static const SimElection& sim() { return *sim_; }

  // Posts entries [from, to) of the simulation, each must be accepted at its index.
  static void post_range(HttpClient& client, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      auto r = client.post("/v1/entries", entry_post_body(sim().entries[i]));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200u) << "entry " << i << ": " << r->body;
      json j = json::parse(r->body);
      ASSERT_EQ(j["index"], i);
    }
  }

  static SimElection* sim_;
};
SimElection* ElectionLedgerTest::sim_ = nullptr;

TEST_F(ElectionLedgerTest, WholeElectionWithReceiptsPermissionsAndExport) {
  TempDir dir;
  const SimElection& s = sim();
  // Authors by kind, and the entry index from which each is known to the ledger.
  PublicKeyBytes guardian1{}, kiosk1{};
  std::size_t guardian1_known = 0, kiosk1_known = 0;
  for (std::size_t i = 0; i < s.entries.size(); ++i) {
    auto e = s.entry(i);
    if (e.type == EntryType::kGuardianEnrolment && guardian1_known == 0) {
      guardian1 = record::GuardianEnrolmentBody::decode(e.body)->key;
      guardian1_known = i + 1;
    }
    if (e.type == EntryType::kKioskEnrolment && kiosk1_known == 0) {
      kiosk1 = record::KioskEnrolmentBody::decode(e.body)->key;
      kiosk1_known = i + 1;
    }
  }
  SigningKey stranger = SigningKey::generate();
  Node node(dir.path(), s);
  HttpClient client(node.port());

  json status = parse(client.get("/v1/status"));
  EXPECT_EQ(status["phase"], "empty");
  EXPECT_EQ(status["size"], 0);
  EXPECT_EQ(client.get("/log-key")->body, s.ledger_key);

  for (std::size_t i = 0; i < s.entries.size(); ++i) {
    record::Entry e = s.entry(i);
    // The permission matrix: the same entry signed by every other kind of author.
    struct Author {
      const char* kind;
      PublicKeyBytes key;
      bool known;
    };
    std::vector<Author> authors = {{"authority", s.authority, i >= 1},
                                   {"guardian", guardian1, i >= guardian1_known},
                                   {"kiosk", kiosk1, i >= kiosk1_known}};
    for (const Author& a : authors) {
      if (a.key == e.author) continue;
      Bytes wrong = record::Entry::make(e.type, e.base_hash, e.body, *s.keys.at(a.key)).encode();
      auto r = client.post("/v1/entries", entry_post_body(wrong));
      ASSERT_TRUE(r.ok());
      unsigned want = a.known ? 403u : 401u;
      // A ballot by another enrolled kiosk is allowed as far as authorship goes; it then
      // breaks that kiosk's chain (409). A guardian entry by another guardian is 403.
      bool ballot = e.type == EntryType::kCastBallot || e.type == EntryType::kChallengedBallot;
      if (ballot && std::string(a.kind) == "kiosk" && a.known) want = 409u;
      EXPECT_EQ(r->status, want) << "entry " << i << " (" << record::entry_type_name(e.type)
                                 << ") signed by the " << a.kind << ": " << r->body;
    }
    Bytes foreign = record::Entry::make(e.type, e.base_hash, e.body, stranger).encode();
    auto r = client.post("/v1/entries", entry_post_body(foreign));
    EXPECT_EQ(r->status, 401u) << "entry " << i << ": " << r->body;
    if (r->status == 401u) {
      EXPECT_EQ(parse(r)["error"], "permission_denied");
    }

    // The real entry.
    r = client.post("/v1/entries", entry_post_body(s.entries[i]));
    ASSERT_EQ(r->status, 200u) << "entry " << i << ": " << r->body;
    json j = parse(r);
    EXPECT_EQ(j["index"], i);
    EXPECT_EQ(j["type"], std::string(record::entry_type_name(e.type)));
    EXPECT_EQ(j["entry_id"], to_hex(sha256(s.entries[i])));
    expect_valid_receipt(j["receipt"], s.entries[i], i, s.ledger_key);
  }
  const std::uint64_t n = s.entries.size();

  // Idempotency: the same bytes again -> the original index, nothing appended.
  for (std::size_t i : {std::size_t{0}, std::size_t{5}, static_cast<std::size_t>(n - 1)}) {
    json j = parse(client.post("/v1/entries", entry_post_body(s.entries[i])));
    EXPECT_EQ(j["index"], i);
    EXPECT_EQ(j["duplicate"], true);
    expect_valid_receipt(j["receipt"], s.entries[i], i, s.ledger_key);
  }
  // The client library reports it, so tabella-admin can refuse a repeated command.
  {
    auto lc = client::LedgerConnection::connect("http://127.0.0.1:" + std::to_string(node.port()));
    ASSERT_TRUE(lc.ok()) << lc.error().message;
    auto again = lc->submit_bytes(s.entries[5]);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->index, 5u);
  }

  status = parse(client.get("/v1/status"));
  EXPECT_EQ(status["size"], n);
  EXPECT_EQ(status["phase"], "finished");
  EXPECT_EQ(status["ballots_cast"], 6);
  EXPECT_EQ(status["ballots_challenged"], 2);
  EXPECT_EQ(status["tokens_committed"], 6);
  EXPECT_EQ(status["tokens_spent"], 6);
  EXPECT_EQ(status["guardian_count"], 3);
  EXPECT_EQ(status["quorum"], 2);
  ASSERT_EQ(status["guardians"].size(), 3u);
  EXPECT_EQ(status["guardians"][0]["committed"], true);
  ASSERT_EQ(status["kiosks"].size(), 2u);
  std::uint64_t kiosk_ballots = 0;
  for (const auto& k : status["kiosks"]) {
    kiosk_ballots += k["cast"].get<std::uint64_t>() + k["challenged"].get<std::uint64_t>();
    json one = parse(client.get("/v1/kiosks/" + k["key"].get<std::string>()));
    EXPECT_EQ(one, k);
  }
  EXPECT_EQ(kiosk_ballots, 8u);
  EXPECT_EQ(client.get("/v1/kiosks/" + std::string(64, '0'))->status, 404u);

  // Ballot lookup by full and short code, with a receipt.
  std::size_t ballots_seen = 0;
  for (std::size_t i = 0; i < n; ++i) {
    record::Entry e = s.entry(i);
    const record::EncryptedBallot* b = nullptr;
    auto body = record::decode_body(e.type, e.body);
    if (auto* c = std::get_if<record::CastBallotBody>(&*body)) b = &c->ballot;
    if (auto* c = std::get_if<record::ChallengedBallotBody>(&*body)) b = &c->ballot;
    if (!b) continue;
    ++ballots_seen;
    Digest code = election::ballot_code(s.q, e.author, *b);
    json j = parse(client.get("/v1/ballots/" + to_hex(code)));
    EXPECT_EQ(j["index"], i);
    EXPECT_EQ(j["type"], std::string(record::entry_type_name(e.type)));
    EXPECT_EQ(j["kiosk"], to_hex(e.author));
    EXPECT_EQ(j["sequence"], b->sequence);
    expect_valid_receipt(j["receipt"], s.entries[i], i, s.ledger_key);
    std::string short_code = election::short_code(code);
    std::string typed;  // lower case, without dashes
    for (char c : short_code) {
      if (c != '-') typed += static_cast<char>(std::tolower(c));
    }
    EXPECT_EQ(parse(client.get("/v1/ballots/" + typed))["index"], i) << typed;
  }
  EXPECT_EQ(ballots_seen, 8u);
  EXPECT_EQ(client.get("/v1/ballots/" + std::string(64, 'a'))->status, 404u);
  EXPECT_EQ(client.get("/v1/ballots/zz")->status, 400u);

  // Entries page.
  json page = parse(client.get("/v1/entries?start=1&count=3"));
  EXPECT_EQ(page["size"], n);
  ASSERT_EQ(page["entries"].size(), 3u);
  EXPECT_EQ(page["entries"][0]["index"], 1);
  EXPECT_EQ(page["entries"][0]["type"], "guardian-enrolment");
  EXPECT_EQ(page["entries"][0]["entry"], to_base64(s.entries[1]));

  // Proofs against the served tiles, for every tree size.
  auto tile_reply = client.get("/tile/0/000.p/" + std::to_string(n));
  ASSERT_EQ(tile_reply->status, 200u);
  EXPECT_EQ(tile_reply->headers["cache-control"], "no-cache");
  auto leaves = ledger::decode_tile(as_bytes(tile_reply->body), static_cast<std::uint32_t>(n));
  ASSERT_TRUE(leaves.ok());
  for (std::uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ((*leaves)[i], ledger::leaf_hash(s.entries[i]));
  }
  auto bundle = client.get("/tile/entries/000.p/" + std::to_string(n));
  ASSERT_EQ(bundle->status, 200u);
  auto bundled = ledger::decode_entry_bundle(as_bytes(bundle->body), static_cast<std::uint32_t>(n));
  ASSERT_TRUE(bundled.ok());
  EXPECT_EQ(*bundled, s.entries);
  EXPECT_EQ(client.get("/tile/0/000.p/" + std::to_string(n + 1))->status, 404u);
  EXPECT_EQ(client.get("/tile/0/000")->status, 404u);  // not full yet
  EXPECT_EQ(client.get("/tile/0/00x")->status, 400u);
  for (std::uint64_t size = 1; size <= n; ++size) {
    ledger::Hash root = ledger::root_of(std::span(leaves->data(), size));
    for (std::uint64_t index : {std::uint64_t{0}, size / 2, size - 1}) {
      json p = parse(client.get("/v1/proof/inclusion?index=" + std::to_string(index) +
                                "&size=" + std::to_string(size)));
      EXPECT_EQ(p["root"], to_hex(root));
      std::vector<ledger::Hash> proof;
      for (const auto& h : p["proof"]) proof.push_back(hash_from_hex(h));
      EXPECT_TRUE(ledger::verify_inclusion((*leaves)[index], index, size, proof, root).ok())
          << index << "/" << size;
    }
    for (std::uint64_t from : {std::uint64_t{1}, size / 2, size}) {
      if (from == 0) continue;
      json p = parse(client.get("/v1/proof/consistency?from=" + std::to_string(from) +
                                "&to=" + std::to_string(size)));
      std::vector<ledger::Hash> proof;
      for (const auto& h : p["proof"]) proof.push_back(hash_from_hex(h));
      ledger::Hash old_root = ledger::root_of(std::span(leaves->data(), from));
      EXPECT_TRUE(ledger::verify_consistency(from, size, old_root, root, proof).ok())
          << from << "->" << size;
      if (!proof.empty()) {
        proof.back()[5] ^= 1;
        EXPECT_FALSE(ledger::verify_consistency(from, size, old_root, root, proof).ok());
      }
    }
  }
  EXPECT_EQ(client.get("/v1/proof/inclusion?index=0&size=" + std::to_string(n + 1))->status, 400u);
  EXPECT_EQ(client.get("/v1/proof/consistency?from=3&to=2")->status, 400u);

  // /checkpoint after a publish, signed by the ledger key, no-cache.
  ASSERT_TRUE(node.ledger->publish_checkpoint().ok());
  auto cp_reply = client.get("/checkpoint");
  EXPECT_EQ(cp_reply->headers["cache-control"], "no-cache");
  auto cp = ledger::open_checkpoint(cp_reply->body,
                                    *ledger::NoteVerifier::from_verifier_key(s.ledger_key));
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->size, n);
  EXPECT_EQ(cp->root, ledger::root_of(*leaves));

  // The export passes tabella-verify's engine; a tampered copy does not.
  auto exported = client.get("/v1/export");
  ASSERT_EQ(exported->status, 200u);
  EXPECT_EQ(exported->headers["content-type"], "application/x-ndjson");
  auto file = dir.path() / "record.jsonl";
  auto report = testing::verify_export(exported->body, file);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_TRUE(report->ok()) << verify::format_report(*report);
  EXPECT_TRUE(report->complete);
  EXPECT_GE(report->checkpoints, 1u);
  EXPECT_EQ(report->entries, n);
  {
    std::string body = exported->body;
    auto pos = body.find("\"index\":3,");
    ASSERT_NE(pos, std::string::npos);
    auto e = body.find("\"entry\":\"", pos) + 12;
    body[e] = body[e] == 'A' ? 'B' : 'A';
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << body;
  }
  auto bad = verify::verify_record(file, verify::Options{});
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->ok());

  std::string metrics = client.get("/metrics")->body;
  EXPECT_NE(metrics.find("tabella_ledger_entries_by_type_total{type=\"cast-ballot\"} 6"),
            std::string::npos);
  EXPECT_NE(metrics.find("tabella_ledger_ballots_total 8"), std::string::npos);
  EXPECT_NE(metrics.find("tabella_ledger_rejections_total{reason=\"unknown_author\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("tabella_ledger_fsyncs_total"), std::string::npos);
  // Each 200 above (the n entries and the 4 repeats) had its receipt built from the pool's
  // "reply" queue; the entries the I/O thread could not refuse waited in its "new" queue first.
  const std::string wait_count = "tabella_ledger_pool_wait_seconds_count{queue=";
  EXPECT_NE(metrics.find(wait_count + "\"reply\"} " + std::to_string(n + 4) + "\n"),
            std::string::npos)
      << metrics;
  const std::string new_count = wait_count + "\"new\"} ";
  auto at = metrics.find(new_count);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoull(metrics.substr(at + new_count.size())), n + 4) << metrics;
}

// Everything up to (excluding) the first ballot, then every rejection reason.
TEST_F(ElectionLedgerTest, EveryRejectionReason) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s);
  HttpClient client(node.port());
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  std::size_t open = s.find(EntryType::kPollsOpen);
  ASSERT_LT(open, first_ballot);
  post_range(client, 0, open);
  auto status_of = [&](ByteView entry) {
    auto r = client.post("/v1/entries", entry_post_body(entry));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->status : 0u;
  };
  // `reason`: the body's machine-readable reason (docs/api.md "Errors"), absent when empty.
  auto expect_rejected = [&](ByteView entry, unsigned want, const std::string& code,
                             const char* why, const std::string& reason = {}) {
    auto r = client.post("/v1/entries", entry_post_body(entry));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, want) << why << ": " << r->body;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_EQ(j["error"], code) << why;
    if (reason.empty()) {
      EXPECT_FALSE(j.contains("reason")) << why << ": " << r->body;
    } else {
      EXPECT_EQ(j.value("reason", ""), reason) << why << ": " << r->body;
    }
  };

  record::Entry ballot = s.entry(first_ballot);
  auto cast = *record::CastBallotBody::decode(ballot.body);
  const SigningKey& kiosk = *s.keys.at(ballot.author);
  auto sign = [&](const Bytes& body) {
    return record::Entry::make(EntryType::kCastBallot, s.q, body, kiosk).encode();
  };

  // Polls not open yet.
  expect_rejected(s.entries[first_ballot], 409, "conflict", "polls not open", "polls_not_open");
  post_range(client, open, first_ballot);

  // Malformed: not base64, not JSON, not an entry, an unknown field.
  EXPECT_EQ(client.post("/v1/entries", R"({"entry":"***"})")->status, 400u);
  EXPECT_EQ(client.post("/v1/entries", "nope")->status, 400u);
  EXPECT_EQ(client.post("/v1/entries", R"({"entry":"AA==","x":1})")->status, 400u);
  // A quote or a backslash in the text leaves the fast path for the JSON parser: a bare quote
  // is not JSON; an escape is, and names the same bytes (here a stored entry: a duplicate).
  {
    auto r = client.post("/v1/entries", R"({"entry":"AA"A="})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400u) << r->body;
    EXPECT_EQ(json::parse(r->body, nullptr, false).value("field", ""), "body") << r->body;
    const std::string b64 = to_base64(s.entries[first_ballot - 1]);
    const std::string escaped = "\\u00" + to_hex(as_bytes(b64.substr(0, 1))) + b64.substr(1);
    r = client.post("/v1/entries", R"({"entry":")" + escaped + R"("})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200u) << r->body;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_EQ(j.value("index", 0u), first_ballot - 1) << r->body;
    EXPECT_TRUE(j.value("duplicate", false)) << r->body;
  }
  expect_rejected(as_bytes("not an entry"), 400, "invalid_encoding", "garbage bytes");
  Bytes truncated(s.entries[first_ballot].begin(), s.entries[first_ballot].end() - 1);
  EXPECT_EQ(status_of(truncated), 400u);
  // Too large.
  Bytes huge(record::kMaxEntrySize + 1, 0x41);
  expect_rejected(huge, 413, "limit_exceeded", "too large");
  // Bad signature.
  Bytes bad_sig = s.entries[first_ballot];
  bad_sig.back() ^= 1;
  expect_rejected(bad_sig, 422, "invalid_signature", "bad signature");
  // Bad proof: a ciphertext changed, properly signed.
  {
    auto tampered = cast;
    auto& ct = tampered.ballot.contests[0].selections[0].ciphertext;
    std::swap(ct.alpha, ct.beta);
    expect_rejected(sign(tampered.encode()), 422, "invalid_proof", "bad proof");
  }
  // Token not committed.
  {
    auto tampered = cast;
    tampered.token_hash[0] ^= 1;
    expect_rejected(sign(tampered.encode()), 409, "conflict", "token not committed",
                    "token_not_committed");
  }
  // Chain mismatch: wrong sequence, wrong previous code.
  {
    auto tampered = cast;
    tampered.ballot.previous_code[3] ^= 1;
    // previous_code enters the proofs' hash? If so this is 422; the chain rule is 409.
    unsigned st = status_of(sign(tampered.encode()));
    EXPECT_TRUE(st == 409u || st == 422u) << st;
  }
  // The real ballot is accepted; the same token again (another chain position) is spent.
  ASSERT_EQ(status_of(s.entries[first_ballot]), 200u);
  {
    // The kiosk's next ballot with the first ballot's token: token spent.
    std::size_t next = next_cast_by(s, first_ballot, ballot.author);
    // Post the entries in between so the chain is right.
    post_range(client, first_ballot + 1, next);
    auto body = *record::CastBallotBody::decode(s.entry(next).body);
    body.token_hash = cast.token_hash;
    expect_rejected(sign(body.encode()), 409, "conflict", "token spent", "token_spent");
    // Chain mismatch: the same real ballot re-posted out of order after its successor.
    body = *record::CastBallotBody::decode(s.entry(next).body);
    body.ballot.sequence += 1;
    unsigned st = status_of(sign(body.encode()));
    EXPECT_TRUE(st == 409u || st == 422u) << "sequence gap";
    post_range(client, next, next + 1);
  }
  // Polls closed: close the polls, then the kiosk's next real ballot is refused.
  std::size_t close = s.find(EntryType::kPollsClose);
  std::size_t last_ballot = close - 1;
  // polls-close names the tree head of the log it closes (check 30): the simulation's one names
  // a longer log, and is refused; one over the ledger's log is accepted.
  unsigned early = status_of(s.entries[close]);
  EXPECT_EQ(early, 409u) << "a polls-close naming a log the ledger does not hold";
  std::vector<Bytes> log;
  const json page = parse(client.get("/v1/entries?start=0&count=1000"));
  for (const auto& e : page["entries"]) {
    log.push_back(*from_base64(e["entry"].get<std::string>()));
  }
  ASSERT_EQ(status_of(testing::finish_over(s, log, {}, /*count=*/1).front()), 200u);
  expect_rejected(s.entries[last_ballot], 409, "conflict", "polls closed", "polls_not_open");
  // An author the ledger does not know: 401 with its reason, whatever the message says.
  {
    SigningKey stranger = *SigningKey::from_seed(Bytes(32, 0x5a));
    expect_rejected(
        record::Entry::make(EntryType::kCastBallot, s.q, cast.encode(), stranger).encode(), 401,
        "permission_denied", "unknown author", "unknown_author");
  }
  json status = parse(client.get("/v1/status"));
  EXPECT_EQ(status["phase"], "closed");
}

// Cheap checks before proofs (docs/api.md, "Order of checks"): every request that cannot
// succeed is refused, with its own precise status, before any proof is verified; each carries a
// broken proof, which the old order reported as 422 invalid_proof after paying for it.
TEST_F(ElectionLedgerTest, CheapChecksComeBeforeProofs) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s);
  HttpClient client(node.port());
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  std::size_t open = s.find(EntryType::kPollsOpen);
  post_range(client, 0, open);

  record::Entry ballot = s.entry(first_ballot);
  auto broken = *record::CastBallotBody::decode(ballot.body);
  auto& ct = broken.ballot.contests[0].selections[0].ciphertext;
  std::swap(ct.alpha, ct.beta);
  auto signed_by = [&](const SigningKey& key, const record::CastBallotBody& body) {
    return record::Entry::make(EntryType::kCastBallot, s.q, body.encode(), key).encode();
  };
  const SigningKey& kiosk = *s.keys.at(ballot.author);
  auto expect_refused = [&](ByteView entry, unsigned status, const std::string& code,
                            const std::string& message, const char* why) {
    std::uint64_t proofs_before = node.metrics.proof_checks();
    auto r = client.post("/v1/entries", entry_post_body(entry));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, status) << why << ": " << r->body;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_EQ(j["error"], code) << why;
    EXPECT_NE(j["message"].get<std::string>().find(message), std::string::npos) << j.dump();
    EXPECT_EQ(node.metrics.proof_checks(), proofs_before) << why << ": a proof was verified";
  };

  // Phase: polls not open yet.
  expect_refused(signed_by(kiosk, broken), 409, "conflict", "polls are not open", "phase");
  post_range(client, open, first_ballot);
  // Author: a key nobody enrolled (anyone can make one and valid-looking proofs).
  SigningKey stranger = SigningKey::generate();
  expect_refused(signed_by(stranger, broken), 401, "permission_denied", "is not the authority",
                 "unenrolled key");
  // Role: the election authority is enrolled, but not as a kiosk.
  expect_refused(signed_by(*s.keys.at(s.authority), broken), 403, "permission_denied",
                 "not an enrolled kiosk", "wrong role");
  // Token unknown.
  {
    auto body = broken;
    body.token_hash[0] ^= 1;
    expect_refused(signed_by(kiosk, body), 409, "conflict", "voter token is not committed",
                   "token unknown");
  }
  // Oversized base64 text: refused by its length (413), not decoded.
  {
    std::string text(((record::kMaxEntrySize + 2) / 3 * 4) + 4, 'A');
    std::uint64_t proofs_before = node.metrics.proof_checks();
    auto r = client.post("/v1/entries", json{{"entry", text}}.dump());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 413u) << r->body;
    EXPECT_EQ(node.metrics.proof_checks(), proofs_before);
  }
  // The proofs still run for an entry that passes everything cheaper: the broken proof is 422.
  {
    std::uint64_t proofs_before = node.metrics.proof_checks();
    auto r = client.post("/v1/entries", entry_post_body(signed_by(kiosk, broken)));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 422u) << r->body;
    EXPECT_EQ(node.metrics.proof_checks(), proofs_before + 1);
  }
  // A stored ballot re-submitted 1,000 times: each a duplicate, none costs a proof.
  post_range(client, first_ballot, first_ballot + 1);
  std::uint64_t proofs_before = node.metrics.proof_checks();
  for (int i = 0; i < 1000; ++i) {
    auto r = client.post("/v1/entries", entry_post_body(s.entries[first_ballot]));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << r->body;
    json j = json::parse(r->body);
    ASSERT_EQ(j["duplicate"], true);
    ASSERT_EQ(j["index"], first_ballot);
  }
  EXPECT_EQ(node.metrics.proof_checks(), proofs_before);
  // Token spent: the next ballot of this kiosk carrying the first one's token (broken proof).
  {
    std::size_t next = next_cast_by(s, first_ballot, ballot.author);
    post_range(client, first_ballot + 1, next);
    auto body = *record::CastBallotBody::decode(s.entry(next).body);
    body.token_hash = broken.token_hash;
    auto& c2 = body.ballot.contests[0].selections[0].ciphertext;
    std::swap(c2.alpha, c2.beta);
    expect_refused(signed_by(kiosk, body), 409, "conflict", "voter token already spent",
                   "token spent");
  }
}

// A kiosk casting with a voter token committed for another precinct (check 15, issue 12): the
// kiosk's own look-up (GET /v1/tokens/<hash>) is not the only guard; the ledger refuses the ballot
// at append with the token errors' status and field, with or without a valid proof (before it
// pays for the proof), and the log does not grow. The token's precinct survives a restart.
TEST_F(ElectionLedgerTest, TokenOfAnotherPrecinctIsRefusedAtAppend) {
  TempDir dir;
  const SimElection& s = sim();
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  const std::string other_token = election::generate_token();
  const Digest other_hash = election::token_hash(s.q, other_token);
  const Bytes other_commitment =
      record::Entry::make(EntryType::kTokenCommitments, s.q,
                          record::TokenCommitmentsBody{"precinct-2", {other_hash}}.encode(),
                          *s.keys.at(s.authority))
          .encode();
  record::Entry ballot = s.entry(first_ballot);
  const SigningKey& kiosk = *s.keys.at(ballot.author);  // enrolled for precinct-1
  auto cast_with = [&](const Digest& token, bool break_proof) {
    auto body = *record::CastBallotBody::decode(ballot.body);
    body.token_hash = token;
    if (break_proof) {
      auto& ct = body.ballot.contests[0].selections[0].ciphertext;
      std::swap(ct.alpha, ct.beta);
    }
    return record::Entry::make(EntryType::kCastBallot, s.q, body.encode(), kiosk).encode();
  };
  const std::string token_path = "/v1/tokens/" + to_hex(other_hash);
  {
    Node node(dir.path(), s);
    HttpClient client(node.port());
    post_range(client, 0, first_ballot);
    auto posted = client.post("/v1/entries", entry_post_body(other_commitment));
    ASSERT_TRUE(posted.ok());
    ASSERT_EQ(posted->status, 200u) << posted->body;
    const json size_before = parse(client.get("/v1/status"))["size"];
    ASSERT_EQ(size_before, first_ballot + 1);
    for (bool break_proof : {false, true}) {
      std::uint64_t proofs_before = node.metrics.proof_checks();
      auto r = client.post("/v1/entries", entry_post_body(cast_with(other_hash, break_proof)));
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->status, 409u) << r->body;
      json j = json::parse(r->body, nullptr, false);
      EXPECT_EQ(j["error"], "conflict") << r->body;
      EXPECT_EQ(j["field"], "body.token_hash") << r->body;
      EXPECT_EQ(j["message"],
                "voter token was committed for precinct \"precinct-2\"; this kiosk is enrolled "
                "for precinct \"precinct-1\"");
      EXPECT_EQ(node.metrics.proof_checks(), proofs_before) << "a proof was verified";
      EXPECT_EQ(parse(client.get("/v1/status"))["size"], size_before);
    }
    json token = parse(client.get(token_path));
    EXPECT_EQ(token["state"], "unspent");
    EXPECT_EQ(token["precinct"], "precinct-2");
    // The same ballot with a token of its own precinct is accepted.
    auto r = client.post("/v1/entries", entry_post_body(s.entries[first_ballot]));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200u) << r->body;
  }
  // Restarted: the precinct comes back from the replayed record, and the rule still holds. The
  // token-commitments entry came after the stored totals: the start replays it on top of them.
  Node node(dir.path(), s);
  EXPECT_TRUE(node.ledger->resumed_from_stored_state());
  HttpClient client(node.port());
  EXPECT_EQ(parse(client.get(token_path))["precinct"], "precinct-2");
  auto r = client.post("/v1/entries", entry_post_body(cast_with(other_hash, false)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 409u) << r->body;
  EXPECT_NE(r->body.find("committed for precinct \\\"precinct-2\\\""), std::string::npos)
      << r->body;
}

// GET /v1/checkpoints pages through the stored checkpoints (a ranged read, not the whole list
// per page) and refuses a count outside 1..1000 with 400 out_of_range, field "count".
TEST_F(ElectionLedgerTest, CheckpointListIsPagedAndBounded) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s);
  HttpClient client(node.port());
  for (std::size_t end : {std::size_t{2}, std::size_t{4}, std::size_t{6}, std::size_t{8}}) {
    post_range(client, end - 2, end);
    ASSERT_TRUE(node.ledger->publish_checkpoint().ok());
  }
  auto all = node.storage.list_checkpoints();
  ASSERT_TRUE(all.ok());
  ASSERT_GE(all->size(), 4u);
  json page = parse(client.get("/v1/checkpoints?start=1&count=2"));
  EXPECT_EQ(page["total"], all->size());
  EXPECT_EQ(page["start"], 1u);
  ASSERT_EQ(page["checkpoints"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(page["checkpoints"][i]["size"], (*all)[i + 1].size);
    EXPECT_EQ(page["checkpoints"][i]["note"], (*all)[i + 1].note);
  }
  json last = parse(client.get("/v1/checkpoints?start=" + std::to_string(all->size() - 1)));
  ASSERT_EQ(last["checkpoints"].size(), 1u);
  EXPECT_EQ(last["checkpoints"][0]["size"], all->back().size);
  json beyond = parse(client.get("/v1/checkpoints?start=18446744073709551615&count=1000"));
  EXPECT_TRUE(beyond["checkpoints"].empty());
  EXPECT_EQ(beyond["total"], all->size());
  for (const char* count : {"0", "1001"}) {
    auto r = client.get(std::string("/v1/checkpoints?count=") + count);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400u) << count << ": " << r->body;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_EQ(j["error"], "out_of_range") << r->body;
    EXPECT_EQ(j["field"], "count") << r->body;
  }
}

TEST_F(ElectionLedgerTest, FirstEntryMustMatchOriginAuthorityAndKey) {
  const SimElection& s = sim();
  {
    TempDir dir;
    Node node(dir.path(), s, "another.example/log");
    HttpClient client(node.port());
    auto r = client.post("/v1/entries", entry_post_body(s.entries[0]));
    EXPECT_EQ(r->status, 400u) << r->body;
    EXPECT_EQ(parse(r)["field"], "body.manifest.origin");
  }
  {
    // Another ledger key: the election entry names a key that is not this ledger's.
    TempDir dir;
    SimElection other = s;
    SigningKey k = SigningKey::generate();
    auto e = s.entry(0);
    auto body = *record::ElectionBody::decode(e.body);
    body.ledger_key = ledger::NoteSigner(s.manifest.origin, k).verifier_key();
    other.resign(0, body.encode());
    Node node(dir.path(), s);
    HttpClient client(node.port());
    auto r = client.post("/v1/entries", entry_post_body(other.entries[0]));
    EXPECT_EQ(r->status, 400u) << r->body;
    EXPECT_EQ(parse(r)["field"], "body.ledger_key");
    EXPECT_EQ(parse(client.get("/v1/status"))["size"], 0);
  }
}

TEST_F(ElectionLedgerTest, RestartRebuildsStateAndKeepsTheCheckpoint) {
  TempDir dir;
  const SimElection& s = sim();
  std::size_t half = s.find(EntryType::kCastBallot, 3);
  std::string status_before, checkpoint_before;
  {
    Node node(dir.path(), s);
    HttpClient client(node.port());
    post_range(client, 0, half);
    ASSERT_TRUE(node.ledger->publish_checkpoint().ok());
    status_before = client.get("/v1/status")->body;
    checkpoint_before = client.get("/checkpoint")->body;
  }
  {
    Node node(dir.path(), s);
    HttpClient client(node.port());
    EXPECT_EQ(client.get("/v1/status")->body, status_before);
    EXPECT_EQ(client.get("/checkpoint")->body, checkpoint_before);
    // The rest is accepted in order: kiosk chains, tokens, tally all continue.
    post_range(client, half, s.entries.size());
    EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
  }
  // A ledger started with another key refuses the data dir.
  {
    auto storage = *SqliteStorage::open(dir.path());
    LedgerIdentity id{s.manifest.origin, s.authority,
                      std::make_shared<const SigningKey>(SigningKey::generate())};
    auto opened = ElectionLedger::open(*storage, id, nullptr);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::kConflict);
  }
}

// Start-up from stored state: a restart while the polls are open (and after the result) takes
// the stored open-phase totals, not a replay of every ballot, and serves exactly what the
// ledger served before; the election then goes on (kiosk chains, spent tokens, tally).
TEST_F(ElectionLedgerTest, RestartFromStoredStateServesTheSameState) {
  TempDir dir;
  const SimElection& s = sim();
  std::size_t half = s.find(EntryType::kCastBallot, 3);
  std::string status_before, checkpoint_before;
  {
    Node node(dir.path(), s);
    EXPECT_FALSE(node.ledger->resumed_from_stored_state());
    HttpClient client(node.port());
    post_range(client, 0, half);
    ASSERT_TRUE(node.ledger->publish_checkpoint().ok());
    status_before = client.get("/v1/status")->body;
    checkpoint_before = client.get("/checkpoint")->body;
  }
  {
    Node node(dir.path(), s);
    EXPECT_TRUE(node.ledger->resumed_from_stored_state());
    HttpClient client(node.port());
    EXPECT_EQ(client.get("/v1/status")->body, status_before);
    EXPECT_EQ(client.get("/checkpoint")->body, checkpoint_before);
    // A ballot stored before the restart, sent again, is answered with its index.
    auto again = parse(client.post("/v1/entries", entry_post_body(s.entries[half - 1])));
    EXPECT_EQ(again["index"], half - 1);
    post_range(client, half, s.entries.size());
    ASSERT_TRUE(node.ledger->publish_checkpoint().ok());
    status_before = client.get("/v1/status")->body;
    checkpoint_before = client.get("/checkpoint")->body;
    EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
  }
  {
    Node node(dir.path(), s);  // the totals as of the last open batch, then the rest replayed
    EXPECT_TRUE(node.ledger->resumed_from_stored_state());
    HttpClient client(node.port());
    EXPECT_EQ(client.get("/v1/status")->body, status_before);
    EXPECT_EQ(client.get("/checkpoint")->body, checkpoint_before);
  }
}

// Stored state that does not check out is not used: the ledger replays the whole log, serves the
// same state, rewrites the token table from the log and refuses a second ballot with a token the
// damage had made look unspent. Each damage is caught by one start-up check (docs/cluster.md
// section 1a): a wrong root, a truncated totals row, a spent token set unspent (spent rows vs
// cast ballots), a token row deleted or added (rows vs tokens committed), a spend moved past the
// log (the rows' maximum positions), a malformed list of token-commitments entries.
TEST_F(ElectionLedgerTest, DamagedStoredStateIsReplayedInstead) {
  const SimElection& s = sim();
  std::size_t half = s.find(EntryType::kCastBallot, 3);
  const std::size_t first_ballot = s.find(EntryType::kCastBallot);
  const Digest spent_token = record::CastBallotBody::decode(s.entry(first_ballot).body)->token_hash;
  enum Damage {
    kRoot,
    kTruncatedTotals,
    kSpentSetUnspent,
    kRowDeleted,
    kRowAdded,
    kSpendPastTheLog,
    kTokenEntriesList,
    kCountTriggerDropped,
    kCountsEdited,
    kDamages
  };
  for (int damage = 0; damage < kDamages; ++damage) {
    SCOPED_TRACE(damage);
    TempDir dir;
    std::string status_before;
    {
      Node node(dir.path(), s);
      HttpClient client(node.port());
      post_range(client, 0, half);
      status_before = client.get("/v1/status")->body;
    }
    {
      auto storage = *SqliteStorage::open(dir.path());
      auto totals = *storage->get_state("resume/open");
      ASSERT_TRUE(totals.has_value());
      auto row = *storage->get_token(spent_token);
      ASSERT_TRUE(row.has_value());
      ASSERT_TRUE(row->spent_at.has_value());
      std::vector<StateWrite> writes;
      if (damage == kRoot) {
        (*totals)[9] ^= 1;  // a byte of the root (after version and size)
        writes.push_back({"resume/open", *totals});
      }
      if (damage == kTruncatedTotals) {
        totals->resize(totals->size() - 1);
        writes.push_back({"resume/open", *totals});
      }
      if (damage == kSpentSetUnspent) {
        row->spent_at.reset();
        writes.push_back(token_row_write(*row));
      }
      if (damage == kRowDeleted) {
        auto deleted = token_row_write(*row);
        deleted.value.reset();
        writes.push_back(deleted);
      }
      if (damage == kRowAdded) {
        TokenRow added = *row;
        added.hash[0] ^= 1;
        added.spent_at.reset();
        writes.push_back(token_row_write(added));
      }
      if (damage == kSpendPastTheLog) {
        row->spent_at = s.entries.size() + 100;
        writes.push_back(token_row_write(*row));
      }
      if (damage == kTokenEntriesList) writes.push_back({"resume/token-entries", Bytes{1, 2, 3}});
      ASSERT_TRUE(storage->put_state(std::move(writes)).ok());
      ASSERT_TRUE(storage->close().ok());
      // Damage by hand in SQL: a row deleted behind a dropped counting trigger (the counts
      // still match the totals: the missing trigger must show), or the counts edited.
      const std::string sql =
          damage == kCountTriggerDropped
              ? "DROP TRIGGER tokens_count_delete; DELETE FROM tokens WHERE hash = x'" +
                    to_hex(spent_token) + "'"
          : damage == kCountsEdited ? "UPDATE token_counts SET spent = spent - 1"
                                    : "";
      if (!sql.empty()) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir.path() / SqliteStorage::kFileName).c_str(), &db), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        EXPECT_EQ(sqlite3_changes(db), 1);
        sqlite3_close(db);
      }
    }
    {
      Node node(dir.path(), s);
      EXPECT_FALSE(node.ledger->resumed_from_stored_state());
      HttpClient client(node.port());
      EXPECT_EQ(client.get("/v1/status")->body, status_before);
      // The token the damage made look unspent (or deleted) is spent again in the log's eyes.
      auto token = parse(client.get("/v1/tokens/" + to_hex(spent_token)));
      EXPECT_EQ(token["state"], "spent") << token.dump();
      record::Entry ballot = s.entry(half);
      auto body = *record::CastBallotBody::decode(ballot.body);
      body.token_hash = spent_token;
      const SigningKey& kiosk = *s.keys.at(ballot.author);
      auto again = client.post(
          "/v1/entries",
          entry_post_body(
              record::Entry::make(EntryType::kCastBallot, s.q, body.encode(), kiosk).encode()));
      EXPECT_EQ(again->status, 409u) << again->body;
      EXPECT_EQ(parse(again).value("reason", ""), "token_spent") << again->body;
      if (damage == kRoot) {  // the election goes on (once: the other damages end the same way)
        post_range(client, half, s.entries.size());
        EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
      }
    }
    // The replay repaired the stored state: the next start uses it.
    Node node(dir.path(), s);
    EXPECT_TRUE(node.ledger->resumed_from_stored_state());
  }
}

// Stored totals older than the log (the ballots of the batch after them replayed on top of the
// token table, which hides the rows they wrote): the start uses them; the tail's token rows must
// be the ones the replay writes, so two tail ballots' spends swapped in the table (every count
// unchanged) are detected and the log replayed instead.
TEST_F(ElectionLedgerTest, TailAfterStoredTotalsIsCheckedAgainstTheTokenTable) {
  const SimElection& s = sim();
  const std::size_t half = s.find(EntryType::kCastBallot, 3);
  std::vector<std::size_t> tail_casts;
  for (std::size_t i = half; i < s.entries.size() && tail_casts.size() < 2; ++i) {
    if (s.entry(i).type == EntryType::kCastBallot) tail_casts.push_back(i);
  }
  ASSERT_EQ(tail_casts.size(), 2u);
  const std::size_t end = tail_casts[1] + 1;
  for (bool swapped : {false, true}) {
    SCOPED_TRACE(swapped);
    TempDir dir;
    Bytes stale;
    std::string status_before;
    {
      Node node(dir.path(), s);
      HttpClient client(node.port());
      post_range(client, 0, half);
      stale = **node.storage.get_state("resume/open");
      post_range(client, half, end);
      status_before = client.get("/v1/status")->body;
    }
    {
      auto storage = *SqliteStorage::open(dir.path());
      std::vector<StateWrite> writes{{"resume/open", stale}};
      if (swapped) {
        auto token_of = [&](std::size_t pos) {
          return record::CastBallotBody::decode(s.entry(pos).body)->token_hash;
        };
        auto a = **storage->get_token(token_of(tail_casts[0]));
        auto b = **storage->get_token(token_of(tail_casts[1]));
        ASSERT_EQ(a.spent_at, std::optional<std::uint64_t>(tail_casts[0]));
        std::swap(a.spent_at, b.spent_at);
        TokenRow parked = b;
        parked.spent_at = std::uint64_t{1} << 40;  // the unique index: one spend per entry
        writes.push_back(token_row_write(parked));
        writes.push_back(token_row_write(a));
        writes.push_back(token_row_write(b));
      }
      ASSERT_TRUE(storage->put_state(std::move(writes)).ok());
      ASSERT_TRUE(storage->close().ok());
    }
    Node node(dir.path(), s);
    EXPECT_EQ(node.ledger->resumed_from_stored_state(), !swapped);
    HttpClient client(node.port());
    EXPECT_EQ(client.get("/v1/status")->body, status_before);
    post_range(client, end, s.entries.size());
    EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
  }
}

// The stored totals are not rewritten by every batch (encoding them was 30-40 us per ballot) but
// once the log has grown by set_resume_totals_every() entries: the row lags the log by less than
// that, a start from it replays the rest, and a batch whose commit failed leaves the row as it was
// (the next one writes it).
TEST_F(ElectionLedgerTest, StoredTotalsAreRewrittenEveryFewEntriesAndTheRestIsReplayed) {
  const SimElection& s = sim();
  const std::size_t open = s.find(EntryType::kPollsOpen);
  const std::size_t end = s.find(EntryType::kPollsClose);
  constexpr std::uint64_t kEvery = 3;
  TempDir dir;
  std::string status_before;
  {
    Node node(dir.path(), s);
    node.ledger->set_resume_totals_every(kEvery);
    HttpClient client(node.port());
    post_range(client, 0, open + 1);
    auto totals_size = [&]() -> std::uint64_t {
      auto row = node.storage.get_state("resume/open");
      if (!row.ok() || !row->has_value()) return 0;
      auto totals = record::ElectionState::OpenTotals::decode(**row);
      return totals.ok() ? totals->size : 0;
    };
    EXPECT_EQ(totals_size(), open + 1);  // the polls-open batch writes the first totals
    std::set<std::uint64_t> written{open + 1};
    std::size_t batches = 0;
    bool failed_once = false;
    for (std::size_t i = open + 1; i < end; ++i) {  // one entry per batch
      if (!failed_once && i + 1 - totals_size() >= kEvery) {
        // The batch that would write the totals fails to commit: the next one writes them.
        failed_once = true;
        node.storage.fail_next_appends(1);
        auto r = client.post("/v1/entries", entry_post_body(s.entries[i]));
        EXPECT_EQ(r->status, 500u) << r->body;
      }
      post_range(client, i, i + 1);
      ++batches;
      const std::uint64_t at = totals_size();
      ASSERT_LE(at, i + 1);
      EXPECT_LT(i + 1 - at, kEvery) << "entry " << i;
      written.insert(at);
    }
    ASSERT_TRUE(failed_once);
    ASSERT_GE(batches, 2 * kEvery);
    // One write per kEvery entries, not one per batch.
    EXPECT_LE(written.size(), 1 + batches / kEvery);
    status_before = client.get("/v1/status")->body;
  }
  Node node(dir.path(), s);
  EXPECT_TRUE(node.ledger->resumed_from_stored_state());
  HttpClient client(node.port());
  EXPECT_EQ(client.get("/v1/status")->body, status_before);
  post_range(client, end, s.entries.size());
  EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
}

// A data dir written before the token table (schema version 1, totals without a token count):
// the first start builds the table from the log in one transaction and replays; the next start
// is from stored state, refuses a spent token and answers a stored ballot with its index.
TEST_F(ElectionLedgerTest, DataDirWithoutTokenTableIsMigrated) {
  const SimElection& s = sim();
  std::size_t half = s.find(EntryType::kCastBallot, 3);
  const std::size_t first_ballot = s.find(EntryType::kCastBallot);
  TempDir dir;
  std::string status_before;
  {
    Node node(dir.path(), s);
    HttpClient client(node.port());
    post_range(client, 0, half);
    status_before = client.get("/v1/status")->body;
  }
  {
    // Back to version 1: no token table, no list of token entries, totals of version 1.
    auto storage = *SqliteStorage::open(dir.path());
    auto totals = **storage->get_state("resume/open");
    ASSERT_TRUE(storage->close().ok());
    totals[0] = 1;
    const std::size_t tokens_at = 1 + 8 + 32 + 8 + 8 + 8;
    totals.erase(totals.begin() + tokens_at, totals.begin() + tokens_at + 8);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / SqliteStorage::kFileName).c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE tokens; UPDATE schema_version SET version = 1;"
                           "DELETE FROM state WHERE key = 'resume/token-entries'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_stmt* put = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE state SET value = ?1 WHERE key = 'resume/open'", -1,
                                 &put, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(put, 1, totals.data(), static_cast<int>(totals.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(put), SQLITE_DONE);
    sqlite3_finalize(put);
    sqlite3_close(db);
  }
  {
    Node node(dir.path(), s);
    EXPECT_FALSE(node.ledger->resumed_from_stored_state());
    HttpClient client(node.port());
    EXPECT_EQ(client.get("/v1/status")->body, status_before);
  }
  {
    auto storage = *SqliteStorage::open(dir.path());
    EXPECT_EQ(*storage->stored_schema_version(), SqliteStorage::kSchemaVersion);
    auto summary = *storage->token_summary();
    auto status = json::parse(status_before);
    EXPECT_EQ(summary.rows, status["tokens_committed"].get<std::uint64_t>());
    EXPECT_EQ(summary.spent, status["tokens_spent"].get<std::uint64_t>());
  }
  Node node(dir.path(), s);
  EXPECT_TRUE(node.ledger->resumed_from_stored_state());
  HttpClient client(node.port());
  EXPECT_EQ(client.get("/v1/status")->body, status_before);
  auto again = parse(client.post("/v1/entries", entry_post_body(s.entries[first_ballot])));
  EXPECT_EQ(again["index"], first_ballot);
  EXPECT_EQ(again["duplicate"], true);
  record::Entry ballot = s.entry(half);
  auto body = *record::CastBallotBody::decode(ballot.body);
  body.token_hash = record::CastBallotBody::decode(s.entry(first_ballot).body)->token_hash;
  auto spent = client.post(
      "/v1/entries", entry_post_body(record::Entry::make(EntryType::kCastBallot, s.q, body.encode(),
                                                         *s.keys.at(ballot.author))
                                         .encode()));
  EXPECT_EQ(spent->status, 409u) << spent->body;
  EXPECT_EQ(parse(spent).value("reason", ""), "token_spent") << spent->body;
  post_range(client, half, s.entries.size());
  EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
}

TEST_F(ElectionLedgerTest, FailedCommitLeavesNoTraceInMemory) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s);
  HttpClient client(node.port());
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  post_range(client, 0, first_ballot);
  node.storage.fail_next_appends(1);
  auto r = client.post("/v1/entries", entry_post_body(s.entries[first_ballot]));
  EXPECT_EQ(r->status, 500u) << r->body;
  json status = parse(client.get("/v1/status"));
  EXPECT_EQ(status["size"], first_ballot);
  EXPECT_EQ(status["tokens_spent"], 0);
  // A batch of ballots is undone in memory, without a rebuild from storage.
  EXPECT_EQ(node.metrics.rollbacks(), 1u);
  EXPECT_EQ(node.metrics.rebuilds(), 0u);
  // Had the state kept the failed ballot, the token would be spent and the chain advanced.
  std::size_t close = s.find(EntryType::kPollsClose);
  post_range(client, first_ballot, close);
  // A failed polls-close (not a ballot) is not undone in memory: the state is rebuilt.
  node.storage.fail_next_appends(1);
  r = client.post("/v1/entries", entry_post_body(s.entries[close]));
  EXPECT_EQ(r->status, 500u) << r->body;
  EXPECT_EQ(node.metrics.rebuilds(), 1u);
  EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "open");
  post_range(client, close, s.entries.size());
  EXPECT_EQ(parse(client.get("/v1/status"))["phase"], "finished");
}

// A lost cluster race (docs/cluster.md section 1): another node appended a ballot first. The
// node's batch of ballots is undone in memory in O(batch), not rebuilt from storage; the node
// catches up, validates its batch again after the other node's ballot, and both are stored once
// with a verifying receipt; the node ends in the same state as one that never raced.
TEST_F(ElectionLedgerTest, LostRaceIsUndoneInMemory) {
  TempDir dir, reference_dir;
  const SimElection& s = sim();
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  ASSERT_NE(s.entry(first_ballot + 1).author, s.entry(first_ballot).author);
  Node node(dir.path(), s, {}, 0, /*racing=*/true);
  HttpClient client(node.port());
  post_range(client, 0, first_ballot + 2);
  std::string status_before = client.get("/v1/status")->body;
  // Kiosk A's next ballot loses the race to kiosk B's next ballot.
  std::size_t a = first_ballot + 2, b = first_ballot + 3;
  ASSERT_NE(s.entry(a).author, s.entry(b).author);
  for (std::size_t i : {a, b}) {
    ASSERT_TRUE(s.entry(i).type == EntryType::kCastBallot ||
                s.entry(i).type == EntryType::kChallengedBallot);
  }
  node.storage.lose_next_append_to({s.entries[b]});
  auto posted = parse(client.post("/v1/entries", entry_post_body(s.entries[a])));
  ASSERT_EQ(posted["index"], first_ballot + 3) << posted.dump();
  expect_valid_receipt(posted["receipt"], s.entries[a], first_ballot + 3, s.ledger_key);
  EXPECT_EQ(node.metrics.rollbacks(), 1u);
  EXPECT_EQ(node.metrics.rebuilds(), 0u);
  EXPECT_EQ(parse(client.post("/v1/entries", entry_post_body(s.entries[b])))["index"],
            first_ballot + 2);
  // The same entries in the same order, without a race.
  Node reference(reference_dir.path(), s);
  HttpClient ref(reference.port());
  post_range(ref, 0, first_ballot + 2);
  EXPECT_EQ(ref.get("/v1/status")->body, status_before);
  EXPECT_EQ(parse(ref.post("/v1/entries", entry_post_body(s.entries[b])))["index"],
            first_ballot + 2);
  auto ref_posted = parse(ref.post("/v1/entries", entry_post_body(s.entries[a])));
  EXPECT_EQ(ref_posted["index"], first_ballot + 3);
  EXPECT_EQ(client.get("/v1/status")->body, ref.get("/v1/status")->body);
  // Same size and root: the same signed checkpoint in both receipts.
  EXPECT_EQ(posted["receipt"]["checkpoint"], ref_posted["receipt"]["checkpoint"]);
}

// A failed COMMIT of another entry at the same index: the tree hashes the ledger keeps in
// memory for receipts must not outlive it (every later receipt proves against the real tree).
TEST_F(ElectionLedgerTest, FailedCommitLeavesNoTreeHashBehind) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s);
  HttpClient client(node.port());
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  post_range(client, 0, first_ballot);
  // The second kiosk's first ballot (kiosks alternate) fails to commit at first_ballot...
  ASSERT_NE(s.entry(first_ballot + 1).author, s.entry(first_ballot).author);
  node.storage.fail_next_appends(1);
  auto r = client.post("/v1/entries", entry_post_body(s.entries[first_ballot + 1]));
  EXPECT_EQ(r->status, 500u) << r->body;
  // ... then the election goes on in order, and every receipt verifies.
  for (std::size_t i = first_ballot; i < s.entries.size(); ++i) {
    auto posted = client.post("/v1/entries", entry_post_body(s.entries[i]));
    ASSERT_TRUE(posted.ok());
    ASSERT_EQ(posted->status, 200u) << "entry " << i << ": " << posted->body;
    json j = json::parse(posted->body);
    ASSERT_EQ(j["index"], i);
    expect_valid_receipt(j["receipt"], s.entries[i], i, s.ledger_key);
  }
}

// Issue 11: a full verification queue answers 503 + Retry-After at once; the client library
// (LedgerConnection, under KioskClient and the kiosk) sends the same ballot again after the delay,
// a bounded number of times, and the ledger stores it exactly once.
TEST_F(ElectionLedgerTest, FullQueueIs503AndClientsResendTheSameBallot) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s, {}, /*max_queue=*/1);
  HttpClient client(node.port());
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  post_range(client, 0, first_ballot);
  // Both pool threads busy and one task waiting: the queue is full.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> busy{0};
  auto block = [&] {
    ++busy;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  };
  auto unblock = [&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      release = true;
    }
    cv.notify_all();
  };
  struct Unblock {
    std::function<void()> f;
    ~Unblock() { f(); }
  } unblock_on_exit{unblock};  // the pool's threads must finish before the node stops
  for (int i = 0; i < 3; ++i) node.pool.post(block);
  for (int i = 0; i < 2000 && (busy < 2 || node.pool.queued() < 1); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(node.pool.queued(), 1u);
  std::string url = "http://127.0.0.1:" + std::to_string(node.port());

  // Bounded: with the queue kept full, the client gives up after busy_retries resends.
  http::Options impatient;
  impatient.busy_retries = 2;
  auto lc = client::LedgerConnection::connect(url, impatient);
  ASSERT_TRUE(lc.ok());
  auto start = std::chrono::steady_clock::now();
  auto refused = lc->submit_bytes(s.entries[first_ballot]);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("verification queue is full"), std::string::npos)
      << refused.error().describe();
  EXPECT_EQ(refused.error().field, "queue");
  EXPECT_EQ(node.metrics.refusals("queue_full"), 3u);  // the first try and two resends
  EXPECT_GE(took.count(), 2.0) << "Retry-After: 1 was not honoured";
  EXPECT_EQ(parse(client.get("/v1/status"))["size"], first_ballot) << "nothing was stored";

  // The default client waits it out: the queue frees up while it waits, and the same ballot
  // is stored once, at its index, with a receipt.
  auto patient = client::LedgerConnection::connect(url);
  ASSERT_TRUE(patient.ok());
  std::thread freer([&] {
    for (int i = 0; i < 2000 && node.metrics.refusals("queue_full") < 4; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    unblock();
  });
  auto stored = patient->submit_bytes(s.entries[first_ballot]);
  freer.join();
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(stored->index, first_ballot);
  EXPECT_FALSE(stored->duplicate);
  EXPECT_GE(node.metrics.refusals("queue_full"), 4u);
  auto again = patient->submit_bytes(s.entries[first_ballot]);
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(parse(client.get("/v1/status"))["size"], first_ballot + 1);
}

// The author/role/phase gate runs before an entry is queued for verification: with the pool's
// threads held and room for one queued entry, refused ballots (signed by a key nobody enrolled)
// are still answered 401 at once, none of them is queued, and they never take the one place an
// honest kiosk's ballot needs. Nothing here depends on timing: a refused ballot that was queued
// would hang until the pool is released.
TEST_F(ElectionLedgerTest, RefusedEntriesNeverWaitInTheVerificationQueue) {
  TempDir dir;
  const SimElection& s = sim();
  Node node(dir.path(), s, {}, /*max_queue=*/1);
  HttpClient client(node.port());
  std::size_t first_ballot = s.find(EntryType::kCastBallot);
  post_range(client, 0, first_ballot);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  bool let_go_done = false;
  auto let_go = [&] {
    if (!let_go_done) release.set_value();
    let_go_done = true;
  };
  std::atomic<int> busy{0};
  std::promise<Result<testing::HttpReply>> honest_reply;
  std::thread kiosk;
  struct OnExit {
    std::function<void()> f;
    ~OnExit() { f(); }
  } on_exit{[&] {  // the pool's threads and the kiosk must finish before the node stops
    let_go();
    if (kiosk.joinable()) kiosk.join();
  }};
  for (int i = 0; i < 2; ++i) {
    node.pool.post([&] {
      ++busy;
      released.wait();
    });
  }
  for (int i = 0; i < 2000 && busy < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(busy.load(), 2);
  ASSERT_EQ(node.pool.queued(), 0u);

  const record::Entry honest = s.entry(first_ballot);
  SigningKey stranger = SigningKey::generate();
  const Bytes hostile =
      record::Entry::make(honest.type, honest.base_hash, honest.body, stranger).encode();
  auto flood = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto r = client.post("/v1/entries", entry_post_body(hostile));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 401u) << r->body;
      ASSERT_EQ(node.pool.queued(), 0u);  // never queued
    }
  };
  flood(100);
  // The honest ballot waits in the queue (the pool is held) ...
  kiosk = std::thread([&] {
    HttpClient own(node.port());
    honest_reply.set_value(own.post("/v1/entries", entry_post_body(s.entries[first_ballot])));
  });
  for (int i = 0; i < 2000 && node.pool.queued() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(node.pool.queued(), 1u);
  // ... and the queue is full, yet refused ballots are still answered 401, not 503, and not queued.
  for (int i = 0; i < 100; ++i) {
    auto r = client.post("/v1/entries", entry_post_body(hostile));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 401u) << r->body;
  }
  EXPECT_EQ(node.pool.queued(), 1u);
  EXPECT_EQ(node.metrics.refusals("queue_full"), 0u);
  let_go();
  kiosk.join();
  auto reply = honest_reply.get_future().get();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200u) << reply->body;
  EXPECT_EQ(json::parse(reply->body)["index"], first_ballot);
}

TEST(LedgerKey, CreatedWithMode0600AndReloaded) {
  TempDir dir;
  std::string path = (dir.path() / "sub" / "ledger.key").string();
  bool created = false;
  auto k1 = load_or_create_ledger_key(path, &created);
  ASSERT_TRUE(k1.ok()) << k1.error().describe();
  EXPECT_TRUE(created);
  auto perms = std::filesystem::status(path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto k2 = load_or_create_ledger_key(path, &created);
  ASSERT_TRUE(k2.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ((*k1)->verify_key(), (*k2)->verify_key());
}

}  // namespace
}  // namespace tabella::server
