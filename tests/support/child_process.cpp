#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace reflector::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
                           std::string working_dir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (chdir(working_dir.c_str()) != 0) _exit(126);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  close(fds[1]);
  reader_ = std::thread([this, fd = fds[0]] { ReadLoop(fd); });
}

ChildProcess::~ChildProcess() {
  if (!WaitForExit(std::chrono::milliseconds(0))) {
    Signal(SIGKILL);
    WaitForExit(std::chrono::seconds(10));
  }
  if (reader_.joinable()) reader_.join();
}

void ChildProcess::ReadLoop(int fd) {
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      std::lock_guard lock(mu_);
      output_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  close(fd);
  // EOF: the child closed its output, normally because it exited. Reap it.
  int status = 0;
  const pid_t r = waitpid(pid_, &status, 0);
  std::lock_guard lock(mu_);
  eof_ = true;
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else {
    exit_code_ = -1;
  }
  cv_.notify_all();
}

std::optional<std::vector<std::string>> ChildProcess::WaitForOutput(
    const std::regex& pattern, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<std::vector<std::string>> groups;
  cv_.wait_for(lock, timeout, [&] {
    std::smatch m;
    if (std::regex_search(output_, m, pattern)) {
      groups.emplace();
      for (const auto& g : m) groups->push_back(g.str());
      return true;
    }
    return eof_;
  });
  return groups;
}

std::optional<int> ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return exit_code_.has_value(); });
  return exit_code_;
}

void ChildProcess::Signal(int signal) {
  std::lock_guard lock(mu_);
  if (!exit_code_) kill(pid_, signal);
}

std::string ChildProcess::Output() const {
  std::lock_guard lock(mu_);
  return output_;
}

std::pair<int, std::string> RunToCompletion(std::vector<std::string> argv,
                                            std::map<std::string, std::string> env,
                                            std::string working_dir,
                                            std::chrono::milliseconds timeout) {
  ChildProcess child(std::move(argv), std::move(env), std::move(working_dir));
  auto code = child.WaitForExit(timeout);
  return {code.value_or(-1), child.Output()};
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "reflector-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace reflector::testing
