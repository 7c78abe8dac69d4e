#include "commands.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "canvass_report.h"
#include "results_report.h"
#include "static_board.h"
#include "tabella/client/cli_support.h"
#include "tabella/client/key_files.h"
#include "tabella/client/ledger_client.h"
#include "tabella/client/record_mirror.h"
#include "tabella/client/test_deck.h"
#include "tabella/crypto/dlog.h"
#include "tabella/election/context.h"
#include "tabella/election/manifest.h"
#include "tabella/election/tally.h"
#include "tabella/election/token.h"
#include "tabella/util/utc_time.h"
#include "test_deck_pdf.h"
#include "token_sheet.h"
#include "verifier.h"

namespace tabella::admin {

namespace {

using client::LedgerConnection;
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
  std::unique_ptr<LedgerConnection> ledger;
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
  auto ledger = LedgerConnection::connect(c.ledger);
  if (!ledger) return ledger.error();
  s.ledger = std::make_unique<LedgerConnection>(std::move(*ledger));
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

// The index of the first kept entry of type T whose body satisfies `match`, if any: how a
// repeated step finds that it was already done.
template <typename T, typename Pred>
std::optional<std::uint64_t> find_done(const Session& s, Pred match) {
  for (const auto& [index, c] : s.mirror->entries()) {
    if (const T* body = std::get_if<T>(&c.body); body != nullptr && match(*body)) return index;
  }
  return std::nullopt;
}

// What the first entry of a ledger says about its election (unchecked: enough to name it).
struct HeldElection {
  std::string id;
  std::string title;
  Digest q{};
};

Result<HeldElection> describe_election_entry(ByteView bytes) {
  auto e = record::Entry::decode(bytes);
  if (!e) return e.error();
  if (e->type != EntryType::kElection) {
    return make_error(ErrorCode::kInvalidArgument,
                      "it is a " + std::string(record::entry_type_name(e->type)) +
                          " entry, not an election entry");
  }
  auto body = record::ElectionBody::decode(e->body);
  if (!body) return body.error();
  auto m = election::parse_manifest(body->manifest_json);
  if (!m) return m.error();
  return HeldElection{m->election_id, m->title.in(m->languages.empty() ? "" : m->languages[0]),
                      election::base_hash(election::manifest_hash(*m), e->author)};
}

// --expect-fingerprint: the fingerprint read from the device or told by its holder must be the
// key's; `who` names it in the message ("the kiosk showed", "the guardian read out").
Status check_fingerprint(const std::string& fpr, const std::string& expect,
                         const std::string& who) {
  if (expect.empty()) return {};
  auto want = election::normalize_typeable_code(expect, "fingerprint");
  if (!want || *want != fpr) {
    return make_error(ErrorCode::kPermission,
                      "fingerprint mismatch: the key's fingerprint is " + fpr + ", " + who + " " +
                          expect + "; not enrolling it",
                      "--expect-fingerprint");
  }
  return {};
}

// A risky action: without --force, refuses with the warnings and how to go ahead; with it,
// prints each warning (stderr) and goes on.
Status confirm_risks(const std::vector<std::string>& risks, bool force, const std::string& action) {
  if (risks.empty()) return {};
  if (!force) {
    std::string text;
    for (const auto& r : risks) text += (text.empty() ? "" : "; ") + r;
    return make_error(
        ErrorCode::kConflict,
        "not " + action + ": " + text + ". Check, then repeat with --force to go ahead", "--force");
  }
  for (const auto& r : risks) std::cerr << "tabella-admin: warning: " << r << " (--force)\n";
  return {};
}

// Now as the manifest writes times: "YYYY-MM-DDTHH:MM:SSZ" (UTC).
std::string utc_now_text() {
  return utc_time(static_cast<std::uint64_t>(std::time(nullptr)));
}

// The non-revoked kiosks, in `precinct` when it is not empty.
std::size_t active_kiosks(const Session& s, const std::string& precinct = "") {
  std::size_t n = 0;
  for (const auto& [key, k] : s.state().kiosks()) {
    if (!k.revoked && (precinct.empty() || k.enrolment.precinct == precinct)) ++n;
  }
  return n;
}

// The tokens of a tokens.csv an earlier `tokens issue` wrote (for a re-run over the same --out).
Result<std::vector<std::string>> load_token_csv(const std::filesystem::path& path,
                                                const std::string& precinct, std::uint32_t count) {
  auto data = client::read_private_file(path, 64u << 20);
  if (!data) return data.error();
  std::vector<std::string> tokens;
  std::string_view text(reinterpret_cast<const char*>(data->data()), data->size());
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (++line_no == 1) continue;  // token,precinct
    auto comma = line.find(',');
    if (comma == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "line " + std::to_string(line_no) + ": expected token,precinct", path);
    }
    if (line.substr(comma + 1) != precinct) {
      return make_error(ErrorCode::kConflict,
                        "it already holds tokens of precinct '" +
                            std::string(line.substr(comma + 1)) + "', not '" + precinct +
                            "'; give another --out for a new batch",
                        path);
    }
    tokens.emplace_back(line.substr(0, comma));
  }
  if (tokens.size() != count) {
    for (auto& t : tokens) secure_zero(t.data(), t.size());
    return make_error(ErrorCode::kConflict,
                      "it already holds " + std::to_string(tokens.size()) + " tokens, not " +
                          std::to_string(count) + " (--count); give another --out for a new batch",
                      path);
  }
  return tokens;
}

