// Running the shipped binaries from a test: a program run to its end with some text on its stdin
// (killed after a timeout), and a free loopback port for a server the test starts later.
// Thread-safety: free functions; each call owns its child process.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace tabella::testing {

struct ProgramRun {
  int exit_code = -1;  // -1: killed by a signal (or the timeout)
  std::string out;     // stdout
  std::string err;     // stderr
};

namespace detail {
inline std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return text;
}
}  // namespace detail

// Runs args[0] with args, `input` on its stdin (then end of file), to its end; SIGKILLed after
// `timeout`.
inline ProgramRun run_program(std::vector<std::string> args, const std::string& input = "",
                              std::chrono::seconds timeout = std::chrono::seconds(120)) {
  signal(SIGPIPE, SIG_IGN);  // a program that does not read its input must not kill the test
  int in[2], out[2], err[2];
  EXPECT_EQ(pipe(in), 0);
  EXPECT_EQ(pipe(out), 0);
  EXPECT_EQ(pipe(err), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  std::thread writer([fd = in[1], input] {
    std::size_t done = 0;
    while (done < input.size()) {
      ssize_t n = write(fd, input.data() + done, input.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fd);
  });
  ProgramRun run;
  std::thread err_reader([&run, fd = err[0]] { run.err = detail::read_all(fd); });
  std::thread killer([pid, timeout] {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (kill(pid, 0) != 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid, SIGKILL);
  });
  run.out = detail::read_all(out[0]);
  err_reader.join();
  int status = 0;
  waitpid(pid, &status, 0);
  killer.join();
  writer.join();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A port nobody listens on right now (bound and released).
inline std::uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace tabella::testing
