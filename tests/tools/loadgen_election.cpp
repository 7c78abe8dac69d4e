// The election tabella-loadgen posts, generated in parallel and cached (loadgen_election.h).
#include "loadgen_election.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "tabella/election/ballot.h"
#include "tabella/election/context.h"
#include "tabella/election/token.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"

namespace tabella::loadgen {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kFormat = "tabella-loadgen-cache";
constexpr int kVersion = 1;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string manifest_digest(const ElectionOptions& o) {
  std::string text = read_file(testing::source_path(o.manifest_file));
  return to_hex(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}

// d_i = SHA-256(d_(i-1) || entry): the digest of entries.bin's content, entry by entry.
void chain_digest(Digest& d, const Bytes& entry) {
  Bytes buf(d.begin(), d.end());
  buf.insert(buf.end(), entry.begin(), entry.end());
  d = sha256(buf);
}

PublicKeyBytes ledger_public_key(const std::string& verifier_key) {
  auto parsed = ledger::parse_verifier_key(verifier_key);
  if (!parsed.ok()) throw std::runtime_error("bad ledger verifier key: " + verifier_key);
  PublicKeyBytes pk{};
  std::copy(parsed->public_key.begin(), parsed->public_key.end(), pk.begin());
  return pk;
}

std::vector<PublicKeyBytes> kiosk_keys(const std::vector<Bytes>& entries) {
  std::vector<PublicKeyBytes> out;
  for (const auto& bytes : entries) {
    auto e = record::Entry::decode(bytes);
    if (e && e->type == record::EntryType::kKioskEnrolment) {
      out.push_back(record::KioskEnrolmentBody::decode(e->body)->key);
    }
  }
  return out;
}

// Prints a progress line at most every 10 s, and the last one.
class Progress {
 public:
  Progress(std::FILE* out, std::uint64_t total) : out_(out), total_(total) {}
  void report(std::uint64_t done, bool last = false) {
    auto now = Clock::now();
    if (!out_ || (!last && now - printed_ < std::chrono::seconds(10))) return;
    printed_ = now;
    double s = std::chrono::duration<double>(now - start_).count();
    double rate = s > 0 ? static_cast<double>(done) / s : 0;
    std::fprintf(out_, "  generated %llu of %llu ballots (%.0f/s, %.0f s%s)\n",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 rate, last || rate == 0 ? s : static_cast<double>(total_ - done) / rate,
                 last ? "" : " left");
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::uint64_t total_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point printed_ = start_;
};

Election generate(const ElectionOptions& o, std::FILE* progress) {
  using namespace record;
  testing::SimOptions so;
  so.manifest_file = o.manifest_file;
  so.kiosks = o.kiosks;
  so.ballots = 0;
  so.challenged = 0;
  so.finish = false;
  so.seed = o.seed;
  Election out;
  out.sim = testing::simulate_election(so);
  testing::SimElection& sim = out.sim;
  // The simulator's entries end with polls-open and polls-close: keep the setup before
  // polls-open, add the token commitments, then polls-open and the ballots.
  const std::size_t open = sim.find(EntryType::kPollsOpen);
  if (open >= sim.entries.size()) throw std::runtime_error("the simulation has no polls-open");
  Bytes polls_open = sim.entries[open];
  sim.entries.resize(open);
  const SigningKey& authority = *sim.keys.at(sim.authority);
  const Digest q = sim.q;

  SeededRng token_rng(o.seed + "/tokens");
  std::vector<Digest> tokens(o.ballots);
  for (auto& t : tokens) t = election::token_hash(q, election::generate_token(token_rng));
  for (std::size_t start = 0; start < tokens.size(); start += kMaxTokensPerEntry) {
    TokenCommitmentsBody body{"precinct-1", {}};
    auto end = std::min(tokens.size(), start + kMaxTokensPerEntry);
    body.token_hashes.assign(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                             tokens.begin() + static_cast<std::ptrdiff_t>(end));
    sim.entries.push_back(
        Entry::make(EntryType::kTokenCommitments, q, body.encode(), authority).encode());
  }
  sim.entries.push_back(std::move(polls_open));
  out.first_ballot = sim.entries.size();

  Point joint_key;
  for (const auto& bytes : sim.entries) {
    auto e = Entry::decode(bytes);
    if (e->type == EntryType::kElectionKey) joint_key = ElectionKeyBody::decode(e->body)->joint_key;
  }
  const auto ctx = election::ElectionContext::make(sim.manifest, sim.authority, joint_key);
  const std::vector<PublicKeyBytes> kiosks = kiosk_keys(sim.entries);
  if (kiosks.size() != o.kiosks) throw std::runtime_error("the simulation has the wrong kiosks");

  // Ballot n at kiosk n mod K; each kiosk's chain on one thread, the kiosks spread over threads.
  std::vector<Bytes> ballots(o.ballots);
  std::atomic<std::uint32_t> next_kiosk{0};
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  auto work = [&] {
    for (std::uint32_t k; (k = next_kiosk++) < o.kiosks && !failed;) {
      SeededRng rng(o.seed + "/kiosk-" + std::to_string(k));
      const SigningKey& key = *sim.keys.at(kiosks[k]);
      Digest head = election::chain_seed(q, kiosks[k]);
      std::uint64_t sequence = 0;
      for (std::uint32_t n = k; n < o.ballots && !failed; n += o.kiosks) {
        const election::PlaintextBallot pb = testing::sim_choices(sim.manifest, n);
        auto enc = election::encrypt_ballot(ctx, pb, ++sequence, head, rng);
        if (!enc.ok()) {
          std::lock_guard<std::mutex> lock(failure_mu);
          failure = enc.error().describe();
          failed = true;
          return;
        }
        head = election::ballot_code(q, kiosks[k], enc->first);
        ballots[n] = Entry::make(EntryType::kCastBallot, q,
                                 CastBallotBody{enc->first, tokens[n]}.encode(), key)
                         .encode();
        ++done;
      }
    }
  };
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, o.kiosks);
  if (progress) {
    std::fprintf(progress, "generating %u ballots for %u kiosks on %u threads\n", o.ballots,
                 o.kiosks, threads);
  }
  Progress meter(progress, o.ballots);
  {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    while (done < o.ballots && !failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      meter.report(done);
    }
    for (auto& t : pool) t.join();
  }
  if (failed) throw std::runtime_error("ballot encryption failed: " + failure);
  meter.report(done, true);
  sim.entries.reserve(sim.entries.size() + ballots.size());
  for (auto& b : ballots) sim.entries.push_back(std::move(b));
  return out;
}

json header_of(const ElectionOptions& o, const Election& e, std::uint64_t bytes,
               const Digest& digest) {
  return json{{"format", kFormat},
              {"version", kVersion},
              {"manifest", o.manifest_file},
              {"manifest_sha256", manifest_digest(o)},
              {"ballots", o.ballots},
              {"kiosks", o.kiosks},
              {"seed", o.seed},
              {"entries", e.sim.entries.size()},
              {"first_ballot", e.first_ballot},
              {"entries_bytes", bytes},
              {"entries_digest", to_hex(digest)},
              {"origin", e.sim.manifest.origin},
              {"authority", to_hex(e.sim.authority)},
              {"ledger_key", e.sim.ledger_key}};
}

void write_cache(const ElectionOptions& o, const Election& e, const fs::path& dir) {
  fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp / "keys");
  std::uint64_t bytes = 0;
  Digest digest{};
  {
    std::ofstream out(tmp / "entries.bin", std::ios::binary);
    for (const auto& entry : e.sim.entries) {
      const auto n = static_cast<std::uint32_t>(entry.size());
      const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                           static_cast<char>(n >> 8), static_cast<char>(n)};
      out.write(len, 4);
      out.write(reinterpret_cast<const char*>(entry.data()),
                static_cast<std::streamsize>(entry.size()));
      bytes += 4 + entry.size();
      chain_digest(digest, entry);
    }
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + (tmp / "entries.bin").string());
  }
  auto save = [&](const PublicKeyBytes& pk, const std::string& name) {
    auto st = e.sim.keys.at(pk)->save_pem((tmp / "keys" / name).string());
    if (!st.ok()) throw std::runtime_error(st.error().describe());
  };
  save(ledger_public_key(e.sim.ledger_key), "ledger.pem");
  auto kiosks = kiosk_keys(e.sim.entries);
  for (std::size_t i = 0; i < kiosks.size(); ++i)
    save(kiosks[i], "kiosk-" + std::to_string(i) + ".pem");
  {
    std::ofstream out(tmp / "header.json");
    out << header_of(o, e, bytes, digest).dump(2) << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + (tmp / "header.json").string());
  }
  ::sync();  // the cache is complete on disk before it gets its name
  fs::remove_all(dir);
  fs::rename(tmp, dir);
}