// A step found already done: success, saying where ("already done at index N").
int already_done(const Common& c, json out, const std::string& what, std::uint64_t index) {
  out["already_done"] = true;
  out["index"] = index;
  return done(
      c, std::move(out),
      what + "; already done at index " + std::to_string(index) + ", nothing new was recorded\n");
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

int cmd_init(const Common& c, const std::filesystem::path& ballot, bool test) {
  auto manifest = election::load_manifest_file(ballot);
  if (!manifest) return fail(c, manifest.error().with_prefix(ballot.string()));
  if (test && !manifest->test) {
    // The logic-and-accuracy test of this ballot file: its own origin, hence its own Q.
    manifest = election::derive_test_manifest(*manifest);
    if (!manifest) return fail(c, manifest.error().with_prefix(ballot.string()));
  }
  auto key = load_authority(c);
  if (!key) return fail(c, key.error());
  auto ledger = LedgerConnection::connect(c.ledger);
  if (!ledger) return fail(c, ledger.error());
  Digest q = election::base_hash(election::manifest_hash(*manifest), (*key)->verify_key().bytes());
  // A ledger serves one election: a second init either repeats this one (success, nothing new)
  // or names the election the ledger already holds.
  auto first = ledger->entries(0, 1);
  if (!first) return fail(c, first.error());
  if (!first->empty()) {
    auto held = describe_election_entry(first->front().bytes);
    if (!held || held->q != q) {
      return fail(c, make_error(ErrorCode::kConflict,
                                "this ledger already holds election " +
                                    (held ? held->id + " (" + held->title + ")"
                                          : std::string("(its first entry does not decode: ") +
                                                held.error().describe() + ")") +
                                    "; a ledger serves one election. Start a new ledger (its "
                                    "own --data-dir and --origin) for " +
                                    manifest->election_id));
    }
    // The same election: replay and check the ledger's view (as every command does) before
    // saying it is done.
    RecordMirror mirror(*ledger, mirror_options(c));
    if (Status st = mirror.sync(); !st.ok()) return fail(c, st.error());
    if (mirror.state().phase() == record::Phase::kEmpty || *mirror.state().snapshot().q != q) {
      return fail(c, make_error(ErrorCode::kConflict,
                                "the checked view of the ledger does not start with this "
                                "election's entry"));
    }
    return already_done(
        c, {{"election_id", manifest->election_id}, {"q", to_hex(q)}},
        "election " + manifest->election_id + " (" + held->title + ") is defined, Q = " + to_hex(q),
        0);
  }
  std::error_code exists_ec;
  if (std::filesystem::exists(c.view_path(), exists_ec)) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "the view state file " + c.view_path() +
                                  " already holds a checkpoint of an election defined before; a "
                                  "new election needs its own: move the file away or pass --view",
                              "--view"));
  }
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
               {"test", m.test},
               {"origin", m.origin},
               {"ledger_key", *log_key},
               {"guardians", m.guardians},
               {"quorum", m.quorum},
               {"receipt", receipt_json(*sub)}},
              std::string(m.test ? "TEST election defined (logic and accuracy test, not the real "
                                   "election): "
                                 : "election defined: ") +
                  m.title.in(lang) + " (" + m.election_id + ")\n  origin: " + m.origin +
                  "\n  Q = " + to_hex(q) + "\n  " + std::to_string(m.contests.size()) +
                  " contests, " + std::to_string(m.guardians) + " guardians (quorum " +
                  std::to_string(m.quorum) + ")\n  ledger key: " + *log_key + "\n  entry " +
                  std::to_string(sub->index) + ", receipt verified\n");
}

