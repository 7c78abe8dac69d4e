// tabella-verify: checks a published election record end to end, trusting nobody.
// Exit status: 0 every check holds, 1 a check failed (including a record that is cut short or
// has an entry missing), 2 the input could not be read.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "tabella/util/cli_parse.h"
#include "verifier.h"

int main(int argc, char** argv) {
  CLI::App app{
      "tabella-verify: independently verify a Tabella election record.\n"
      "Runs every check of docs/spec.md section 11 (signatures, authority, key ceremony, ballot\n"
      "proofs, tokens, kiosk chains, challenges, tally, decryption proofs, result, checkpoints)\n"
      "and exits 0 only when all of them hold (1: a check failed, 2: unreadable input)."};
  std::string path;
  tabella::verify::Options options;
  bool json = false;
  bool quiet = false;
  app.add_option("record", path, "record file (record.jsonl) or a directory holding one")
      ->required();
  app.add_flag("--json", json, "print the report as JSON");
  app.add_option("-j,--threads", options.threads, "worker threads (default: all cores)");
  app.add_flag("--fail-fast", options.fail_fast, "stop at the first failing entry");
  auto* in_progress = app.add_flag(
      "--in-progress", options.in_progress,
      "audit an election that is still running: the record need not end with the result "
      "(it must still end with a checkpoint covering every entry)");
  bool require_complete = false;  // the default since checks 24..27; kept for old scripts
  app.add_flag("--require-complete", require_complete,
               "fail when the record has no result (the default; see --in-progress)")
      ->excludes(in_progress);
  app.add_option("--ledger-key", options.ledger_key,
                 "ledger verifier key (name+id+key); default: the one in the election entry");
  app.add_flag("-q,--quiet", quiet, "no progress output");
  if (auto code = tabella::parse_command_line(app, argc, argv)) return *code;

  const bool show_progress = !quiet && !json && isatty(STDERR_FILENO);
  auto last = std::chrono::steady_clock::now();
  auto start = last;
  if (!quiet && !json) {
    options.progress = [&](std::uint64_t n) {
      auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::seconds(2)) return;
      last = now;
      double secs = std::chrono::duration<double>(now - start).count();
      std::fprintf(stderr, "%s  verified %llu entries (%.0f/s)%s", show_progress ? "\r" : "",
                   static_cast<unsigned long long>(n), secs > 0 ? n / secs : 0.0,
                   show_progress ? "" : "\n");
    };
  }
  auto report = tabella::verify::verify_record(path, options);
  if (show_progress) std::fputs("\r\033[K", stderr);
  if (!report.ok()) {
    std::cerr << "tabella-verify: cannot read the record: " << report.error().describe() << "\n";
    return 2;
  }
  std::cout << (json ? tabella::verify::report_json(*report) + "\n"
                     : tabella::verify::format_report(*report));
  return report->ok() ? 0 : 1;
}
