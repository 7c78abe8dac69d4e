// The command-line parse step shared by every Tabella program (CLI11, header-only). CLI11 ends a
// parse with its own exit codes (105 and up for usage errors, 0 for --help); every program maps
// them here, in one place, to the documented ones (exit_codes.h): --help and --version 0, any
// usage error kExitUsage.
// Thread-safety: call from main, once.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

#include "tabella/util/exit_codes.h"

namespace tabella {

// Prints CLI11's message for `e` (the help text for --help, the usage error and "Run with --help
// for more information." otherwise) and returns the process exit code.
inline int cli_exit_code(const CLI::App& app, const CLI::ParseError& e) {
  return app.exit(e) == 0 ? kExitSuccess : kExitUsage;
}

// Parses the command line. Returns the exit code when the program must stop now (--help was
// given, or the command line is bad), nothing when it should go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli_exit_code(app, e);
  }
  return std::nullopt;
}

}  // namespace tabella
