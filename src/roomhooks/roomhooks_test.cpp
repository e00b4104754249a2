// Outgoing room webhooks: the reference §6.7 signature vector, the request and payloads, the
// retry schedule and status classification (pure), the webhook transport's connect-time address
// check against a loopback receiver, and the delivery job with its attempt log on SQLite and
// PostgreSQL (FakeTransport in place of the network). The black-box suite through the binary is
// tests/e2e/roomhooks_e2e_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "roomhooks/deliveries.hpp"
#include "roomhooks/delivery_job.hpp"
#include "roomhooks/payload.hpp"
#include "roomhooks/webhook.hpp"
#include "store/jobs.hpp"
#include "store/meetings.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"

namespace reflector::roomhooks {
namespace {

using fakes::FakeTransport;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

const TimePoint kT0 = *ParseIso8601("2026-01-01T00:00:00Z");

TEST(SignatureTest, KnownAnswerFromReference) {
  // Reference §6.7 test vector.
  const std::string body =
      R"({"event":"test","event_id":"abc","timestamp":"2026-01-01T00:00:00Z","message":"This is a test webhook from Reflector","room":{"id":"r1","name":"room"}})";
  EXPECT_EQ(SignatureHeader("roomsecret", 1767225600, body),
            "t=1767225600,v1=c8e4ce48a52da414618ceaf5568a3980ca7ea82ed225da5d7d14b6ac4c1754bc");
}

TEST(SignatureTest, EventIdsAreNewUuid4Hex) {
  const std::string a = NewEventId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, NewEventId());
}

TEST(CheckTargetTest, RefusesPrivateAddressesUnlessAllowed) {
  struct Case {
    std::string url;
    std::vector<std::string> allowed;
    Code code;  // kOk: allowed
  };
  const std::vector<Case> cases = {
      {"http://93.184.216.34/hook", {}, Code::kOk},
      {"https://[2606:4700::1]:8443/x", {}, Code::kOk},
      {"http://127.0.0.1:8080/hook", {}, Code::kPermissionDenied},
      {"http://127.0.0.2:8080/hook", {"127.0.0.1"}, Code::kPermissionDenied},
      {"http://127.0.0.1:8080/hook", {"127.0.0.1"}, Code::kOk},
      {"http://LOCALHOST:8080/hook", {"localhost:8080"}, Code::kOk},
      {"http://localhost:8080/hook", {"localhost:9090"}, Code::kPermissionDenied},
      {"http://10.1.2.3/", {}, Code::kPermissionDenied},
      {"http://172.20.0.1/", {}, Code::kPermissionDenied},
      {"http://192.168.1.1/", {}, Code::kPermissionDenied},
      {"http://169.254.169.254/latest/meta-data", {}, Code::kPermissionDenied},
      {"http://100.64.0.1/", {}, Code::kPermissionDenied},
      {"http://0.0.0.0/", {}, Code::kPermissionDenied},
      {"http://[::1]/", {}, Code::kPermissionDenied},
      {"http://[fd00::1]/", {}, Code::kPermissionDenied},
      {"http://[fe80::1]/", {}, Code::kPermissionDenied},
      {"http://[::ffff:127.0.0.1]/", {}, Code::kPermissionDenied},
      {"http://user:pw@192.168.1.1/", {}, Code::kPermissionDenied},
      {"ftp://example.com/x", {}, Code::kInvalidArgument},
      {"example.com/x", {}, Code::kInvalidArgument},
      {"http:///x", {}, Code::kInvalidArgument},
      {"http://no-such-host.invalid/x", {}, Code::kUnavailable},
  };
  for (const auto& c : cases) {
    auto status = CheckTarget(c.url, c.allowed);
    if (c.code == Code::kOk) {
      EXPECT_TRUE(status.has_value()) << c.url << ": " << status.error().ToString();
    } else {
      ASSERT_FALSE(status.has_value()) << c.url;
      EXPECT_EQ(status.error().code, c.code) << c.url;
    }
  }
}

std::string Header(const net::OutboundRequest& request, const std::string& name) {
  for (const auto& h : request.headers) {
    if (h.name == name) return h.value;
  }
  return "<absent>";
}

TEST(BuildRequestTest, HeadersOfReference67) {
  Attempt attempt;
  attempt.url = "https://hooks.example/in";
  attempt.secret = "roomsecret";
  attempt.event = "transcript.completed";
  attempt.body = R"({"a":1})";
  attempt.retry = 3;
  attempt.now = kT0;
  attempt.timeout = seconds(7);
  const auto request = BuildRequest(attempt);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://hooks.example/in");
  EXPECT_EQ(request.body, R"({"a":1})");
  EXPECT_EQ(request.timeout, seconds(7));
  EXPECT_EQ(Header(request, "Content-Type"), "application/json");
  EXPECT_EQ(Header(request, "User-Agent"), "Reflector-Webhook/1.0");
  EXPECT_EQ(Header(request, "X-Webhook-Event"), "transcript.completed");
  EXPECT_EQ(Header(request, "X-Webhook-Retry"), "3");
  EXPECT_EQ(Header(request, "X-Webhook-Signature"),
            SignatureHeader("roomsecret", 1767225600, R"({"a":1})"));

  attempt.secret = "";  // no secret: unsigned
  EXPECT_EQ(Header(BuildRequest(attempt), "X-Webhook-Signature"), "<absent>");
  attempt.secret = std::nullopt;
  EXPECT_EQ(Header(BuildRequest(attempt), "X-Webhook-Signature"), "<absent>");
}

TEST(ClassifyTest, StatusesAndTransportErrors) {
  for (int status : {200, 201, 202, 204, 299}) {
    EXPECT_EQ(Classify(FakeTransport::Reply(status)), Verdict::kDelivered) << status;
  }
  for (int status : {500, 502, 503, 504, 599, 408, 429}) {
    EXPECT_EQ(Classify(FakeTransport::Reply(status)), Verdict::kRetry) << status;
  }
  for (int status : {400, 401, 403, 404, 405, 409, 410, 413, 422, 301, 302}) {
    EXPECT_EQ(Classify(FakeTransport::Reply(status)), Verdict::kStop) << status;
  }
  EXPECT_EQ(Classify(FakeTransport::TimeoutAfterSend()), Verdict::kRetry);
  EXPECT_EQ(Classify(FakeTransport::ConnectFailure()), Verdict::kRetry);
  EXPECT_EQ(Classify(FakeTransport::Failure(Code::kPermissionDenied, "refused", false)),
            Verdict::kStop);
  EXPECT_EQ(Classify(FakeTransport::Failure(Code::kInvalidArgument, "bad url", false)),
            Verdict::kStop);

  EXPECT_EQ(DescribeFailure(FakeTransport::Reply(204)), "");
  EXPECT_EQ(DescribeFailure(FakeTransport::Reply(410)), "HTTP 410");
  EXPECT_EQ(DescribeFailure(FakeTransport::TimeoutAfterSend()),
            "Webhook request timed out: timed out (fake)");
  EXPECT_EQ(DescribeFailure(FakeTransport::ConnectFailure()),
            "Could not connect to webhook URL: could not connect (fake)");
}

TEST(RetryDelayTest, OneMinuteDoublingToOneHourWithAtMostTenPercentJitter) {
  const std::vector<milliseconds> expected = {minutes(1),  minutes(2),  minutes(4),  minutes(8),
                                              minutes(16), minutes(32), minutes(60), minutes(60)};
  for (size_t i = 0; i < expected.size(); ++i) {
    const int attempt = static_cast<int>(i) + 1;
    EXPECT_EQ(RetryDelay(attempt, minutes(1), kRetryCap, 0.0), expected[i]) << attempt;
    EXPECT_EQ(RetryDelay(attempt, minutes(1), kRetryCap, 0.5), expected[i] * 95 / 100) << attempt;
  }
  EXPECT_EQ(RetryDelay(29, minutes(1), kRetryCap, 0.0), minutes(60));
  EXPECT_EQ(RetryDelay(1000, minutes(1), kRetryCap, 0.0), minutes(60));  // no overflow
  // The whole schedule: 29 waits between 30 attempts, 63 min + 23 h without jitter.
  milliseconds total{0};
  for (int attempt = 1; attempt < kMaxAttempts; ++attempt) {
    total += RetryDelay(attempt, minutes(1), kRetryCap, 0.0);
  }
  EXPECT_EQ(total, minutes(63) + std::chrono::hours(23));
  EXPECT_EQ(RetryDelay(3, seconds(1), kRetryCap, 0.0), seconds(4));  // test base
}

TEST(PayloadTest, TestBodyIsByteCompatibleWithTheReferenceVector) {
  store::Room room;
  room.id = "r1";
  room.name = "room";
  EXPECT_EQ(
      roomhooks::TestBody(room, "abc", kT0),
      R"({"event":"test","event_id":"abc","timestamp":"2026-01-01T00:00:00.000000Z","message":"This is a test webhook from Reflector","room":{"id":"r1","name":"room"}})");
}

store::Transcript SampleTranscript() {
  store::Transcript t;
  t.id = "t1";
  t.name = "Weekly";
  t.status = "ended";
  t.duration = 61500;
  t.created_at = kT0;
  t.title = "Weekly sync";
  t.room_id = "r1";
  t.meeting_id = "m1";
  t.source_kind = "room";
  t.webvtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Ann>hello\n";
  t.participants =
      R"([{"id":"p1","speaker":0,"name":"Ann","user_id":"u1"},{"id":"p2","name":"Bob"}])";
  return t;
}

TEST(PayloadTest, TranscriptCompletedCarriesEveryFieldOfReference67) {
  store::Room room;
  room.id = "r1";
  room.name = "room";
  room.webhook_secret = "s3cr3t";
  const store::Transcript t = SampleTranscript();
  std::optional<CalendarEventInfo> event = CalendarEventInfo{
      "ev1",
      "uid-1",
      "Standup",
      kT0,
      kT0 + minutes(30),
      std::nullopt,
      "Room 4",
      R"([{"email":"ann@example.com","name":"Ann","status":"ACCEPTED","role":"REQ-PARTICIPANT"},{"name":"Bob"},"carol@example.com",{"status":"x"}])"};
  const std::string body =
      TranscriptCompletedBody({t, room, event, "e1", kT0 + seconds(5), "https://ui.example/"});
  EXPECT_EQ(body.find(' '), body.find("Weekly sync") + 6) << "compact JSON: " << body;
  EXPECT_EQ(body.rfind(R"({"event":"transcript.completed","event_id":"e1","timestamp":)", 0), 0u);
  EXPECT_EQ(body.find("s3cr3t"), std::string::npos);
  const json parsed = json::parse(body);
  const json expected = {{"event", "transcript.completed"},
                         {"event_id", "e1"},
                         {"timestamp", "2026-01-01T00:00:05.000000Z"},
                         {"transcript",
                          {{"id", "t1"},
                           {"room_id", "r1"},
                           {"created_at", "2026-01-01T00:00:00.000000Z"},
                           {"duration", 61500.0},
                           {"title", "Weekly sync"},
                           {"short_summary", nullptr},
                           {"long_summary", nullptr},
                           {"webvtt", *t.webvtt},
                           {"topics", json::array()},
                           {"participants",
                            {{{"id", "p1"}, {"name", "Ann"}, {"speaker", 0}},
                             {{"id", "p2"}, {"name", "Bob"}, {"speaker", nullptr}}}},
                           {"source_language", "en"},
                           {"target_language", "en"},
                           {"status", "ended"},
                           {"frontend_url", "https://ui.example/transcripts/t1"},
                           {"action_items", nullptr}}},
                         {"room", {{"id", "r1"}, {"name", "room"}}},
                         {"calendar_event",
                          {{"id", "ev1"},
                           {"ics_uid", "uid-1"},
                           {"title", "Standup"},
                           {"start_time", "2026-01-01T00:00:00.000000Z"},
                           {"end_time", "2026-01-01T00:30:00.000000Z"},
                           {"description", nullptr},
                           {"location", "Room 4"},
                           {"attendees", {"ann@example.com", "Bob", "carol@example.com"}}}}};
  EXPECT_EQ(parsed, expected) << parsed.dump(2);

  const std::optional<CalendarEventInfo> none;
  const json without = json::parse(TranscriptCompletedBody({t, room, none, "e2", kT0, "http://h"}));
  EXPECT_EQ(without["calendar_event"], nullptr);
  EXPECT_EQ(without["transcript"]["frontend_url"], "http://h/transcripts/t1");
}

TEST(PayloadTest, AttendeesToleratesMissingOrMalformedJson) {
  EXPECT_TRUE(AttendeeStrings(std::nullopt).empty());
  EXPECT_TRUE(AttendeeStrings("not json").empty());
  EXPECT_TRUE(AttendeeStrings(R"({"email":"a@b"})").empty());
  EXPECT_EQ(AttendeeStrings(R"([{"email":"","name":"N"}])"), std::vector<std::string>{"N"});
}

// --- The webhook transport against a loopback receiver ---

class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& host) const {
    return "http://" + host + ":" + std::to_string(port_) + "/hook";
  }
  int hits() const { return hits_.load(); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> hits_{0};
};

