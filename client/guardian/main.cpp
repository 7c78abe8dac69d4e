// tabella-guardian: a guardian's tool for the key ceremony and the tally decryption.
//
//   keygen    the guardian's signing key (0600); prints the public key for the official
//   ceremony  commitments -> (all commitments) -> encrypted shares -> (shares to me) -> check each
//             against its sender's commitments -> shares-verified, or a complaint per bad sender
//             -> answer complaints against me with a share-reveal, wait for answers to mine ->
//             secret state file (0600)
//   decrypt   once the encrypted tally is published: shows what it is about to decrypt (the
//             election, the number of cast ballots, the tree head at polls close and whether the
//             witnesses cosigned the view), checks that the tally is exactly the sum of the cast
//             ballots of that checked view, asks for confirmation (--yes for scripts), then posts
//             the partial decryption with proofs
//
// Every read of the ledger goes through a RecordMirror: each entry checked by the rules, the
// view against a ledger-signed, witness-cosigned checkpoint extending the one saved in the view
// state file (--view, default guardian-<i>.view); a fork is refused with its evidence saved.
// A guardian never reveals its secret share: only commitments, encrypted shares, statements,
// the one share another guardian disputed (share-reveal) and partial decryptions leave this
// program. Waiting steps poll the ledger until --timeout.
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>

#include "guardian_state.h"
#include "tabella/client/cli_support.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/client/record_mirror.h"
#include "tabella/election/tally.h"
#include "tabella/util/cli_parse.h"

namespace {

using namespace tabella;
using client::PollState;
using record::EntryType;

constexpr std::string_view kProgram = "tabella-guardian";

struct Options {
  std::string ledger = "http://127.0.0.1:8640";
  std::uint32_t index = 0;
  std::string key;    // default guardian-<i>.key
  std::string state;  // default guardian-<i>.state
  std::string passphrase_file;
  std::string view;  // default: the state path with the extension .view
  int timeout = 600;
  int interval_ms = 500;
  int cosign_wait_s = 30;
  bool yes = false;
  bool json = false;
};

int fail(const Options& o, const Error& e) {
  return client::report_error(kProgram, e, o.json);
}

std::string key_path(const Options& o) {
  return o.key.empty() ? "guardian-" + std::to_string(o.index) + ".key" : o.key;
}
std::string state_path(const Options& o) {
  return o.state.empty() ? "guardian-" + std::to_string(o.index) + ".state" : o.state;
}

// A passphrase held in memory only while needed; wiped on destruction.
struct Passphrase {
  std::string text;
  Passphrase() = default;
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;
  ~Passphrase() {
    if (!text.empty()) secure_zero(text.data(), text.size());
  }
};

Status read_terminal_line(const std::string& prompt, std::string& out) {
  std::cerr << prompt << std::flush;
  termios old{};
  if (::tcgetattr(STDIN_FILENO, &old) != 0) {
    return make_error(ErrorCode::kIo, "cannot turn off echo on the terminal");
  }
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::getline(std::cin, out);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  return {};
}

// The state file's passphrase: the first line of --passphrase-file, or asked on the terminal
// without echo (twice when a new file is created).
Status get_passphrase(const Options& o, bool new_file, Passphrase& p) {
  if (!o.passphrase_file.empty()) {
    std::ifstream in(o.passphrase_file);
    if (!in) {
      return make_error(ErrorCode::kIo, "cannot read the passphrase file", o.passphrase_file);
    }
    std::getline(in, p.text);
    if (!p.text.empty() && p.text.back() == '\r') p.text.pop_back();
  } else if (::isatty(STDIN_FILENO) != 0) {
    TABELLA_TRY(read_terminal_line("Passphrase for " + state_path(o) + ": ", p.text));
    if (new_file) {
      Passphrase again;
      TABELLA_TRY(read_terminal_line("Repeat the passphrase: ", again.text));
      if (again.text != p.text) {
        return make_error(ErrorCode::kInvalidArgument, "the two passphrases differ");
      }
    }
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      "the guardian state file needs a passphrase: give --passphrase-file FILE "
                      "or run on a terminal to be asked");
  }
  if (p.text.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "the passphrase is empty",
                      o.passphrase_file.empty() ? "passphrase" : o.passphrase_file);
  }
  return {};
}

