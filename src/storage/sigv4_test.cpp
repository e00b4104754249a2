#include "storage/sigv4.hpp"

#include <gtest/gtest.h>

#include "core/time_format.hpp"

namespace reflector::storage::sigv4 {
namespace {

// AWS's published S3 examples ("sigv4-header-based-auth", "sigv4-query-string-auth").
constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

TimePoint ExampleTime() { return *ParseIso8601("2013-05-24T00:00:00Z"); }

TEST(SigV4Test, UriEncodeFollowsAwsRules) {
  EXPECT_EQ(UriEncode("a b+c/d~e_f.g-h", true), "a%20b%2Bc/d~e_f.g-h");
  EXPECT_EQ(UriEncode("a/b=c&d", false), "a%2Fb%3Dc%26d");
  EXPECT_EQ(UriEncode("\xC3\xA9", true), "%C3%A9");  // é as UTF-8 bytes, uppercase hex
  EXPECT_EQ(UriDecode("a%20b%2Fc+d%zz%4"), "a b/c+d%zz%4");
}

TEST(SigV4Test, AmzDateFormats) {
  EXPECT_EQ(AmzDate(ExampleTime()), "20130524T000000Z");
  EXPECT_EQ(AmzDay(ExampleTime()), "20130524");
}

TEST(SigV4Test, PresignedGetMatchesAwsQueryStringExample) {
  auto url =
      PresignGet("https://examplebucket.s3.amazonaws.com", "/test.txt", "us-east-1", "s3",
                 Credentials{kAccessKey, kSecret, ""}, ExampleTime(), std::chrono::seconds(86400));
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(*url,
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4Test, PresignRejectsLifetimeBeyondSevenDays) {
  auto url = PresignGet("https://b.s3.amazonaws.com", "/k", "us-east-1", "s3",
                        Credentials{kAccessKey, kSecret, ""}, ExampleTime(),
                        std::chrono::seconds(7 * 24 * 3600 + 1));
  ASSERT_FALSE(url.has_value());
  EXPECT_EQ(url.error().code, Code::kInvalidArgument);
}

TEST(SigV4Test, PresignAddsSessionTokenToTheSignedQuery) {
  auto url = PresignGet("http://127.0.0.1:9000", "/b/k", "eu-west-1", "s3",
                        Credentials{kAccessKey, kSecret, "tok/en="}, ExampleTime(),
                        std::chrono::seconds(60));
  ASSERT_TRUE(url.has_value());
  EXPECT_NE(url->find("&X-Amz-Security-Token=tok%2Fen%3D&"), std::string::npos) << *url;
}

// The GET Object example: Range: bytes=0-9 → signature f0e8bdb8…
ReceivedRequest GetObjectExample() {
  ReceivedRequest request;
  request.method = "GET";
  request.raw_path = "/test.txt";
  request.headers = {
      {"host", "examplebucket.s3.amazonaws.com"},
      {"range", "bytes=0-9"},
      {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
      {"x-amz-date", "20130524T000000Z"},
      {"authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  return request;
}

TEST(SigV4Test, VerifierReproducesAwsGetObjectExample) {
  const ReceivedRequest request = GetObjectExample();
  auto auth = ParseAuthorization(request);
  ASSERT_TRUE(auth.has_value()) << auth.error().ToString();
  EXPECT_EQ(auth->access_key_id, kAccessKey);
  EXPECT_EQ(auth->day, "20130524");
  EXPECT_EQ(auth->region, "us-east-1");
  EXPECT_EQ(auth->service, "s3");
  EXPECT_EQ(auth->signed_headers,
            (std::vector<std::string>{"host", "range", "x-amz-content-sha256", "x-amz-date"}));
  EXPECT_FALSE(auth->presigned);

  auto expected = ExpectedSignature(request, *auth, kSecret, kEmptyPayloadHash);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(*expected, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(*expected, auth->signature);
}

TEST(SigV4Test, VerifierRejectsWrongSecretAndAlteredHeader) {
  ReceivedRequest request = GetObjectExample();
  auto auth = ParseAuthorization(request);
  ASSERT_TRUE(auth.has_value());
  auto wrong_secret = ExpectedSignature(request, *auth, "not-the-secret", kEmptyPayloadHash);
  ASSERT_TRUE(wrong_secret.has_value());
  EXPECT_NE(*wrong_secret, auth->signature);

  request.headers.erase("range");
  request.headers.emplace("range", "bytes=0-10");
  auto altered = ExpectedSignature(request, *auth, kSecret, kEmptyPayloadHash);
  ASSERT_TRUE(altered.has_value());
  EXPECT_NE(*altered, auth->signature);
}

TEST(SigV4Test, VerifierReportsMissingSignedHeader) {
  ReceivedRequest request = GetObjectExample();
  request.headers.erase("range");
  auto auth = ParseAuthorization(request);
  ASSERT_TRUE(auth.has_value());
  auto expected = ExpectedSignature(request, *auth, kSecret, kEmptyPayloadHash);
  ASSERT_FALSE(expected.has_value());
  EXPECT_EQ(expected.error().code, Code::kUnauthenticated);
  EXPECT_EQ(expected.error().message, "signed header missing from the request: range");
}

TEST(SigV4Test, VerifierAcceptsThePresignedExampleUrl) {
  ReceivedRequest request;
  request.method = "GET";
  request.raw_path = "/test.txt";
  request.raw_query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  request.headers = {{"host", "examplebucket.s3.amazonaws.com"}};
  auto auth = ParseAuthorization(request);
  ASSERT_TRUE(auth.has_value()) << auth.error().ToString();
  EXPECT_TRUE(auth->presigned);
  EXPECT_EQ(auth->expires_seconds, 86400);
  auto expected = ExpectedSignature(request, *auth, kSecret, kUnsignedPayload);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(*expected, auth->signature);
}

TEST(SigV4Test, UnsignedRequestIsUnauthenticated) {
  ReceivedRequest request;
  request.method = "GET";
  request.raw_path = "/x";
  auto auth = ParseAuthorization(request);
  ASSERT_FALSE(auth.has_value());
  EXPECT_EQ(auth.error().code, Code::kUnauthenticated);
  EXPECT_EQ(auth.error().message, "request is not signed (no Authorization header)");
}

}  // namespace
}  // namespace reflector::storage::sigv4
