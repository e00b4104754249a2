#include "app/storages.hpp"

#include <spdlog/spdlog.h>

#include "storage/local_storage.hpp"
#include "storage/s3_storage.hpp"

namespace reflector::app {
namespace {

std::string Or(const std::string& a, const std::string& b) { return a.empty() ? b : a; }

std::unique_ptr<storage::ObjectStorage> ProviderBucket(const char* what, storage::S3Config config) {
  if (config.bucket.empty()) return nullptr;
  auto made = storage::S3Storage::Create(std::move(config));
  if (!made) {
    spdlog::warn("{} bucket not usable: {}", what, made.error().message);
    return nullptr;
  }
  return std::move(*made);
}

}  // namespace

Result<Storages> BuildStorages(const Config& config) {
  Storages out;
  if (config.storage.backend == "aws") {
    storage::S3Config s3;
    s3.bucket = config.storage.bucket;
    s3.region = config.storage.region;
    s3.access_key_id = config.storage.access_key_id;
    s3.secret_access_key = config.storage.secret_access_key;
    s3.endpoint_url = config.storage.endpoint_url;
    auto made = storage::S3Storage::Create(std::move(s3));
    if (!made) {
      return Err(Code::kInvalidArgument, "TRANSCRIPT_STORAGE_BACKEND=aws: " + made.error().message);
    }
    out.ours = std::move(*made);
  } else {
    out.ours = std::make_unique<storage::LocalStorage>(config.data_dir);
  }

  storage::S3Config daily;
  daily.bucket = config.daily.storage_bucket;
  daily.region = Or(config.daily.storage_region, "us-east-1");
  daily.access_key_id = Or(config.recordings.daily_access_key_id, config.storage.access_key_id);
  daily.secret_access_key =
      Or(config.recordings.daily_secret_access_key, config.storage.secret_access_key);
  daily.endpoint_url = config.recordings.daily_endpoint_url;
  out.daily_bucket = ProviderBucket("Daily (DAILYCO_STORAGE_AWS_BUCKET_NAME)", std::move(daily));

  storage::S3Config whereby;
  whereby.bucket = config.whereby.storage_bucket;
  whereby.region = Or(config.whereby.storage_region, "us-east-1");
  whereby.access_key_id = config.whereby.storage_access_key_id;
  whereby.secret_access_key = config.whereby.storage_secret_access_key;
  whereby.endpoint_url = config.recordings.whereby_endpoint_url;
  out.whereby_bucket =
      ProviderBucket("Whereby (WHEREBY_STORAGE_AWS_BUCKET_NAME)", std::move(whereby));

  if (!config.recordings.sqs_queue_url.empty()) {
    storage::SqsConfig sqs;
    sqs.region = config.storage.region;
    sqs.access_key_id = config.storage.access_key_id;
    sqs.secret_access_key = config.storage.secret_access_key;
    auto made = storage::MakeSqsClient(std::move(sqs));
    if (!made) {
      return Err(Code::kInvalidArgument, "AWS_PROCESS_RECORDING_QUEUE_URL is set but " +
                                             made.error().message +
                                             " (TRANSCRIPT_STORAGE_AWS_* credentials sign it)");
    }
    out.sqs = std::move(*made);
  }
  return out;
}

std::unique_ptr<pipeline::Transcriber> BuildTranscriber(const Config& config,
                                                        net::HttpTransport& transport) {
  if (config.transcript.backend == "openai") {
    pipeline::OpenAiTranscriberOptions options;
    options.url = config.transcript.url;
    if (!config.transcript.model.empty()) options.model = config.transcript.model;
    options.api_key = config.transcript.api_key;
    options.chunk_seconds = config.transcript.chunk_seconds;
    return pipeline::MakeOpenAiTranscriber(std::move(options), transport);
  }
  if (config.transcript.backend == "none") return pipeline::MakeNoneTranscriber();
  return pipeline::MakePocketsphinxTranscriber("/usr/share/pocketsphinx/model/en-us");
}

}  // namespace reflector::app