// The cached election, or "" and why not in `why`.
std::optional<Election> read_cache(const ElectionOptions& o, const fs::path& dir,
                                   std::string& why) {
  if (!fs::exists(dir / "header.json")) {
    why = "no header.json";
    return std::nullopt;
  }
  json h;
  try {
    h = json::parse(read_file(dir / "header.json"));
    if (h.at("format") != kFormat || h.at("version") != kVersion) {
      why = "format " + h.at("format").dump() + " version " + h.at("version").dump() +
            ", expected " + kFormat + " version " + std::to_string(kVersion);
      return std::nullopt;
    }
    if (h.at("manifest") != o.manifest_file || h.at("manifest_sha256") != manifest_digest(o) ||
        h.at("ballots") != o.ballots || h.at("kiosks") != o.kiosks || h.at("seed") != o.seed) {
      why = "header parameters differ from this run's (or the manifest changed)";
      return std::nullopt;
    }
  } catch (const std::exception& ex) {
    why = std::string("header.json unreadable: ") + ex.what();
    return std::nullopt;
  }
  const auto count = h["entries"].get<std::uint64_t>();
  const auto bytes = h["entries_bytes"].get<std::uint64_t>();
  std::error_code ec;
  const auto size = fs::file_size(dir / "entries.bin", ec);
  if (ec || size != bytes) {
    why = "entries.bin has " + (ec ? std::string("no size") : std::to_string(size)) +
          " bytes, header says " + std::to_string(bytes) + " (truncated or replaced)";
    return std::nullopt;
  }
  Election e;
  e.first_ballot = h["first_ballot"].get<std::size_t>();
  e.cache_path = dir.string();
  e.from_cache = true;
  Digest digest{};
  {
    std::ifstream in(dir / "entries.bin", std::ios::binary);
    e.sim.entries.reserve(count);
    unsigned char len[4];
    while (in.read(reinterpret_cast<char*>(len), 4)) {
      std::uint32_t n = (std::uint32_t{len[0]} << 24) | (std::uint32_t{len[1]} << 16) |
                        (std::uint32_t{len[2]} << 8) | len[3];
      if (n > record::kMaxEntrySize) {
        why = "entries.bin: entry " + std::to_string(e.sim.entries.size()) + " claims " +
              std::to_string(n) + " bytes";
        return std::nullopt;
      }
      Bytes entry(n);
      if (!in.read(reinterpret_cast<char*>(entry.data()), n)) {
        why = "entries.bin ends inside entry " + std::to_string(e.sim.entries.size());
        return std::nullopt;
      }
      chain_digest(digest, entry);
      e.sim.entries.push_back(std::move(entry));
    }
  }
  if (e.sim.entries.size() != count || to_hex(digest) != h["entries_digest"]) {
    why = "entries.bin holds " + std::to_string(e.sim.entries.size()) +
          " entries with another digest than the header's " + std::to_string(count);
    return std::nullopt;
  }
  e.sim.ledger_key = h["ledger_key"].get<std::string>();
  auto authority = from_hex(h["authority"].get<std::string>());
  if (!authority || authority->size() != e.sim.authority.size()) {
    why = "header.json: bad authority";
    return std::nullopt;
  }
  std::copy(authority->begin(), authority->end(), e.sim.authority.begin());
  auto m = election::load_manifest_file(testing::source_path(o.manifest_file));
  if (!m.ok()) throw std::runtime_error(m.error().describe());
  e.sim.manifest = *m;
  e.sim.manifest.origin = h["origin"].get<std::string>();
  auto load = [&](const std::string& name, const PublicKeyBytes& expected) {
    auto key = SigningKey::load_pem((dir / "keys" / name).string());
    if (!key.ok() || key->verify_key().bytes() != expected) return false;
    e.sim.keys.emplace(expected, std::make_shared<const SigningKey>(std::move(*key)));
    return true;
  };
  if (!load("ledger.pem", ledger_public_key(e.sim.ledger_key))) {
    why = "keys/ledger.pem missing or not the ledger key of the header";
    return std::nullopt;
  }
  auto kiosks = kiosk_keys(e.sim.entries);
  for (std::size_t i = 0; i < kiosks.size(); ++i) {
    if (!load("kiosk-" + std::to_string(i) + ".pem", kiosks[i])) {
      why = "keys/kiosk-" + std::to_string(i) + ".pem missing or not the enrolled kiosk's key";
      return std::nullopt;
    }
  }
  if (kiosks.size() != o.kiosks || e.first_ballot > e.sim.entries.size()) {
    why = "entries do not match the header's kiosks or first ballot";
    return std::nullopt;
  }
  return e;
}

}  // namespace

