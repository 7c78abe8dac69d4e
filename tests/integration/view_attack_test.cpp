// The ledger operator lies to the officials' tools (issue 10, attack 3). A real tabella-ledger
// whose manifest names two real witnesses (quorum 2) runs an election; a proxy in this test sits
// in front of it and, playing the operator (it holds the ledger key), serves tabella-admin and
// tabella-guardian — run as processes — a view of /v1/entries with ballots dropped or reordered,
// or a fork holding one target ballot and a tally over it, with checkpoints it signs itself:
// uncosigned, with the witnesses' real lines copied onto them, or cosigned by colluding
// witnesses. Each lie must be refused before anything is signed or posted (the proxy counts the
// POSTs); a view that does not extend the one a tool accepted before leaves an evidence file
// with both checkpoints. Through the same proxy telling the truth the election finishes.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "guardian_state.h"
#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/ledger_args.h"
#include "support/ledger_feed.h"
#include "support/listening_process.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_witness.h"
#include "tabella/client/key_files.h"
#include "tabella/election/tally.h"
#include "tabella/election/token.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/receipt.h"
#include "tabella/ledger/witness.h"
#include "tabella/record/entry.h"

namespace tabella {
namespace {

constexpr const char* kPassphrase = "passphrase of the test guardians";

using nlohmann::json;
using record::EntryType;
using testing::HttpClient;
using testing::ProgramRun;
using testing::run_program;

// What the proxy serves instead of the truth.
struct Lie {
  // The entries served, computed from the real log's; empty: the real log.
  using View = std::function<std::vector<Bytes>(const std::vector<Bytes>&)>;
  View view;
  enum class Checkpoints {
    kReal,               // the real ledger's receipts and proofs (for the real log)
    kForgedUncosigned,   // signed with the ledger key for the view served, no witness line
    kForgedCopiedLines,  // ... with the witnesses' lines from the real checkpoint appended
    kForgedColluding,    // ... cosigned by the witnesses' own keys (a colluding quorum)
  } checkpoints = Checkpoints::kReal;
};

// A small HTTP/1.1 server (thread per connection, keep-alive, Content-Length bodies) that
// forwards every request to the ledger and rewrites /v1/entries, /v1/receipt,
// /v1/proof/consistency and /checkpoint according to the current Lie.
class LyingProxy {
 public:
  struct Keys {
    std::string origin;
    std::shared_ptr<const SigningKey> ledger;
    std::vector<std::pair<std::string, std::shared_ptr<const SigningKey>>> witnesses;
  };

  LyingProxy(std::uint16_t ledger_port, Keys keys)
      : ledger_port_(ledger_port), keys_(std::move(keys)) {
    auto listener = testing::listen_loopback();
    EXPECT_GE(listener.fd, 0);
    listen_fd_ = listener.fd;
    port_ = listener.port;
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~LyingProxy() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    std::lock_guard lock(mu_);
    for (int fd : clients_) shutdown(fd, SHUT_RDWR);
    for (auto& t : workers_) t.join();
  }
  LyingProxy(const LyingProxy&) = delete;
  LyingProxy& operator=(const LyingProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void tell(Lie lie) {
    std::lock_guard lock(mu_);
    lie_ = std::move(lie);
  }
  // POST requests forwarded to the ledger since the last call.
  int take_posts() { return posts_.exchange(0); }

 private:
  struct Reply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
  };