Result<net::OutboundResponse> Post(net::HttpTransport& transport, const std::string& url) {
  Attempt attempt;
  attempt.url = url;
  attempt.event = "test";
  attempt.body = "{}";
  attempt.now = kT0;
  attempt.timeout = seconds(5);
  return transport.Send(BuildRequest(attempt));
}

TEST(WebhookTransportTest, RefusesPrivateAddressesAtConnectTimeUnlessTheHostIsAllowed) {
  Receiver receiver;
  auto strict = MakeWebhookTransport({});
  auto refused = Post(*strict, receiver.Url("127.0.0.1"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::kPermissionDenied);
  EXPECT_THAT(refused.error().message, HasSubstr("refused: private address 127.0.0.1"));
  EXPECT_FALSE(net::RequestMayHaveBeenSent(refused.error()));
  EXPECT_EQ(Classify(refused), Verdict::kStop);
  // A name is judged by the address it connects to, not by how it is spelled.
  auto by_name = Post(*strict, receiver.Url("localhost"));
  ASSERT_FALSE(by_name.has_value());
  EXPECT_EQ(by_name.error().code, Code::kPermissionDenied);
  EXPECT_EQ(receiver.hits(), 0);

  auto allowed = MakeWebhookTransport({"127.0.0.1"});
  auto ok = Post(*allowed, receiver.Url("127.0.0.1"));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->status, 204);
  EXPECT_EQ(receiver.hits(), 1);
  // Allowing one loopback host does not open the others.
  auto other = Post(*allowed, receiver.Url("127.0.0.2"));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, Code::kPermissionDenied);
  EXPECT_THAT(other.error().message, HasSubstr("127.0.0.2"));
  // "host:port" entries are honoured like the test route's pre-check.
  auto with_port = MakeWebhookTransport({receiver.Url("127.0.0.1").substr(7, 15)});
  EXPECT_TRUE(Post(*with_port, receiver.Url("127.0.0.1")).has_value());
  EXPECT_EQ(receiver.hits(), 2);
}