std::string view_path(const Options& o) {
  if (!o.view.empty()) return o.view;
  return std::filesystem::path(state_path(o)).replace_extension(".view").string();
}

std::string tag(const Options& o) {
  return "guardian " + std::to_string(o.index) + ": ";
}

int cmd_keygen(const Options& o) {
  SigningKey key = SigningKey::generate();
  Status saved = key.save_pem(key_path(o));
  if (!saved.ok()) return fail(o, saved.error());
  const auto& vk = key.verify_key();
  if (o.json) {
    client::print_json({{"ok", true},
                        {"key_file", key_path(o)},
                        {"public_key", vk.to_hex()},
                        {"fingerprint", vk.fingerprint()}});
  } else {
    std::cout << "guardian key written to " << key_path(o) << " (mode 0600)\n"
              << "  public key:  " << vk.to_hex() << "\n  fingerprint: " << vk.fingerprint()
              << "\nGive the public key to the election official:\n"
              << "  tabella-admin guardians add --index " << o.index << " --name NAME --public-key "
              << vk.to_hex() << "\n";
  }
  return 0;
}

// The ledger, the guardian's key, and a checked replay of the record.
struct Session {
  std::unique_ptr<SigningKey> key;
  std::unique_ptr<client::LedgerConnection> ledger;
  std::unique_ptr<client::RecordMirror> mirror;
  const record::ElectionState& state() const { return mirror->state(); }
  Digest q() const { return *state().snapshot().q; }  // snapshot() is a copy
};

Result<Session> open_session(const Options& o) {
  Session s;
  auto key = client::load_signing_key(
      key_path(o), "guardian key",
      "create one with `tabella-guardian keygen --index " + std::to_string(o.index) + "`");
  if (!key) return key.error();
  s.key = std::make_unique<SigningKey>(std::move(*key));
  auto ledger = client::LedgerConnection::connect(o.ledger);
  if (!ledger) return ledger.error();
  s.ledger = std::make_unique<client::LedgerConnection>(std::move(*ledger));
  client::RecordMirror::Options mo;
  mo.view_state = view_path(o);
  mo.cosign_wait = std::chrono::seconds(o.cosign_wait_s);
  s.mirror = std::make_unique<client::RecordMirror>(*s.ledger, mo);
  return s;
}

Status wait(const Options& o, std::string_view what,
            const std::function<Result<PollState>()>& poll) {
  std::ostream& out = o.json ? std::cerr : std::cout;
  return client::wait_for(tag(o) + std::string(what), std::chrono::seconds(o.timeout),
                          std::chrono::milliseconds(o.interval_ms), poll, out);
}

Status wait_enrolled(const Options& o, Session& s) {
  return wait(o, "waiting to be enrolled", [&]() -> Result<PollState> {
    TABELLA_TRY(s.mirror->sync());
    if (s.state().phase() == record::Phase::kEmpty) return PollState{false, "no election yet"};
    auto it = s.state().guardians().find(o.index);
    if (it == s.state().guardians().end()) {
      return PollState{false, "guardian " + std::to_string(o.index) + " is not enrolled yet"};
    }
    if (it->second.enrolment.key != s.key->verify_key().bytes()) {
      return make_error(ErrorCode::kPermission, "guardian " + std::to_string(o.index) +
                                                    " is enrolled with another key than " +
                                                    key_path(o));
    }
    return PollState{true, "enrolled as guardian " + std::to_string(o.index) + " (" +
                               it->second.enrolment.name + ")"};
  });
}

