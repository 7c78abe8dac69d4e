#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>
#include <unordered_set>

#include "tabella/util/mutex.h"

namespace tabella::testing {

struct Process::State {
  std::vector<std::string> args;
  Options options;
  pid_t pid = -1;
  std::uint16_t port = 0;  // owner thread only: what wait_listening() read
  bool reaped = false;     // owner thread only
  int status = -1;         // owner thread only: the wait status once reaped
  std::thread out_reader, err_reader, writer;
  std::atomic<bool> closing{false};  // the child is reaped: readers drain and end

  mutable Mutex mu;
  CondVar changed;
  std::string out TABELLA_GUARDED_BY(mu);
  std::string err TABELLA_GUARDED_BY(mu);
  std::string partial TABELLA_GUARDED_BY(mu);            // stdout after the last newline
  std::deque<std::string> lines TABELLA_GUARDED_BY(mu);  // complete stdout lines not yet taken
  bool out_closed TABELLA_GUARDED_BY(mu) = false;
  bool err_closed TABELLA_GUARDED_BY(mu) = false;
  std::string start_error TABELLA_GUARDED_BY(mu);

  std::string name() const { return args.empty() ? "(no program)" : args[0]; }

  static void keep_tail(std::string& s, std::size_t keep) {
    if (s.size() > keep) s.erase(0, s.size() - keep);
  }

  // Reads fd until end of file, or until the child is reaped and nothing more is buffered (a
  // grandchild may hold the pipe open).
  void read_stream(int fd, bool is_stdout) {
    int log = -1;
    if (!is_stdout && !options.log_file.empty()) {
      log = ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    char buf[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, 100);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        if (closing.load()) break;
        continue;
      }
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::string_view chunk(buf, static_cast<std::size_t>(n));
      if (log >= 0) (void)!::write(log, chunk.data(), chunk.size());
      MutexLock lock(mu);
      if (!is_stdout) {
        err.append(chunk);
        keep_tail(err, options.keep);
        changed.notify_all();
        continue;
      }
      out.append(chunk);
      keep_tail(out, options.keep);
      partial.append(chunk);
      for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
        lines.push_back(partial.substr(0, nl));
        partial.erase(0, nl + 1);
        if (lines.size() > 10000) lines.pop_front();
      }
      changed.notify_all();
    }
    if (log >= 0) ::close(log);
    ::close(fd);
    MutexLock lock(mu);
    (is_stdout ? out_closed : err_closed) = true;
    changed.notify_all();
  }

  void reap(int options_flags) {
    if (pid <= 0 || reaped) return;
    int st = 0;
    pid_t r;
    do {
      r = ::waitpid(pid, &st, options_flags);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return;  // WNOHANG: still running
    reaped = true;
    status = r == pid ? st : -1;
    closing = true;
    if (out_reader.joinable()) out_reader.join();
    if (err_reader.joinable()) err_reader.join();
    if (writer.joinable()) writer.join();
  }
};

Process::Process(std::vector<std::string> args) : Process(std::move(args), Options{}) {}