int cmd_guardians_add(const Common& c, std::uint32_t index, const std::string& name,
                      const std::string& public_key, const std::string& expect_fingerprint) {
  auto pk = client::parse_public_key(public_key, "--public-key");
  if (!pk) return fail(c, pk.error());
  auto vk = VerifyKey::from_bytes(*pk);
  std::string fpr = vk ? vk->fingerprint() : "";
  if (Status st = check_fingerprint(fpr, expect_fingerprint, "the guardian read out"); !st.ok()) {
    return fail(c, st.error());
  }
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  if (auto it = s->state().guardians().find(index); it != s->state().guardians().end()) {
    const auto& held = it->second.enrolment;
    auto at = find_done<record::GuardianEnrolmentBody>(
        *s, [&](const auto& b) { return b.index == index; });
    if (held.key != *pk) {
      auto theirs = VerifyKey::from_bytes(held.key);
      return fail(
          c, make_error(ErrorCode::kConflict,
                        "guardian " + std::to_string(index) + " is already enrolled (" + held.name +
                            ", fingerprint " + (theirs ? theirs->fingerprint() : "?") + ", entry " +
                            std::to_string(at.value_or(0)) +
                            ") with another key; an enrolment cannot be changed",
                        "--public-key"));
    }
    return already_done(c, {{"index", index}, {"name", held.name}, {"fingerprint", fpr}},
                        "guardian " + std::to_string(index) + " (" + held.name + ", fingerprint " +
                            fpr + ") is enrolled",
                        at.value_or(0));
  }
  record::GuardianEnrolmentBody body{index, *pk, name};
  auto sub = submit(*s, EntryType::kGuardianEnrolment, body.encode());
  if (!sub) return fail(c, sub.error());
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
  if (Status st = check_fingerprint(fpr, expect_fingerprint, "the kiosk showed"); !st.ok()) {
    return fail(c, st.error());
  }
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  if (auto it = s->state().kiosks().find(*pk); it != s->state().kiosks().end()) {
    const auto& held = it->second;
    auto at =
        find_done<record::KioskEnrolmentBody>(*s, [&](const auto& b) { return b.key == *pk; });
    if (held.revoked || held.enrolment.name != name || held.enrolment.precinct != precinct) {
      return fail(c, make_error(ErrorCode::kConflict,
                                "this kiosk key (fingerprint " + fpr + ") was enrolled at entry " +
                                    std::to_string(at.value_or(0)) + " as '" + held.enrolment.name +
                                    "' (precinct " + held.enrolment.precinct + ")" +
                                    (held.revoked ? " and has been revoked" : "") +
                                    "; an enrolment cannot be changed: give the kiosk a new key",
                                "--public-key"));
    }
    return already_done(
        c, {{"name", name}, {"precinct", precinct}, {"fingerprint", fpr}},
        "kiosk '" + name + "' (precinct " + precinct + ", fingerprint " + fpr + ") is enrolled",
        at.value_or(0));
  }
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
  std::string fpr = VerifyKey::from_bytes(*pk)->fingerprint();
  auto it = s->state().kiosks().find(*pk);
  if (it == s->state().kiosks().end()) {
    return fail(c, make_error(ErrorCode::kNotFound,
                              "no kiosk with this key (fingerprint " + fpr +
                                  ") is enrolled in this election; `tabella-admin status` lists "
                                  "the kiosks",
                              "--public-key"));
  }
  if (it->second.revoked) {
    auto at =
        find_done<record::KioskRevocationBody>(*s, [&](const auto& b) { return b.key == *pk; });
    return already_done(c, {{"public_key", public_key}},
                        "kiosk '" + it->second.enrolment.name + "' (" + fpr + ") is revoked",
                        at.value_or(0));
  }
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
                     const std::filesystem::path& out, bool force) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  if (s->state().phase() >= record::Phase::kClosed) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "polls are closed (phase " + phase_text(*s) + "); no more tokens"));
  }
  std::vector<std::string> tokens;
  std::error_code ec;
  const bool resume = std::filesystem::exists(out / "tokens.csv", ec);
  if (resume) {
    // A re-run over the same --out: the tokens were written by an earlier run; commit whichever
    // of them the record does not hold yet (an earlier run stopped midway), or say it is done.
    auto loaded = load_token_csv(out / "tokens.csv", precinct, count);
    if (!loaded) return fail(c, loaded.error());
    tokens = std::move(*loaded);
  } else {
    if (active_kiosks(*s, precinct) == 0) {
      Status ok = confirm_risks({"no enrolled kiosk serves precinct '" + precinct +
                                 "', so these tokens cannot be used at any kiosk yet (a typo in "
                                 "--precinct?)"},
                                force, "issuing tokens");
      if (!ok.ok()) return fail(c, ok.error());
    }
    std::filesystem::create_directories(out, ec);
    if (ec)
      return fail(c, make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), out));
    tokens.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) tokens.push_back(election::generate_token());
    // Files first: if the ledger then refuses, the printed tokens simply never work.
    std::string csv = "token,precinct\n";
    for (const auto& t : tokens) csv += t + "," + precinct + "\n";
    Status wrote =
        client::write_private_file(out / "tokens.csv", as_bytes(csv), /*overwrite=*/false);
    secure_zero(csv.data(), csv.size());
    if (!wrote.ok()) return fail(c, wrote.error());
  }
  if (!std::filesystem::exists(out / "tokens.pdf", ec)) {
    const auto& m = *s->state().manifest();
    // A test election's slips say so before the title (token_sheet.h cuts long titles).
    auto pdf = render_token_pdf(
        {(m.test ? "TEST - " : "") + m.title.in(m.languages[0]), precinct, tokens});
    if (!pdf) return fail(c, pdf.error());
    Status wrote = client::write_private_file(out / "tokens.pdf", *pdf, /*overwrite=*/false);
    if (!wrote.ok()) return fail(c, wrote.error());
  }
  std::vector<Digest> pending;
  Digest last{};
  for (const auto& t : tokens) {
    last = election::token_hash(s->q(), t);
    if (s->state().token_state(last) == 0) pending.push_back(last);
  }
  for (auto& t : tokens) secure_zero(t.data(), t.size());
  if (resume && pending.empty()) {
    auto at = find_done<record::TokenCommitmentsBody>(*s, [&](const auto& b) {
      return std::find(b.token_hashes.begin(), b.token_hashes.end(), last) != b.token_hashes.end();
    });
    return already_done(c, {{"count", count}, {"precinct", precinct}},
                        "the " + std::to_string(count) + " tokens of " +
                            (out / "tokens.csv").string() + " are committed",
                        at.value_or(0));
  }
  std::size_t entries = 0;
  for (std::size_t start = 0; start < pending.size(); start += record::kMaxTokensPerEntry) {
    record::TokenCommitmentsBody body{precinct, {}};
    body.token_hashes.assign(
        pending.begin() + static_cast<std::ptrdiff_t>(start),
        pending.begin() + static_cast<std::ptrdiff_t>(
                              std::min(pending.size(), start + record::kMaxTokensPerEntry)));
    auto sub = submit(*s, EntryType::kTokenCommitments, body.encode());
    if (!sub) return fail(c, sub.error());
    ++entries;
  }
  if (resume) {
    (c.json ? std::cerr : std::cout)
        << "resumed: " << pending.size() << " of the " << count << " tokens in "
        << (out / "tokens.csv").string() << " were not committed yet\n";
  }
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
    return already_done(c, {{"q_bar", st.context() ? to_hex(st.context()->q_bar) : ""}},
                        "the election key is published (phase " + phase_text(*s) + ")",
                        s->mirror->index_of(EntryType::kElectionKey).value_or(0));
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

