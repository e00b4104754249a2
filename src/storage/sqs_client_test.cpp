// SqsClient against FakeSqsServer over loopback (real libcurl SigV4, JSON protocol).
#include "storage/sqs_client.hpp"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_sqs_server.hpp"
#include "storage/s3_events.hpp"

namespace reflector::storage {
namespace {
using fakes::FakeSqsServer;
using std::chrono::seconds;

class SqsClientTest : public ::testing::Test {
 protected:
  SqsClientTest() : server_(Options()) {
    clock_.Set(std::chrono::system_clock::now());
    queue_url_ = server_.CreateQueue("recordings");
  }
  FakeSqsServer::Options Options() {
    FakeSqsServer::Options options;
    options.clock = &clock_;
    return options;
  }
  SqsConfig Config() const {
    SqsConfig config;
    config.region = server_.options().region;
    config.access_key_id = server_.options().access_key_id;
    config.secret_access_key = server_.options().secret_access_key;
    config.initial_backoff = std::chrono::milliseconds(10);
    return config;
  }
  std::unique_ptr<SqsClient> Make(SqsConfig config) {
    auto client = MakeSqsClient(std::move(config));
    EXPECT_TRUE(client.has_value()) << client.error().ToString();
    return std::move(*client);
  }

  fakes::FakeClock clock_;
  FakeSqsServer server_;
  std::string queue_url_;
};

TEST_F(SqsClientTest, ReceivesAndDeletesWithTheJsonProtocol) {
  const std::string id = server_.Enqueue("recordings", R"({"Records":[]})");
  auto client = Make(Config());
  auto messages = client->ReceiveMessage(queue_url_, 1, seconds(0), seconds(0));
  ASSERT_TRUE(messages.has_value()) << messages.error().ToString();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].message_id, id);
  EXPECT_EQ((*messages)[0].body, R"({"Records":[]})");
  EXPECT_FALSE((*messages)[0].receipt_handle.empty());

  auto deleted = client->DeleteMessage(queue_url_, (*messages)[0].receipt_handle);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  EXPECT_EQ(server_.MessageCount("recordings"), 0u);

  auto log = server_.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].target, "AmazonSQS.ReceiveMessage");
  EXPECT_EQ(log[0].content_type, "application/x-amz-json-1.0");
  const auto request = nlohmann::json::parse(log[0].body);
  EXPECT_EQ(request["QueueUrl"], queue_url_);
  EXPECT_EQ(request["MaxNumberOfMessages"], 1);
  EXPECT_EQ(request["WaitTimeSeconds"], 0);
  EXPECT_EQ(request["VisibilityTimeout"], 0);
  EXPECT_EQ(log[1].target, "AmazonSQS.DeleteMessage");
  EXPECT_EQ(log[1].status, 200);
}

TEST_F(SqsClientTest, ReceivedMessageIsHiddenUntilItsVisibilityTimeout) {
  server_.Enqueue("recordings", "m1");
  auto client = Make(Config());
  auto first = client->ReceiveMessage(queue_url_, 10, seconds(0), seconds(60));
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);

  auto hidden = client->ReceiveMessage(queue_url_, 10, seconds(0));
  ASSERT_TRUE(hidden.has_value());
  EXPECT_TRUE(hidden->empty());

  clock_.Advance(seconds(61));
  auto again = client->ReceiveMessage(queue_url_, 10, seconds(0));
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].body, "m1");
  EXPECT_NE((*again)[0].receipt_handle, (*first)[0].receipt_handle);
  // Deleting by the current receipt removes it for good.
  ASSERT_TRUE(client->DeleteMessage(queue_url_, (*again)[0].receipt_handle));
  clock_.Advance(seconds(3600));
  auto none = client->ReceiveMessage(queue_url_, 10, seconds(0));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqsClientTest, MaxMessagesIsHonoured) {
  for (int i = 0; i < 5; ++i) server_.Enqueue("recordings", "m" + std::to_string(i));
  auto client = Make(Config());
  auto messages = client->ReceiveMessage(queue_url_, 3, seconds(0));
  ASSERT_TRUE(messages.has_value());
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ((*messages)[0].body, "m0");
  EXPECT_EQ((*messages)[2].body, "m2");
  auto bad = client->ReceiveMessage(queue_url_, 11, seconds(0));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
}

