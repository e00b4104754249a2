#include "fakes/fake_calendar_server.hpp"

#include <httplib.h>

#include <chrono>
#include <functional>

namespace reflector::fakes {
namespace {

std::string ETag(const std::string& body) {
  return "\"" + std::to_string(std::hash<std::string>{}(body)) + "-" + std::to_string(body.size()) +
         "\"";
}

}  // namespace

FakeCalendarServer::FakeCalendarServer() : server_(std::make_unique<httplib::Server>()) {
  server_->Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    Request seen{req.path, req.get_header_value("If-None-Match"), 0};
    auto it = bodies_.find(req.path);
    if (it == bodies_.end()) {
      res.status = 404;
      res.set_content("no such calendar", "text/plain");
    } else if (!seen.if_none_match.empty() && seen.if_none_match == ETag(it->second)) {
      res.status = 304;
      res.set_header("ETag", ETag(it->second));
    } else {
      res.status = 200;
      res.set_header("ETag", ETag(it->second));
      res.set_content(it->second, "text/calendar; charset=utf-8");
    }
    seen.status = res.status;
    requests_.push_back(std::move(seen));
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeCalendarServer::~FakeCalendarServer() {
  // stop() is a no-op until the accept loop runs; wait for it so the join below cannot hang.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeCalendarServer::Set(const std::string& path, std::string body) {
  std::lock_guard lock(mu_);
  bodies_[path] = std::move(body);
}

std::string FakeCalendarServer::ETagOf(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = bodies_.find(path);
  return it == bodies_.end() ? std::string() : ETag(it->second);
}

std::vector<FakeCalendarServer::Request> FakeCalendarServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::string FakeCalendarServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

}  // namespace reflector::fakes