std::string cache_path(const ElectionOptions& o) {
  std::string stem = fs::path(o.manifest_file).stem().string();
  return (fs::path(o.cache_dir) /
          ("v" + std::to_string(kVersion) + "-" + stem + "-" + manifest_digest(o).substr(0, 12) +
           "-n" + std::to_string(o.ballots) + "-k" + std::to_string(o.kiosks) + "-" + o.seed))
      .string();
}

Election load_or_generate(const ElectionOptions& o, std::FILE* progress) {
  if (o.cache_dir.empty()) return generate(o, progress);
  const fs::path dir = cache_path(o);
  if (fs::exists(dir)) {
    std::string why;
    auto t0 = Clock::now();
    if (auto cached = read_cache(o, dir, why)) {
      if (progress) {
        std::fprintf(progress, "cache: reused %s (%zu entries, read in %.1f s)\n", dir.c_str(),
                     cached->sim.entries.size(),
                     std::chrono::duration<double>(Clock::now() - t0).count());
      }
      return std::move(*cached);
    }
    if (progress) {
      std::fprintf(progress, "cache: %s is not valid (%s); regenerating\n", dir.c_str(),
                   why.c_str());
    }
  } else if (progress) {
    std::fprintf(progress, "cache: no %s; generating\n", dir.c_str());
  }
  Election e = generate(o, progress);
  try {
    write_cache(o, e, dir);
    e.cache_path = dir.string();
    if (progress) std::fprintf(progress, "cache: wrote %s\n", dir.c_str());
  } catch (const std::exception& ex) {  // the run goes on with the election in memory
    if (progress) std::fprintf(progress, "cache: cannot write %s (%s)\n", dir.c_str(), ex.what());
  }
  return e;
}

}  // namespace tabella::loadgen
