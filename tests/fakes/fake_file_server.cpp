#include "fakes/fake_file_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

namespace reflector::fakes {

FakeFileServer::FakeFileServer() : server_(std::make_unique<httplib::Server>()) {
  server_->set_tcp_nodelay(true);
  server_->Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    std::optional<Fault> fault;
    File file;
    {
      std::lock_guard lock(mu_);
      requests_.push_back({req.path, req.get_header_value("Range")});
      auto f = faults_.find(req.path);
      if (f != faults_.end() && !f->second.empty()) {
        fault = f->second.front();
        f->second.pop_front();
      }
      auto it = files_.find(req.path);
      if (it != files_.end()) file = it->second;
    }
    if (fault && fault->kind == Fault::Kind::kStatus) {
      res.status = fault->status;
      res.set_content("fault injected", "text/plain");
      return;
    }
    if (fault && fault->kind == Fault::Kind::kRedirect) {
      res.status = 302;
      res.set_header("Location", fault->location);
      return;
    }
    if (!file.bytes) {
      res.status = 404;
      res.set_content("not found", "text/plain");
      return;
    }
    const auto bytes = file.bytes;
    const int64_t size = static_cast<int64_t>(bytes->size());
    // cpp-httplib answers Range requests of a content provider itself (206, Content-Range, 416):
    // the provider serves the whole file by absolute offset. IgnoreRange hides the header from it.
    int64_t start = 0;
    const std::string range = req.get_header_value("Range");
    if (fault && fault->kind == Fault::Kind::kIgnoreRange) {
      const_cast<httplib::Request&>(req).ranges.clear();
    } else if (range.rfind("bytes=", 0) == 0) {
      const std::string n = range.substr(6, range.find('-') - 6);
      std::from_chars(n.data(), n.data() + n.size(), start);
    }
    const int64_t drop_after =
        fault && fault->kind == Fault::Kind::kDropAfter ? fault->bytes : size;
    const auto stall = fault && fault->kind == Fault::Kind::kStall ? fault->duration
                                                                   : std::chrono::milliseconds(0);
    res.set_content_provider(static_cast<size_t>(size), file.content_type,
                             [this, bytes, start, size, drop_after, stall](
                                 size_t offset, size_t max, httplib::DataSink& sink) {
                               const int64_t off = static_cast<int64_t>(offset);
                               const int64_t sent = off - start;  // bytes of this response so far
                               if (sent >= drop_after)
                                 return false;  // close the connection mid-body
                               if (stall.count() > 0 && sent >= 1024) {
                                 std::unique_lock lock(mu_);
                                 stop_cv_.wait_for(lock, stall, [this] { return stopping_; });
                                 if (stopping_) return false;
                               }
                               int64_t n = std::min<int64_t>({static_cast<int64_t>(max), 64 * 1024,
                                                              size - off, drop_after - sent});
                               if (stall.count() > 0 && sent < 1024)
                                 n = std::min<int64_t>(n, 1024 - sent);
                               sink.write(bytes->data() + off, static_cast<size_t>(n));
                               return true;
                             });
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeFileServer::~FakeFileServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  // stop() is a no-op until the accept loop runs; wait for it so the join below cannot hang.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeFileServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeFileServer::AddFile(const std::string& path, std::string bytes, std::string content_type) {
  std::lock_guard lock(mu_);
  files_[path] =
      File{std::make_shared<const std::string>(std::move(bytes)), std::move(content_type)};
}

void FakeFileServer::AddFault(const std::string& path, Fault fault) {
  std::lock_guard lock(mu_);
  faults_[path].push_back(std::move(fault));
}

std::vector<FakeFileServer::Request> FakeFileServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

}  // namespace reflector::fakes
