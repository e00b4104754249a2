#include "net/retrying_transport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"

namespace reflector::net {
namespace {

using fakes::FakeClock;
using fakes::FakeTransport;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// 2026-11-22T05:23:18Z, a Sunday.
const TimePoint kNow = TimePoint(std::chrono::seconds(1795324998));

OutboundRequest Get() {
  OutboundRequest request;
  request.method = "GET";
  request.url = "https://api.example.test/v1/rooms/r1";
  return request;
}

OutboundRequest Post() {
  OutboundRequest request;
  request.method = "POST";
  request.url = "https://api.example.test/v1/rooms";
  request.headers = {{"Authorization", "Bearer secret"}, {"Content-Type", "application/json"}};
  request.body = R"({"name":"r1"})";
  return request;
}

// A RetryingTransport over a FakeTransport whose waits are recorded, never slept.
class RetryingTransportTest : public ::testing::Test {
 protected:
  // `random` fixed to a value pins the jitter; nullopt keeps the real random source.
  RetryingTransport Make(RetryPolicy policy = {}, std::optional<double> random = 0.0) {
    RetryHooks hooks;
    hooks.sleep = [this](milliseconds delay) { sleeps_.push_back(delay); };
    if (random) hooks.random = [value = *random] { return value; };
    return RetryingTransport(fake_, clock_, policy, std::move(hooks));
  }

  FakeTransport fake_;
  FakeClock clock_{kNow + milliseconds(250)};
  std::vector<milliseconds> sleeps_;
};

TEST_F(RetryingTransportTest, TooManyRequestsWaitsRetryAfterSecondsThenSucceeds) {
  fake_.Push(FakeTransport::Reply(429, "slow down", {{"Retry-After", "2"}}));
  fake_.Push(FakeTransport::Reply(200, "ok"));
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Get());

  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "ok");
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(2000)));
  EXPECT_EQ(fake_.request_count(), 2u);
}

TEST_F(RetryingTransportTest, TooManyRequestsWaitsUntilRetryAfterHttpDate) {
  // The clock reads 05:23:18.250; the date is 05:23:25 → 6.75 s.
  fake_.Push(FakeTransport::Reply(429, "", {{"retry-after", "Sun, 22 Nov 2026 05:23:25 GMT"}}));
  fake_.Push(FakeTransport::Reply(200));
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Get());

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(6750)));
}

TEST_F(RetryingTransportTest, TooManyRequestsWithPastDateRetriesAtOnce) {
  fake_.Push(FakeTransport::Reply(429, "", {{"Retry-After", "Sun, 22 Nov 2026 05:00:00 GMT"}}));
  fake_.Push(FakeTransport::Reply(200));
  RetryingTransport transport = Make();

  ASSERT_EQ(transport.Send(Get())->status, 200);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(0)));
}

TEST_F(RetryingTransportTest, TooManyRequestsWithoutRetryAfterBacksOffWithinJitterRange) {
  // Real random source: base 250 ms, jitter 0.5 → each first wait lies in [125, 250] ms.
  for (int i = 0; i < 50; ++i) {
    fake_.Push(FakeTransport::Reply(429));
    fake_.Push(FakeTransport::Reply(200));
  }
  RetryingTransport transport = Make({}, std::nullopt);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(transport.Send(Get())->status, 200);

  ASSERT_EQ(sleeps_.size(), 50u);
  for (milliseconds wait : sleeps_) {
    EXPECT_GE(wait, milliseconds(125));
    EXPECT_LE(wait, milliseconds(250));
  }
}

TEST_F(RetryingTransportTest, GarbageRetryAfterFallsBackToBackoff) {
  fake_.Push(FakeTransport::Reply(429, "", {{"Retry-After", "soon"}}));
  fake_.Push(FakeTransport::Reply(200));
  RetryingTransport transport = Make({}, 0.0);

  ASSERT_EQ(transport.Send(Get())->status, 200);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(250)));
}

TEST_F(RetryingTransportTest, JitterTakesUpToTheGivenFractionOffTheCeiling) {
  fake_.Push(FakeTransport::Reply(500));
  fake_.Push(FakeTransport::Reply(500));
  fake_.Push(FakeTransport::Reply(200));
  RetryingTransport transport = Make({}, 0.5);  // 0.5 × jitter 0.5 → 25 % off

  ASSERT_EQ(transport.Send(Get())->status, 200);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(187), milliseconds(375)));
}