  void accept_loop() {
    while (!stopping_) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(mu_);
      clients_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    HttpClient ledger(ledger_port_);
    std::string buffer;
    char chunk[8192];
    for (;;) {
      std::size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      const std::string head = buffer.substr(0, head_end);
      buffer.erase(0, head_end + 4);
      std::size_t length = 0;
      std::size_t pos = 0;
      std::string lower = head;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if ((pos = lower.find("\r\ncontent-length:")) != std::string::npos) {
        length = std::stoul(head.substr(pos + 17));
      }
      while (buffer.size() < length) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      const std::string body = buffer.substr(0, length);
      buffer.erase(0, length);
      const std::string method = head.substr(0, head.find(' '));
      const std::size_t t0 = head.find(' ') + 1;
      const std::string target = head.substr(t0, head.find(' ', t0) - t0);
      Reply reply = handle(ledger, method, target, body);
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                        " Proxy\r\nContent-Type: " + reply.content_type +
                        "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" +
                        reply.body;
      std::size_t done = 0;
      while (done < out.size()) {
        ssize_t n = send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
      }
    }
  }

  static std::uint64_t query(const std::string& target, const std::string& name,
                             std::uint64_t fallback) {
    auto pos = target.find(name + "=");
    if (pos == std::string::npos) return fallback;
    return std::stoull(target.substr(pos + name.size() + 1));
  }

  static Reply forward(HttpClient& ledger, const std::string& method, const std::string& target,
                       const std::string& body) {
    auto r = ledger.request(method, target, body);
    if (!r.ok()) return Reply{502, "text/plain", r.error().describe()};
    Reply reply{r->status, "application/json", r->body};
    if (auto it = r->headers.find("content-type"); it != r->headers.end()) {
      reply.content_type = it->second;
    }
    return reply;
  }

  static std::vector<Bytes> real_entries(HttpClient& ledger) {
    std::vector<Bytes> out;
    for (;;) {
      auto r = ledger.get("/v1/entries?start=" + std::to_string(out.size()) + "&count=1000");
      EXPECT_TRUE(r.ok() && r->status == 200);
      if (!r.ok() || r->status != 200) return out;
      json j = json::parse(r->body);
      for (const auto& e : j["entries"]) out.push_back(*from_base64(e["entry"].get<std::string>()));
      if (j["entries"].empty() || out.size() >= j["size"].get<std::size_t>()) return out;
    }
  }

  // A checkpoint of the first n entries of `tree`, signed with the ledger key, cosigned as the
  // lie says.
  std::string forged_checkpoint(HttpClient& ledger, const ledger::MemoryHashStore& tree,
                                std::uint64_t n, Lie::Checkpoints how) const {
    const std::string text =
        ledger::Checkpoint{keys_.origin, n, *ledger::root_at(n, tree), {}}.body();
    ledger::NoteSigner signer(keys_.origin, *keys_.ledger);
    std::string note = ledger::format_note(ledger::Note{text, {signer.sign(text)}});
    std::string lines;
    if (how == Lie::Checkpoints::kForgedCopiedLines) {
      auto real = ledger.get("/checkpoint");
      auto parsed = ledger::parse_note(real->body);
      for (const auto& sig : parsed->signatures) {
        if (sig.key_name != keys_.origin) lines += ledger::format_signature_line(sig);
      }
    } else if (how == Lie::Checkpoints::kForgedColluding) {
      for (const auto& [name, key] : keys_.witnesses) {
        lines += ledger::format_signature_line(
            ledger::CosignatureSigner(name, *key).sign(text, client_time()));
      }
    }
    return lines.empty() ? note : *ledger::add_signature_lines(note, lines);
  }
  static std::uint64_t client_time() { return 1767225600; }

