// tabella-admin's commands, one function each, callable without a command line (tests). Every
// command connects to the ledger, acts as the election authority (signs with its key), checks the
// receipt of what it submits, and prints a human summary or, with json, one JSON object.
// Commands that act on the record replay it through a RecordMirror: every entry is checked by
// the rules and the whole view against a ledger-signed, witness-cosigned checkpoint that must
// extend the one saved in the view state file (`view`, default: the key file's name with
// ".view"); a fork or rollback is refused and its evidence saved next to that file.
// Thread-safety: call from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace tabella::admin {

struct Common {
  std::string ledger = "http://127.0.0.1:8640";
  std::string key = "./authority.key";
  std::string view;  // view state file; empty: the key's path with its extension set to ".view"
  int cosign_wait_s = 30;  // how long to wait for the witnesses' quorum on the view
  bool json = false;
  // --public-url: where voters and auditors reach the bulletin board (the receipt's lookup page
  // is <public-url>/ballot/<code>); empty: the ledger's URL.
  std::string public_url;

  std::string view_path() const;
};

// The bulletin board's base URL without a trailing '/': --public-url, else --ledger.
std::string board_url(const Common& c);

// Each returns the process exit code (0 success, 1 failure, 2 usage) after printing.
int cmd_keygen(const Common& c);
// test: define the ballot file's test election instead (election::derive_test_manifest: "test":
// true, origin + "/test"), for logic and accuracy testing on a ledger of its own.
int cmd_init(const Common& c, const std::filesystem::path& ballot, bool test = false);
// A repeated step (init, guardians add, kiosks enrol/revoke, key publish, polls open/close)
// that the record shows already done succeeds and says "already done at index N"; the same step
// with different data (another key for an enrolled guardian index) is refused.
int cmd_guardians_add(const Common& c, std::uint32_t index, const std::string& name,
                      const std::string& public_key, const std::string& expect_fingerprint = "");
int cmd_kiosks_enrol(const Common& c, const std::string& public_key,
                     const std::string& expect_fingerprint, const std::string& name,
                     const std::string& precinct);
int cmd_kiosks_revoke(const Common& c, const std::string& public_key, const std::string& reason);
// Risky actions need force (--force), else they are refused with the warning: tokens for a
// precinct with no kiosk; opening the polls with no kiosk or after the manifest's end date.
int cmd_tokens_issue(const Common& c, std::uint32_t count, const std::string& precinct,
                     const std::filesystem::path& out, bool force = false);
int cmd_key_publish(const Common& c);
int cmd_polls(const Common& c, bool open, const std::string& note, bool force = false);
int cmd_status(const Common& c);
int cmd_tally(const Common& c, std::chrono::seconds timeout, std::chrono::milliseconds interval);
int cmd_publish(const Common& c, const std::filesystem::path& dir);
// Logic and accuracy testing (client/test_deck.h): writes out/test-deck.json and out/test-deck.pdf
// for the ballot file (no ledger needed).
int cmd_test_deck(const Common& c, const std::filesystem::path& ballot,
                  const std::filesystem::path& out);
// Verifies the published record of a test election and compares its result with the deck's
// expected counts: PASS/FAIL per contest; exit 1 unless every contest and the ballot count match.
// Refuses the record of a real election.
int cmd_test_deck_check(const Common& c, const std::filesystem::path& deck,
                        const std::filesystem::path& record);

}  // namespace tabella::admin
