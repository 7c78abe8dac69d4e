#include "commands.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "results_report.h"
#include "static_board.h"
#include "tabella/client/cli_support.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/client/record_mirror.h"
#include "tabella/crypto/dlog.h"
#include "tabella/election/context.h"
#include "tabella/election/manifest.h"
#include "tabella/election/tally.h"
#include "tabella/election/token.h"
#include "token_sheet.h"
#include "verifier.h"

namespace tabella::admin {

namespace {

using client::LedgerClient;
using client::RecordMirror;
using nlohmann::json;
using record::EntryType;

constexpr std::string_view kProgram = "tabella-admin";

int fail(const Common& c, const Error& e) {
  return client::report_error(kProgram, e, c.json);
}

client::RecordMirror::Options mirror_options(const Common& c) {
  client::RecordMirror::Options o;
  o.view_state = c.view_path();
  o.cosign_wait = std::chrono::seconds(c.cosign_wait_s);
  return o;
}

// The authority's working set: its key, the ledger, and a checked replay of the record.
struct Session {
  std::unique_ptr<SigningKey> key;
  std::unique_ptr<LedgerClient> ledger;
  std::unique_ptr<RecordMirror> mirror;

  const record::ElectionState& state() const { return mirror->state(); }
  Digest q() const { return *state().snapshot().q; }  // snapshot() is a copy
};

Result<std::unique_ptr<SigningKey>> load_authority(const Common& c) {
  auto key = client::load_signing_key(c.key, "authority key",
                                      "create one with `tabella-admin keygen --key " + c.key + "`");
  if (!key) return key.error();
  return std::make_unique<SigningKey>(std::move(*key));
}

Result<Session> open_session(const Common& c) {
  Session s;
  auto key = load_authority(c);
  if (!key) return key.error();
  s.key = std::move(*key);
  auto ledger = LedgerClient::connect(c.ledger);
  if (!ledger) return ledger.error();
  s.ledger = std::make_unique<LedgerClient>(std::move(*ledger));
  s.mirror = std::make_unique<RecordMirror>(*s.ledger, mirror_options(c));
  TABELLA_TRY(s.mirror->sync());
  if (s.state().phase() == record::Phase::kEmpty) {
    return make_error(ErrorCode::kConflict,
                      "the ledger at " + s.ledger->url().text +
                          " holds no election yet; run `tabella-admin init --ballot FILE` first");
  }
  if (s.state().authority() != s.key->verify_key().bytes()) {
    auto theirs = VerifyKey::from_bytes(s.state().authority());
    return make_error(ErrorCode::kPermission,
                      "wrong authority key: " + c.key + " (fingerprint " +
                          s.key->verify_key().fingerprint() +
                          ") is not this election's authority key (fingerprint " +
                          (theirs ? theirs->fingerprint() : "?") + ")",
                      "--key");
  }
  return s;
}

// Signs, submits, checks the receipt, and brings the mirror up to date (RecordMirror::submit).
Result<client::Submitted> submit(Session& s, EntryType type, Bytes body) {
  auto entry = record::Entry::make(type, s.q(), std::move(body), *s.key);
  auto sub = s.mirror->submit(entry);
  if (!sub) return sub.error();
  if (sub->duplicate) {
    // Same command, same second, same key: the signed bytes are identical and the ledger answers
    // with the stored copy. Nothing new was recorded, so the command did not take effect now.
    return make_error(ErrorCode::kConflict, "the ledger already holds this exact " +
                                                std::string(record::entry_type_name(type)) +
                                                " entry at index " + std::to_string(sub->index) +
                                                "; nothing new was recorded");
  }
  return sub;
}

// polls-close names the tree head of the checked view and every kiosk's chain head (checks 30,
// 31). A ballot appended between reading the log and closing makes the ledger refuse it (the log
// moved on): read again and close over the longer view, a few times.
Result<client::Submitted> close_polls(Session& s, const std::string& note,
                                      record::TreeHead& closed_over) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    if (s.mirror->view().verified_size() != s.mirror->size()) {
      return make_error(ErrorCode::kConflict,
                        "the view to close is not covered by an accepted checkpoint");
    }
    auto body = s.state().polls_close_body(client::unix_now(), note);
    closed_over = body.log;
    auto sub = submit(s, EntryType::kPollsClose, body.encode());
    if (sub || attempt == kAttempts || sub.error().code != ErrorCode::kConflict ||
        sub.error().field.find("log.size") == std::string::npos) {
      return sub;
    }
    std::cerr << "the log grew to more than " << body.log.size
              << " entries while closing; reading it again\n";
    TABELLA_TRY(s.mirror->sync());
    if (s.state().phase() != record::Phase::kOpen) {
      return make_error(ErrorCode::kConflict,
                        "polls were closed meanwhile (phase " +
                            std::string(record::phase_name(s.state().phase())) + ")");
    }
  }
}

