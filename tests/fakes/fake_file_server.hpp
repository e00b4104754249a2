// FakeFileServer: a loopback HTTP file server for download tests (contract §7.3), with Range
// support and fault injection. Listens on 127.0.0.1 (OS-chosen port) from construction until
// destruction. Thread-safe: the test thread may add files and faults while it serves.
//
//   GET /<path>   the file's bytes; `Range: bytes=N-` → 206 with Content-Range, an
//                 unsatisfiable range → 416; unknown path → 404.
// Faults, per path, consumed one request at a time in the order they were added:
//   Status(code)           answer `code` with a short body instead of the file
//   Redirect(location)     answer 302 Location: <location>
//   DropAfter(bytes)       send the headers (full Content-Length) and the first `bytes` bytes,
//                          then close the connection
//   Stall(duration)        send the headers and the first 1024 bytes, then nothing for
//                          `duration` (or until the server stops), then the rest
//   IgnoreRange()          answer 200 with the whole file even when a Range was asked for
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace reflector::fakes {

class FakeFileServer {
 public:
  struct Fault {
    enum class Kind { kStatus, kRedirect, kDropAfter, kStall, kIgnoreRange } kind;
    int status = 0;
    std::string location;
    int64_t bytes = 0;
    std::chrono::milliseconds duration{0};
  };
  static Fault Status(int code) { return {Fault::Kind::kStatus, code, {}, 0, {}}; }
  static Fault Redirect(std::string location) {
    return {Fault::Kind::kRedirect, 302, std::move(location), 0, {}};
  }
  static Fault DropAfter(int64_t bytes) { return {Fault::Kind::kDropAfter, 0, {}, bytes, {}}; }
  static Fault Stall(std::chrono::milliseconds d) { return {Fault::Kind::kStall, 0, {}, 0, d}; }
  static Fault IgnoreRange() { return {Fault::Kind::kIgnoreRange, 0, {}, 0, {}}; }

  struct Request {
    std::string path;
    std::string range;  // the Range header, empty when none
  };

  FakeFileServer();
  ~FakeFileServer();
  FakeFileServer(const FakeFileServer&) = delete;
  FakeFileServer& operator=(const FakeFileServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string base_url() const;
  std::string Url(const std::string& path) const { return base_url() + path; }

  // `path` starts with '/'.
  void AddFile(const std::string& path, std::string bytes, std::string content_type = "audio/mpeg");
  void AddFault(const std::string& path, Fault fault);
  std::vector<Request> requests() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  struct File {
    std::shared_ptr<const std::string> bytes;
    std::string content_type;
  };
  std::map<std::string, File> files_;                // GUARDED_BY(mu_)
  std::map<std::string, std::deque<Fault>> faults_;  // GUARDED_BY(mu_)
  std::vector<Request> requests_;                    // GUARDED_BY(mu_)
};

}  // namespace reflector::fakes