// --- The delivery job and its log, on SQLite and PostgreSQL ---

class DeliveryJobTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    testing::DatabaseTest::SetUp();
    auto session = db().Acquire();
    store::Room room;
    room.id = "r1";
    room.name = "room";
    room.user_id = "owner";
    room.created_at = kT0;
    room.webhook_url = "https://hooks.example/in";
    room.webhook_secret = "roomsecret";
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    store::Transcript t = SampleTranscript();
    t.meeting_id = std::nullopt;
    ASSERT_TRUE(store::TranscriptRepository::Create(session, t).has_value());
  }

  jobs::JobContext Job(int attempt, int max_attempts = kMaxAttempts) {
    return {"job-1", std::string(store::job_kind::kRoomWebhookDeliver),
            json{{"transcript_id", "t1"}, {"event", "transcript.completed"}}, attempt,
            max_attempts};
  }

  std::vector<Delivery> Log(int limit = 50, int offset = 0) {
    auto session = db().Acquire();
    auto listed = DeliveryRepository::ListForRoom(session, "r1", limit, offset);
    EXPECT_TRUE(listed.has_value()) << listed.error().ToString();
    return listed ? *listed : std::vector<Delivery>{};
  }

  fakes::FakeClock clock_{kT0};
  FakeTransport transport_;
  DeliveryOptions options_{"https://ui.example", seconds(10), minutes(1), kRetryCap};
};

