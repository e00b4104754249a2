// FakeCalendarServer: a loopback ICS feed server (calendar tests, contract §8). Serves the body
// set per path with an ETag (a hash of the body, quoted) and answers 304 Not Modified when the
// request's If-None-Match names the current ETag. Listens on 127.0.0.1 (OS-chosen port) from
// construction until destruction. Thread-safe.
#pragma once

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

class FakeCalendarServer {
 public:
  struct Request {
    std::string path;
    std::string if_none_match;  // empty when absent
    int status = 0;             // what was answered
  };

  FakeCalendarServer();
  ~FakeCalendarServer();
  FakeCalendarServer(const FakeCalendarServer&) = delete;
  FakeCalendarServer& operator=(const FakeCalendarServer&) = delete;

  // Serves `body` at `path` ("/team.ics"); unknown paths answer 404.
  void Set(const std::string& path, std::string body);
  // The ETag currently served for `path` (with its quotes), empty when none.
  std::string ETagOf(const std::string& path) const;
  std::vector<Request> requests() const;
  std::string base_url() const;
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::string> bodies_;  // GUARDED_BY(mu_)
  std::vector<Request> requests_;              // GUARDED_BY(mu_)
};

}  // namespace reflector::fakes