json receipt_json(const client::Submitted& s) {
  return {{"index", s.index}, {"entry_id", to_hex(s.entry_id)}, {"tree_size", s.receipt.tree_size}};
}

// Prints the result of a command: JSON, or the text.
int done(const Common& c, json out, const std::string& text) {
  if (c.json) {
    out["ok"] = true;
    client::print_json(out);
  } else {
    std::cout << text;
  }
  return 0;
}

std::string phase_text(const Session& s) {
  return std::string(record::phase_name(s.state().phase()));
}

}  // namespace

std::string Common::view_path() const {
  if (!view.empty()) return view;
  return std::filesystem::path(key).replace_extension(".view").string();
}

int cmd_keygen(const Common& c) {
  SigningKey key = SigningKey::generate();
  Status saved = key.save_pem(c.key);
  if (!saved.ok()) {
    Error e = saved.error();
    if (e.code == ErrorCode::kConflict) {
      e.message = c.key + " already exists; refusing to overwrite an authority key";
    }
    return fail(c, e);
  }
  const auto& vk = key.verify_key();
  return done(c,
              {{"key_file", c.key}, {"public_key", vk.to_hex()}, {"fingerprint", vk.fingerprint()}},
              "authority key written to " + c.key + " (mode 0600)\n  public key:  " + vk.to_hex() +
                  "\n  fingerprint: " + vk.fingerprint() +
                  "\nStart the ledger with --authority-key " + vk.to_hex() + "\n");
}

int cmd_init(const Common& c, const std::filesystem::path& ballot) {
  auto manifest = election::load_manifest_file(ballot);
  if (!manifest) return fail(c, manifest.error().with_prefix(ballot.string()));
  std::error_code exists_ec;
  if (std::filesystem::exists(c.view_path(), exists_ec)) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "the view state file " + c.view_path() +
                                  " already holds a checkpoint of an election defined before; a "
                                  "new election needs its own: move the file away or pass --view",
                              "--view"));
  }
  auto key = load_authority(c);
  if (!key) return fail(c, key.error());
  auto ledger = LedgerClient::connect(c.ledger);
  if (!ledger) return fail(c, ledger.error());
  auto log_key = ledger->log_key();
  if (!log_key) return fail(c, log_key.error());
  auto verifier = ledger::NoteVerifier::from_verifier_key(*log_key);
  if (!verifier) return fail(c, verifier.error());
  if (verifier->name() != manifest->origin) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "the ledger signs checkpoints as '" + verifier->name() +
                                  "' but the ballot's origin is '" + manifest->origin +
                                  "'; start the ledger with --origin " + manifest->origin));
  }
  Digest q = election::base_hash(election::manifest_hash(*manifest), (*key)->verify_key().bytes());
  record::ElectionBody body{election::to_json(*manifest).dump(), *log_key};
  auto entry = record::Entry::make(EntryType::kElection, q, body.encode(), **key);
  Bytes bytes = entry.encode();
  auto trust = ledger::LogTrust::make(*manifest, *log_key);
  if (!trust) return fail(c, trust.error());
  auto sub = ledger->submit_bytes(bytes);
  if (!sub) return fail(c, sub.error());
  auto receipt = ledger::check_receipt(sub->receipt, bytes, *trust);
  if (!receipt.final() && !receipt.awaiting()) {
    return fail(c, receipt.error().with_prefix("receipt"));
  }
  // The first checked view: the election entry under a checkpoint the witnesses cosigned; it
  // starts the view state file every later command extends.
  RecordMirror mirror(*ledger, mirror_options(c));
  if (Status st = mirror.sync(); !st.ok()) return fail(c, st.error());
  if (mirror.state().authority() != (*key)->verify_key().bytes() ||
      mirror.view().leaf_at(0).ok() == false ||
      *mirror.view().leaf_at(0) != ledger::leaf_hash(bytes)) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "the ledger acknowledged the election entry but its checked log "
                              "starts with another one"));
  }
  const auto& m = *manifest;
  std::string lang = m.languages.empty() ? "" : m.languages[0];
  return done(c,
              {{"election_id", m.election_id},
               {"q", to_hex(q)},
               {"ledger_key", *log_key},
               {"guardians", m.guardians},
               {"quorum", m.quorum},
               {"receipt", receipt_json(*sub)}},
              "election defined: " + m.title.in(lang) + " (" + m.election_id +
                  ")\n  Q = " + to_hex(q) + "\n  " + std::to_string(m.contests.size()) +
                  " contests, " + std::to_string(m.guardians) + " guardians (quorum " +
                  std::to_string(m.quorum) + ")\n  ledger key: " + *log_key + "\n  entry " +
                  std::to_string(sub->index) + ", receipt verified\n");
}