TEST_P(DeliveryJobTest, RetriesOn500StopsOn410AndLogsEveryAttempt) {
  transport_.Push(FakeTransport::Reply(500, "oops"));
  auto first = RunDelivery(db(), clock_, transport_, options_, Job(1));
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, Code::kUnavailable);
  EXPECT_FALSE(jobs::IsPermanent(first.error().code));

  clock_.Advance(minutes(1));
  transport_.Push(FakeTransport::TimeoutAfterSend());
  auto second = RunDelivery(db(), clock_, transport_, options_, Job(2));
  ASSERT_FALSE(second.has_value());
  EXPECT_FALSE(jobs::IsPermanent(second.error().code));

  clock_.Advance(minutes(2));
  transport_.Push(FakeTransport::Reply(410));
  auto third = RunDelivery(db(), clock_, transport_, options_, Job(3));
  ASSERT_FALSE(third.has_value());
  EXPECT_TRUE(jobs::IsPermanent(third.error().code));
  EXPECT_THAT(third.error().message, HasSubstr("HTTP 410"));

  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::set<std::string> event_ids;
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(Header(requests[i], "X-Webhook-Retry"), std::to_string(i));
    EXPECT_EQ(Header(requests[i], "X-Webhook-Event"), "transcript.completed");
    EXPECT_EQ(requests[i].timeout, seconds(10));
    const json body = json::parse(requests[i].body);
    event_ids.insert(body["event_id"].get<std::string>());
    EXPECT_EQ(Header(requests[i], "X-Webhook-Signature"),
              SignatureHeader("roomsecret",
                              ToUnixSeconds(*ParseIso8601(body["timestamp"].get<std::string>())),
                              requests[i].body));
    EXPECT_EQ(body["calendar_event"], nullptr);
  }
  EXPECT_EQ(event_ids.size(), 3u) << "event_id must be new per attempt";

  const auto log = Log();
  ASSERT_EQ(log.size(), 3u);  // newest first
  EXPECT_EQ(log[0].attempt, 2);
  EXPECT_EQ(log[0].status_code, 410);
  EXPECT_EQ(log[0].error, "HTTP 410");
  EXPECT_EQ(log[0].outcome, outcome::kFailed);
  EXPECT_EQ(log[0].created_at, kT0 + minutes(3));
  EXPECT_EQ(log[1].attempt, 1);
  EXPECT_EQ(log[1].status_code, std::nullopt);
  EXPECT_EQ(log[1].error, "Webhook request timed out: timed out (fake)");
  EXPECT_EQ(log[1].outcome, outcome::kRetrying);
  EXPECT_EQ(log[2].attempt, 0);
  EXPECT_EQ(log[2].status_code, 500);
  EXPECT_EQ(log[2].outcome, outcome::kRetrying);
  EXPECT_EQ(log[2].transcript_id, "t1");
  EXPECT_EQ(log[2].event, "transcript.completed");
  EXPECT_EQ(log[2].event_id, json::parse(requests[0].body)["event_id"]);

  const auto page = Log(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].attempt, 1);
}

