// The FakeS3Server's own checks, with requests signed by hand (storage/sigv4) and sent with a
// plain HTTP client, so what it refuses is pinned independently of libcurl.
#include "fakes/fake_s3_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include "core/crypto.hpp"
#include "storage/sigv4.hpp"

namespace reflector::fakes {
namespace {
namespace sigv4 = storage::sigv4;

class FakeS3ServerTest : public ::testing::Test {
 protected:
  // PUT /test-bucket/k with `body`, signed; `hash_header` = the x-amz-content-sha256 sent and
  // signed ("" = header absent), `signed_hash` = the payload hash used in the signature.
  httplib::Result Put(const std::string& body, const std::string& hash_header,
                      const std::string& signed_hash) {
    const TimePoint now = std::chrono::system_clock::now();
    const std::string host = "127.0.0.1:" + server_.endpoint().substr(17);
    sigv4::CanonicalInput input;
    input.method = "PUT";
    input.canonical_uri = "/test-bucket/k";
    input.headers = {{"host", host}, {"x-amz-date", sigv4::AmzDate(now)}};
    if (!hash_header.empty()) input.headers["x-amz-content-sha256"] = hash_header;
    input.payload_hash = signed_hash;
    const std::string day = sigv4::AmzDay(now);
    const std::string scope = sigv4::Scope(day, "us-east-1", "s3");
    const std::string signature = sigv4::Signature(
        server_.options().secret_access_key, day, "us-east-1", "s3",
        sigv4::StringToSign(sigv4::AmzDate(now), scope, sigv4::CanonicalRequest(input)));
    std::string signed_headers;
    for (const auto& [name, _] : input.headers) {
      signed_headers += (signed_headers.empty() ? "" : ";") + name;
    }
    httplib::Headers headers = {
        {"x-amz-date", sigv4::AmzDate(now)},
        {"Authorization", "AWS4-HMAC-SHA256 Credential=" + server_.options().access_key_id + "/" +
                              scope + ", SignedHeaders=" + signed_headers +
                              ", Signature=" + signature}};
    if (!hash_header.empty()) headers.emplace("x-amz-content-sha256", hash_header);
    httplib::Client client(server_.endpoint());
    return client.Put("/test-bucket/k", headers, body, "application/octet-stream");
  }

  FakeS3Server server_;
};

TEST_F(FakeS3ServerTest, AcceptsARequestSignedByHandWithTheBodyHash) {
  auto res = Put("payload", Sha256Hex("payload"), Sha256Hex("payload"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(server_.GetObject("test-bucket", "k"), "payload");
}

TEST_F(FakeS3ServerTest, MissingContentShaHeaderIs400) {
  auto res = Put("payload", "", std::string(sigv4::kUnsignedPayload));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("<Code>InvalidRequest</Code>"), std::string::npos) << res->body;
  EXPECT_FALSE(server_.GetObject("test-bucket", "k").has_value());
}

TEST_F(FakeS3ServerTest, BodyNotMatchingItsHashIs400) {
  auto res = Put("tampered", Sha256Hex("payload"), Sha256Hex("payload"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("<Code>XAmzContentSHA256Mismatch</Code>"), std::string::npos);
}

TEST_F(FakeS3ServerTest, SignatureOverADifferentHashIs403) {
  auto res = Put("payload", std::string(sigv4::kUnsignedPayload), Sha256Hex("payload"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
}

TEST_F(FakeS3ServerTest, UnsignedRequestIsAccessDenied) {
  server_.PutObject("test-bucket", "k", "x");
  httplib::Client client(server_.endpoint());
  auto res = client.Get("/test-bucket/k");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->body.find("<Code>AccessDenied</Code>"), std::string::npos);
  auto log = server_.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].error_code, "AccessDenied");
}

}  // namespace
}  // namespace reflector::fakes