int cmd_polls(const Common& c, bool open, const std::string& note, bool force) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  // The ledger enforces this too (check 13); asking first gives the official the reason directly.
  const auto phase = s->state().phase();
  const auto opened = s->mirror->index_of(EntryType::kPollsOpen);
  const auto closed = s->mirror->index_of(EntryType::kPollsClose);
  if (open && phase == record::Phase::kOpen) {
    return already_done(c, {{"phase", phase_text(*s)}}, "the polls are open", opened.value_or(0));
  }
  if (!open && closed) {
    return already_done(
        c, {{"phase", phase_text(*s)}, {"ballots_cast", s->state().cast_count()}},
        "the polls are closed (" + std::to_string(s->state().cast_count()) + " ballots cast)",
        *closed);
  }
  if (open && phase != record::Phase::kKeyed) {
    return fail(
        c, make_error(ErrorCode::kConflict,
                      phase < record::Phase::kKeyed
                          ? "the election key is not yet published; run `tabella-admin "
                            "key publish` once the guardians' ceremony is complete"
                          : "the polls were opened at entry " + std::to_string(opened.value_or(0)) +
                                " and closed at entry " + std::to_string(closed.value_or(0)) +
                                "; closed polls cannot be reopened"));
  }
  if (!open && phase != record::Phase::kOpen) {
    return fail(c, make_error(ErrorCode::kConflict,
                              phase < record::Phase::kKeyed
                                  ? "the polls were never opened (phase " + phase_text(*s) +
                                        "): the election key is not yet published"
                                  : "the polls were never opened; run `tabella-admin polls open` "
                                    "first"));
  }
  if (open) {
    std::vector<std::string> risks;
    if (active_kiosks(*s) == 0) {
      risks.push_back(
          "no kiosk is enrolled (or every one is revoked): nobody can vote; enrol "
          "them first with `tabella-admin kiosks enrol`");
    }
    const auto& m = *s->state().manifest();
    // The manifest's fixed-width UTC times order like the times they name.
    if (utc_now_text() > m.end) {
      risks.push_back("the election's end date " + m.end + " (in the ballot file) has passed");
    }
    if (Status ok = confirm_risks(risks, force, "opening the polls"); !ok.ok()) {
      return fail(c, ok.error());
    }
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
  auto ledger = LedgerConnection::connect(c.ledger);
  if (!ledger) return fail(c, ledger.error());
  auto st = ledger->status();
  if (!st) return fail(c, st.error());
  if (c.json) {
    json out = st->to_json();
    out["ok"] = true;
    client::print_json(out);
    return 0;
  }
  std::ostringstream o;
  o << "ledger " << ledger->url().text << "\n";
  o << "  election:  " << st->election_id << "   phase: " << st->phase << "   entries: " << st->size
    << "\n";
  o << "  ballots:   " << st->ballots_cast << " cast, " << st->ballots_challenged
    << " challenged\n";
  o << "  tokens:    " << st->tokens_spent << " spent of " << st->tokens_committed << "\n";
  std::size_t ready = 0;
  for (const auto& g : st->guardians) {
    if (g.committed && g.shared) ++ready;
  }
  o << "  guardians: " << ready << " of " << st->guardian_count << " ready (quorum " << st->quorum
    << ")\n";
  for (const auto& g : st->guardians) {
    o << "    " << g.index << " " << g.name << (g.committed ? "  committed" : "  -")
      << (g.shared ? "  shared" : "  -") << (g.decrypted ? "  decrypted" : "") << "\n";
  }
  o << "  kiosks:    " << st->kiosks.size() << "\n";
  for (const auto& k : st->kiosks) {
    o << "    " << k.name << " (" << k.precinct << ", " << k.fingerprint << ")"
      << (k.revoked ? " REVOKED" : "") << ": " << k.cast << " cast, " << k.challenged
      << " challenged\n";
  }
  std::cout << o.str();
  return 0;
}