TEST_P(DeliveryJobTest, DeliveredOn2xxAndTheLastRetryableFailureIsFailed) {
  transport_.Push(FakeTransport::Reply(503));
  EXPECT_FALSE(RunDelivery(db(), clock_, transport_, options_, Job(30)).has_value());
  clock_.Advance(seconds(1));
  transport_.Push(FakeTransport::Reply(202));
  EXPECT_TRUE(RunDelivery(db(), clock_, transport_, options_, Job(1)).has_value());
  const auto log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].outcome, outcome::kDelivered);
  EXPECT_EQ(log[0].status_code, 202);
  EXPECT_EQ(log[0].error, std::nullopt);
  EXPECT_EQ(log[1].outcome, outcome::kFailed);  // attempt 30 of 30
}

TEST_P(DeliveryJobTest, CalendarEventOfTheMeetingIsInThePayload) {
  {
    auto session = db().Acquire();
    ASSERT_TRUE(store::Exec(session,
                            "INSERT INTO calendar_event (id, room_id, ics_uid, title, start_time, "
                            "end_time, attendees, last_synced, created_at, updated_at) VALUES "
                            "('ev1', 'r1', 'uid-1', 'Standup', :s, :e, :a, :s, :s, :s)",
                            store::SqlParams()
                                .Time("s", kT0)
                                .Time("e", kT0 + minutes(30))
                                .Json("a", R"([{"email":"ann@example.com","name":"Ann"}])"))
                    .has_value());
    store::Meeting meeting;
    meeting.id = "m1";
    meeting.room_name = "room-m1";
    meeting.room_url = "https://video.example/room-m1";
    meeting.host_room_url = "https://video.example/room-m1?host";
    meeting.start_date = kT0;
    meeting.end_date = kT0 + std::chrono::hours(1);
    meeting.room_id = "r1";
    meeting.calendar_event_id = "ev1";
    auto created = store::MeetingRepository::Create(session, meeting);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    ASSERT_TRUE(store::Exec(session, "UPDATE transcript SET meeting_id = 'm1' WHERE id = 't1'")
                    .has_value());
  }
  transport_.Push(FakeTransport::Reply(200));
  ASSERT_TRUE(RunDelivery(db(), clock_, transport_, options_, Job(1)).has_value());
  const json body = json::parse(transport_.requests().at(0).body);
  EXPECT_EQ(body["calendar_event"]["id"], "ev1");
  EXPECT_EQ(body["calendar_event"]["title"], "Standup");
  EXPECT_EQ(body["calendar_event"]["attendees"], json({"ann@example.com"}));
  EXPECT_EQ(body["calendar_event"]["end_time"], "2026-01-01T00:30:00.000000Z");
}

