// tabella-admin: the election official's tool. Thin: parses the command line (CLI11) and calls
// the commands in commands.cpp. `tabella-admin <command> --help` documents each command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "tabella/util/cli_parse.h"

int main(int argc, char** argv) {
  using namespace tabella::admin;
  Common common;
  CLI::App app{
      "tabella-admin: define, run, tally and publish an election on a Tabella ledger.\n"
      "Lifecycle: keygen, init, guardians add, (guardians run their ceremony), key publish,\n"
      "kiosks enrol, tokens issue, polls open, polls close, tally, publish.\n"
      "Before the election: test-deck, and the same steps with init --test on a test ledger."};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--ledger", common.ledger, "Ledger base URL")->capture_default_str();
  app.add_option("--public-url", common.public_url,
                 "Public URL of the bulletin board that voters use (the ballot lookup page is "
                 "<public-url>/ballot/<code>; default: --ledger)");
  app.add_option("--key", common.key, "Authority signing key file (PKCS#8 PEM, mode 0600)")
      ->capture_default_str();
  app.add_option("--view", common.view,
                 "View state file: the last checkpoint accepted, which the ledger's next one must "
                 "extend (default: the --key path with the extension .view)");
  app.add_option("--cosign-wait", common.cosign_wait_s,
                 "Seconds to wait for the witnesses to cosign the ledger's checkpoint")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  app.add_flag("--json", common.json, "Print one JSON object instead of the human summary");

  auto* keygen = app.add_subcommand("keygen", "Create the authority key file (0600) at --key");

  std::string ballot;
  auto* init = app.add_subcommand(
      "init", "Define the election: the ballot file and the ledger's key, signed (first entry)");
  init->add_option("--ballot", ballot, "Election definition (JSON, docs/ballot-format.md)")
      ->required()
      ->check(CLI::ExistingFile);
  bool test = false;
  init->add_flag("--test", test,
                 "Define the ballot file's TEST election (logic and accuracy testing): marked "
                 "test, origin <origin>/test, on a ledger of its own");

  auto* guardians = app.add_subcommand("guardians", "Guardian enrolment");
  guardians->require_subcommand(1);
  std::uint32_t g_index = 0;
  std::string g_name, g_key;
  auto* g_add = guardians->add_subcommand("add", "Enrol guardian I with its signing key");
  g_add->add_option("--index", g_index, "Guardian index 1..n")
      ->required()
      ->check(CLI::Range(1, 32));
  g_add->add_option("--name", g_name, "Guardian's name")->required();
  g_add->add_option("--public-key", g_key, "Public key (64 hex, from tabella-guardian keygen)")
      ->required();
  std::string g_fpr;
  g_add->add_option("--expect-fingerprint", g_fpr,
                    "Fingerprint the guardian read out (from their keygen); enrolment stops if "
                    "it differs");

  auto* kiosks = app.add_subcommand("kiosks", "Kiosk enrolment and revocation");
  kiosks->require_subcommand(1);
  std::string k_key, k_fpr, k_name, k_precinct, k_reason = "revoked by the election official";
  auto* k_enrol = kiosks->add_subcommand("enrol", "Enrol a kiosk's signing key");
  k_enrol->add_option("--public-key", k_key, "Kiosk public key (64 hex)")->required();
  k_enrol->add_option("--expect-fingerprint", k_fpr,
                      "Fingerprint read from the kiosk's screen; enrolment stops if it differs");
  k_enrol->add_option("--name", k_name, "Kiosk name")->required();
  k_enrol->add_option("--precinct", k_precinct, "Precinct")->required();
  auto* k_revoke = kiosks->add_subcommand("revoke", "Withdraw a kiosk: its ballots stop");
  k_revoke->add_option("--public-key", k_key, "Kiosk public key (64 hex)")->required();
  k_revoke->add_option("--reason", k_reason, "Reason (published)")->capture_default_str();

  auto* tokens = app.add_subcommand("tokens", "Single-use voter tokens");
  tokens->require_subcommand(1);
  std::uint32_t t_count = 0;
  std::string t_precinct, t_out;
  auto* t_issue = tokens->add_subcommand(
      "issue", "Generate tokens, commit their hashes, write tokens.csv and tokens.pdf (0600)");
  t_issue->add_option("--count", t_count, "How many tokens")
      ->required()
      ->check(CLI::Range(1, 100000));
  t_issue->add_option("--precinct", t_precinct, "Precinct")->required();
  t_issue
      ->add_option("--out", t_out,
                   "Output directory (created). A re-run over the same directory commits "
                   "whichever of its tokens.csv the record does not hold yet")
      ->required();
  bool force = false;
  t_issue->add_flag("--force", force, "Issue tokens even for a precinct no enrolled kiosk serves");

  auto* key = app.add_subcommand("key", "The joint election key");
  key->require_subcommand(1);
  auto* k_publish = key->add_subcommand(
      "publish", "Publish K = sum of the guardians' commitments once the ceremony is complete");

  auto* polls = app.add_subcommand("polls", "Open or close the polls");
  polls->require_subcommand(1);
  std::string p_note;
  auto* p_open = polls->add_subcommand("open", "Open the polls: kiosks may cast ballots");
  auto* p_close = polls->add_subcommand("close", "Close the polls: no more ballots or tokens");
  p_open->add_option("--note", p_note, "Note published with the entry");
  p_open->add_flag("--force", force,
                   "Open even with no kiosk enrolled, or after the ballot file's end date");
  p_close->add_option("--note", p_note, "Note published with the entry");

  auto* status = app.add_subcommand("status", "Entries, ballots per kiosk, tokens, guardians");

  int timeout = 600, interval_ms = 1000;
  auto* tally = app.add_subcommand(
      "tally",
      "Publish the encrypted tally, wait for a quorum of partial decryptions, publish the result");
  tally->add_option("--timeout", timeout, "Seconds to wait for the guardians")
      ->capture_default_str();
  tally->add_option("--poll-interval-ms", interval_ms, "Polling interval")->capture_default_str();

  std::string dir;
  auto* publish = app.add_subcommand(
      "publish", "Export the record to DIR/record.jsonl, verify it, write results.txt/.html");
  publish->add_option("DIR", dir, "Output directory")->required();

  std::string deck_out = "test-deck", deck_file, deck_record;
  auto* test_deck = app.add_subcommand(
      "test-deck",
      "Logic and accuracy test: write a deck of pre-marked test ballots (test-deck.pdf) and its "
      "expected tally (test-deck.json) for the ballot file; `test-deck check` compares a test "
      "election's result with it");
  test_deck->require_subcommand(0, 1);
  test_deck->add_option("--ballot", ballot, "Election definition (JSON)")->check(CLI::ExistingFile);
  test_deck->add_option("--out", deck_out, "Output directory (created)")->capture_default_str();
  auto* deck_check = test_deck->add_subcommand(
      "check",
      "Verify a test election's published record and compare its result with the deck: PASS or "
      "FAIL per contest, exit 1 on any FAIL");
  deck_check->add_option("--deck", deck_file, "test-deck.json")
      ->required()
      ->check(CLI::ExistingFile);
  deck_check->add_option("--record", deck_record, "The test election's published record.jsonl")
      ->required()
      ->check(CLI::ExistingFile);

  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;

  if (keygen->parsed()) return cmd_keygen(common);
  if (init->parsed()) return cmd_init(common, ballot, test);
  if (deck_check->parsed()) return cmd_test_deck_check(common, deck_file, deck_record);
  if (test_deck->parsed()) {
    if (ballot.empty()) {
      std::cerr << "tabella-admin test-deck: --ballot is required\nRun with --help for more "
                   "information.\n";
      return tabella::kExitUsage;
    }
    return cmd_test_deck(common, ballot, deck_out);
  }
  if (g_add->parsed()) return cmd_guardians_add(common, g_index, g_name, g_key, g_fpr);
  if (k_enrol->parsed()) return cmd_kiosks_enrol(common, k_key, k_fpr, k_name, k_precinct);
  if (k_revoke->parsed()) return cmd_kiosks_revoke(common, k_key, k_reason);
  if (t_issue->parsed()) return cmd_tokens_issue(common, t_count, t_precinct, t_out, force);
  if (k_publish->parsed()) return cmd_key_publish(common);
  if (p_open->parsed()) return cmd_polls(common, /*open=*/true, p_note, force);
  if (p_close->parsed()) return cmd_polls(common, /*open=*/false, p_note);
  if (status->parsed()) return cmd_status(common);
  if (tally->parsed()) {
    return cmd_tally(common, std::chrono::seconds(timeout), std::chrono::milliseconds(interval_ms));
  }
  if (publish->parsed()) return cmd_publish(common, dir);
  return tabella::kExitUsage;
}