TEST_F(RetryingTransportTest, RetryAfterAboveLimitReturnsTheResponseWithoutWaiting) {
  fake_.Push(FakeTransport::Reply(429, "quota", {{"Retry-After", "31"}}));
  RetryPolicy policy;
  policy.max_retry_after = milliseconds(30'000);
  RetryingTransport transport = Make(policy);

  Result<OutboundResponse> result = transport.Send(Get());

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 429);
  EXPECT_EQ(result->body, "quota");
  EXPECT_THAT(sleeps_, IsEmpty());
  EXPECT_EQ(fake_.request_count(), 1u);
}

TEST_F(RetryingTransportTest, RetryAfterEqualToLimitIsWaited) {
  fake_.Push(FakeTransport::Reply(429, "", {{"Retry-After", "30"}}));
  fake_.Push(FakeTransport::Reply(200));
  RetryingTransport transport = Make();

  ASSERT_EQ(transport.Send(Get())->status, 200);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(30'000)));
}

TEST_F(RetryingTransportTest, ServerErrorThenSuccessTakesTwoAttempts) {
  fake_.Push(FakeTransport::Reply(500, "oops"));
  fake_.Push(FakeTransport::Reply(200, "fine"));
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Get());

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "fine");
  EXPECT_EQ(fake_.request_count(), 2u);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(250)));
}

TEST_F(RetryingTransportTest, RetryableServerErrorsAreRetried) {
  for (int status : {500, 502, 503, 504}) {
    SCOPED_TRACE(status);
    fake_.Reset();
    sleeps_.clear();
    fake_.Push(FakeTransport::Reply(status));
    fake_.Push(FakeTransport::Reply(200));
    RetryingTransport transport = Make();
    EXPECT_EQ(transport.Send(Get())->status, 200);
    EXPECT_EQ(fake_.request_count(), 2u);
  }
}

TEST_F(RetryingTransportTest, PersistentServiceUnavailableGivesUpAfterMaxAttempts) {
  for (int i = 0; i < 4; ++i) fake_.Push(FakeTransport::Reply(503, "down " + std::to_string(i)));
  fake_.Push(FakeTransport::Reply(200));  // never reached
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Get());

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->body, "down 3");  // the last one
  EXPECT_EQ(fake_.request_count(), 4u);
  // Exponential: 250, 500, 1000 ms ceilings (random 0 → no jitter taken off); no wait after
  // the last attempt.
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(250), milliseconds(500), milliseconds(1000)));
}

TEST_F(RetryingTransportTest, BackoffGrowsWithinJitterRangesAndStopsAtMaxDelay) {
  RetryPolicy policy;
  policy.max_attempts = 6;
  policy.base_delay = milliseconds(1000);
  policy.max_delay = milliseconds(3000);
  for (int i = 0; i < 6; ++i) fake_.Push(FakeTransport::Reply(502));
  RetryingTransport transport = Make(policy, std::nullopt);

  EXPECT_EQ(transport.Send(Get())->status, 502);

  const std::vector<milliseconds> ceilings = {milliseconds(1000), milliseconds(2000),
                                              milliseconds(3000), milliseconds(3000),
                                              milliseconds(3000)};
  ASSERT_EQ(sleeps_.size(), ceilings.size());
  for (std::size_t i = 0; i < ceilings.size(); ++i) {
    EXPECT_GE(sleeps_[i], ceilings[i] / 2) << i;
    EXPECT_LE(sleeps_[i], ceilings[i]) << i;
  }
}

TEST_F(RetryingTransportTest, TooManyRequestsOnTheLastAttemptIsReturnedWithoutWaiting) {
  RetryPolicy policy;
  policy.max_attempts = 2;
  fake_.Push(FakeTransport::Reply(429, "", {{"Retry-After", "1"}}));
  fake_.Push(FakeTransport::Reply(429, "", {{"Retry-After", "1"}}));
  RetryingTransport transport = Make(policy);

  EXPECT_EQ(transport.Send(Get())->status, 429);
  EXPECT_EQ(fake_.request_count(), 2u);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(1000)));
}