TEST_P(DeliveryJobTest, WithoutAWebhookUrlNothingIsSentOrQueued) {
  auto session = db().Acquire();
  ASSERT_TRUE(
      store::Exec(session, "UPDATE room SET webhook_url = NULL WHERE id = 'r1'").has_value());
  EXPECT_TRUE(RunDelivery(db(), clock_, transport_, options_, Job(1)).has_value());
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_TRUE(Log().empty());
  auto t = store::TranscriptRepository::Get(session, "t1");
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(QueueTranscriptCompleted(session, *t, kT0).has_value());
  auto jobs = store::JobRepository::List(session, {}, 10, 0);
  ASSERT_TRUE(jobs.has_value());
  EXPECT_EQ(jobs->total, 0);
}

TEST_P(DeliveryJobTest, QueueingTwiceForOneCompletionGivesOneJob) {
  auto session = db().Acquire();
  auto t = store::TranscriptRepository::Get(session, "t1");
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(QueueTranscriptCompleted(session, *t, kT0).has_value());
  ASSERT_TRUE(QueueTranscriptCompleted(session, *t, kT0 + seconds(1)).has_value());
  auto jobs = store::JobRepository::List(session, {}, 10, 0);
  ASSERT_TRUE(jobs.has_value());
  ASSERT_EQ(jobs->total, 1);
  const store::Job& job = jobs->items[0];
  EXPECT_EQ(job.kind, "room_webhook.deliver");
  EXPECT_EQ(job.max_attempts, 30);
  EXPECT_EQ(job.dedup_key, "room_webhook:transcript.completed:t1");
  EXPECT_EQ(json::parse(job.payload_json),
            json({{"transcript_id", "t1"}, {"event", "transcript.completed"}}));
}

TEST_P(DeliveryJobTest, ListRejectsBadPaging) {
  auto session = db().Acquire();
  EXPECT_EQ(DeliveryRepository::ListForRoom(session, "r1", 0, 0).error().code,
            Code::kInvalidArgument);
  EXPECT_EQ(DeliveryRepository::ListForRoom(session, "r1", 201, 0).error().code,
            Code::kInvalidArgument);
  EXPECT_EQ(DeliveryRepository::ListForRoom(session, "r1", 10, -1).error().code,
            Code::kInvalidArgument);
}

// The log is bounded per room: the oldest attempts go, other rooms' stay.
TEST_P(DeliveryJobTest, EachRoomKeepsItsNewestAttemptsOnly) {
  auto session = db().Acquire();
  store::Room other;
  other.id = "r2";
  other.name = "other";
  other.user_id = "owner";
  other.created_at = kT0;
  ASSERT_TRUE(store::RoomRepository::Create(session, other).has_value());
  auto record = [&](const char* room, int attempt) {
    Delivery d;
    d.room_id = room;
    d.event = "transcript.completed";
    d.event_id = "e" + std::to_string(attempt);
    d.attempt = attempt;
    d.outcome = std::string(outcome::kRetrying);
    d.created_at = kT0 + minutes(attempt);
    auto done = DeliveryRepository::Record(session, d, 3);
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
  };
  record("r2", 0);
  record("r2", 1);
  for (int attempt = 0; attempt < 5; ++attempt) record("r1", attempt);
  auto r1 = DeliveryRepository::ListForRoom(session, "r1", 50, 0);
  ASSERT_TRUE(r1.has_value());
  ASSERT_EQ(r1->size(), 3u);
  EXPECT_EQ((*r1)[0].attempt, 4);
  EXPECT_EQ((*r1)[2].attempt, 2);
  auto r2 = DeliveryRepository::ListForRoom(session, "r2", 50, 0);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliveryJobTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::roomhooks
