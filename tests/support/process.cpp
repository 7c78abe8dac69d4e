#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
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

// Every port free_ports() has handed out in this process. A port found free is released at once
// and stays unbound until its user starts a server on it, so the kernel may offer the same number
// again meanwhile; a test that picks several ports before starting anything (three witnesses, a
// cluster) would then give two servers one port. The number is never handed out twice instead.
struct HandedOut {
  Mutex mu;
  std::unordered_set<std::uint16_t> ports TABELLA_GUARDED_BY(mu);
};
HandedOut& handed_out() {
  static HandedOut h;
  return h;
}

}  // namespace

std::vector<std::uint16_t> free_ports(std::size_t n) {
  auto& given = handed_out();
  MutexLock lock(given.mu);
  std::vector<int> fds;  // held bound until the end, so the kernel offers a new number each time
  std::vector<std::uint16_t> ports;
  // A bound on the attempts: ports handed out earlier that are free again are skipped (and held).
  for (std::size_t attempt = 0; ports.size() < n && attempt < n + 4096; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (fd >= 0) ::close(fd);
      break;
    }
    fds.push_back(fd);
    const std::uint16_t port = ntohs(a.sin_port);
    if (given.ports.insert(port).second) ports.push_back(port);
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

std::uint16_t free_port() {
  auto ports = free_ports(1);
  return ports.empty() ? 0 : ports[0];
}

}  // namespace tabella::testing
