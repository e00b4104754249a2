#include "storage/sqs_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

namespace reflector::storage {
namespace {

using nlohmann::json;

struct Reply {
  long status = 0;
  std::string body;
  std::string query_error;  // x-amzn-query-error header ("AWS.SimpleQueueService.X;Sender")
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<Reply*>(user);
  const size_t bytes = size * count;
  if (reply->body.size() + bytes > 4 * 1024 * 1024) return 0;  // 10 messages of 256 KiB fit
  reply->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<Reply*>(user);
  const size_t bytes = size * count;
  std::string line(data, bytes);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (name == "x-amzn-query-error") {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t\r\n") + 1);
      reply->query_error = value;
    }
  }
  return bytes;
}

// "https://sqs.us-east-1.amazonaws.com/123/q" → "https://sqs.us-east-1.amazonaws.com".
std::string Origin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const size_t path = url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

class CurlSqsClient final : public SqsClient {
 public:
  explicit CurlSqsClient(SqsConfig config) : config_(std::move(config)) {}

  Result<std::vector<SqsMessage>> ReceiveMessage(
      const std::string& queue_url, int max_messages, std::chrono::seconds wait,
      std::optional<std::chrono::seconds> visibility_timeout) override {
    if (max_messages < 1 || max_messages > 10) {
      return Err(Code::kInvalidArgument,
                 "SQS max messages must be 1..10, got " + std::to_string(max_messages));
    }
    if (wait.count() < 0 || wait.count() > 20) {
      return Err(Code::kInvalidArgument,
                 "SQS wait must be 0..20 s, got " + std::to_string(wait.count()));
    }
    json request = {{"QueueUrl", queue_url},
                    {"MaxNumberOfMessages", max_messages},
                    {"WaitTimeSeconds", wait.count()},
                    {"AttributeNames", json::array({"All"})}};
    if (visibility_timeout) request["VisibilityTimeout"] = visibility_timeout->count();
    auto reply = Call(queue_url, "ReceiveMessage", request.dump(), wait);
    if (!reply) return Err(reply.error());
    const json answer = json::parse(reply->body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) {
      return Err(Code::kBadGateway, "SQS ReceiveMessage answer is not a JSON object");
    }
    std::vector<SqsMessage> out;
    if (!answer.contains("Messages")) return out;
    if (!answer["Messages"].is_array()) {
      return Err(Code::kBadGateway, "SQS ReceiveMessage answer has Messages that is not a list");
    }
    for (const json& message : answer["Messages"]) {
      if (!message.is_object() || !message.value("ReceiptHandle", json()).is_string() ||
          !message.value("Body", json()).is_string()) {
        return Err(Code::kBadGateway, "SQS message without ReceiptHandle or Body");
      }
      out.push_back(SqsMessage{message.value("MessageId", ""),
                               message["ReceiptHandle"].get<std::string>(),
                               message["Body"].get<std::string>()});
    }
    return out;
  }

  Status DeleteMessage(const std::string& queue_url, const std::string& receipt_handle) override {
    const json request = {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}};
    auto reply = Call(queue_url, "DeleteMessage", request.dump(), std::chrono::seconds(0));
    if (!reply) return Err(reply.error());
    return Ok();
  }

