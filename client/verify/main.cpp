// tabella-verify: checks a published election record end to end, trusting nobody.
// Exit status: 0 every check holds, 1 a check failed (including a record that is cut short or
// has an entry missing), 2 the input could not be read.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "tabella/client/ledger_client.h"
#include "tabella/util/cli_parse.h"
#include "tabella/util/mutex.h"
#include "verifier.h"

namespace {

namespace fs = std::filesystem;

bool is_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// "https://ledger.example/v1/export" and "https://ledger.example/" name the same ledger.
std::string ledger_base(std::string url) {
  for (const char* tail : {"/v1/export", "/"}) {
    const std::string t = tail;
    if (url.size() > t.size() && url.compare(url.size() - t.size(), t.size(), t) == 0) {
      url.resize(url.size() - t.size());
    }
  }
  return url;
}

// Streams GET /v1/export into `path`, printing the bytes received every second (the HTTP client
// writes the body to the file as it arrives; a second thread watches the file grow).
tabella::Status download_record(tabella::client::LedgerConnection& ledger, const fs::path& path,
                                bool progress) {
  struct {
    tabella::Mutex mu;
    tabella::CondVar cv;
    bool done TABELLA_GUARDED_BY(mu) = false;
  } shared;
  std::thread watcher;
  if (progress) {
    watcher = std::thread([&] {
      tabella::MutexLock lock(shared.mu);
      for (;;) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!shared.done && shared.cv.wait_until(shared.mu, deadline)) {
        }
        if (shared.done) break;
        std::error_code ec;
        auto bytes = fs::file_size(path, ec);
        if (!ec) {
          std::fprintf(stderr, "  fetching the record from %s: %.1f MB\n",
                       ledger.url().text.c_str(), static_cast<double>(bytes) / 1e6);
        }
      }
    });
  }
  tabella::Status st = ledger.export_record(path);
  {
    tabella::MutexLock lock(shared.mu);
    shared.done = true;
  }
  shared.cv.notify_all();
  if (watcher.joinable()) watcher.join();
  return st;
}

}  // namespace

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
  app.add_option("record", path,
                 "record file (record.jsonl), a directory holding one, or a ledger URL "
                 "(http[s]://host[:port][/prefix], optionally ending in /v1/export): the record is "
                 "fetched from it and the ledger's current checkpoint checked against it "
                 "(check 36)")
      ->required();
  std::string save;
  app.add_option("--save", save, "with a ledger URL: keep the fetched record in this file");
  std::string ledger_url;
  app.add_option("--ledger", ledger_url,
                 "check this ledger's current checkpoint against the record file (check 36)");
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
  app.add_option("--expect-authority", options.expect_authority,
                 "fail unless the election's authority key is this one (its fingerprint, "
                 "ABCD-EFGH-IJKL-MNOP, or its 64 hex digits), as published by the authority");
  app.add_option("--expect-q", options.expect_q,
                 "fail unless the election's base hash Q is this one (64 hex digits)");
  app.add_flag("-q,--quiet", quiet, "no progress output");
  app.add_option("--temp-dir", options.temp_dir,
                 "directory for the voter-token check's temporary file, 48 bytes per voter "
                 "token and per ballot, never left behind (default: $TMPDIR, else /tmp)");
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
  // A ledger URL: fetch the export into a file (streamed, with progress), verify it, then check
  // the ledger's current checkpoint against it.
  std::optional<tabella::client::LedgerConnection> ledger;
  fs::path fetched;
  if (is_url(path)) ledger_url = path;
  if (!ledger_url.empty()) {
    auto connected = tabella::client::LedgerConnection::connect(ledger_base(ledger_url));
    if (!connected) {
      std::cerr << "tabella-verify: " << connected.error().describe() << "\n";
      return 2;
    }
    ledger.emplace(std::move(*connected));
    options.from_ledger = true;
  }
  if (is_url(path)) {
    fetched = !save.empty() ? fs::path(save)
                            : fs::temp_directory_path() /
                                  ("tabella-verify-" + std::to_string(getpid()) + ".jsonl");
    if (!quiet && !json) {
      std::fprintf(stderr, "fetching the record from %s\n", ledger->url().text.c_str());
    }
    tabella::Status got = download_record(*ledger, fetched, !quiet && !json);
    if (!got.ok()) {
      std::cerr << "tabella-verify: cannot fetch the record: " << got.error().describe() << "\n";
      if (save.empty()) fs::remove(fetched);
      return 2;
    }
  }
  auto report = tabella::verify::verify_record(is_url(path) ? fetched.string() : path, options);
  if (show_progress) std::fputs("\r\033[K", stderr);
  if (is_url(path) && save.empty()) fs::remove(fetched);
  if (!report.ok()) {
    // The voter-token check's temporary file (--temp-dir) is not the record's fault.
    std::cerr << "tabella-verify: "
              << (report.error().field == "--temp-dir" ? "" : "cannot read the record: ")
              << report.error().describe() << "\n";
    return 2;
  }
  if (ledger) {
    auto note = ledger->checkpoint();
    if (!note) {
      std::cerr << "tabella-verify: cannot read the ledger's checkpoint: "
                << note.error().describe() << "\n";
      return 2;
    }
    tabella::verify::check_ledger_checkpoint(
        *report, *note,
        [&](std::uint64_t from, std::uint64_t to) { return ledger->consistency_proof(from, to); });
  }
  std::cout << (json ? tabella::verify::report_json(*report) + "\n"
                     : tabella::verify::format_report(*report));
  return report->ok() ? 0 : 1;
}