int cmd_tally(const Common& c, std::chrono::seconds timeout, std::chrono::milliseconds interval) {
  auto s = open_session(c);
  if (!s) return fail(c, s.error());
  const auto& st = s->state();
  if (st.phase() < record::Phase::kClosed) {
    // The hint names the next step from where the election stands.
    std::string next = st.phase() < record::Phase::kKeyed
                           ? "the election key is not yet published and the polls were never "
                             "opened; nothing can be tallied yet"
                       : st.phase() == record::Phase::kKeyed
                           ? "the polls were never opened; nothing can be tallied yet"
                           : "the polls are open; run `tabella-admin polls close` first";
    return fail(c, make_error(ErrorCode::kConflict,
                              "cannot tally (phase " + phase_text(*s) + "): " + next));
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

// Witnessed elections: waits (at most --cosign-wait) until the witnesses' quorum cosigned a
// checkpoint of the whole log, so that the export ends with it (tabella-verify checks 23, 24),
// printing who has cosigned what. The timeout error names the witnesses that did not answer.
Status wait_for_final_cosignature(const Common& c, LedgerConnection& ledger) {
  std::ostream& progress = c.json ? std::cerr : std::cout;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(c.cosign_wait_s);
  std::string last_line;
  for (;;) {
    auto w = ledger.witnesses();
    if (!w) return w.error();
    if (!w->value("witnessed", false)) return Status::success();  // no witnesses named
    const std::uint64_t size = w->value("size", std::uint64_t{0});
    const std::uint64_t cosigned = w->value("cosigned_size", std::uint64_t{0});
    const auto quorum = w->value("quorum", 0u);
    if (cosigned >= size) {
      if (!last_line.empty()) {
        progress << "the witnesses cosigned the final checkpoint (size " << size << ")\n";
      }
      return Status::success();
    }
    // Per manifest member: the size its cosignature covers, as the ledger knows it.
    std::vector<std::string> behind;
    std::uint32_t done = 0;
    const json members = w->value("members", json::array());
    const json urls = w->value("witnesses", json::array());
    // Witness URLs that never told the ledger who they are (no answer to /witness/status).
    std::string unknown;
    for (const auto& u : urls) {
      if (!u.value("name", std::string()).empty()) continue;
      std::string why = u.value("last_error", std::string());
      unknown += (unknown.empty() ? "" : ", ") + u.value("url", std::string()) +
                 (why.empty() ? "" : " (" + why + ")");
    }
    for (const auto& name_json : members) {
      const std::string name = name_json.get<std::string>();
      const json* seen = nullptr;
      for (const auto& u : urls) {
        if (u.value("name", std::string()) == name) seen = &u;
      }
      if (seen != nullptr && seen->value("size", std::uint64_t{0}) >= size) {
        ++done;
        continue;
      }
      if (seen == nullptr) {
        behind.push_back(name + (unknown.empty() ? " (no --witness URL at the ledger)"
                                                 : " (not reached by the ledger)"));
      } else {
        std::string why = seen->value("last_error", std::string());
        behind.push_back(name + " at " + seen->value("url", std::string()) + " (cosigned size " +
                         std::to_string(seen->value("size", std::uint64_t{0})) +
                         (why.empty() ? "" : "; last error: " + why) + ")");
      }
    }
    std::string line = "waiting for the witnesses to cosign the final checkpoint (size " +
                       std::to_string(size) + "): " + std::to_string(done) + " of quorum " +
                       std::to_string(quorum) + " so far";
    if (line != last_line) {
      progress << line << "\n" << std::flush;
      last_line = line;
    }
    // A ledger started without --witness collects no cosignature: waiting cannot help.
    if (std::chrono::steady_clock::now() >= deadline || urls.empty()) {
      std::string names;
      for (const auto& b : behind) names += (names.empty() ? "" : ", ") + b;
      return make_error(
          ErrorCode::kIo,
          "the witnesses did not cosign the final checkpoint (size " + std::to_string(size) +
              ", quorum " + std::to_string(quorum) + ")" +
              (urls.empty() ? std::string()
                            : " within --cosign-wait " + std::to_string(c.cosign_wait_s) + " s") +
              "; not cosigned by: " + (names.empty() ? "(the ledger reports no witness)" : names) +
              (unknown.empty() ? "" : "; witness URLs that never answered the ledger: " + unknown) +
              ". Check those witnesses (GET /v1/witnesses) and run publish again.",
          "--cosign-wait");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int cmd_publish(const Common& c, const std::filesystem::path& dir) {
  auto ledger = LedgerConnection::connect(c.ledger);
  if (!ledger) return fail(c, ledger.error());
  if (Status st = wait_for_final_cosignature(c, *ledger); !st.ok()) return fail(c, st.error());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(c, make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), dir));
  auto record_path = dir / "record.jsonl";
  Status exported = ledger->export_record(record_path);
  if (!exported.ok()) return fail(c, exported.error());
  verify::Options options;  // the published record must be complete (check 26)
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
  std::ofstream(dir / "results.csv") << results_csv(*results);
  std::ofstream(dir / "results-nist-1500-100.json") << results_nist_json(*results, utc_now_text());
  auto canvass = render_canvass_pdf(*results, utc_now_text());
  if (!canvass) return fail(c, canvass.error().with_prefix("canvass-report.pdf"));
  std::ofstream(dir / "canvass-report.pdf", std::ios::binary)
      .write(reinterpret_cast<const char*>(canvass->data()),
             static_cast<std::streamsize>(canvass->size()));
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
  auto board = write_static_board(c.ledger, dir, c.json ? &std::cerr : &std::cout);
  if (!board) return fail(c, board.error());
  text += "\nboard:   " + (dir / "board" / "index.html").string() + " (" + std::to_string(*board) +
          " pages, a static copy of the ledger's bulletin board)";
  return done(c,
              {{"record", record_path.string()},
               {"board", (dir / "board" / "index.html").string()},
               {"results_txt", (dir / "results.txt").string()},
               {"results_html", (dir / "results.html").string()},
               {"results_csv", (dir / "results.csv").string()},
               {"results_nist", (dir / "results-nist-1500-100.json").string()},
               {"canvass_pdf", (dir / "canvass-report.pdf").string()},
               {"entries", report->entries},
               {"verified", true}},
              text + "\nrecord:  " + record_path.string() + " (" + std::to_string(report->entries) +
                  " entries, every check passed)\nresults: " + (dir / "results.txt").string() +
                  ", " + (dir / "results.html").string() + ", " + (dir / "results.csv").string() +
                  ", " + (dir / "results-nist-1500-100.json").string() + ", " +
                  (dir / "canvass-report.pdf").string() + "\n");
}

int cmd_test_deck(const Common& c, const std::filesystem::path& ballot,
                  const std::filesystem::path& out) {
  auto manifest = election::load_manifest_file(ballot);
  if (!manifest) return fail(c, manifest.error().with_prefix(ballot.string()));
  if (!manifest->test) {
    manifest = election::derive_test_manifest(*manifest);
    if (!manifest) return fail(c, manifest.error().with_prefix(ballot.string()));
  }
  const client::TestDeck deck = client::make_test_deck(*manifest);
  auto pdf = render_test_deck_pdf(*manifest, deck);
  if (!pdf) return fail(c, pdf.error().with_prefix("test-deck.pdf"));
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    return fail(c, make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), out));
  }
  const std::string text = client::to_json(deck).dump(1) + "\n";
  for (const auto& [name, bytes] : {std::pair{std::string("test-deck.json"), as_bytes(text)},
                                    std::pair{std::string("test-deck.pdf"), ByteView(*pdf)}}) {
    std::ofstream f(out / name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!f) return fail(c, make_error(ErrorCode::kIo, "cannot write", (out / name).string()));
  }
  return done(c,
              {{"ballots", deck.ballots.size()},
               {"test_origin", manifest->origin},
               {"deck", (out / "test-deck.json").string()},
               {"pdf", (out / "test-deck.pdf").string()}},
              "test deck of " + std::to_string(deck.ballots.size()) + " pre-marked ballots for " +
                  manifest->election_id + ":\n  " + (out / "test-deck.pdf").string() +
                  " (print: the ballots to mark at the kiosks, and the expected tally)\n  " +
                  (out / "test-deck.json").string() +
                  " (the same, for tabella-voters --deck and tabella-admin test-deck check)\n"
                  "The test election runs on a ledger of its own: start it with --origin " +
                  manifest->origin + " and define it with `tabella-admin init --test`.\n");
}