 private:
  // Sends one action with retries; a 2xx reply comes back, anything else as an error.
  Result<Reply> Call(const std::string& queue_url, const std::string& action,
                     const std::string& body, std::chrono::seconds wait) {
    const std::string origin =
        config_.endpoint_url.empty() ? Origin(queue_url) : config_.endpoint_url;
    if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0) {
      return Err(Code::kInvalidArgument, "SQS queue URL is not http(s): " + queue_url);
    }
    std::string last_error;
    Reply reply;
    const int attempts = std::max(1, config_.max_attempts);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) {
        static thread_local std::mt19937 rng(std::random_device{}());
        const long long base = config_.initial_backoff.count() << std::min(attempt - 1, 10);
        std::uniform_int_distribution<long long> jitter(base / 2, base);
        std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
      }
      reply = Reply{};
      CURLcode code = Perform(origin + "/", action, body, wait, reply, last_error);
      if (code != CURLE_OK) {
        if (attempt + 1 < attempts) continue;
        const Code error_code =
            code == CURLE_OPERATION_TIMEDOUT ? Code::kDeadlineExceeded : Code::kUnavailable;
        return Err(error_code, "SQS " + action + " failed after " + std::to_string(attempts) +
                                   " attempts: " + last_error);
      }
      if (reply.status >= 500 && attempt + 1 < attempts) continue;
      break;
    }
    if (reply.status >= 200 && reply.status < 300) return reply;
    return Err(ReplyError(action, queue_url, reply, attempts));
  }

  CURLcode Perform(const std::string& url, const std::string& action, const std::string& body,
                   std::chrono::seconds wait, Reply& reply, std::string& error) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      error = "curl_easy_init failed";
      return CURLE_FAILED_INIT;
    }
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
    headers = curl_slist_append(headers, ("X-Amz-Target: AmazonSQS." + action).c_str());
    if (!config_.session_token.empty()) {
      headers =
          curl_slist_append(headers, ("x-amz-security-token: " + config_.session_token).c_str());
    }
    const std::string sigv4 = "aws:amz:" + config_.region + ":sqs";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(config_.connect_timeout.count()));
    // A long poll legitimately sends nothing for `wait`; allow that plus 30 s for the answer.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(wait.count() + 30));
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.secret_access_key.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(&reply));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, static_cast<void*>(&reply));
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    if (code != CURLE_OK) {
      error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return code;
  }

  static Error ReplyError(const std::string& action, const std::string& queue_url,
                          const Reply& reply, int attempts) {
    // JSON protocol errors: {"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"…"}.
    std::string type;
    std::string message;
    const json answer = json::parse(reply.body, nullptr, false);
    if (answer.is_object()) {
      type = answer.value("__type", "");
      message = answer.value("message", answer.value("Message", ""));
    }
    if (const size_t hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
    const std::string status = std::to_string(reply.status) + (type.empty() ? "" : " " + type);
    auto make = [&](Code code, std::string text) {
      Error error{code, std::move(text), message, 0};
      error.upstream_status = static_cast<int>(reply.status);
      return error;
    };
    if (type == "InvalidSignatureException" || type == "SignatureDoesNotMatch") {
      return make(Code::kPermissionDenied,
                  "SQS refused our signature (" + status + "): check the secret access key");
    }
    if (type == "UnrecognizedClientException" || type == "InvalidClientTokenId") {
      return make(Code::kPermissionDenied, "SQS does not know our access key id (" + status + ")");
    }
    if (type == "QueueDoesNotExist" ||
        reply.query_error.rfind("AWS.SimpleQueueService.NonExistentQueue", 0) == 0) {
      return make(Code::kFailedPrecondition, "SQS queue does not exist: " + queue_url);
    }
    if (type == "ReceiptHandleIsInvalid") {
      return make(Code::kInvalidArgument, "SQS " + action + ": receipt handle is invalid");
    }
    if (reply.status == 403 || type == "AccessDeniedException") {
      return make(Code::kPermissionDenied,
                  "SQS denied " + action + " on " + queue_url + " (" + status + ")");
    }
    if (reply.status >= 500) {
      return make(Code::kUnavailable, "SQS answered " + status + " to " + action + " after " +
                                          std::to_string(attempts) + " attempts");
    }
    return make(Code::kBadGateway, "SQS answered " + status + " to " + action +
                                       (message.empty() ? "" : ": " + message));
  }

  const SqsConfig config_;
};

}  // namespace

Result<std::unique_ptr<SqsClient>> MakeSqsClient(SqsConfig config) {
  std::vector<std::string> problems;
  if (config.region.empty()) problems.push_back("region is empty");
  if (config.access_key_id.empty()) problems.push_back("access key id is empty");
  if (config.secret_access_key.empty()) problems.push_back("secret access key is empty");
  if (!problems.empty()) {
    std::string message = "SQS client is misconfigured: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Err(Code::kInvalidArgument, message);
  }
  while (!config.endpoint_url.empty() && config.endpoint_url.back() == '/') {
    config.endpoint_url.pop_back();
  }
  return std::unique_ptr<SqsClient>(new CurlSqsClient(std::move(config)));
}

}  // namespace reflector::storage
