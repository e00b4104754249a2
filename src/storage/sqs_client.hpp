// SqsClient: receives and deletes messages of an Amazon SQS queue (the S3 → SQS recording
// notifications of contract §7.1 item 4, reference §3.3).
//
// Wire protocol: AWS JSON 1.0 — POST / to the queue's endpoint with
// "X-Amz-Target: AmazonSQS.ReceiveMessage" (or DeleteMessage),
// "Content-Type: application/x-amz-json-1.0" and a JSON body naming QueueUrl; signed with SigV4
// (service "sqs") by libcurl (curl stays in sqs_client.cpp).
//
// Errors: kPermissionDenied (signature / unknown key / access denied), kFailedPrecondition (queue
// does not exist), kInvalidArgument (bad receipt handle or parameters), kUnavailable (5xx or
// transport failure after bounded retries), kDeadlineExceeded (no answer in time), kBadGateway
// (an answer we cannot read).
//
// Thread-safe; owned by the composition root.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace reflector::storage {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;  // needed to delete this receipt of the message
  std::string body;
};

class SqsClient {  // Thread-safe.
 public:
  virtual ~SqsClient() = default;
  // Up to `max_messages` (1..10) messages; waits up to `wait` (0..20 s) for one to arrive (long
  // polling). `visibility_timeout`: how long received messages stay hidden (queue default when
  // unset). An empty list when none arrived.
  virtual Result<std::vector<SqsMessage>> ReceiveMessage(
      const std::string& queue_url, int max_messages, std::chrono::seconds wait,
      std::optional<std::chrono::seconds> visibility_timeout = std::nullopt) = 0;
  // Deletes the received message.
  virtual Status DeleteMessage(const std::string& queue_url, const std::string& receipt_handle) = 0;
};

struct SqsConfig {
  std::string region;             // "us-east-1"
  std::string access_key_id;      // required
  std::string secret_access_key;  // required
  std::string session_token;      // "" = none
  // "" = the scheme and host of the queue URL; else requests go to this "http(s)://host[:port]".
  std::string endpoint_url;
  std::chrono::milliseconds connect_timeout{10'000};
  int max_attempts = 3;
  std::chrono::milliseconds initial_backoff{200};
};

// Errors: kInvalidArgument naming every missing field.
Result<std::unique_ptr<SqsClient>> MakeSqsClient(SqsConfig config);

}  // namespace reflector::storage
