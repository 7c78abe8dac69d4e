// Small pieces shared by the command-line tools (tabella-admin, tabella-guardian,
// tabella-voters): error reporting, the --json switch, and waiting loops that poll the ledger
// with a timeout and progress messages.
// Thread-safety: free functions writing to the given streams; call from one thread.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "tabella/util/exit_codes.h"
#include "tabella/util/result.h"

namespace tabella::client {

// Exit codes of the tools (tabella/util/exit_codes.h): 0 success, 1 the operation failed
// (refused, verification failed, timed out), 2 bad usage or unreadable input.
using tabella::kExitFailure;
using tabella::kExitUsage;

// Prints "<program>: error: <field>: <message>" on stderr (or, with json, a JSON object
// {"ok": false, "error": code, "message", "field"} on stdout) and returns kExitFailure.
int report_error(std::string_view program, const Error& error, bool json);

// Prints the JSON document (indented) on stdout.
void print_json(const nlohmann::json& doc);

// One poll of a waiting loop: done, plus a one-line description of where things stand
// ("2 of 3 guardians have posted commitments").
struct PollState {
  bool done = false;
  std::string progress;
};

// Calls `poll` every `interval` until it reports done (success), fails (its error), or `timeout`
// passes (kConflict: "<what>: gave up after 60s; <last progress>"). Progress lines are printed
// on `out` when they change, prefixed with the elapsed time. A zero timeout polls once.
Status wait_for(std::string_view what, std::chrono::seconds timeout,
                std::chrono::milliseconds interval, const std::function<Result<PollState>()>& poll,
                std::ostream& out);

// Seconds since the Unix epoch.
std::uint64_t unix_now();

}  // namespace tabella::client