TEST_F(SqsClientTest, LongPollReturnsWhenAMessageArrives) {
  auto client = Make(Config());
  auto pending = std::async(std::launch::async,
                            [&] { return client->ReceiveMessage(queue_url_, 1, seconds(20)); });
  // Enqueue once the server holds the poll open.
  while (server_.waiting_receivers() == 0) {
    ASSERT_NE(pending.wait_for(std::chrono::milliseconds(5)), std::future_status::ready)
        << "poll returned before any message";
  }
  const auto started = std::chrono::steady_clock::now();
  server_.Enqueue("recordings", "late");
  auto messages = pending.get();
  ASSERT_TRUE(messages.has_value()) << messages.error().ToString();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].body, "late");
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(10));
}

TEST_F(SqsClientTest, WrongSecretIsPermissionDenied) {
  SqsConfig config = Config();
  config.secret_access_key = "wrong";
  auto client = Make(config);
  auto messages = client->ReceiveMessage(queue_url_, 1, seconds(0));
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().code, Code::kPermissionDenied);
  EXPECT_EQ(messages.error().message,
            "SQS refused our signature (403 InvalidSignatureException): check the secret access "
            "key");
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(SqsClientTest, UnknownQueueIsFailedPrecondition) {
  auto client = Make(Config());
  const std::string url = server_.endpoint() + "/000000000000/nope";
  auto messages = client->ReceiveMessage(url, 1, seconds(0));
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(messages.error().message, "SQS queue does not exist: " + url);
}

TEST_F(SqsClientTest, InvalidReceiptHandleIsInvalidArgument) {
  auto client = Make(Config());
  auto deleted = client->DeleteMessage(queue_url_, "made-up");
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, Code::kInvalidArgument);
  EXPECT_EQ(deleted.error().message, "SQS DeleteMessage: receipt handle is invalid");
}

TEST_F(SqsClientTest, ServerErrorsAreRetried) {
  server_.Enqueue("recordings", "m");
  server_.FailNext(2, 500);
  auto client = Make(Config());
  auto messages = client->ReceiveMessage(queue_url_, 1, seconds(0));
  ASSERT_TRUE(messages.has_value()) << messages.error().ToString();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ(server_.requests().size(), 3u);

  server_.FailNext(10, 503);
  auto failed = client->DeleteMessage(queue_url_, (*messages)[0].receipt_handle);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, Code::kUnavailable);
  EXPECT_EQ(failed.error().message,
            "SQS answered 503 ServiceUnavailable to DeleteMessage after 3 attempts");
}

TEST_F(SqsClientTest, S3NotificationThroughTheQueue) {
  server_.Enqueue("recordings",
                  R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"wb"},)"
                  R"("object":{"key":"room-2026-12-04T09%3A00%3A00Z.mp4","size":42}}}]})");
  auto client = Make(Config());
  auto messages = client->ReceiveMessage(queue_url_, 1, seconds(0), seconds(0));
  ASSERT_TRUE(messages.has_value());
  ASSERT_EQ(messages->size(), 1u);
  auto events = ParseS3EventNotification((*messages)[0].body);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].bucket, "wb");
  EXPECT_EQ((*events)[0].key, "room-2026-12-04T09:00:00Z.mp4");
  EXPECT_EQ((*events)[0].size, 42);
}

TEST(SqsClientConfigTest, ReportsMissingFields) {
  auto client = MakeSqsClient(SqsConfig{});
  ASSERT_FALSE(client.has_value());
  EXPECT_EQ(client.error().code, Code::kInvalidArgument);
  EXPECT_EQ(client.error().message,
            "SQS client is misconfigured: region is empty; access key id is empty; secret access "
            "key is empty");
}

}  // namespace
}  // namespace reflector::storage