  Reply handle(HttpClient& ledger, const std::string& method, const std::string& target,
               const std::string& body) {
    Lie lie;
    {
      std::lock_guard lock(mu_);
      lie = lie_;
    }
    if (method == "POST") {
      ++posts_;
      return forward(ledger, method, target, body);
    }
    const std::string path = target.substr(0, target.find('?'));
    if (!lie.view || (path != "/v1/entries" && path != "/v1/receipt" &&
                      path != "/v1/proof/consistency" && path != "/checkpoint")) {
      return forward(ledger, method, target, body);
    }
    const std::vector<Bytes> real = real_entries(ledger);
    const std::vector<Bytes> view = lie.view(real);
    ledger::MemoryHashStore tree;
    for (const auto& e : view) tree.append_entry(e);
    const std::uint64_t n = view.size();
    if (path == "/v1/entries") {
      const std::uint64_t start = query(target, "start", 0);
      const std::uint64_t count = query(target, "count", 100);
      if (start > n) return Reply{400, "application/json", R"({"error":"out_of_range"})"};
      json list = json::array();
      for (std::uint64_t i = start; i < std::min(n, start + count); ++i) {
        auto e = record::Entry::decode(view[i]);
        list.push_back({{"index", i},
                        {"type", std::string(record::entry_type_name(e->type))},
                        {"entry", to_base64(view[i])}});
      }
      return Reply{200, "application/json", json{{"size", n}, {"entries", list}}.dump()};
    }
    if (lie.checkpoints == Lie::Checkpoints::kReal) {
      if (path != "/v1/receipt") return forward(ledger, method, target, body);
      // The real receipt of the same entry (the real log's checkpoint).
      const std::uint64_t i = query(target, "index", 0);
      for (std::size_t r = 0; i < n && r < real.size(); ++r) {
        if (real[r] == view[i]) {
          return forward(ledger, method, "/v1/receipt?index=" + std::to_string(r), body);
        }
      }
      return Reply{404, "application/json", R"({"error":"not_found"})"};
    }
    const std::string cp = forged_checkpoint(ledger, tree, n, lie.checkpoints);
    if (path == "/checkpoint") return Reply{200, "text/plain; charset=utf-8", cp};
    if (path == "/v1/proof/consistency") {
      const std::uint64_t from = query(target, "from", 0);
      const std::uint64_t to = query(target, "to", n);
      auto proof = ledger::consistency_proof(from, to, tree);
      if (!proof) return Reply{400, "application/json", R"({"error":"out_of_range"})"};
      json list = json::array();
      for (const auto& h : *proof) list.push_back(to_hex(h));
      return Reply{200, "application/json",
                   json{{"from", from}, {"to", to}, {"proof", list}}.dump()};
    }
    const std::uint64_t i = query(target, "index", 0);  // /v1/receipt
    if (i >= n) return Reply{404, "application/json", R"({"error":"not_found"})"};
    ledger::Receipt r{
        i, ledger::leaf_hash(view[i]), n, *ledger::inclusion_proof(i, n, tree), cp, std::nullopt};
    json j = r.to_json();
    j["cosigned"] = true;
    return Reply{200, "application/json", j.dump()};
  }

  std::uint16_t ledger_port_;
  Keys keys_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> posts_{0};
  std::thread acceptor_;
  std::mutex mu_;
  Lie lie_;                           // guarded by mu_
  std::vector<int> clients_;          // guarded by mu_
  std::vector<std::thread> workers_;  // guarded by mu_
};

class ViewAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two witnesses named by the manifest, quorum 2.
    std::vector<testing::ManifestWitness> named;
    for (int i = 0; i < 2; ++i) {
      witnesses_.push_back(
          testing::TestWitness::make("w" + std::to_string(i + 1) + ".attack.test",
                                     dir_.path() / ("witness" + std::to_string(i + 1))));
      named.push_back({witnesses_.back().name, witnesses_.back().verifier_key});
    }
    testing::SimOptions o;
    o.kiosks = 2;
    o.ballots = 4;
    o.challenged = 1;
    o.finish = false;  // ends with polls close, which tabella-admin does here instead
    o.seed = "view-attack";
    o.manifest_file =
        testing::witnessed_manifest(TABELLA_SOURCE_DIR, dir_.path() / "manifest.json", named, 2);
    sim_ = testing::simulate_election(o);

