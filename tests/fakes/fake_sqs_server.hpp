// FakeSqsServer: a loopback fake of Amazon SQS's JSON protocol (AWS JSON 1.0) for black-box tests
// of storage::SqsClient through libcurl.
//
//   POST /  X-Amz-Target: AmazonSQS.ReceiveMessage  {"QueueUrl", "MaxNumberOfMessages" 1..10,
//           "WaitTimeSeconds" 0..20, "VisibilityTimeout"?} → {"Messages":[{"MessageId",
//           "ReceiptHandle","MD5OfBody","Body"}]} (no "Messages" when none)
//   POST /  X-Amz-Target: AmazonSQS.DeleteMessage  {"QueueUrl","ReceiptHandle"} → {}
// Visibility: a received message is hidden until now + VisibilityTimeout (the queue's default
// when absent) on the injected clock, then reappears with a new receipt handle unless it was
// deleted. Long polling waits (real time) until a message is visible or WaitTimeSeconds pass.
// Requests are SigV4-verified with storage/sigv4 (service "sqs", payload hash = SHA-256 of the
// body): bad signature → 403 InvalidSignatureException; unknown key → 400
// UnrecognizedClientException. Unknown queue → 400 QueueDoesNotExist (+ x-amzn-query-error),
// unknown receipt handle → 400 ReceiptHandleIsInvalid; deleting an already deleted message
// succeeds (as SQS does).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
}

namespace reflector::fakes {

class FakeSqsServer {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string access_key_id = "AKIDFAKESQSEXAMPLE";
    std::string secret_access_key = "fake/sqs/secret";
    std::chrono::seconds default_visibility_timeout{30};
    const Clock* clock = nullptr;  // visibility; nullptr = system clock
  };
  struct LoggedRequest {
    std::string target;  // X-Amz-Target
    std::string content_type;
    std::string body;
    int status = 0;
    std::string error_type;  // "" on success
  };

  FakeSqsServer();
  explicit FakeSqsServer(Options options);
  ~FakeSqsServer();
  FakeSqsServer(const FakeSqsServer&) = delete;
  FakeSqsServer& operator=(const FakeSqsServer&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  const Options& options() const { return options_; }
  // Creates the queue (idempotent) and returns its URL "<endpoint>/000000000000/<name>".
  std::string CreateQueue(const std::string& name);
  // Adds a message; returns its MessageId.
  std::string Enqueue(const std::string& queue_name, const std::string& body);

  // Messages not deleted (visible or in flight).
  size_t MessageCount(const std::string& queue_name) const;
  // Long polls currently waiting inside ReceiveMessage.
  int waiting_receivers() const;
  // The next `count` requests get `status` (500 InternalError / 503 ServiceUnavailable).
  void FailNext(int count, int status = 500);
  std::vector<LoggedRequest> requests() const;

 private:
  struct Message {
    std::string id;
    std::string body;
    std::string receipt_handle;  // of the latest receipt; "" = never received
    TimePoint visible_at;
    int receive_count = 0;
  };
  void Handle(const void* request, void* response);
  TimePoint Now() const;

  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable arrived_;
  std::map<std::string, std::vector<Message>> queues_;  // name → messages; guarded by mu_
  std::map<std::string, bool> deleted_handles_;         // guarded by mu_
  std::vector<LoggedRequest> requests_;                 // guarded by mu_
  int waiting_ = 0;                                     // guarded by mu_
  int fail_count_ = 0;                                  // guarded by mu_
  int fail_status_ = 500;                               // guarded by mu_
  long long next_id_ = 1;                               // guarded by mu_
};

}  // namespace reflector::fakes