int cmd_guardians_add(const Common& c, std::uint32_t index, const std::string& name,
                      const std::string& public_key) {
  auto pk = client::parse_public_key(public_key, "--public-key");
  if (!pk) return fail(c, pk.error());
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  record::GuardianEnrolmentBody body{index, *pk, name};
  auto sub = submit(*s, EntryType::kGuardianEnrolment, body.encode());
  if (!sub) return fail(c, sub.error());
  auto vk = VerifyKey::from_bytes(*pk);
  std::string fpr = vk ? vk->fingerprint() : "";
  std::size_t enrolled = s->state().guardians().size();
  return done(
      c, {{"index", index}, {"name", name}, {"fingerprint", fpr}, {"receipt", receipt_json(*sub)}},
      "guardian " + std::to_string(index) + " (" + name + ", fingerprint " + fpr + ") enrolled; " +
          std::to_string(enrolled) + " of " + std::to_string(s->state().manifest()->guardians) +
          " guardians enrolled\n");
}

int cmd_kiosks_enrol(const Common& c, const std::string& public_key,
                     const std::string& expect_fingerprint, const std::string& name,
                     const std::string& precinct) {
  auto pk = client::parse_public_key(public_key, "--public-key");
  if (!pk) return fail(c, pk.error());
  auto vk = VerifyKey::from_bytes(*pk);
  std::string fpr = vk->fingerprint();
  if (!expect_fingerprint.empty()) {
    auto want = election::normalize_typeable_code(expect_fingerprint, "fingerprint");
    if (!want || *want != fpr) {
      return fail(c,
                  make_error(ErrorCode::kPermission,
                             "fingerprint mismatch: the key's fingerprint is " + fpr +
                                 ", the kiosk showed " + expect_fingerprint + "; not enrolling it",
                             "--expect-fingerprint"));
    }
  }
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  record::KioskEnrolmentBody body{*pk, name, precinct};
  auto sub = submit(*s, EntryType::kKioskEnrolment, body.encode());
  if (!sub) return fail(c, sub.error());
  return done(
      c,
      {{"name", name},
       {"precinct", precinct},
       {"fingerprint", fpr},
       {"receipt", receipt_json(*sub)}},
      "kiosk '" + name + "' (precinct " + precinct + ", fingerprint " + fpr + ") enrolled\n");
}

int cmd_kiosks_revoke(const Common& c, const std::string& public_key, const std::string& reason) {
  auto pk = client::parse_public_key(public_key, "--public-key");
  if (!pk) return fail(c, pk.error());
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  auto sub =
      submit(*s, EntryType::kKioskRevocation, record::KioskRevocationBody{*pk, reason}.encode());
  if (!sub) return fail(c, sub.error());
  return done(c, {{"public_key", public_key}, {"receipt", receipt_json(*sub)}},
              "kiosk " + VerifyKey::from_bytes(*pk)->fingerprint() + " revoked\n");
}