    // The ledger with the simulation's ledger key, and the witnesses following it.
    auto ledger_dir = dir_.path() / "ledger";
    std::filesystem::create_directories(ledger_dir);
    ledger_key_ = sim_.shared_ledger_signing_key();
    ASSERT_TRUE(ledger_key_->save_pem((ledger_dir / "ledger.key").string()).ok());
    const std::uint16_t ledger_port = testing::free_port();
    auto args = testing::election_ledger_args(TABELLA_LEDGER_BIN, ledger_dir, sim_);
    args.cosign_wait = "5s";
    for (const auto& w : witnesses_) args.witness_urls.push_back(w.url());
    ledger_ =
        std::make_unique<testing::ListeningProcess>(testing::ledger_command(args, ledger_port));
    ASSERT_EQ(ledger_->port(), ledger_port);
    for (auto& w : witnesses_) {
      w.start(TABELLA_LEDGER_BIN, ledger_port);
      ASSERT_NE(w.process->port(), 0);
    }
    client_ = std::make_unique<HttpClient>(ledger_port);
    // Everything but the polls-close entry, straight to the ledger.
    for (std::size_t i = 0; i + 1 < sim_.entries.size(); ++i) {
      auto r = client_->post("/v1/entries", json{{"entry", to_base64(sim_.entries[i])}}.dump());
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
    }

    // The officials' files: the authority key, the guardians' keys and secret states.
    ASSERT_TRUE(sim_.keys.at(sim_.authority)->save_pem(path("authority.key")).ok());
    for (std::uint32_t g = 1; g <= 3; ++g) {
      ASSERT_TRUE(sim_.keys.at(sim_.guardian_keys[g - 1])->save_pem(guardian_file(g, "key")).ok());
      auto secrets = GuardianSecrets::decode(sim_.guardian_secrets[g - 1]);
      ASSERT_TRUE(secrets.ok());
      guardian::GuardianState state{g, std::move(*secrets), sim_.guardian_shares[g - 1]};
      ASSERT_TRUE(state.save(guardian_file(g, "state"), kPassphrase, /*overwrite=*/false).ok());
      std::ofstream(guardian_file(g, "pass")) << kPassphrase << "\n";
    }

    LyingProxy::Keys keys{sim_.manifest.origin, ledger_key_, {}};
    for (const auto& w : witnesses_) keys.witnesses.emplace_back(w.name, w.key);
    proxy_ = std::make_unique<LyingProxy>(ledger_port, keys);

    // The official closes the polls through the (still honest) proxy: admin.view now holds the
    // checkpoint of the whole log, polls close included, cosigned by both witnesses.
    ProgramRun close = admin({"polls", "close"});
    ASSERT_EQ(close.exit_code, 0) << close.out << close.err;
    ASSERT_TRUE(std::filesystem::exists(path("admin.view")));
    closed_size_ = sim_.entries.size();
    proxy_->take_posts();
  }

  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  std::string guardian_file(std::uint32_t g, const std::string& ext) const {
    return path("guardian-" + std::to_string(g) + "." + ext);
  }

  ProgramRun admin(std::vector<std::string> command, const std::string& view = "admin.view",
                   int cosign_wait = 10) {
    std::vector<std::string> args{
        TABELLA_ADMIN_BIN,          "--ledger", proxy_->url(), "--key",
        path("authority.key"),      "--view",   path(view),    "--cosign-wait",
        std::to_string(cosign_wait)};
    args.insert(args.end(), command.begin(), command.end());
    return run_program(args);
  }
  ProgramRun guardian(std::uint32_t g, const std::string& answer, const std::string& view,
                      int cosign_wait = 10, bool yes = false) {
    std::vector<std::string> args{TABELLA_GUARDIAN_BIN,
                                  "--ledger",
                                  proxy_->url(),
                                  "--index",
                                  std::to_string(g),
                                  "--key",
                                  guardian_file(g, "key"),
                                  "--state",
                                  guardian_file(g, "state"),
                                  "--passphrase-file",
                                  guardian_file(g, "pass"),
                                  "--view",
                                  path(view),
                                  "--timeout",
                                  "20",
                                  "--poll-interval-ms",
                                  "200",
                                  "--cosign-wait",
                                  std::to_string(cosign_wait),
                                  "decrypt"};
    if (yes) args.push_back("--yes");
    return run_program(args, answer);
  }