TEST_F(RetryingTransportTest, OtherStatusesAreReturnedAtOnce) {
  for (int status : {200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 422, 501, 505}) {
    SCOPED_TRACE(status);
    fake_.Reset();
    fake_.Push(FakeTransport::Reply(status, "body"));
    fake_.Push(FakeTransport::Reply(200));
    RetryingTransport transport = Make();

    Result<OutboundResponse> result = transport.Send(Post());

    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->status, status);
    EXPECT_EQ(fake_.request_count(), 1u);
  }
  EXPECT_THAT(sleeps_, IsEmpty());
}

TEST_F(RetryingTransportTest, PostIsRetriedWhenTheConnectionWasNeverMade) {
  fake_.Push(FakeTransport::ConnectFailure());
  fake_.Push(FakeTransport::Reply(201));
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Post());

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 201);
  ASSERT_EQ(fake_.request_count(), 2u);
  // Each attempt carries the request unchanged.
  for (const OutboundRequest& sent : fake_.requests()) {
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.body, Post().body);
    EXPECT_EQ(sent.headers.size(), 2u);
  }
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(250)));
}

TEST_F(RetryingTransportTest, PostIsNotRetriedAfterATimeoutOnceSent) {
  fake_.Push(FakeTransport::TimeoutAfterSend());
  fake_.Push(FakeTransport::Reply(201));
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Post());

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Code::kDeadlineExceeded);
  EXPECT_EQ(fake_.request_count(), 1u);
  EXPECT_THAT(sleeps_, IsEmpty());
}

TEST_F(RetryingTransportTest, PostIsNotRetriedAfterAConnectionResetOnceSent) {
  fake_.Push(FakeTransport::Failure(Code::kUnavailable, "connection reset", true));
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Post());

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Code::kUnavailable);
  EXPECT_EQ(fake_.request_count(), 1u);
}

TEST_F(RetryingTransportTest, ErrorsWithoutTheNotSentTagCountAsSent) {
  fake_.Push(tl::unexpected<Error>(Error{Code::kUnavailable, "from elsewhere", "", 0}));
  RetryingTransport transport = Make();

  EXPECT_FALSE(transport.Send(Post()).has_value());
  EXPECT_EQ(fake_.request_count(), 1u);
}

TEST_F(RetryingTransportTest, IdempotentRequestsAreRetriedAfterATimeout) {
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    fake_.Reset();
    fake_.Push(FakeTransport::TimeoutAfterSend());
    fake_.Push(FakeTransport::Reply(200));
    RetryingTransport transport = Make();
    OutboundRequest request = Get();
    request.method = method;

    Result<OutboundResponse> result = transport.Send(request);

    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(fake_.request_count(), 2u);
  }
}

TEST_F(RetryingTransportTest, PersistentTransportErrorsReturnTheLastErrorAfterMaxAttempts) {
  for (int i = 0; i < 4; ++i) {
    fake_.Push(FakeTransport::Failure(Code::kUnavailable, "refused " + std::to_string(i), false));
  }
  RetryingTransport transport = Make();

  Result<OutboundResponse> result = transport.Send(Post());

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Code::kUnavailable);
  EXPECT_EQ(result.error().message, "refused 3");
  EXPECT_EQ(fake_.request_count(), 4u);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(250), milliseconds(500), milliseconds(1000)));
}

TEST_F(RetryingTransportTest, NonTransientErrorsAreNeverRetried) {
  for (Code code : {Code::kInvalidArgument, Code::kResourceExhausted, Code::kInternal}) {
    SCOPED_TRACE(CodeName(code));
    fake_.Reset();
    fake_.Push(FakeTransport::Failure(code, "no", false));
    fake_.Push(FakeTransport::Reply(200));
    RetryingTransport transport = Make();

    Result<OutboundResponse> result = transport.Send(Get());

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, code);
    EXPECT_EQ(fake_.request_count(), 1u);
  }
  EXPECT_THAT(sleeps_, IsEmpty());
}

TEST_F(RetryingTransportTest, SingleAttemptPolicyNeverRetries) {
  RetryPolicy policy;
  policy.max_attempts = 1;
  fake_.Push(FakeTransport::Reply(503));
  RetryingTransport transport = Make(policy);

  EXPECT_EQ(transport.Send(Get())->status, 503);
  EXPECT_EQ(fake_.request_count(), 1u);
  EXPECT_THAT(sleeps_, IsEmpty());
}

TEST_F(RetryingTransportTest, ServiceUnavailableHonoursRetryAfter) {
  fake_.Push(FakeTransport::Reply(503, "", {{"Retry-After", "3"}}));
  fake_.Push(FakeTransport::Reply(200));
  RetryingTransport transport = Make();

  EXPECT_EQ(transport.Send(Get())->status, 200);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(3000)));
}