std::string board_url(const Common& c) {
  std::string url = c.public_url.empty() ? c.ledger : c.public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

int cmd_tokens_issue(const Common& c, std::uint32_t count, const std::string& precinct,
                     const std::filesystem::path& out) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  if (s->state().phase() >= record::Phase::kClosed) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "polls are closed (phase " + phase_text(*s) + "); no more tokens"));
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec)
    return fail(c, make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), out));
  std::vector<std::string> tokens;
  tokens.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) tokens.push_back(election::generate_token());
  // Files first: if the ledger then refuses, the printed tokens simply never work.
  std::string csv = "token,precinct\n";
  for (const auto& t : tokens) csv += t + "," + precinct + "\n";
  Status wrote = client::write_private_file(out / "tokens.csv", as_bytes(csv), /*overwrite=*/false);
  secure_zero(csv.data(), csv.size());
  if (!wrote.ok()) return fail(c, wrote.error());
  const auto& m = *s->state().manifest();
  auto pdf = render_token_pdf({m.title.in(m.languages[0]), precinct, tokens});
  if (!pdf) return fail(c, pdf.error());
  wrote = client::write_private_file(out / "tokens.pdf", *pdf, /*overwrite=*/false);
  if (!wrote.ok()) return fail(c, wrote.error());
  std::size_t entries = 0;
  for (std::size_t start = 0; start < tokens.size(); start += record::kMaxTokensPerEntry) {
    record::TokenCommitmentsBody body{precinct, {}};
    for (std::size_t t = start; t < std::min(tokens.size(), start + record::kMaxTokensPerEntry);
         ++t) {
      body.token_hashes.push_back(election::token_hash(s->q(), tokens[t]));
    }
    auto sub = submit(*s, EntryType::kTokenCommitments, body.encode());
    if (!sub) return fail(c, sub.error());
    ++entries;
  }
  for (auto& t : tokens) secure_zero(t.data(), t.size());
  return done(c,
              {{"count", count},
               {"precinct", precinct},
               {"entries", entries},
               {"csv", (out / "tokens.csv").string()},
               {"pdf", (out / "tokens.pdf").string()},
               {"tokens_committed", s->state().tokens_committed()},
               {"lookup", board_url(c) + "/ballot/"}},
              std::to_string(count) + " tokens for precinct " + precinct + " committed in " +
                  std::to_string(entries) + " entr" + (entries == 1 ? "y" : "ies") + "\n  " +
                  (out / "tokens.csv").string() + "\n  " + (out / "tokens.pdf").string() +
                  "\n  voters check their ballots at " + board_url(c) + "/ballot/<code>" +
                  "  (print, cut, hand out one per voter; files are 0600)\n");
}

int cmd_key_publish(const Common& c) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  const auto& st = s->state();
  if (st.phase() != record::Phase::kSetup) {
    return fail(c,
                make_error(ErrorCode::kConflict,
                           "the election key is already published (phase " + phase_text(*s) + ")"));
  }
  const auto& m = *st.manifest();
  // The same rule the ledger applies (check 9): names every guardian the ceremony waits for.
  if (Status ready = st.ceremony_complete(); !ready.ok()) return fail(c, ready.error());
  std::vector<GuardianCommitments> all;
  for (const auto& [i, g] : st.guardians()) all.push_back(*g.commitments);
  Status set = verify_commitment_set(s->q(), {m.guardians, m.quorum}, all);
  if (!set.ok()) return fail(c, set.error());
  Point k = joint_key(all);  // K = sum_i C_{i,0}
  record::ElectionKeyBody body{k, election::extended_base_hash(s->q(), k)};
  auto sub = submit(*s, EntryType::kElectionKey, body.encode());
  if (!sub) return fail(c, sub.error());
  return done(c,
              {{"joint_key", k.to_hex()},
               {"q_bar", to_hex(body.extended_hash)},
               {"receipt", receipt_json(*sub)}},
              "election key published\n  K     = " + k.to_hex() +
                  "\n  Q-bar = " + to_hex(body.extended_hash) + "\n");
}

int cmd_polls(const Common& c, bool open, const std::string& note) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  // The ledger enforces this too (check 13); asking first gives the official the reason directly.
  const auto phase = s->state().phase();
  if (open && phase != record::Phase::kKeyed) {
    return fail(c, make_error(ErrorCode::kConflict,
                              phase < record::Phase::kKeyed
                                  ? "the election key is not yet published"
                                  : "polls were already opened (phase " + phase_text(*s) + ")"));
  }
  if (!open && phase != record::Phase::kOpen) {
    return fail(c, make_error(ErrorCode::kConflict,
                              phase < record::Phase::kOpen
                                  ? "polls are not open (phase " + phase_text(*s) + ")"
                                  : "polls are already closed (phase " + phase_text(*s) + ")"));
  }
  const std::string text_note = note.empty() ? (open ? "polls open" : "polls closed") : note;
  record::TreeHead closed_over;
  Result<client::Submitted> sub =
      open ? submit(*s, EntryType::kPollsOpen,
                    record::PollsBody{client::unix_now(), text_note}.encode())
           : close_polls(*s, text_note, closed_over);
  if (!sub) return fail(c, sub.error());
  const auto& st = s->state();
  std::string text =
      open ? "polls are open: " + std::to_string(st.kiosks().size()) + " kiosks enrolled, " +
                 std::to_string(st.tokens_committed()) + " tokens committed\n"
           : "polls are closed: " + std::to_string(st.cast_count()) + " ballots cast, " +
                 std::to_string(st.challenged_count()) + " challenged; closed over the log of " +
                 std::to_string(closed_over.size) + " entries, root " + to_hex(closed_over.root) +
                 "\n";
  return done(c,
              {{"phase", phase_text(*s)},
               {"ballots_cast", st.cast_count()},
               {"receipt", receipt_json(*sub)}},
              text);
}