  std::string phase() {
    auto r = client_->get("/v1/status");
    return r.ok() ? json::parse(r->body)["phase"].get<std::string>() : "?";
  }

  // The evidence files written next to a view state file.
  std::vector<json> evidence(const std::string& view) const {
    std::vector<json> out;
    for (const auto& f : std::filesystem::directory_iterator(dir_.path())) {
      if (f.path().filename().string().rfind(view + ".evidence-", 0) == 0) {
        std::ifstream in(f.path());
        out.push_back(json::parse(in));
      }
    }
    return out;
  }

  // The indices of the ballot entries in the real log.
  std::vector<std::size_t> ballots(const std::vector<Bytes>& log) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < log.size(); ++i) {
      auto t = record::Entry::decode(log[i])->type;
      if (t == EntryType::kCastBallot || t == EntryType::kChallengedBallot) out.push_back(i);
    }
    return out;
  }

  // A lie whose polls-close is re-signed over the view served, as an authority shown that view at
  // closing would have signed it: the view then passes the rules (checks 30, 31) and only the
  // log checks against checkpoints can refuse it. (Without this, polls-close signed over the real
  // log already refuses the view: GuardiansRefuseToDecryptATallyOverAnotherView.) Memoised: the
  // proxy asks for the view on every request.
  Lie::View rebound(Lie::View lie) {
    auto cache = std::make_shared<std::map<std::vector<Bytes>, std::vector<Bytes>>>();
    auto mu = std::make_shared<std::mutex>();
    return [this, lie, cache, mu](const std::vector<Bytes>& real) {
      std::lock_guard<std::mutex> lock(*mu);
      auto it = cache->find(real);
      if (it != cache->end()) return it->second;
      std::vector<Bytes> view = lie(real), out;
      std::size_t i = 0;
      for (; i < view.size(); ++i) {
        if (record::Entry::decode(view[i])->type == EntryType::kPollsClose) break;
        out.push_back(view[i]);
      }
      if (i < view.size()) {
        out.push_back(testing::finish_over(sim_, out, {}, /*count=*/1).front());
        out.insert(out.end(), view.begin() + static_cast<std::ptrdiff_t>(i) + 1, view.end());
      }
      return cache->emplace(real, out).first->second;
    };
  }

  // The operator's fork: the log up to polls close with every ballot but the first dropped (one
  // target ballot), then a tally over that single ballot signed with the authority's key (an
  // authority shown this view), so that a guardian decrypting it reveals one voter's choices.
  std::vector<Bytes> single_ballot_fork(const std::vector<Bytes>& real) const {
    std::vector<Bytes> fork;
    const auto b = ballots(real);
    for (std::size_t i = 0; i < real.size(); ++i) {
      auto e = record::Entry::decode(real[i]);
      if (e->type == EntryType::kPollsClose) break;
      if (std::find(b.begin() + 1, b.end(), i) != b.end()) continue;
      fork.push_back(real[i]);
    }
    // polls-close and the tally signed over the fork, as an authority shown it would sign them.
    for (auto& e : testing::finish_over(sim_, fork, {}, /*count=*/2)) fork.push_back(std::move(e));
    return fork;
  }

  testing::TempDir dir_;
  std::vector<testing::TestWitness> witnesses_;
  testing::SimElection sim_;
  std::shared_ptr<const SigningKey> ledger_key_;
  std::unique_ptr<testing::ListeningProcess> ledger_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<LyingProxy> proxy_;
  std::size_t closed_size_ = 0;
};

bool says(const ProgramRun& run, const std::string& text) {
  return (run.out + run.err).find(text) != std::string::npos;
}

