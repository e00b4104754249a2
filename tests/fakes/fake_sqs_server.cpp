#include "fakes/fake_sqs_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "storage/sigv4.hpp"

namespace reflector::fakes {
namespace {

using nlohmann::json;
namespace sigv4 = storage::sigv4;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

FakeSqsServer::FakeSqsServer() : FakeSqsServer(Options{}) {}

FakeSqsServer::FakeSqsServer(Options options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  server_->Post(
      ".*", [this](const httplib::Request& req, httplib::Response& res) { Handle(&req, &res); });
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeSqsServer: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeSqsServer::~FakeSqsServer() {
  server_->stop();
  arrived_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string FakeSqsServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

TimePoint FakeSqsServer::Now() const {
  return options_.clock != nullptr ? options_.clock->Now() : std::chrono::system_clock::now();
}

std::string FakeSqsServer::CreateQueue(const std::string& name) {
  std::lock_guard lock(mu_);
  queues_[name];
  return endpoint() + "/000000000000/" + name;
}

std::string FakeSqsServer::Enqueue(const std::string& queue_name, const std::string& body) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    id = NewUuid4();
    queues_[queue_name].push_back(Message{id, body, "", Now(), 0});
  }
  arrived_.notify_all();
  return id;
}

size_t FakeSqsServer::MessageCount(const std::string& queue_name) const {
  std::lock_guard lock(mu_);
  auto it = queues_.find(queue_name);
  return it == queues_.end() ? 0 : it->second.size();
}

int FakeSqsServer::waiting_receivers() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

void FakeSqsServer::FailNext(int count, int status) {
  std::lock_guard lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

std::vector<FakeSqsServer::LoggedRequest> FakeSqsServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeSqsServer::Handle(const void* raw_request, void* raw_response) {
  const auto& req = *static_cast<const httplib::Request*>(raw_request);
  auto& res = *static_cast<httplib::Response*>(raw_response);
  LoggedRequest logged;
  logged.target = req.get_header_value("X-Amz-Target");
  logged.content_type = req.get_header_value("Content-Type");
  logged.body = req.body;

  auto reply = [&](int status, const json& body, const std::string& error_type = "") {
    res.status = status;
    res.set_content(body.dump(), "application/x-amz-json-1.0");
    logged.status = status;
    logged.error_type = error_type;
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(logged));
  };
  auto error = [&](int status, const std::string& type, const std::string& message,
                   const std::string& query_error = "") {
    if (!query_error.empty()) res.set_header("x-amzn-query-error", query_error);
    reply(status, {{"__type", "com.amazonaws.sqs#" + type}, {"message", message}}, type);
  };

  int fail_status = 0;
  {
    std::lock_guard lock(mu_);
    if (fail_count_ > 0) {
      --fail_count_;
      fail_status = fail_status_;
    }
  }
  if (fail_status != 0) {
    return error(fail_status, fail_status == 503 ? "ServiceUnavailable" : "InternalError",
                 "injected failure");
  }

  // ---- SigV4 ----
  sigv4::ReceivedRequest received;
  received.method = req.method;
  const size_t question = req.target.find('?');
  received.raw_path = req.target.substr(0, question);
  received.raw_query = question == std::string::npos ? "" : req.target.substr(question + 1);
  for (const auto& [name, value] : req.headers) received.headers.emplace(Lower(name), value);
  auto auth = sigv4::ParseAuthorization(received);
  if (!auth) return error(400, "MissingAuthenticationToken", auth.error().message);
  if (auth->access_key_id != options_.access_key_id) {
    return error(400, "UnrecognizedClientException",
                 "The security token included in the request is invalid.");
  }
  if (auth->region != options_.region || auth->service != "sqs") {
    return error(400, "InvalidSignatureException",
                 "Credential should be scoped to a valid region and service sqs.");
  }
  auto expected = sigv4::ExpectedSignature(received, *auth, options_.secret_access_key,
                                           Sha256Hex(req.body), /*s3_uri=*/false);
  if (!expected || !ConstantTimeEquals(*expected, auth->signature)) {
    return error(403, "InvalidSignatureException",
                 "The request signature we calculated does not match the signature you "
                 "provided.");
  }

  if (logged.content_type != "application/x-amz-json-1.0") {
    return error(400, "InvalidParameterValue", "unsupported Content-Type " + logged.content_type);
  }
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.value("QueueUrl", json()).is_string()) {
    return error(400, "MissingParameter", "The request must contain the parameter QueueUrl.");
  }
  const std::string queue_url = body["QueueUrl"].get<std::string>();
  const std::string queue_name = queue_url.substr(queue_url.rfind('/') + 1);

  std::unique_lock lock(mu_);
  if (!queues_.contains(queue_name) || queue_url.rfind(endpoint() + "/", 0) != 0) {
    lock.unlock();
    return error(400, "QueueDoesNotExist", "The specified queue does not exist.",
                 "AWS.SimpleQueueService.NonExistentQueue;Sender");
  }

  if (logged.target == "AmazonSQS.ReceiveMessage") {
    const int max = body.value("MaxNumberOfMessages", 1);
    const int wait = body.value("WaitTimeSeconds", 0);
    const auto visibility = std::chrono::seconds(body.value(
        "VisibilityTimeout", static_cast<int>(options_.default_visibility_timeout.count())));
    if (max < 1 || max > 10 || wait < 0 || wait > 20) {
      lock.unlock();
      return error(400, "InvalidParameterValue",
                   "MaxNumberOfMessages 1..10, WaitTimeSeconds 0..20");
    }
    auto visible = [&] {
      const TimePoint now = Now();
      return std::any_of(queues_[queue_name].begin(), queues_[queue_name].end(),
                         [&](const Message& m) { return m.visible_at <= now; });
    };
    if (!visible() && wait > 0) {
      ++waiting_;
      arrived_.wait_for(lock, std::chrono::seconds(wait),
                        [&] { return visible() || !server_->is_running(); });
      --waiting_;
    }
    json messages = json::array();
    const TimePoint now = Now();
    for (Message& m : queues_[queue_name]) {
      if (static_cast<int>(messages.size()) == max) break;
      if (m.visible_at > now) continue;
      m.visible_at = now + visibility;
      m.receipt_handle =
          "rh-" + m.id + "-" + std::to_string(++m.receive_count) + "-" + RandomUrlSafeToken(6);
      messages.push_back({{"MessageId", m.id},
                          {"ReceiptHandle", m.receipt_handle},
                          {"MD5OfBody", Sha256Hex(m.body).substr(0, 32)},
                          {"Body", m.body}});
    }
    lock.unlock();
    json answer = json::object();
    if (!messages.empty()) answer["Messages"] = messages;
    return reply(200, answer);
  }
  if (logged.target == "AmazonSQS.DeleteMessage") {
    const std::string handle = body.value("ReceiptHandle", "");
    auto& messages = queues_[queue_name];
    auto it = std::find_if(messages.begin(), messages.end(),
                           [&](const Message& m) { return m.receipt_handle == handle; });
    if (it != messages.end()) {
      deleted_handles_[handle] = true;
      messages.erase(it);
    } else if (!deleted_handles_.contains(handle)) {
      lock.unlock();
      return error(400, "ReceiptHandleIsInvalid",
                   "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
    }
    lock.unlock();
    return reply(200, json::object());
  }
  lock.unlock();
  return error(400, "InvalidAction", "unknown action " + logged.target);
}

}  // namespace reflector::fakes