int cmd_test_deck_check(const Common& c, const std::filesystem::path& deck_file,
                        const std::filesystem::path& record) {
  verify::Options options;
  auto report = verify::verify_record(record, options);
  if (!report) return fail(c, report.error());
  if (!report->ok()) {
    const auto& f = report->failures.front();
    return fail(c, make_error(ErrorCode::kInvalidProof,
                              "the record FAILS verification (check " + std::to_string(f.check) +
                                  "): " + f.why + "; nothing to compare",
                              record.string()));
  }
  auto results = read_results(record);
  if (!results) return fail(c, results.error().with_prefix(record.string()));
  const auto& m = results->manifest;
  if (!m.test) {
    return fail(c, make_error(ErrorCode::kConflict,
                              "this is the record of the real election " + m.election_id +
                                  " (origin " + m.origin +
                                  "), not of a test election; a test deck is cast and checked "
                                  "only in the test election (tabella-admin init --test)",
                              record.string()));
  }
  std::ifstream deck_in(deck_file, std::ios::binary);
  if (!deck_in) return fail(c, make_error(ErrorCode::kIo, "cannot open file", deck_file.string()));
  auto doc = json::parse(deck_in, nullptr, /*allow_exceptions=*/false);
  auto deck = client::parse_test_deck(doc, m);
  if (!deck) return fail(c, deck.error().with_prefix(deck_file.string()));
  const client::DeckCheck check =
      client::compare_test_deck(*deck, m, results->counts, results->cast_count);
  std::ostringstream out;
  const std::string lang = m.languages.front();
  out << "TEST election " << m.election_id << " (" << m.title.in(lang) << "), Q " << results->q_hex
      << "\n";
  out << (check.expected_ballots == check.counted_ballots ? "PASS" : "FAIL")
      << "  ballots cast: expected " << check.expected_ballots << ", counted "
      << check.counted_ballots << "\n";
  json contests = json::array();
  std::size_t failed = 0;
  for (std::size_t i = 0; i < check.contests.size(); ++i) {
    const auto& cc = check.contests[i];
    out << (cc.pass ? "PASS" : "FAIL") << "  " << cc.contest_id << " ("
        << m.contests[i].title.in(lang) << ")\n";
    for (const auto& d : cc.differences) out << "        " << d << "\n";
    if (!cc.pass) ++failed;
    contests.push_back(
        {{"contest_id", cc.contest_id}, {"pass", cc.pass}, {"differences", cc.differences}});
  }
  out << (check.pass ? "logic and accuracy test PASSED: the tally equals the expected counts\n"
                     : "logic and accuracy test FAILED: " + std::to_string(failed) + " of " +
                           std::to_string(check.contests.size()) +
                           " contests differ from the expected counts" +
                           (check.expected_ballots == check.counted_ballots
                                ? std::string()
                                : ", and the number of ballots differs") +
                           "; do not open the real election before the cause is found\n");
  json j = {{"pass", check.pass},
            {"expected_ballots", check.expected_ballots},
            {"counted_ballots", check.counted_ballots},
            {"contests", std::move(contests)}};
  if (c.json) {
    j["ok"] = check.pass;
    client::print_json(j);
  } else {
    std::cout << out.str();
  }
  return check.pass ? 0 : client::kExitFailure;
}

}  // namespace tabella::admin