int cmd_status(const Common& c) {
  auto ledger = LedgerClient::connect(c.ledger);
  if (!ledger) return fail(c, ledger.error());
  auto st = ledger->status();
  if (!st) return fail(c, st.error());
  if (c.json) {
    json out = *st;
    out["ok"] = true;
    client::print_json(out);
    return 0;
  }
  const json& j = *st;
  auto u = [&j](const char* k) {
    return j.contains(k) && j[k].is_number() ? j[k].get<std::uint64_t>() : 0;
  };
  auto str = [](const json& o, const char* k) {
    return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string("?");
  };
  std::ostringstream o;
  o << "ledger " << ledger->url().text << "\n";
  o << "  election:  " << str(j, "election_id") << "   phase: " << str(j, "phase")
    << "   entries: " << u("size") << "\n";
  o << "  ballots:   " << u("ballots_cast") << " cast, " << u("ballots_challenged")
    << " challenged\n";
  o << "  tokens:    " << u("tokens_spent") << " spent of " << u("tokens_committed") << "\n";
  if (j.contains("guardians") && j["guardians"].is_array()) {
    std::size_t ready = 0;
    for (const auto& g : j["guardians"]) {
      if (g.value("committed", false) && g.value("shared", false)) ++ready;
    }
    o << "  guardians: " << ready << " of " << u("guardian_count") << " ready (quorum "
      << u("quorum") << ")\n";
    for (const auto& g : j["guardians"]) {
      o << "    " << g.value("index", 0) << " " << str(g, "name")
        << (g.value("committed", false) ? "  committed" : "  -")
        << (g.value("shared", false) ? "  shared" : "  -")
        << (g.value("decrypted", false) ? "  decrypted" : "") << "\n";
    }
  }
  if (j.contains("kiosks") && j["kiosks"].is_array()) {
    o << "  kiosks:    " << j["kiosks"].size() << "\n";
    for (const auto& k : j["kiosks"]) {
      o << "    " << str(k, "name") << " (" << str(k, "precinct") << ", " << str(k, "fingerprint")
        << ")" << (k.value("revoked", false) ? " REVOKED" : "") << ": " << k.value("cast", 0)
        << " cast, " << k.value("challenged", 0) << " challenged\n";
    }
  }
  std::cout << o.str();
  return 0;
}

