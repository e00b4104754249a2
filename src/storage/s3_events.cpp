#include "storage/s3_events.hpp"

#include <nlohmann/json.hpp>

#include "storage/sigv4.hpp"

namespace reflector::storage {
namespace {

using nlohmann::json;

Result<std::vector<S3ObjectCreated>> FromRecords(const json& message, int depth) {
  if (!message.is_object()) {
    return Err(Code::kInvalidArgument, "S3 notification is not a JSON object");
  }
  if (message.value("Event", "") == "s3:TestEvent") return std::vector<S3ObjectCreated>{};
  if (message.value("Type", "") == "Notification" && message.contains("Message")) {
    if (depth > 0 || !message["Message"].is_string()) {
      return Err(Code::kInvalidArgument, "SNS notification without a JSON string Message");
    }
    const json inner = json::parse(message["Message"].get<std::string>(), nullptr, false);
    if (inner.is_discarded()) {
      return Err(Code::kInvalidArgument, "SNS notification Message is not JSON");
    }
    return FromRecords(inner, depth + 1);
  }
  if (!message.contains("Records") || !message["Records"].is_array()) {
    std::string keys;
    for (const auto& [key, _] : message.items()) keys += (keys.empty() ? "" : ", ") + key;
    return Err(Code::kInvalidArgument,
               "not an S3 event notification (no Records; fields: " + keys + ")");
  }
  std::vector<S3ObjectCreated> out;
  for (const json& record : message["Records"]) {
    if (!record.is_object()) continue;
    const std::string name = record.value("eventName", "");
    if (name.rfind("ObjectCreated", 0) != 0) continue;
    const json* s3 = record.contains("s3") ? &record["s3"] : nullptr;
    if (s3 == nullptr || !s3->is_object() || !s3->contains("bucket") || !s3->contains("object") ||
        !(*s3)["bucket"].is_object() || !(*s3)["object"].is_object() ||
        !(*s3)["bucket"].value("name", json()).is_string() ||
        !(*s3)["object"].value("key", json()).is_string()) {
      return Err(Code::kInvalidArgument, "S3 record " + name +
                                             " lacks s3.bucket.name or "
                                             "s3.object.key");
    }
    S3ObjectCreated item;
    item.event_name = name;
    item.bucket = (*s3)["bucket"]["name"].get<std::string>();
    item.key = DecodeFormKey((*s3)["object"]["key"].get<std::string>());
    const json& size = (*s3)["object"].value("size", json());
    if (size.is_number_integer()) item.size = size.get<int64_t>();
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::string DecodeFormKey(std::string_view text) {
  std::string plus_as_space(text);
  for (char& c : plus_as_space) {
    if (c == '+') c = ' ';
  }
  return sigv4::UriDecode(plus_as_space);
}

Result<std::vector<S3ObjectCreated>> ParseS3EventNotification(std::string_view body) {
  const json message = json::parse(body, nullptr, false);
  if (message.is_discarded()) {
    return Err(Code::kInvalidArgument, "S3 notification body is not JSON");
  }
  return FromRecords(message, 0);
}

}  // namespace reflector::storage