Result<client::Submitted> post(Session& s, EntryType type, Bytes body) {
  return s.mirror->submit(record::Entry::make(type, s.q(), std::move(body), *s.key));
}

int cmd_ceremony(const Options& o) {
  std::ostream& out = o.json ? std::cerr : std::cout;
  auto s = open_session(o);
  if (!s) return fail(o, s.error());
  if (Status st = wait_enrolled(o, *s); !st.ok()) return fail(o, st.error());
  const auto& m = *s->state().manifest();
  const std::uint32_t me = o.index;

  // Secrets: resumed from the state file, or fresh and saved before anything is published.
  std::optional<guardian::GuardianState> gs;
  std::error_code ec;
  const bool resume = std::filesystem::exists(state_path(o), ec);
  Passphrase passphrase;
  if (Status p = get_passphrase(o, !resume, passphrase); !p.ok()) return fail(o, p.error());
  if (resume) {
    auto loaded = guardian::GuardianState::load(state_path(o), passphrase.text);
    if (!loaded) return fail(o, loaded.error());
    if (loaded->index != me || (loaded->secrets && loaded->secrets->quorum() != m.quorum)) {
      return fail(o, make_error(ErrorCode::kConflict,
                                loaded->index != me
                                    ? "this is guardian " + std::to_string(loaded->index) +
                                          "'s state file, not guardian " + std::to_string(me) +
                                          "'s (--index " + std::to_string(me) +
                                          "); give this guardian's own file with --state"
                                    : "this state file is from another election (its quorum "
                                      "differs from this election's)",
                                state_path(o)));
    }
    gs.emplace(std::move(*loaded));
    out << tag(o) << "resuming from " << state_path(o) << "\n";
  } else {
    gs.emplace(guardian::GuardianState{me, GuardianSecrets::generate(me, m.quorum), std::nullopt});
    if (Status st = gs->save(state_path(o), passphrase.text, /*overwrite=*/false); !st.ok())
      return fail(o, st.error());
  }
  if (gs->share) {
    out << tag(o) << "the key ceremony is already complete (" << state_path(o) << ")\n";
    return 0;
  }
  if (!gs->secrets) {
    return fail(o, make_error(ErrorCode::kInvalidEncoding,
                              "the state file holds neither secrets nor a share", state_path(o)));
  }
  const GuardianSecrets& secrets = *gs->secrets;

  // 1. Commitments C_{i,j} = a_{i,j}*G with Schnorr proofs, and E_i.
  const auto& mine = s->state().guardians().at(me);
  if (!mine.commitments) {
    if (s->state().phase() != record::Phase::kSetup) {
      return fail(o, make_error(ErrorCode::kConflict, "the key ceremony is over"));
    }
    GuardianCommitments c = secrets.commitments(s->q());
    record::GuardianCommitmentsBody body{me, c.coefficients, c.proofs, c.encryption_key,
                                         c.encryption_key_proof};
    auto sub = post(*s, EntryType::kGuardianCommitments, body.encode());
    if (!sub) return fail(o, sub.error());
    out << tag(o) << "commitments posted (entry " << sub->index << ")\n";
  } else if (!(s->state().guardians().at(me).commitments->coefficients[0] ==
               Point::base_mul(secrets.coefficients()[0]))) {
    return fail(o, make_error(ErrorCode::kConflict,
                              "the record holds other commitments for guardian " +
                                  std::to_string(me) + " than " + state_path(o) + " produces"));
  }

  // 2. Wait for every guardian's commitments.
  Status st = wait(o, "waiting for the other guardians' commitments", [&]() -> Result<PollState> {
    TABELLA_TRY(s->mirror->sync());
    std::uint32_t n = 0;
    for (const auto& [i, g] : s->state().guardians()) n += g.commitments ? 1 : 0;
    return PollState{n == m.guardians, std::to_string(n) + " of " + std::to_string(m.guardians) +
                                           " guardians have posted commitments"};
  });
  if (!st.ok()) return fail(o, st.error());
  std::map<std::uint32_t, GuardianCommitments> all;
  for (const auto& [i, g] : s->state().guardians()) all.emplace(i, *g.commitments);

  // 3. Shares s_{i,l} = P_i(l), each encrypted to E_l.
  if (!s->state().guardians().at(me).shared) {
    record::GuardianSharesBody body{me, {}};
    for (const auto& [l, c] : all) {
      if (l == me) continue;
      auto enc = secrets.encrypt_share_for(s->q(), c);
      if (!enc) return fail(o, enc.error());
      auto wire = enc->encode();
      body.shares.emplace_back(wire.begin(), wire.end());
    }
    auto sub = post(*s, EntryType::kGuardianShares, body.encode());
    if (!sub) return fail(o, sub.error());
    out << tag(o) << "encrypted shares posted (entry " << sub->index << ")\n";
  }

  // 4. Wait for the shares addressed to me.
  st = wait(o, "waiting for the other guardians' shares", [&]() -> Result<PollState> {
    TABELLA_TRY(s->mirror->sync());
    std::uint32_t n = 0;
    for (const auto& [i, g] : s->state().guardians()) n += g.shared ? 1 : 0;
    return PollState{n == m.guardians, std::to_string(n) + " of " + std::to_string(m.guardians) +
                                           " guardians have sent their shares"};
  });
  if (!st.ok()) return fail(o, st.error());

  // 5. Decrypt and check each: s_{i,l}*G == sum_j l^j * C_{i,j}. Bad ones are kept aside for a
  //    complaint; a share the sender revealed in answer to my complaint replaces its ciphertext.
  auto my_complaint = [&](std::uint32_t sender) -> const record::Complaint* {
    auto it = s->state().complaints().find({me, sender});
    return it == s->state().complaints().end() ? nullptr : &it->second;
  };
  std::map<std::uint32_t, Scalar> received_from;
  std::map<std::uint32_t, std::string> bad;  // sender -> why
  for (const auto* body : s->mirror->bodies<record::GuardianSharesBody>()) {
    if (body->index == me) continue;
    std::optional<EncryptedShare> for_me;
    for (const auto& wire : body->shares) {
      auto enc = EncryptedShare::decode(wire);
      if (enc && enc->recipient == me) for_me = *enc;
    }
    Result<Scalar> share =
        for_me ? receive_share(s->q(), *for_me, secrets, all.at(body->index))
               : Result<Scalar>(make_error(ErrorCode::kNotFound, "no share addressed to me"));
    if (share) {
      received_from.emplace(body->index, *share);
    } else {
      bad.emplace(body->index, share.error().describe());
    }
  }

  // 6. My statement: shares-verified, or one complaint per bad sender (docs/spec.md §5.3).
  bool stated = s->state().guardians().at(me).verified;
  for (const auto& [sender, why] : bad) stated = stated || my_complaint(sender) != nullptr;
  if (!stated && m.guardians > 1 && s->state().phase() == record::Phase::kSetup) {
    if (bad.empty()) {
      auto sub = post(*s, EntryType::kSharesVerified, record::SharesVerifiedBody{me}.encode());
      if (!sub) return fail(o, sub.error());
      out << tag(o) << "every share addressed to me checks; shares-verified posted (entry "
          << sub->index << ")\n";
    }
    for (const auto& [sender, why] : bad) {
      record::GuardianComplaintBody complaint{me, sender, why};
      auto sub = post(*s, EntryType::kGuardianComplaint, complaint.encode());
      if (!sub) return fail(o, sub.error());
      out << tag(o) << "the share from guardian " << sender << " fails its check (" << why
          << "); complaint posted (entry " << sub->index << "), waiting for its reveal\n";
    }
  }

  // 7. Until the ceremony is complete: answer every complaint against me with the share in
  //    plaintext, and wait for the answers to mine. Prints whom the ceremony waits for.
  st = wait(o, "waiting for the ceremony to complete", [&]() -> Result<PollState> {
    TABELLA_TRY(s->mirror->sync());
    const auto& state = s->state();
    if (state.phase() != record::Phase::kSetup) return PollState{true, "the key is published"};
    for (const auto& [key, complaint] : state.complaints()) {
      if (key.second != me || complaint.status != record::Complaint::Status::kOpen) continue;
      record::ShareRevealBody reveal{me, key.first, secrets.share_for(key.first)};
      auto sub = post(*s, EntryType::kShareReveal, reveal.encode());
      reveal.share = Scalar();
      if (!sub) return sub.error();
      out << tag(o) << "guardian " << key.first << " complained about my share; revealed it (entry "
          << sub->index << ")\n";
    }
    if (!state.disqualified().empty()) return PollState{true, "a guardian is disqualified"};
    Status complete = state.ceremony_complete();
    return PollState{complete.ok(),
                     complete.ok() ? "every share is accounted for" : complete.error().message};
  });
  if (!st.ok()) return fail(o, st.error());
  if (!s->state().disqualified().empty()) return fail(o, s->state().ceremony_complete().error());
  for (const auto& [sender, why] : bad) {
    const record::Complaint* c = my_complaint(sender);
    if (c == nullptr || c->status != record::Complaint::Status::kResolved) {
      return fail(o, make_error(ErrorCode::kConflict, "the share from guardian " +
                                                          std::to_string(sender) + " (" + why +
                                                          ") was neither revealed nor replaced"));
    }
    received_from.emplace(sender, *c->revealed);
    out << tag(o) << "using the share guardian " << sender << " revealed\n";
  }
  std::vector<Scalar> received;
  for (auto& [sender, share] : received_from) {
    received.push_back(share);
    share = Scalar();
  }
  received.push_back(secrets.share_for(me));
  Scalar s_me = combine_shares(received);  // s_l = sum_i s_{i,l}
  for (auto& r : received) r = Scalar();
  std::vector<GuardianCommitments> list;
  for (const auto& [i, c] : all) list.push_back(c);
  Point public_share = public_share_key(me, list);  // S_l
  if (!(Point::base_mul(s_me) == public_share)) {
    return fail(o, make_error(ErrorCode::kInvalidProof,
                              "my combined share does not match the public share key"));
  }
  // From now on only decryption needs the file: s_l, without the polynomial or e_l.
  gs->share = s_me;
  s_me = Scalar();
  gs->secrets.reset();
  if (Status saved = gs->save(state_path(o), passphrase.text, /*overwrite=*/true); !saved.ok()) {
    return fail(o, saved.error());
  }
  gs->share.reset();
  if (o.json) {
    client::print_json({{"ok", true},
                        {"index", me},
                        {"public_share_key", public_share.to_hex()},
                        {"state_file", state_path(o)}});
  } else {
    std::cout << tag(o) << "key ceremony complete; every share checked\n"
              << "  public share key S_" << me << " = " << public_share.to_hex() << "\n"
              << "  secret state in " << state_path(o)
              << " (mode 0600): keep it safe until the tally\n";
  }
  return 0;
}

