#include "storage/s3_events.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace reflector::storage {
namespace {

// Shaped like the example in the AWS S3 User Guide ("Event message structure").
constexpr char kPut[] = R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",
  "awsRegion":"us-west-2","eventTime":"2026-12-04T09:00:00.000Z","eventName":"ObjectCreated:Put",
  "s3":{"s3SchemaVersion":"1.0","configurationId":"rec",
    "bucket":{"name":"whereby-recordings","arn":"arn:aws:s3:::whereby-recordings"},
    "object":{"key":"my-room-2026-12-04T08%3A59%3A00Z.mp4","size":1048576,
              "eTag":"0123456789abcdef0123456789abcdef","sequencer":"0A1B2C3D4E5F678901"}}}]})";

TEST(S3EventsTest, ParsesObjectCreatedRecord) {
  auto events = ParseS3EventNotification(kPut);
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].event_name, "ObjectCreated:Put");
  EXPECT_EQ((*events)[0].bucket, "whereby-recordings");
  EXPECT_EQ((*events)[0].key, "my-room-2026-12-04T08:59:00Z.mp4");
  EXPECT_EQ((*events)[0].size, 1048576);
}

TEST(S3EventsTest, KeysAreFormDecoded) {
  struct Case {
    const char* encoded;
    const char* decoded;
  };
  for (const Case& c : {Case{"red+flower.jpg", "red flower.jpg"}, Case{"a%2Bb.mp4", "a+b.mp4"},
                        Case{"dir/%C3%A9t%C3%A9.mp4", "dir/\xC3\xA9t\xC3\xA9.mp4"},
                        Case{"50%25+off", "50% off"}, Case{"bad%zz", "bad%zz"}}) {
    EXPECT_EQ(DecodeFormKey(c.encoded), c.decoded) << c.encoded;
  }
}

TEST(S3EventsTest, SkipsOtherEventsAndKeepsOrder) {
  auto events = ParseS3EventNotification(R"({"Records":[
    {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"gone"}}},
    {"eventName":"ObjectCreated:CompleteMultipartUpload",
     "s3":{"bucket":{"name":"b"},"object":{"key":"one","size":5}}},
    {"eventName":"ObjectCreated:Copy","s3":{"bucket":{"name":"b"},"object":{"key":"two"}}}]})");
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].key, "one");
  EXPECT_EQ((*events)[0].size, 5);
  EXPECT_EQ((*events)[1].key, "two");
  EXPECT_EQ((*events)[1].size, 0);
}

TEST(S3EventsTest, UnwrapsSnsNotification) {
  const nlohmann::json sns = {{"Type", "Notification"},
                              {"MessageId", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"},
                              {"TopicArn", "arn:aws:sns:us-west-2:123456789012:rec"},
                              {"Message", kPut}};
  auto events = ParseS3EventNotification(sns.dump());
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].bucket, "whereby-recordings");
}

TEST(S3EventsTest, TestEventHasNoObjects) {
  auto events = ParseS3EventNotification(
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-04T09:00:00.000Z",
          "Bucket":"whereby-recordings","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw"})");
  ASSERT_TRUE(events.has_value());
  EXPECT_TRUE(events->empty());
}

TEST(S3EventsTest, RejectsWhatIsNotANotification) {
  struct Case {
    const char* body;
    const char* message;
  };
  for (const Case& c :
       {Case{"not json", "S3 notification body is not JSON"},
        Case{"[1]", "S3 notification is not a JSON object"},
        Case{R"({"hello":1})", "not an S3 event notification (no Records; fields: hello)"},
        Case{R"({"Type":"Notification","Message":"nope"})", "SNS notification Message is not JSON"},
        Case{R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{}}}]})",
             "S3 record ObjectCreated:Put lacks s3.bucket.name or s3.object.key"}}) {
    auto events = ParseS3EventNotification(c.body);
    ASSERT_FALSE(events.has_value()) << c.body;
    EXPECT_EQ(events.error().code, Code::kInvalidArgument);
    EXPECT_EQ(events.error().message, c.message);
  }
}

}  // namespace
}  // namespace reflector::storage
