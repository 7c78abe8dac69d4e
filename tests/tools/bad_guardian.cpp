// bad-guardian: a misbehaving guardian for the real-process key ceremony test
// (tests/e2e/bad_share.sh). It runs guardian --index's side of the ceremony against a real ledger
// like `tabella-guardian ceremony`, except that the share it sends guardian --victim is a random
// scalar, validly encrypted to the victim's share-encryption key, so only the victim's Feldman
// check can catch it (docs/spec.md §5.3). Afterwards it behaves honestly: it checks the shares
// addressed to it, posts shares-verified, and answers every complaint against it by revealing the
// true share, until the election key is published. With --never-answer it leaves the complaint
// unanswered and exits 0 once the complaint is in the record.
//
// A test tool, not a program for an election: it keeps its secrets in memory only.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <map>

#include "tabella/client/cli_support.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/client/record_mirror.h"
#include "tabella/crypto/share_encryption.h"
#include "tabella/crypto/threshold.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "tabella/util/cli_parse.h"
#include "tabella/util/exit_codes.h"

namespace {

using namespace tabella;
using client::PollState;
using record::EntryType;

constexpr std::string_view kProgram = "bad-guardian";

struct Options {
  std::string ledger;
  std::uint32_t index = 0;
  std::uint32_t victim = 0;
  std::string key;
  std::string view;
  int timeout = 60;
  int interval_ms = 100;
  bool never_answer = false;
};

int run(const Options& o) {
  auto fail = [](const Error& e) { return client::report_error(kProgram, e, false); };
  const std::string tag = "bad guardian " + std::to_string(o.index) + ": ";
  auto key = client::load_signing_key(o.key, "guardian key", "create it with tabella-guardian");
  if (!key) return fail(key.error());
  auto ledger = client::LedgerConnection::connect(o.ledger);
  if (!ledger) return fail(ledger.error());
  client::RecordMirror::Options mo;
  mo.view_state = o.view;
  client::RecordMirror mirror(*ledger, mo);
  auto wait = [&](std::string_view what, const std::function<Result<PollState>()>& poll) {
    return client::wait_for(tag + std::string(what), std::chrono::seconds(o.timeout),
                            std::chrono::milliseconds(o.interval_ms), poll, std::cout);
  };
  auto count = [&](auto has) {
    std::uint32_t n = 0;
    for (const auto& [i, g] : mirror.state().guardians()) n += has(g) ? 1 : 0;
    return n;
  };
  Status st = wait("waiting to be enrolled", [&]() -> Result<PollState> {
    TABELLA_TRY(mirror.sync());
    bool in = mirror.state().phase() != record::Phase::kEmpty &&
              mirror.state().guardians().count(o.index) == 1;
    return PollState{in, in ? "enrolled" : "not enrolled yet"};
  });
  if (!st.ok()) return fail(st.error());
  const auto& m = *mirror.state().manifest();
  const Digest q = *mirror.state().snapshot().q;
  auto post = [&](EntryType type, Bytes body) {
    return mirror.submit(record::Entry::make(type, q, std::move(body), *key));
  };

  GuardianSecrets secrets = GuardianSecrets::generate(o.index, m.quorum);
  GuardianCommitments mine = secrets.commitments(q);
  auto sub = post(EntryType::kGuardianCommitments,
                  record::GuardianCommitmentsBody{o.index, mine.coefficients, mine.proofs,
                                                  mine.encryption_key, mine.encryption_key_proof}
                      .encode());
  if (!sub) return fail(sub.error());
  std::cout << tag << "commitments posted (entry " << sub->index << ")\n";

  st = wait("waiting for the other guardians' commitments", [&]() -> Result<PollState> {
    TABELLA_TRY(mirror.sync());
    std::uint32_t n = count([](const auto& g) { return g.commitments.has_value(); });
    return PollState{n == m.guardians, std::to_string(n) + " of " + std::to_string(m.guardians)};
  });
  if (!st.ok()) return fail(st.error());
  std::map<std::uint32_t, GuardianCommitments> all;
  for (const auto& [i, g] : mirror.state().guardians()) all.emplace(i, *g.commitments);

  // The misbehaviour: the victim's share is a random scalar, encrypted correctly to E_victim.
  record::GuardianSharesBody shares{o.index, {}};
  for (const auto& [l, c] : all) {
    if (l == o.index) continue;
    auto enc = l == o.victim
                   ? EncryptedShare::encrypt(q, o.index, l, c.encryption_key, Scalar::random())
                   : secrets.encrypt_share_for(q, c);
    if (!enc) return fail(enc.error());
    auto wire = enc->encode();
    shares.shares.emplace_back(wire.begin(), wire.end());
  }
  sub = post(EntryType::kGuardianShares, shares.encode());
  if (!sub) return fail(sub.error());
  std::cout << tag << "shares posted (entry " << sub->index << "); guardian " << o.victim
            << "'s is a random scalar\n";

  // From here on honest: check the shares addressed to me.
  st = wait("waiting for the other guardians' shares", [&]() -> Result<PollState> {
    TABELLA_TRY(mirror.sync());
    std::uint32_t n = count([](const auto& g) { return g.shared; });
    return PollState{n == m.guardians, std::to_string(n) + " of " + std::to_string(m.guardians)};
  });
  if (!st.ok()) return fail(st.error());
  for (const auto* body : mirror.bodies<record::GuardianSharesBody>()) {
    if (body->index == o.index) continue;
    for (const auto& wire : body->shares) {
      auto enc = EncryptedShare::decode(wire);
      if (!enc || enc->recipient != o.index) continue;
      auto share = receive_share(q, *enc, secrets, all.at(body->index));
      if (!share) return fail(share.error());
    }
  }
  sub = post(EntryType::kSharesVerified, record::SharesVerifiedBody{o.index}.encode());
  if (!sub) return fail(sub.error());
  std::cout << tag << "shares-verified posted (entry " << sub->index << ")\n";

  st = wait("waiting for complaints", [&]() -> Result<PollState> {
    TABELLA_TRY(mirror.sync());
    const auto& state = mirror.state();
    if (state.phase() != record::Phase::kSetup) return PollState{true, "the key is published"};
    for (const auto& [k, complaint] : state.complaints()) {
      if (k.second != o.index || complaint.status != record::Complaint::Status::kOpen) continue;
      if (o.never_answer) {
        std::cout << tag << "guardian " << k.first
                  << " complained about my share; leaving it unanswered\n";
        return PollState{true, "complaint left unanswered"};
      }
      record::ShareRevealBody reveal{o.index, k.first, secrets.share_for(k.first)};
      auto r = post(EntryType::kShareReveal, reveal.encode());
      if (!r) return r.error();
      std::cout << tag << "guardian " << k.first << " complained; revealed the true share (entry "
                << r->index << ")\n";
    }
    Status done = state.ceremony_complete();
    return PollState{false, done.ok() ? "waiting for the key" : done.error().message};
  });
  if (!st.ok()) return fail(st.error());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "bad-guardian: a guardian that sends one other guardian a bad share in the key ceremony, "
      "then answers the complaint (or not, --never-answer). For tests only."};
  app.add_option("--ledger", o.ledger, "Ledger base URL")->required();
  app.add_option("--index", o.index, "This guardian's index")->required()->check(CLI::Range(1, 32));
  app.add_option("--victim", o.victim, "The guardian that gets a random scalar as its share")
      ->required()
      ->check(CLI::Range(1, 32));
  app.add_option("--key", o.key, "Signing key file")->required();
  app.add_option("--view", o.view, "View state file")->required();
  app.add_option("--timeout", o.timeout, "Seconds to wait for each step")->capture_default_str();
  app.add_option("--poll-interval-ms", o.interval_ms, "Polling interval")->capture_default_str();
  app.add_flag("--never-answer", o.never_answer, "Leave the complaint unanswered");
  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;
  if (o.victim == o.index) {
    std::cerr << kProgram << ": error: --victim must be another guardian\n";
    return tabella::kExitUsage;
  }
  return run(o);
}