// Drops the last ballot (the last of its kiosk's chain, so every chain still holds).
std::vector<Bytes> drop_last_ballot(const std::vector<Bytes>& real) {
  std::vector<Bytes> out = real;
  for (std::size_t i = out.size(); i-- > 0;) {
    auto t = record::Entry::decode(out[i])->type;
    if (t == EntryType::kCastBallot || t == EntryType::kChallengedBallot) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  return out;
}

TEST_F(ViewAttackTest, TallyRefusesATruncatedViewAndForgedCheckpoints) {
  // Ballots dropped, the real checkpoints: they cover entries the proxy does not serve.
  // The polls-close signed over the real log names its tree head: the view fails the rules
  // (check 30) before any checkpoint is looked at.
  proxy_->tell({drop_last_ballot, Lie::Checkpoints::kReal});
  ProgramRun run = admin({"tally", "--timeout", "1"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "(polls-close)")) << run.err;
  EXPECT_TRUE(says(run, "polls-close names a log of")) << run.err;

  // A view holding one target ballot, with a checkpoint the operator signs for it. A fresh
  // official's tool (no view accepted before) still refuses: the witnesses' lines copied from
  // the real checkpoint do not verify on it, and without them there is no quorum.
  auto target_only = [this](const std::vector<Bytes>& real) {
    std::vector<Bytes> out;
    const auto b = ballots(real);
    for (std::size_t i = 0; i < real.size(); ++i) {
      if (std::find(b.begin() + 1, b.end(), i) == b.end()) out.push_back(real[i]);
    }
    return out;
  };
  proxy_->tell({rebound(target_only), Lie::Checkpoints::kForgedCopiedLines});
  run = admin({"tally", "--timeout", "1"}, "fresh.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "forged-cosignature")) << run.err;
  proxy_->tell({rebound(target_only), Lie::Checkpoints::kForgedUncosigned});
  run = admin({"tally", "--timeout", "1"}, "fresh.view", /*cosign_wait=*/1);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "not cosigned by the election's witnesses")) << run.err;
  EXPECT_TRUE(says(run, "missing-quorum") || says(run, "0 valid witness cosignature")) << run.err;
  EXPECT_FALSE(std::filesystem::exists(path("fresh.view")));

  // Nothing was signed or posted over any of these views.
  EXPECT_EQ(proxy_->take_posts(), 0);
  EXPECT_EQ(phase(), "closed");

  // The truth through the same proxy: the tally is published (and waits for the guardians).
  proxy_->tell({});
  run = admin({"tally", "--timeout", "0"});
  EXPECT_TRUE(says(run, "tallying the 4 cast ballots of the checked view")) << run.out << run.err;
  EXPECT_TRUE(says(run, "cosigned by 2 of 2 listed witnesses")) << run.out;
  EXPECT_EQ(phase(), "tallied");
}