int cmd_tally(const Common& c, std::chrono::seconds timeout, std::chrono::milliseconds interval) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  const auto& st = s->state();
  if (st.phase() < record::Phase::kClosed) {
    return fail(c,
                make_error(ErrorCode::kConflict, "polls are not closed (phase " + phase_text(*s) +
                                                     "); run `tabella-admin polls close` first"));
  }
  std::ostream& progress = c.json ? std::cerr : std::cout;
  if (st.phase() == record::Phase::kClosed) {
    // tally = sum of the cast ballots over entries [0, size): the view sync() checked against a
    // checkpoint covering all of it (ledger-signed, with the witnesses' quorum when named).
    if (s->mirror->view().verified_size() != s->mirror->size()) {
      return fail(c, make_error(ErrorCode::kConflict,
                                "the view to tally is not covered by an accepted checkpoint"));
    }
    progress << "tallying the " << st.cast_count() << " cast ballots of the checked view ("
             << client::describe_view(*s->mirror) << ")\n";
    auto body = st.tally_body();  // names polls-close and the tree head it sums (check 32)
    auto sub = submit(*s, EntryType::kEncryptedTally, body.encode());
    if (!sub) return fail(c, sub.error());
    progress << "encrypted tally of " << body.cast_count << " ballots published (entry "
             << sub->index << "); waiting for the guardians' partial decryptions\n"
             << std::flush;
  }
  const auto& m = *st.manifest();
  if (st.phase() == record::Phase::kTallied) {
    Status waited = client::wait_for(
        "waiting for partial decryptions", timeout, interval,
        [&]() -> Result<client::PollState> {
          TABELLA_TRY(s->mirror->sync());
          std::string who;
          std::size_t n = 0;
          for (const auto* p : s->mirror->bodies<record::PartialDecryptionBody>()) {
            who += (who.empty() ? "" : ", ") + std::to_string(p->index);
            ++n;
          }
          std::string line =
              std::to_string(n) + " partial decryption" + (n == 1 ? "" : "s") + " present" +
              (n ? " (guardian" + std::string(n == 1 ? " " : "s ") + who + ")" : "") +
              ", the quorum is " + std::to_string(m.quorum);
          return client::PollState{n >= m.quorum || st.phase() == record::Phase::kFinished, line};
        },
        progress);
    if (!waited.ok()) {
      Error e = waited.error();
      e.message = "tally refused: below quorum. " + e.message;
      return fail(c, e);
    }
  }
  if (st.phase() == record::Phase::kTallied) {
    std::vector<record::PartialDecryptionBody> partials;
    for (const auto* p : s->mirror->bodies<record::PartialDecryptionBody>()) partials.push_back(*p);
    const auto& tally = *st.encrypted_tally();
    DlogTable dlog(std::max<std::uint64_t>(tally.cast_count, 1));
    auto result = election::combine_tally(*st.context(), tally, partials, dlog);
    if (!result) return fail(c, result.error());
    if (Status bound = st.bind_result(*result); !bound.ok()) return fail(c, bound.error());
    auto sub = submit(*s, EntryType::kResult, result->encode());
    if (!sub) return fail(c, sub.error());
    progress << "result published (entry " << sub->index << ")\n";
  }
  const auto& r = *st.result();
  json counts = json::object();
  std::ostringstream text;
  std::string lang = m.languages[0];
  for (std::size_t ci = 0; ci < m.contests.size(); ++ci) {
    const auto& contest = m.contests[ci];
    text << contest.title.in(lang) << "\n";
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      counts[contest.id][contest.choices[j].id] = r.counts[ci][j];
      text << "  " << contest.choices[j].label.in(lang) << ": " << r.counts[ci][j] << "\n";
    }
  }
  text << "bulletin board (results, tracking codes, ballot lookup): " << board_url(c) << "/\n";
  return done(c,
              {{"cast_count", r.cast_count},
               {"guardians", r.guardians},
               {"counts", counts},
               {"board", board_url(c) + "/"}},
              text.str());
}

int cmd_publish(const Common& c, const std::filesystem::path& dir) {
  auto ledger = LedgerClient::connect(c.ledger);
  if (!ledger) return fail(c, ledger.error());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(c, make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), dir));
  auto record_path = dir / "record.jsonl";
  Status exported = ledger->export_record(record_path);
  if (!exported.ok()) return fail(c, exported.error());
  verify::Options options;
  options.require_complete = true;
  auto report = verify::verify_record(record_path, options);
  if (!report) return fail(c, report.error());
  {
    std::ofstream f(dir / "verify-report.txt");
    f << verify::format_report(*report);
  }
  auto results = read_results(record_path);
  if (!results) return fail(c, results.error());
  results->verified = report->ok();
  results->challenged_count = report->ballots_challenged;
  std::string text = results_text(*results);
  std::ofstream(dir / "results.txt") << text;
  std::ofstream(dir / "results.html") << results_html(*results);
  if (!report->ok()) {
    const auto& f = report->failures.front();
    return fail(
        c, make_error(ErrorCode::kInvalidProof,
                      "the exported record FAILS verification (check " + std::to_string(f.check) +
                          ", " +
                          (f.index == UINT64_MAX ? f.type : "entry " + std::to_string(f.index)) +
                          "): " + f.why + "; see " + (dir / "verify-report.txt").string()));
  }
  // The board as a static site, for an office to host anywhere (static_board.h).
  auto board = write_static_board(c.ledger, dir);
  if (!board) return fail(c, board.error());
  text += "\nboard:   " + (dir / "board" / "index.html").string() + " (" + std::to_string(*board) +
          " pages, a static copy of the ledger's bulletin board)";
  return done(c,
              {{"record", record_path.string()},
               {"board", (dir / "board" / "index.html").string()},
               {"results_txt", (dir / "results.txt").string()},
               {"results_html", (dir / "results.html").string()},
               {"entries", report->entries},
               {"verified", true}},
              text + "\nrecord:  " + record_path.string() + " (" + std::to_string(report->entries) +
                  " entries, every check passed)\nresults: " + (dir / "results.txt").string() +
                  ", " + (dir / "results.html").string() + "\n");
}

}  // namespace tabella::admin