// What the guardian is about to decrypt, checked: the tally entry is exactly the homomorphic sum
// of the cast ballots of the view the mirror checked (covered by the accepted checkpoint, with
// the witnesses' quorum when the manifest names witnesses), and it comes after polls close.
// Then the summary and the confirmation.
Status confirm_decryption(const Options& o, Session& s) {
  const auto& st = s.state();
  const auto& m = *st.manifest();
  const auto& mirror = *s.mirror;
  const auto& tally = *st.encrypted_tally();
  auto close = mirror.index_of(EntryType::kPollsClose);
  auto tally_at = mirror.index_of(EntryType::kEncryptedTally);
  if (!close || !tally_at || !mirror.tally()) {
    return make_error(ErrorCode::kConflict, "the record holds no polls-close or tally entry");
  }
  if (mirror.view().verified_size() <= *tally_at) {
    return make_error(ErrorCode::kConflict,
                      "the tally entry is not covered by a checkpoint this guardian accepted");
  }
  // Recomputed here from the ballots read (the rules engine checked it too, checks 18 and 32): a
  // tally over another set of ballots than those of the checked view is refused.
  auto sum = mirror.tally()->finish(tally.log_size);
  sum.polls_close_index = tally.polls_close_index;
  sum.polls_close_hash = tally.polls_close_hash;
  sum.log_root = tally.log_root;
  auto named_root = mirror.view().root_at(std::min(tally.log_size, mirror.view().size()));
  if (tally.log_size <= *close || tally.log_size > *tally_at || tally.polls_close_index != *close ||
      !named_root || *named_root != tally.log_root || tally.cast_count != st.cast_count() ||
      sum.encode() != tally.encode()) {
    return make_error(ErrorCode::kInvalidProof,
                      "the encrypted tally (entry " + std::to_string(*tally_at) +
                          ") is not the sum of exactly the " + std::to_string(st.cast_count()) +
                          " cast ballots of the checked view; refusing to decrypt it",
                      "tally");
  }
  const std::uint64_t head_size = *close + 1;
  auto head_root = mirror.view().root_at(head_size);
  if (!head_root) return head_root.error();
  std::string lang = m.languages.empty() ? "" : m.languages[0];
  std::ostream& out = o.json ? std::cerr : std::cout;
  out << tag(o) << "about to decrypt the encrypted tally of\n"
      << "  election:       " << m.title.in(lang) << " (" << m.election_id << ")\n"
      << "  cast ballots:   " << tally.cast_count << " (tally entry " << *tally_at
      << ", the sum of the cast ballots in entries [0, " << tally.log_size
      << "), recomputed here)\n"
      << "  polls closed:   entry " << *close << "; tree head size " << head_size << ", root "
      << to_hex(*head_root) << "\n"
      << "  checked view:   " << client::describe_view(mirror) << "\n";
  if (o.yes) return {};
  out << "Post this guardian's partial decryption of that tally? Type yes to confirm: "
      << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) answer.clear();
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (answer != "yes" && answer != "y") {
    return make_error(ErrorCode::kConflict,
                      "decryption not confirmed; nothing was posted (answer yes, or pass --yes "
                      "to confirm without a prompt)");
  }
  return {};
}