TEST_F(ViewAttackTest, AForkOfTheAcceptedViewIsRefusedAndItsEvidenceKept) {
  std::ifstream saved_in(path("admin.view"));
  const json saved = json::parse(saved_in);
  ASSERT_EQ(saved["size"], closed_size_);
  auto log_key = ledger::NoteVerifier::from_verifier_key(sim_.ledger_key);
  ASSERT_TRUE(log_key.ok());

  // Colluding witnesses cosign whatever the operator shows; the view accepted at polls close
  // still catches it. A rollback: the last ballot is gone.
  proxy_->tell({rebound(drop_last_ballot), Lie::Checkpoints::kForgedColluding});
  ProgramRun run = admin({"tally", "--timeout", "1"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "(rollback)")) << run.err;
  EXPECT_TRUE(says(run, "evidence (both checkpoints) saved to " + path("admin.view.evidence-")))
      << run.err;
  auto files = evidence("admin.view");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0]["fault"], "rollback");
  EXPECT_EQ(files[0]["accepted_checkpoint"], saved["checkpoint"]);
  EXPECT_EQ(files[0]["ledger"], proxy_->url());

  // A fork of the same size: two ballots of different kiosks swapped (every chain holds, the
  // sum is the same, the history is not). Two ledger-signed checkpoints of one size, two roots.
  proxy_->tell({rebound([this](const std::vector<Bytes>& real) {
                  std::vector<Bytes> out = real;
                  const auto b = ballots(real);
                  std::swap(out[b[b.size() - 1]], out[b[b.size() - 2]]);
                  return out;
                }),
                Lie::Checkpoints::kForgedColluding});
  run = admin({"tally", "--timeout", "1"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "(inconsistent)")) << run.err;
  EXPECT_TRUE(says(run, "the ledger signed two histories (a fork)")) << run.err;
  files = evidence("admin.view");
  ASSERT_EQ(files.size(), 2u);
  const json& fork = files[0]["fault"] == "inconsistent" ? files[0] : files[1];
  EXPECT_EQ(fork["fault"], "inconsistent");
  // The evidence stands on its own: both notes carry the ledger's signature, same size, other
  // roots.
  auto accepted = ledger::open_checkpoint(fork["accepted_checkpoint"].get<std::string>(), *log_key);
  auto offered = ledger::open_checkpoint(fork["offered_checkpoint"].get<std::string>(), *log_key);
  ASSERT_TRUE(accepted.ok() && offered.ok());
  EXPECT_EQ(accepted->size, offered->size);
  EXPECT_NE(accepted->root, offered->root);
  EXPECT_EQ(fork["prefix_root"], to_hex(offered->root));
  EXPECT_FALSE(says(run, "tallying")) << run.out;

  // Nothing was posted, the accepted view is unchanged, and the truth is still accepted.
  EXPECT_EQ(proxy_->take_posts(), 0);
  std::ifstream after_in(path("admin.view"));
  EXPECT_EQ(json::parse(after_in)["checkpoint"], saved["checkpoint"]);
  proxy_->tell({});
  run = admin({"tally", "--timeout", "0"});
  EXPECT_EQ(phase(), "tallied") << run.out << run.err;
}

// KioskClient (tabella-voters) reads only the election's setup: it must be the start of the log
// the ledger signed and the witnesses cosigned.
TEST_F(ViewAttackTest, KioskClientRefusesAnElectionSetupTheLedgerDidNotSign) {
  SigningKey kiosk = SigningKey::generate();
  ASSERT_TRUE(kiosk.save_pem(path("kiosk.key")).ok());
  const std::string tokens = "token,precinct\n" + election::generate_token() + ",P1\n";
  ASSERT_TRUE(client::write_private_file(path("tokens.csv"), as_bytes(tokens), false).ok());
  auto voters = [this] {
    return run_program({TABELLA_VOTERS_BIN, "run", "--ledger", proxy_->url(), "--kiosk-key",
                        path("kiosk.key"), "--tokens", path("tokens.csv"), "--count", "1"});
  };
  // Two guardian enrolments swapped: the rules accept that order, the signed log is another.
  proxy_->tell({[](const std::vector<Bytes>& real) {
                  std::vector<Bytes> out = real;
                  std::swap(out[1], out[2]);
                  return out;
                },
                Lie::Checkpoints::kReal});
  ProgramRun run = voters();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "the election the ledger serves fails the log check (root-mismatch)"))
      << run.err;
  // The log without its last entry, under a checkpoint the operator signs with the witnesses'
  // lines copied from the real (larger) one.
  proxy_->tell({[](const std::vector<Bytes>& real) {
                  return std::vector<Bytes>(real.begin(), real.end() - 1);
                },
                Lie::Checkpoints::kForgedCopiedLines});
  run = voters();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "(forged-cosignature)")) << run.err;
  // The truth passes the log check (and then meets the kiosk check: this key is not enrolled).
  proxy_->tell({});
  run = voters();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "is not enrolled in the election")) << run.err;
  EXPECT_EQ(proxy_->take_posts(), 0);
}

