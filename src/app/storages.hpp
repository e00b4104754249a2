// The object storages this process uses, built from the configuration (contract §7.1, §7.4): our
// own (TRANSCRIPT_STORAGE_BACKEND: local under DATA_DIR, or S3) and the providers' buckets we
// read recordings from (Daily raw tracks, Whereby files), each with its own credentials and
// endpoint override.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/status.hpp"
#include "net/http_transport.hpp"
#include "pipeline/transcriber.hpp"
#include "storage/object_storage.hpp"
#include "storage/sqs_client.hpp"

namespace reflector::app {

struct Storages {
  std::unique_ptr<storage::ObjectStorage> ours;
  std::unique_ptr<storage::ObjectStorage> daily_bucket;    // null: DAILYCO bucket not configured
  std::unique_ptr<storage::ObjectStorage> whereby_bucket;  // null: Whereby bucket not configured
  // AWS_PROCESS_RECORDING_QUEUE_URL's queue (signed with the transcript-storage credentials and
  // region, as the reference does); null when not configured.
  std::unique_ptr<storage::SqsClient> sqs;
};

// kInvalidArgument naming what is missing when TRANSCRIPT_STORAGE_BACKEND=aws is incomplete. A
// provider bucket that is named but cannot be used (no credentials) is left null with a warning:
// its recordings then fail with a message saying so.
Result<Storages> BuildStorages(const Config& config);

// The speech recogniser of TRANSCRIPT_BACKEND (contract §7.5). `transport` (outbound HTTP for the
// openai backend) must outlive it.
std::unique_ptr<pipeline::Transcriber> BuildTranscriber(const Config& config,
                                                        net::HttpTransport& transport);

}  // namespace reflector::app
