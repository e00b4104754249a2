// Runs a program as a child process for end-to-end tests: captures its combined stdout/stderr,
// waits for output or exit with deadlines, and sends signals. The child is killed (SIGKILL) if
// still running when the object is destroyed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace reflector::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with exactly `env` as its environment, in `working_dir`.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
               std::string working_dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until the output matches `pattern`; returns the match and its groups (index 0 = the
  // whole match), or nullopt on timeout or if the process ended first.
  std::optional<std::vector<std::string>> WaitForOutput(const std::regex& pattern,
                                                        std::chrono::milliseconds timeout);
  // Waits for the process to exit; returns its exit code (128+signal when killed by a signal),
  // or nullopt on timeout.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  void Signal(int signal);
  std::string Output() const;
  pid_t pid() const { return pid_; }

 private:
  void ReadLoop(int fd);

  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;            // GUARDED_BY(mu_)
  bool eof_ = false;              // GUARDED_BY(mu_)
  std::optional<int> exit_code_;  // GUARDED_BY(mu_)
};

// Runs a program to completion (bounded by `timeout`) and returns {exit code, output}.
std::pair<int, std::string> RunToCompletion(std::vector<std::string> argv,
                                            std::map<std::string, std::string> env,
                                            std::string working_dir,
                                            std::chrono::milliseconds timeout);

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace reflector::testing
