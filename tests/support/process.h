// One way for the tests (and tabella-loadgen) to run a program: start it with its arguments,
// wait for its ready line ("listening on http://127.0.0.1:<port>"), stop it (SIGTERM, then
// SIGKILL after a bound), and keep what it wrote for failure messages.
//
//   testing::Process ledger({TABELLA_LEDGER_BIN, "--listen", "127.0.0.1:0", ...});
//   auto port = ledger.wait_listening();
//   ASSERT_TRUE(port.ok()) << port.error().describe();  // the message ends with its output
//   ...
//   int status = ledger.stop();  // or signal_and_wait(SIGKILL); the destructor stops it too
//
// The child: argv[0] is a path (execv, no PATH search); stdin is /dev/null unless text is
// given; stdout and stderr are pipes read by two threads of this object into memory (the last
// Options::keep bytes of each), stderr also appended to Options::log_file when set. It dies with
// the process that started it (PR_SET_PDEATHSIG), and starts with no blocked signals and SIGINT,
// SIGTERM, SIGHUP and SIGPIPE at their defaults. Only async-signal-safe calls run between fork
// and exec, so a multi-threaded parent is fine.
//
// run_program() runs a program to its end (a command-line tool under test).
//
// Thread-safety: one owner calls start-up, stop and wait methods; out(), err(), output() and
// running() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/util/result.h"

namespace tabella::testing {

class Process {
 public:
  struct Options {
    std::string stdin_text;       // written to the child's stdin, which is then closed
    std::string log_file;         // stderr also appended here ("": memory only)
    std::size_t keep = 8u << 20;  // bytes kept of each stream (the last ones)
    // How long the destructor lets it stop on SIGTERM before SIGKILL (0: kill at once).
    std::chrono::milliseconds stop_grace = std::chrono::seconds(10);
  };

  explicit Process(std::vector<std::string> args);
  Process(std::vector<std::string> args, Options options);
  ~Process();  // stop(Options::stop_grace)
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // -1 when it could not be started (then wait methods fail at once; output() says why).
  pid_t pid() const;
  // Started and not yet reaped, and it has not exited.
  bool running();

  // The first stdout line starting with `prefix` (without the newline), waiting up to
  // `timeout`. Errors: kUnavailable when the program exits or closes stdout first, or on the
  // timeout; the message names the program and ends with output().
  Result<std::string> wait_for_line(std::string_view prefix,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Whether stderr contains `text`, waiting up to `timeout` for it (false once stderr is closed
  // without it). Stderr is read by its own thread: a line the program wrote before its stdout
  // line "listening on ..." may still be on its way when wait_listening() returns.
  bool wait_for_err(std::string_view text,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The port of the line "listening on http(s)://host:port" (tabella-ledger, tabella-witness).
  Result<std::uint16_t> wait_listening(
      std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // The port wait_listening() read; 0 before.
  std::uint16_t port() const;

  // Waits up to `timeout` for the program to end by itself, then SIGKILLs it; the wait status
  // (as waitpid), -1 when it never started.
  int wait(std::chrono::milliseconds timeout);
  // Sends `sig` and reaps it: the wait status.
  int signal_and_wait(int sig);
  // SIGTERM, SIGKILL after `grace` if still running; reaps it. The wait status; does nothing
  // (and returns the earlier status) once reaped.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  std::string out() const;  // stdout so far (the last Options::keep bytes)
  std::string err() const;  // stderr so far
  // For failure messages: the program's name and the last bytes of its stdout and stderr.
  std::string output(std::size_t tail = 4000) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

struct ProgramRun {
  int exit_code = -1;  // -1: killed by a signal (or the timeout)
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs args[0] with args, `input` on its stdin (then end of file), to its end; SIGKILLed after
// `timeout`.
ProgramRun run_program(std::vector<std::string> args, const std::string& input = "",
                       std::chrono::seconds timeout = std::chrono::seconds(120));

// A port on 127.0.0.1 for a server the test starts later: nobody listens on it now, it is below
// the kernel's ephemeral range (no outgoing connection or bind to port 0 takes it meanwhile), it
// is reserved against other test processes until this one exits (a lock file in
// ${TMPDIR:-/tmp}/tabella-test-ports), and this process never hands it out twice. 0 if none.
std::uint16_t free_port();
// `n` distinct such ports; fewer if the system ran out.
std::vector<std::uint16_t> free_ports(std::size_t n);
// The lock file of `port`: ${TMPDIR:-/tmp}/tabella-test-ports/<port> (flock(2), exclusive).
std::filesystem::path port_lock_path(std::uint16_t port);
// Reserves `port` for this process as free_ports() does; false if another test process holds it,
// this one handed it out already, or something is bound to it now.
bool reserve_port(std::uint16_t port);

// A socket listening on 127.0.0.1 at a port the kernel picks (bound at once, so nothing can take
// the port in between), for a fake server the test runs itself. fd -1 on failure.
struct Listener {
  int fd = -1;
  std::uint16_t port = 0;
};
Listener listen_loopback(int backlog = 16);

}  // namespace tabella::testing