Process::Process(std::vector<std::string> args, Options options)
    : state_(std::make_shared<State>()) {
  State& s = *state_;
  s.args = std::move(args);
  s.options = std::move(options);
  auto fail = [&s](const std::string& why) {
    MutexLock lock(s.mu);
    s.start_error = why + ": " + std::strerror(errno);
    s.out_closed = true;
  };
  if (s.args.empty()) {
    MutexLock lock(s.mu);
    s.start_error = "no program given";
    s.out_closed = true;
    return;
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  bool feed = !s.options.stdin_text.empty();
  if ((feed && ::pipe2(in, O_CLOEXEC) != 0) || ::pipe2(out, O_CLOEXEC) != 0 ||
      ::pipe2(err, O_CLOEXEC) != 0) {
    fail("pipe");
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return;
  }
  if (feed) ::signal(SIGPIPE, SIG_IGN);  // a program that does not read must not kill us
  // Everything the child needs is made before fork: it only makes async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& a : s.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  s.pid = ::fork();
  if (s.pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the parent's threads may block signals
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (::getppid() != parent) ::_exit(127);
    int stdin_fd = feed ? in[0] : ::open("/dev/null", O_RDONLY);
    ::dup2(stdin_fd, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execv(argv[0], argv.data());
    static const char kExecFailed[] = "exec failed\n";
    (void)!::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  if (feed) ::close(in[0]);
  if (s.pid < 0) {
    fail("fork");
    ::close(out[0]);
    ::close(err[0]);
    if (feed) ::close(in[1]);
    return;
  }
  State* raw = &s;
  s.out_reader = std::thread([raw, fd = out[0]] { raw->read_stream(fd, true); });
  s.err_reader = std::thread([raw, fd = err[0]] { raw->read_stream(fd, false); });
  if (feed) {
    s.writer = std::thread([raw, fd = in[1]] {
      const std::string& text = raw->options.stdin_text;
      std::size_t done = 0;
      while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
  }
}

Process::~Process() {
  stop(state_->options.stop_grace);
}

pid_t Process::pid() const {
  return state_->reaped ? -1 : state_->pid;
}

bool Process::running() {
  state_->reap(WNOHANG);
  return state_->pid > 0 && !state_->reaped;
}

Result<std::string> Process::wait_for_line(std::string_view prefix,
                                           std::chrono::milliseconds timeout) {
  State& s = *state_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string why;
  {
    MutexLock lock(s.mu);
    for (;;) {
      while (!s.lines.empty()) {
        std::string line = std::move(s.lines.front());
        s.lines.pop_front();
        if (line.compare(0, prefix.size(), prefix) == 0) return line;
      }
      if (s.out_closed) {
        why = s.start_error.empty() ? "closed its stdout (exited?)" : s.start_error;
        break;
      }
      if (!s.changed.wait_until(s.mu, deadline) && std::chrono::steady_clock::now() >= deadline) {
        why = "did not print it within " + std::to_string(timeout.count()) + " ms";
        break;
      }
    }
  }
  return make_error(ErrorCode::kUnavailable, s.name() + ": no line starting with \"" +
                                                 std::string(prefix) + "\": " + why + "\n" +
                                                 output());
}

bool Process::wait_for_err(std::string_view text, std::chrono::milliseconds timeout) {
  State& s = *state_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(s.mu);
  for (;;) {
    if (s.err.find(text) != std::string::npos) return true;
    if (s.err_closed) return false;
    if (!s.changed.wait_until(s.mu, deadline) && std::chrono::steady_clock::now() >= deadline) {
      return s.err.find(text) != std::string::npos;
    }
  }
}

Result<std::uint16_t> Process::wait_listening(std::chrono::milliseconds timeout) {
  auto line = wait_for_line("listening on http", timeout);
  if (!line) return line.error();
  auto colon = line->rfind(':');
  unsigned long port = 0;
  if (colon != std::string::npos) port = std::strtoul(line->c_str() + colon + 1, nullptr, 10);
  if (port == 0 || port > 65535) {
    return make_error(ErrorCode::kInvalidArgument,
                      state_->name() + ": no port in \"" + *line + "\"\n" + output());
  }
  state_->port = static_cast<std::uint16_t>(port);
  return state_->port;
}

std::uint16_t Process::port() const {
  return state_->port;
}

int Process::wait(std::chrono::milliseconds timeout) {
  State& s = *state_;
  if (s.pid <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!s.reaped && std::chrono::steady_clock::now() < deadline) {
    s.reap(WNOHANG);
    if (!s.reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!s.reaped) ::kill(s.pid, SIGKILL);
  s.reap(0);
  return s.status;
}

int Process::signal_and_wait(int sig) {
  State& s = *state_;
  if (s.pid <= 0) return -1;
  if (!s.reaped) ::kill(s.pid, sig);
  s.reap(0);
  return s.status;
}

int Process::stop(std::chrono::milliseconds grace) {
  State& s = *state_;
  if (s.pid <= 0) return -1;
  if (s.reaped) return s.status;
  ::kill(s.pid, SIGTERM);
  return wait(grace);
}

std::string Process::out() const {
  MutexLock lock(state_->mu);
  return state_->out;
}

std::string Process::err() const {
  MutexLock lock(state_->mu);
  return state_->err;
}

std::string Process::output(std::size_t tail) const {
  auto last = [tail](const std::string& s) {
    return s.size() > tail ? "..." + s.substr(s.size() - tail) : s;
  };
  std::string text =
      "--- " + state_->name() + " stdout:\n" + last(out()) + "\n--- stderr:\n" + last(err());
  MutexLock lock(state_->mu);
  if (!state_->start_error.empty()) text += "\n--- not started: " + state_->start_error;
  return text;
}

ProgramRun run_program(std::vector<std::string> args, const std::string& input,
                       std::chrono::seconds timeout) {
  Process::Options options;
  options.stdin_text = input;
  Process process(std::move(args), std::move(options));
  int status = process.wait(timeout);
  ProgramRun run;
  run.exit_code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = process.out();
  run.err = process.err();
  return run;
}

namespace {

// Ports for servers a test starts later, chosen so that nothing else takes them meanwhile:
// - below the kernel's ephemeral range (net.ipv4.ip_local_port_range), where the kernel never
//   puts the local end of an outgoing connection nor a bind to port 0: CI once saw a witness's
//   port, found free and released, taken before the witness started ("Address already in use"),
//   with every test process on the machine making loopback connections from that range;
// - reserved against the other test processes by an exclusive flock(2) on a file named after
//   the port in ${TMPDIR:-/tmp}/tabella-test-ports, held until this process exits (the kernel
//   drops it then, even after a crash);
// - never handed out twice by this process: a test that picks several ports before starting
//   anything (three witnesses, a cluster) gets distinct ones.
struct HandedOut {
  Mutex mu;
  std::unordered_set<std::uint16_t> ports TABELLA_GUARDED_BY(mu);
  // Where the next search starts in the range; unset until the first search.
  std::optional<std::uint32_t> next TABELLA_GUARDED_BY(mu);
};
HandedOut& handed_out() {
  static HandedOut h;
  return h;
}

struct PortRange {
  std::uint32_t first = 0, count = 0;  // [first, first + count)
};

// The ports outside the ephemeral range, the larger of the two sides of it (usually 16384-32767
// below the default 32768-60999).
PortRange reservable_range() {
  std::uint32_t lo = 32768, hi = 60999;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    unsigned a = 0, b = 0;
    if (std::fscanf(f, "%u %u", &a, &b) == 2 && a <= b && b <= 65535) lo = a, hi = b;
    std::fclose(f);
  }
  const std::uint32_t below_first = std::max<std::uint32_t>(1024, lo / 2);
  const std::uint32_t below = lo > below_first ? lo - below_first : 0;
  const std::uint32_t above = 65535 - hi;
  if (below >= above) return {below_first, below};
  return {hi + 1, above};
}

bool bindable(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Takes the cross-process lock of `port`; its descriptor stays open until the process exits.
// False only when another process holds it: where no lock file can be made (a read-only
// TMPDIR), ports go unlocked rather than not at all.
bool lock_port(std::uint16_t port) {
  const std::filesystem::path file = port_lock_path(port);
  const std::string dir = file.parent_path().string();
  if (::mkdir(dir.c_str(), 0777) == 0) ::chmod(dir.c_str(), 01777);  // shared by every user
  int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return true;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const bool held = errno == EWOULDBLOCK;
    ::close(fd);
    return !held;
  }
  return true;  // fd deliberately kept open: it holds the lock
}

// The one step of free_ports() and reserve_port(): a port this process has not handed out,
// locked (and then never tried again by this process), and free now.
bool take_port(HandedOut& given, std::uint16_t port) TABELLA_REQUIRES(given.mu) {
  if (port == 0 || given.ports.contains(port) || !lock_port(port)) return false;
  given.ports.insert(port);
  return bindable(port);
}

}  // namespace

std::filesystem::path port_lock_path(std::uint16_t port) {
  const char* tmp = std::getenv("TMPDIR");
  return std::filesystem::path(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") / "tabella-test-ports" /
         std::to_string(port);
}

bool reserve_port(std::uint16_t port) {
  auto& given = handed_out();
  MutexLock lock(given.mu);
  return take_port(given, port);
}

std::vector<std::uint16_t> free_ports(std::size_t n) {
  auto& given = handed_out();
  MutexLock lock(given.mu);
  const PortRange range = reservable_range();
  std::vector<std::uint16_t> ports;
  if (range.count == 0) return ports;
  // A different start in each process: fewer lock files tried in vain.
  std::uint32_t next =
      given.next.value_or(static_cast<std::uint32_t>(::getpid()) * 2654435761u % range.count);
  for (std::uint32_t tried = 0; ports.size() < n && tried < range.count; ++tried) {
    const auto port = static_cast<std::uint16_t>(range.first + next);
    next = (next + 1) % range.count;
    if (take_port(given, port)) ports.push_back(port);
  }
  given.next = next;
  return ports;
}

std::uint16_t free_port() {
  auto ports = free_ports(1);
  return ports.empty() ? 0 : ports[0];
}

Listener listen_loopback(int backlog) {
  Listener l;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return l;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return l;
  }
  l.fd = fd;
  l.port = ntohs(a.sin_port);
  return l;
}

}  // namespace tabella::testing