int cmd_decrypt(const Options& o) {
  Passphrase passphrase;
  if (Status p = get_passphrase(o, false, passphrase); !p.ok()) return fail(o, p.error());
  auto gs = guardian::GuardianState::load(state_path(o), passphrase.text);
  if (!gs) return fail(o, gs.error());
  if (gs->index != o.index) {
    return fail(o, make_error(ErrorCode::kConflict,
                              "this is guardian " + std::to_string(gs->index) +
                                  "'s state file, not guardian " + std::to_string(o.index) +
                                  "'s (--index " + std::to_string(o.index) +
                                  "); give this guardian's own file with --state",
                              state_path(o)));
  }
  if (!gs->share) {
    return fail(o, make_error(ErrorCode::kConflict,
                              "the state file holds no share: the key ceremony did not complete",
                              state_path(o)));
  }
  auto s = open_session(o);
  if (!s) return fail(o, s.error());
  if (Status st = wait_enrolled(o, *s); !st.ok()) return fail(o, st.error());
  Status st = wait(o, "waiting for the encrypted tally", [&]() -> Result<PollState> {
    TABELLA_TRY(s->mirror->sync());
    auto phase = s->state().phase();
    return PollState{phase >= record::Phase::kTallied,
                     "phase " + std::string(record::phase_name(phase)) +
                         (phase < record::Phase::kTallied ? ": no encrypted tally yet" : "")};
  });
  if (!st.ok()) return fail(o, st.error());
  // The share must be this election's guardian i's: s_i*G is its public share key (the
  // commitments' sum, published with the election key). A state file of another election (or
  // of a ceremony that was restarted) is caught here, before anything is computed or posted.
  const auto& share_keys = s->state().snapshot().public_share_keys;
  if (auto it = share_keys.find(o.index);
      it == share_keys.end() || !(Point::base_mul(*gs->share) == it->second)) {
    return fail(o, make_error(ErrorCode::kConflict,
                              "this state file holds guardian " + std::to_string(o.index) +
                                  "'s share of another key ceremony (another election, or a "
                                  "ceremony run again): it does not match guardian " +
                                  std::to_string(o.index) + "'s public share key in election " +
                                  s->state().manifest()->election_id +
                                  ". Give the state file this guardian saved in this election's "
                                  "ceremony",
                              state_path(o)));
  }
  if (s->state().guardians().at(o.index).decrypted ||
      s->state().phase() == record::Phase::kFinished) {
    std::cout << tag(o) << "nothing to do: already decrypted or the result is published\n";
    return 0;
  }
  if (Status ok = confirm_decryption(o, *s); !ok.ok()) return fail(o, ok.error());
  auto partial = election::partial_decrypt(*s->state().context(), o.index, *gs->share,
                                           *s->state().encrypted_tally());
  gs->share.reset();
  if (!partial) return fail(o, partial.error());
  partial->tally_hash = s->state().tally_hash();  // check 33
  auto sub = post(*s, EntryType::kPartialDecryption, partial->encode());
  if (!sub) return fail(o, sub.error());
  if (o.json) {
    client::print_json({{"ok", true}, {"index", o.index}, {"entry", sub->index}});
  } else {
    std::cout << tag(o) << "partial decryption of the tally posted with proofs (entry "
              << sub->index << ")\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "tabella-guardian: hold a share of the election key; take part in the key "
      "ceremony and in decrypting the tally (never single ballots)."};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--ledger", o.ledger, "Ledger base URL")->capture_default_str();
  app.add_option("--index", o.index, "This guardian's index 1..n")
      ->required()
      ->check(CLI::Range(1, 32));
  app.add_option("--key", o.key, "Signing key file (default guardian-<index>.key)");
  app.add_option("--state", o.state, "Secret state file (default guardian-<index>.state)");
  app.add_option("--passphrase-file", o.passphrase_file,
                 "File whose first line is the state file's passphrase (default: ask on the "
                 "terminal without echo)");
  app.add_option("--view", o.view,
                 "View state file: the last checkpoint accepted, which the ledger's next one must "
                 "extend (default: the --state path with the extension .view)");
  app.add_option("--timeout", o.timeout, "Seconds to wait for the others")->capture_default_str();
  app.add_option("--cosign-wait", o.cosign_wait_s,
                 "Seconds to wait for the witnesses to cosign the ledger's checkpoint")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  app.add_option("--poll-interval-ms", o.interval_ms, "Polling interval")->capture_default_str();
  app.add_flag("--json", o.json, "Print one JSON object instead of the human summary");
  auto* keygen = app.add_subcommand("keygen", "Create this guardian's signing key (0600)");
  auto* ceremony = app.add_subcommand(
      "ceremony", "Run the key ceremony: commitments, shares, checks, secret state file");
  auto* decrypt = app.add_subcommand(
      "decrypt",
      "Show the published encrypted tally, check it, and after confirmation post this "
      "guardian's partial decryption");
  decrypt->add_flag("--yes", o.yes, "Do not ask for confirmation (scripts)");
  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;
  if (keygen->parsed()) return cmd_keygen(o);
  if (ceremony->parsed()) return cmd_ceremony(o);
  if (decrypt->parsed()) return cmd_decrypt(o);
  return client::kExitUsage;
}