// ---- ParseRetryAfter ----

struct RetryAfterCase {
  std::string value;
  std::optional<milliseconds> expected;
};

TEST(ParseRetryAfterTest, Table) {
  const TimePoint now = kNow;  // Sun, 22 Nov 2026 05:23:18 GMT
  const std::vector<RetryAfterCase> cases = {
      {"0", milliseconds(0)},
      {"2", milliseconds(2000)},
      {" 120\t", milliseconds(120'000)},
      {"007", milliseconds(7000)},
      {"99999999999999999999999", std::chrono::seconds(std::int64_t{100} * 365 * 24 * 3600)},
      {"Sun, 22 Nov 2026 05:23:28 GMT", milliseconds(10'000)},  // IMF-fixdate
      {"sun, 22 nov 2026 05:24:18 GMT", milliseconds(60'000)},  // names case-insensitive
      {"Sunday, 22-Nov-26 05:23:20 GMT", milliseconds(2000)},   // RFC 850
      {"Sun Nov 22 05:23:21 2026", milliseconds(3000)},         // asctime
      {"Mon Nov 23 05:23:18 2026", milliseconds(86'400'000)},   // asctime
      {"Sun Nov  6 08:49:37 1994", milliseconds(0)},            // asctime, 1-digit day; past
      {"Sun, 06 Nov 1994 08:49:37 GMT", milliseconds(0)},       // past → now
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"-1", std::nullopt},
      {"1.5", std::nullopt},
      {"2 s", std::nullopt},
      {"soon", std::nullopt},
      {"Sun, 22 Nov 2026 05:23:28", std::nullopt},      // no GMT
      {"Sun, 22 Nov 2026 05:23:28 UTC", std::nullopt},  // only GMT is allowed
      {"Sun, 31 Feb 2026 05:23:28 GMT", std::nullopt},  // no such day
      {"Sun, 22 Nov 2026 25:00:00 GMT", std::nullopt},
      {"Sun, 22 Foo 2026 05:23:28 GMT", std::nullopt},
      {"Sun, 22 Nov 2026 05:23:28 GMT trailing", std::nullopt},
      {"2026-11-22T05:23:28Z", std::nullopt},
  };
  for (const RetryAfterCase& c : cases) {
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.expected) << '"' << c.value << '"';
  }
}

TEST(ParseRetryAfterTest, DateDelayRoundsUpToTheMillisecond) {
  const TimePoint now = kNow + std::chrono::microseconds(1500);
  EXPECT_EQ(ParseRetryAfter("Sun, 22 Nov 2026 05:23:19 GMT", now), milliseconds(999));
}

// ---- OutboundRequest / OutboundResponse helpers ----

TEST(HttpTransportTest, IdempotentMethods) {
  OutboundRequest request;
  for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
    request.method = method;
    EXPECT_TRUE(request.idempotent()) << method;
  }
  for (const char* method : {"POST", "PATCH", "CONNECT", "get", ""}) {
    request.method = method;
    EXPECT_FALSE(request.idempotent()) << method;
  }
}

TEST(HttpTransportTest, GetHeaderIsCaseInsensitiveAndReturnsTheFirst) {
  OutboundResponse response;
  response.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(response.GetHeader("content-type"), "application/json");
  EXPECT_EQ(response.GetHeader("X-A"), "1");
  EXPECT_EQ(response.GetHeader("Retry-After"), std::nullopt);
}

TEST(HttpTransportTest, TransportErrorRecordsWhetherTheRequestWasSent) {
  Error not_sent = TransportError(Code::kUnavailable, "refused", "connect()", false);
  EXPECT_FALSE(RequestMayHaveBeenSent(not_sent));
  EXPECT_EQ(not_sent.code, Code::kUnavailable);
  EXPECT_EQ(not_sent.message, "refused");
  EXPECT_EQ(not_sent.detail, "request not sent: connect()");

  Error sent = TransportError(Code::kDeadlineExceeded, "timed out", "detail", true);
  EXPECT_TRUE(RequestMayHaveBeenSent(sent));
  EXPECT_EQ(sent.detail, "detail");
  EXPECT_TRUE(RequestMayHaveBeenSent(Error{Code::kUnavailable, "x", "", 0}));
}

}  // namespace
}  // namespace reflector::net