TEST_F(ViewAttackTest, GuardiansRefuseToDecryptATallyOverAnotherView) {
  // The honest tally is published; guardian 2 looks at it (and keeps the view it checked) but
  // does not confirm.
  ProgramRun run = admin({"tally", "--timeout", "0"});
  ASSERT_EQ(phase(), "tallied") << run.out << run.err;
  proxy_->take_posts();
  run = guardian(2, "no\n", "g2.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "cast ballots:   4 ")) << run.out;
  EXPECT_TRUE(says(run, "cosigned by 2 of 2 listed witnesses (quorum 2)")) << run.out;
  EXPECT_TRUE(says(run, "not confirmed; nothing was posted")) << run.err;
  ASSERT_TRUE(std::filesystem::exists(path("g2.view")));

  // A ballot dropped from the view: the published tally is not the sum of the view's ballots.
  proxy_->tell({drop_last_ballot, Lie::Checkpoints::kReal});
  run = guardian(3, "yes\n", "g3.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "the ledger's record fails verification")) << run.err;
  // polls-close names the tree head of the log with that ballot (check 30).
  EXPECT_TRUE(says(run, "(polls-close)")) << run.err;

  // The fork with one target ballot and a tally over it: forged checkpoints are refused...
  auto fork = [this](const std::vector<Bytes>& real) { return single_ballot_fork(real); };
  proxy_->tell({fork, Lie::Checkpoints::kForgedCopiedLines});
  run = guardian(3, "yes\n", "g3.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "forged-cosignature")) << run.err;
  proxy_->tell({fork, Lie::Checkpoints::kForgedUncosigned});
  run = guardian(3, "yes\n", "g3.view", /*cosign_wait=*/1);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "not cosigned by the election's witnesses")) << run.err;
  // ... and with colluding witnesses, the view guardian 2 accepted before catches the fork.
  proxy_->tell({fork, Lie::Checkpoints::kForgedColluding});
  run = guardian(2, "yes\n", "g2.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "(rollback)") || says(run, "(inconsistent)")) << run.err;
  EXPECT_EQ(evidence("g2.view").size(), 1u);
  // A guardian with no earlier view and a colluding quorum is shown what it would decrypt: one
  // ballot. Answering no posts nothing.
  run = guardian(3, "no\n", "g3.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "cast ballots:   1 ")) << run.out;
  EXPECT_TRUE(says(run, "not confirmed; nothing was posted")) << run.err;
  EXPECT_EQ(proxy_->take_posts(), 0);
  EXPECT_EQ(phase(), "tallied");

  // The truth. Guardian 3 accepted the fork's checkpoint (the colluding quorum cosigned it):
  // the real log is a second history to it, and it says so with the evidence.
  proxy_->tell({});
  run = guardian(3, "yes\n", "g3.view");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(says(run, "(inconsistent)")) << run.err;
  EXPECT_EQ(evidence("g3.view").size(), 1u);
  // Guardians 2 and 1 decrypt, the tally finishes with the counts the voters cast.
  run = guardian(2, "", "g2.view", 10, /*yes=*/true);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  run = guardian(1, "", "g1.view", 10, /*yes=*/true);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  run = admin({"--json", "tally", "--timeout", "30"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  json result = json::parse(run.out);
  EXPECT_EQ(result["cast_count"], 4);
  for (std::size_t c = 0; c < sim_.manifest.contests.size(); ++c) {
    const auto& contest = sim_.manifest.contests[c];
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      EXPECT_EQ(result["counts"][contest.id][contest.choices[j].id], sim_.expected_counts[c][j])
          << contest.id << " " << contest.choices[j].id;
    }
  }
  EXPECT_EQ(phase(), "finished");
}

}  // namespace
}  // namespace tabella
