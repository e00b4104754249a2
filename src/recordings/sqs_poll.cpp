#include "recordings/sqs_poll.hpp"

#include <spdlog/spdlog.h>

#include <regex>

#include "storage/s3_events.hpp"

namespace reflector::recordings {

std::optional<std::string> WherebyRoomOfFile(std::string_view key) {
  std::string name(key.substr(key.rfind('/') == std::string_view::npos ? 0 : key.rfind('/') + 1));
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos) name.resize(dot);
  static const std::regex kStamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  std::smatch m;
  if (!std::regex_search(name, m, kStamp)) return std::nullopt;
  const std::string before = name.substr(0, static_cast<size_t>(m.position(0)));
  if (before.size() < 2 || before.back() != '-') return std::nullopt;
  return "/" + before.substr(0, before.size() - 1);
}

Result<SqsPollReport> PollWherebyQueue(store::Database& db, const Clock& clock,
                                       storage::SqsClient& sqs, const std::string& queue_url,
                                       const tracking::ApplyOptions& options) {
  auto messages = sqs.ReceiveMessage(queue_url, 10, std::chrono::seconds(0));
  if (!messages) return Err(std::move(messages.error()));
  const std::string bucket = options.whereby_bucket.substr(0, options.whereby_bucket.find('/'));
  const std::string folder = options.whereby_bucket.find('/') == std::string::npos
                                 ? ""
                                 : options.whereby_bucket.substr(bucket.size() + 1) + "/";
  SqsPollReport report;
  for (const auto& message : *messages) {
    ++report.messages;
    auto records = storage::ParseS3EventNotification(message.body);
    if (!records) {
      spdlog::warn("SQS message {} is not an S3 event notification ({}); deleted",
                   message.message_id, records.error().message);
      ++report.skipped;
    } else {
      for (const auto& record : *records) {
        auto room = WherebyRoomOfFile(record.key);
        if (record.bucket != bucket || !room) {
          spdlog::info("SQS: s3://{}/{} is not a Whereby recording of {}; skipped", record.bucket,
                       record.key, options.whereby_bucket);
          ++report.skipped;
          continue;
        }
        std::string key = record.key;
        if (!folder.empty() && key.rfind(folder, 0) == 0) key = key.substr(folder.size());
        tracking::ProviderEvent event;
        event.provider = "whereby";
        event.id = "sqs-" + record.bucket + "/" + record.key;
        event.type = "recording.finished";
        event.room_name = *room;
        event.created_at = clock.Now();
        tracking::RecordingFinished finished;
        finished.filename = key;
        event.body = std::move(finished);
        auto applied = tracking::ApplyEvent(db, event, clock, options);
        if (!applied) return Err(std::move(applied.error()));  // the message stays
        if (applied->outcome == tracking::Outcome::kOk) {
          ++report.queued;
        } else if (applied->outcome == tracking::Outcome::kIgnored) {
          spdlog::warn("SQS: s3://{}/{} skipped: {}", record.bucket, record.key, applied->reason);
          ++report.skipped;
        }
      }
    }
    auto deleted = sqs.DeleteMessage(queue_url, message.receipt_handle);
    if (!deleted) return Err(std::move(deleted.error()));
    ++report.deleted;
  }
  return report;
}

}  // namespace reflector::recordings
