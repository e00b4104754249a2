// End-to-end: the provider webhook receivers (contract §5; providers.md §4.3 test catalogue)
// against the real binary, on SQLite and PostgreSQL. Requests are signed with the production
// helpers (SignDaily / SignWhereby) or, for the mock platform, the documented HMAC; meetings are
// seeded through the store on the server's own database, and effects are read back the same way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/time_format.hpp"
#include "platforms/daily/daily_client.hpp"
#include "platforms/daily/daily_signature.hpp"
#include "platforms/whereby/whereby_signature.hpp"
#include "store/database.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "store/recordings.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"
#include "support/child_process.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// providers.md §1.5 / reference §2.7 and providers.md §2.2 vectors.
constexpr char kDailySecret[] = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
constexpr char kDailySecretRaw[] = "reflector-test-secret-0123456789";
constexpr char kWherebySecret[] = "whereby-test-secret";
constexpr char kMockSecret[] = "mock-test-secret";
constexpr int kTolerance = 300;

constexpr char kDailyRoom[] = "standup-20260101120000";
constexpr char kDailyMeeting[] = "meeting-daily";
constexpr char kWherebyMeeting[] = "meeting-whereby";
constexpr char kMockMeeting[] = "meeting-mock";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::string NowSeconds() { return std::to_string(NowMs() / 1000); }

struct Reply {
  int status = 0;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

class WebhooksE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    Start({});
  }

  void Start(std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> env = {
        {"DAILY_WEBHOOK_SECRET", kDailySecret},
        {"WHEREBY_WEBHOOK_SECRET", kWherebySecret},
        {"MOCK_WEBHOOK_SECRET", kMockSecret},
        {"WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", std::to_string(kTolerance)},
        {"DAILYCO_STORAGE_AWS_BUCKET_NAME", "daily-bucket"},
        {"HTTP_THREADS", "8"},
        // No in-process workers: these tests read the queue as the receivers leave it.
        {"WORKER_THREADS", "0"},
        {"LOG_LEVEL", "info"}};
    for (auto& [k, v] : extra) env[k] = v;
    db_.reset();
    server_ = std::make_unique<ReflectorServer>(GetParam(), env);
    ASSERT_TRUE(server_->started()) << server_->error() << "\n" << server_->Output();
    auto opened = store::Database::Open(server_->database_url(), 2);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    db_ = std::move(*opened);
    Seed();
  }

  void Seed() {
    auto session = db_->Acquire();
    store::Room room;
    room.id = "room-1";
    room.name = "standup";
    room.user_id = "owner";
    room.created_at = *ParseIso8601("2026-01-01T00:00:00Z");
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    auto meeting = [&](const char* id, const char* platform, const char* room_name,
                       const char* provider_id) {
      store::Meeting m;
      m.id = id;
      m.room_id = "room-1";
      m.platform = platform;
      m.room_name = room_name;
      m.room_url = std::string("https://example.test/") + room_name;
      m.host_room_url = m.room_url;
      m.start_date = std::chrono::system_clock::now() - 1h;
      m.end_date = std::chrono::system_clock::now() + 7h;
      m.provider_meeting_id = provider_id;
      ASSERT_TRUE(store::MeetingRepository::Create(session, m).has_value());
    };
    meeting(kDailyMeeting, "daily", kDailyRoom, "daily-room-uuid");
    meeting(kWherebyMeeting, "whereby", "/standup-3f1c", "134");
    meeting(kMockMeeting, "mock", "standup-1234abcd", "mock-uuid");
  }

  // Whether the server's output comes to contain `text` within 5 s (it is read asynchronously,
  // so a line logged before a response may show up a moment after the response arrives).
  bool LogContains(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server_->Output().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  Reply Post(const std::string& path, const std::string& body, const httplib::Headers& headers) {
    auto res = server_->client().Post(path, headers, body, "application/json");
    if (!res) return {-1, "no response: " + httplib::to_string(res.error())};
    return {res->status, res->body};
  }

  // Signed with the production helper at `timestamp` (now by default).
  Reply Daily(const std::string& body, std::optional<std::string> timestamp = std::nullopt) {
    const std::string ts = timestamp.value_or(NowSeconds());
    return Post("/v1/daily/webhook", body,
                {{"X-Webhook-Signature", platforms::SignDaily(body, ts, kDailySecret)},
                 {"X-Webhook-Timestamp", ts}});
  }

  Reply Whereby(const std::string& body, std::optional<std::string> t = std::nullopt) {
    return Post("/v1/whereby", body,
                {{"Whereby-Signature",
                  platforms::SignWhereby(body, t.value_or(NowSeconds()), kWherebySecret)}});
  }

  Reply Mock(const std::string& body) {
    const std::string ts = NowSeconds();
    return Post("/v1/mock/webhook", body,
                {{"X-Mock-Signature", HexEncode(HmacSha256(kMockSecret, ts + "." + body))},
                 {"X-Mock-Timestamp", ts}});
  }

  static void ExpectStatus(const Reply& reply, const char* status) {
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.Json(), json({{"status", status}})) << reply.body;
  }
  static void ExpectUnauthorized(const Reply& reply, const std::string& what) {
    EXPECT_EQ(reply.status, 401) << what << ": " << reply.body;
    EXPECT_EQ(reply.Json(), json({{"detail", "Invalid webhook signature"}})) << what;
  }

  std::vector<store::ParticipantSession> Sessions(const std::string& meeting) {
    auto session = db_->Acquire();
    auto list = store::ParticipantSessionRepository::ListForMeeting(session, meeting);
    EXPECT_TRUE(list.has_value());
    return list ? *list : std::vector<store::ParticipantSession>{};
  }
  store::Meeting Meeting(const std::string& id) {
    auto session = db_->Acquire();
    auto m = store::MeetingRepository::GetById(session, id);
    EXPECT_TRUE(m.has_value());
    return m ? *m : store::Meeting{};
  }
  int64_t Count(const std::string& sql) {
    auto session = db_->Acquire();
    auto rows = store::Query(session, sql, {}, 1);
    EXPECT_TRUE(rows.has_value()) << (rows ? "" : rows.error().ToString());
    return rows ? std::stoll(rows->front()[0].value_or("-1")) : -1;
  }

  std::unique_ptr<ReflectorServer> server_;
  std::unique_ptr<store::Database> db_;
};

std::string Joined(const std::string& id, const std::string& session_id,
                   const std::string& user_name = "Alice", const char* room_key = "room") {
  return json{{"version", "1.0.0"},
              {"type", "participant.joined"},
              {"id", id},
              {"payload",
               {{room_key, kDailyRoom},
                {"user_id", "u-" + session_id},
                {"user_name", user_name},
                {"session_id", session_id},
                {"joined_at", 1767268800.96}}},
              {"event_ts", 1767268800.961}}
      .dump();
}

std::string Left(const std::string& id, const std::string& session_id, double duration = 11.4) {
  return json{{"version", "1.0.0"},
              {"type", "participant.left"},
              {"id", id},
              {"payload",
               {{"room", kDailyRoom},
                {"user_id", "u-" + session_id},
                {"user_name", "Alice"},
                {"session_id", session_id},
                {"joined_at", 1767268800.5},
                {"duration", duration}}},
              {"event_ts", 1767268800.5 + duration}}
      .dump();
}

// ---- 1. Signatures ----

TEST_P(WebhooksE2E, DailySignatureCases) {
  const std::string body = Joined("sig-1", "s1");
  const std::string ts = NowSeconds();
  const std::string good = platforms::SignDaily(body, ts, kDailySecret);
  auto post = [&](const std::string& b, httplib::Headers h) {
    return Post("/v1/daily/webhook", b, h);
  };
  std::string tampered = body;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == '1' ? '2' : '1';
  // The common mistake: the base64 text of the secret used as the key, undecoded.
  const std::string raw_key_sig = Base64Encode(HmacSha256(kDailySecret, ts + "." + body));
  // The right key, for contrast (the test must not pass by accident).
  ASSERT_EQ(Base64Encode(HmacSha256(kDailySecretRaw, ts + "." + body)), good);
  const std::string hex_sig = HexEncode(HmacSha256(*Base64Decode(kDailySecret), ts + "." + body));
  const std::string wrong_secret_sig =
      platforms::SignDaily(body, ts, Base64Encode("another-secret-0123456789abcdef"));
  ExpectUnauthorized(post(tampered, {{"X-Webhook-Signature", good}, {"X-Webhook-Timestamp", ts}}),
                     "tampered body");
  ExpectUnauthorized(
      post(body, {{"X-Webhook-Signature", wrong_secret_sig}, {"X-Webhook-Timestamp", ts}}),
      "wrong secret");
  ExpectUnauthorized(post(body, {{"X-Webhook-Signature", hex_sig}, {"X-Webhook-Timestamp", ts}}),
                     "hex digest");
  ExpectUnauthorized(
      post(body, {{"X-Webhook-Signature", raw_key_sig}, {"X-Webhook-Timestamp", ts}}),
      "secret not base64-decoded");
  ExpectUnauthorized(post(body, {{"X-Webhook-Timestamp", ts}}), "no signature header");
  ExpectUnauthorized(post(body, {{"X-Webhook-Signature", good}}), "no timestamp header");
  ExpectUnauthorized(post(body, {{"X-Webhook-Signature", ""}, {"X-Webhook-Timestamp", ts}}),
                     "empty signature");
  ExpectUnauthorized(
      post(body, {{"X-Webhook-Signature", "v1=" + good}, {"X-Webhook-Timestamp", ts}}),
      "malformed signature");
  // An invented header some public code uses: not how Daily signs.
  ExpectUnauthorized(post(body, {{"Daily-Signature", good}, {"X-Webhook-Timestamp", ts}}),
                     "daily-signature header");
  EXPECT_TRUE(Sessions(kDailyMeeting).empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM webhook_event"), 0);

  ExpectStatus(post(body, {{"X-Webhook-Signature", good}, {"X-Webhook-Timestamp", ts}}), "ok");
  EXPECT_EQ(Sessions(kDailyMeeting).size(), 1u);
}

TEST_P(WebhooksE2E, DailyKnownAnswerVectorSignsButIsTooOldToReplay) {
  // Reference §2.7 vector: our signer agrees with it...
  const std::string body =
      R"({"version":"1.0.0","type":"participant.joined","id":"ptcpt-join-1","payload":{"room":"myroom-20260101120000","user_id":"u1","user_name":"Alice","session_id":"s1","joined_at":1708972279.96},"event_ts":1708972279.961})";
  ASSERT_EQ(platforms::SignDaily(body, "1708972280", kDailySecret),
            "3oqolntpUn9l6w4S/zhp9SUppaydmhaGK9JuNde4+K0=");
  ASSERT_EQ(platforms::SignDaily(R"({"test":"test"})", "1708972280", kDailySecret),
            "oKsRuIP2An610nbXuV2BuGEm2nxp9FHQqlZjl90eJPg=");
  // ...and the captured delivery, replayed today, is outside the window (the reference accepts it).
  ExpectUnauthorized(Post("/v1/daily/webhook", body,
                          {{"X-Webhook-Signature", "3oqolntpUn9l6w4S/zhp9SUppaydmhaGK9JuNde4+K0="},
                           {"X-Webhook-Timestamp", "1708972280"}}),
                     "replayed vector");
  // The same body signed now is accepted (unknown room: ignored, still 200).
  ExpectStatus(Daily(body), "ignored");
}

TEST_P(WebhooksE2E, DailyReplayWindowBothDirectionsAndMilliseconds) {
  // Milliseconds (above 10^11) make the boundaries sharp: only transit time (< 0.5 s) separates
  // our clock from the server's. The inclusive ±tolerance edge itself is unit-tested with a fake
  // clock (platforms/daily/daily_signature_test.cpp).
  const int64_t now = NowMs();
  const int64_t tol_ms = kTolerance * 1000;
  ExpectStatus(Daily(Joined("w-old-edge", "s1"), std::to_string(now - tol_ms + 500)), "ok");
  ExpectStatus(Daily(Joined("w-new-edge", "s2"), std::to_string(now + tol_ms - 500)), "ok");
  ExpectUnauthorized(Daily(Joined("w-old", "s3"), std::to_string(NowMs() - tol_ms - 1000)),
                     "1 s too old");
  ExpectUnauthorized(Daily(Joined("w-new", "s4"), std::to_string(NowMs() + tol_ms + 1000)),
                     "1 s in the future");
  ExpectUnauthorized(
      Daily(Joined("w-sec-old", "s5"), std::to_string(NowMs() / 1000 - kTolerance - 2)),
      "seconds, too old");
  ExpectStatus(Daily(Joined("w-sec", "s6"), NowSeconds()), "ok");
  ExpectUnauthorized(Daily(Joined("w-float", "s7"), NowSeconds() + ".5"), "float timestamp");
  ExpectUnauthorized(Daily(Joined("w-text", "s8"), "yesterday"), "non-numeric timestamp");
  EXPECT_EQ(Sessions(kDailyMeeting).size(), 3u);
}

TEST_P(WebhooksE2E, WherebySignatureCasesAndKnownAnswer) {
  ASSERT_EQ(
      platforms::SignWhereby(
          R"({"id":"evt_1","type":"room.client.joined","data":{"meetingId":"134","numClients":1}})",
          "1606227791", kWherebySecret),
      "t=1606227791,v1=470c6a25a83682665861b17fcd55731b945efcec8616a2e789919291698eb9a0");
  // The vector itself is years old: refused (the reference accepts only one direction).
  ExpectUnauthorized(
      Post(
          "/v1/whereby",
          R"({"id":"evt_1","type":"room.client.joined","data":{"meetingId":"134","numClients":1}})",
          {{"Whereby-Signature",
            "t=1606227791,v1=470c6a25a83682665861b17fcd55731b945efcec8616a2e789919291698eb9a0"}}),
      "old vector");

  const std::string body =
      R"({"id":"wb-1","apiVersion":"1.0","createdAt":"2026-01-01T12:00:00.000Z","type":"room.client.joined","data":{"meetingId":"134","roomName":"/standup-3f1c","participantId":"p1","displayName":"Zoë","numClients":3}})";
  const std::string t = NowSeconds();
  const std::string good = platforms::SignWhereby(body, t, kWherebySecret);  // t=..,v1=..
  const std::string v1 = good.substr(good.find("v1=") + 3);
  const std::string bad_v1(64, 'a');
  auto post = [&](std::optional<std::string> header) {
    httplib::Headers h;
    if (header) h.emplace("Whereby-Signature", *header);
    return Post("/v1/whereby", body, h);
  };
  ExpectUnauthorized(post(std::nullopt), "missing header (the reference answers 500)");
  ExpectUnauthorized(post(""), "empty header");
  ExpectUnauthorized(post("v1=" + v1), "no t");
  ExpectUnauthorized(post("t=" + t + ",v1=" + bad_v1), "wrong v1");
  ExpectUnauthorized(post("t=abc,v1=" + v1), "non-numeric t");
  ExpectUnauthorized(post("t=" + t + ".5,v1=" + v1), "float t");
  ExpectUnauthorized(post("t=" + t + ",v1=" + v1.substr(0, 63)), "short v1");
  ExpectUnauthorized(
      post("t=" + std::to_string(NowMs() / 1000 - kTolerance - 2) + ",v1=" +
           HexEncode(HmacSha256(kWherebySecret,
                                std::to_string(NowMs() / 1000 - kTolerance - 2) + "." + body))),
      "too old");
  EXPECT_EQ(Meeting(kWherebyMeeting).num_clients, 0);
  // Several v1 entries (a secret roll): one matching is enough.
  ExpectStatus(post("t=" + t + ",v1=" + bad_v1 + ",v1=" + v1), "ok");
  EXPECT_EQ(Meeting(kWherebyMeeting).num_clients, 3);
  auto sessions = Sessions(kWherebyMeeting);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].user_name, "Zoë");
}

TEST_P(WebhooksE2E, UnsetSecretsRejectEverythingAndLogAnError) {
  Start({{"DAILY_WEBHOOK_SECRET", ""}, {"WHEREBY_WEBHOOK_SECRET", ""}});
  ExpectUnauthorized(Daily(R"({"test":"test"})"), "daily without secret");
  ExpectUnauthorized(Whereby(R"({"id":"x"})"), "whereby without secret");
  EXPECT_TRUE(LogContains("daily webhook rejected: secret_not_configured")) << server_->Output();
  EXPECT_TRUE(LogContains("whereby webhook rejected: secret_not_configured")) << server_->Output();
}

// ---- 3. Raw-body fidelity ----

TEST_P(WebhooksE2E, RawBytesAreVerifiedNotReserialisedJson) {
  // Odd whitespace, key order and raw UTF-8: signed and verified as sent.
  const std::string body =
      "{ \"payload\" : {\"session_id\":\"s-utf8\", \"user_name\" : \"Zoë 😀 Ünïcødé\",\n"
      "  \"room\":\"" +
      std::string(kDailyRoom) +
      "\", \"joined_at\": 1767268800 },\n\t\"type\":\"participant.joined\", \"id\":\"utf8-1\", "
      "\"version\":\"1.0.0\" }";
  ExpectStatus(Daily(body), "ok");
  auto sessions = Sessions(kDailyMeeting);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].user_name, "Zoë 😀 Ünïcødé");
  // The signature of those bytes does not cover their compact re-serialisation.
  const std::string ts = NowSeconds();
  ExpectUnauthorized(Post("/v1/daily/webhook", json::parse(body).dump(),
                          {{"X-Webhook-Signature", platforms::SignDaily(body, ts, kDailySecret)},
                           {"X-Webhook-Timestamp", ts}}),
                     "re-serialised");
  // Whereby with a raw UTF-8 display name (the reference re-serialises with \u escapes).
  ExpectStatus(
      Whereby(
          R"({"id":"wb-utf8","apiVersion":"1.0","createdAt":"2026-01-01T12:00:00Z","type":"room.client.joined","data":{"meetingId":"134","roomName":"/r-é","participantId":"p","displayName":"Zoë","numClients":1}})"),
      "ok");
  EXPECT_EQ(Sessions(kWherebyMeeting)[0].user_name, "Zoë");
}

TEST_P(WebhooksE2E, LargeRawTracksPayloadAndBodyLimit) {
  json tracks = json::array();
  for (int i = 0; i < 2000; ++i) {
    tracks.push_back({{"type", i % 2 == 0 ? "audio" : "video"},
                      {"s3Key", "bucket/" + std::string(kDailyRoom) + "/1767268800000-track-" +
                                    std::to_string(i) + "-cam-" + (i % 2 == 0 ? "audio" : "video")},
                      {"size", 831843 + i}});
  }
  const std::string body = json{
      {"version", "1.0.0"},
      {"type", "recording.ready-to-download"},
      {"id", "rec-rtd-big"},
      {"payload",
       {{"type", "raw-tracks"},
        {"recording_id", "rec-big"},
        {"room_name", kDailyRoom},
        {"start_ts", 1767268800},
        {"status", "finished"},
        {"max_participants", 1000},
        {"duration", 62},
        {"s3_key", "bucket/room/1767268800000"},
        {"tracks", tracks}}},
      {"event_ts", 1767268900}}.dump();
  ASSERT_GT(body.size(), 200000u);
  ASSERT_LT(body.size(), 1u << 20);
  ExpectStatus(Daily(body), "ok");
  auto session = db_->Acquire();
  auto rec = store::RecordingRepository::GetByProviderId(session, "rec-big");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(json::parse(*rec->track_keys).size(), 1000u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job WHERE kind = 'recording.process'"), 1);

  // Over 1 MiB: 413 before anything else.
  std::string huge = R"({"test":")" + std::string((1 << 20) + 10, 'x') + "\"}";
  auto res = Daily(huge);
  EXPECT_EQ(res.status, 413) << res.body.substr(0, 200);
}

// ---- 4. Duplicates ----

TEST_P(WebhooksE2E, DuplicateDeliveriesHaveOneEffect) {
  const std::string body = Joined("dup-1", "s1");
  ExpectStatus(Daily(body), "ok");
  ExpectStatus(Daily(body), "duplicate");
  EXPECT_EQ(Sessions(kDailyMeeting).size(), 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM webhook_event"), 1);
}

TEST_P(WebhooksE2E, ConcurrentDuplicateDeliveriesHaveExactlyOneEffect) {
  constexpr int kCopies = 12;
  const std::string body = Left("dup-concurrent", "s1");
  const std::string ts = NowSeconds();
  const std::string sig = platforms::SignDaily(body, ts, kDailySecret);
  std::atomic<bool> go{false};
  std::vector<Reply> replies(kCopies);
  std::vector<std::thread> threads;
  const int port = server_->port();
  for (int i = 0; i < kCopies; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(30, 0);
      while (!go.load()) std::this_thread::yield();
      auto res = client.Post("/v1/daily/webhook",
                             {{"X-Webhook-Signature", sig}, {"X-Webhook-Timestamp", ts}}, body,
                             "application/json");
      replies[i] = res ? Reply{res->status, res->body} : Reply{-1, "no response"};
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int ok = 0, duplicate = 0;
  for (const auto& r : replies) {
    ASSERT_EQ(r.status, 200) << r.body;
    if (r.Json() == json({{"status", "ok"}})) ++ok;
    if (r.Json() == json({{"status", "duplicate"}})) ++duplicate;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(duplicate, kCopies - 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM webhook_event"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM participant_session"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job"), 1);
}

// ---- 5. Out of order ----

TEST_P(WebhooksE2E, DailyLeftBeforeJoinedStaysClosed) {
  ExpectStatus(Daily(Left("l1", "s1", 30)), "ok");
  ExpectStatus(Daily(Joined("j1", "s1")), "ok");
  auto sessions = Sessions(kDailyMeeting);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].open());
  EXPECT_TRUE(sessions[0].joined_at.has_value());
  EXPECT_EQ(Meeting(kDailyMeeting).num_clients, 0);
  // Presence reconciliation queued once per meeting (coalesced).
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job WHERE kind = 'daily.presence_reconcile' AND "
                  "dedup_key = 'presence:meeting-daily' AND status = 'queued'"),
            1);
}

TEST_P(WebhooksE2E, MeetingEndedBeforeFinalLeft) {
  ExpectStatus(Daily(Joined("j1", "s1")), "ok");
  ExpectStatus(Daily(Joined("j2", "s2", "Bob", "room_name")), "ok");  // room_name alias
  EXPECT_EQ(Meeting(kDailyMeeting).num_clients, 2);
  ExpectStatus(Daily(json{{"version", "1.0.0"},
                          {"type", "meeting.ended"},
                          {"id", "me-1"},
                          {"payload",
                           {{"room", kDailyRoom},
                            {"meeting_id", "daily-session-1"},
                            {"start_ts", 1767268800},
                            {"end_ts", 1767269800.5}}},
                          {"event_ts", 1767269801}}
                         .dump()),
               "ok");
  EXPECT_TRUE(Meeting(kDailyMeeting).is_active);  // history only, no deactivation
  ExpectStatus(Daily(Left("l1", "s1")), "ok");
  ExpectStatus(Daily(Left("l2", "s2")), "ok");
  EXPECT_EQ(Meeting(kDailyMeeting).num_clients, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM meeting_session WHERE ended_at IS NOT NULL AND "
                  "started_at IS NOT NULL AND provider_session_id = 'daily-session-1'"),
            1);
}

std::string RawTracks(const std::string& id, const std::string& recording_id, const char* tracks) {
  return std::string(R"({"version":"1.0.0","type":"recording.ready-to-download","id":")") + id +
         R"(","payload":{"type":"raw-tracks","recording_id":")" + recording_id +
         R"(","room_name":"standup-20260101120000","start_ts":1767268800,"status":"finished",)"
         R"("max_participants":2,"duration":62,"s3_key":"b/standup/1767268800000","tracks":)" +
         tracks + R"(},"event_ts":1767268900.25})";
}

TEST_P(WebhooksE2E, RecordingReadyBeforeStartedAndErrorPlusReady) {
  ExpectStatus(
      Daily(RawTracks(
          "rtd-1", "rec-1",
          R"([{"type":"audio","s3Key":"a1","size":1},{"type":"video","s3Key":"v1","size":2}])")),
      "ok");
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"recording.started","id":"rs-1","payload":{"room_name":"standup-20260101120000","recording_id":"rec-1","instance_id":"x","start_ts":1767268799.5},"event_ts":1767268800})"),
      "ok");
  // A repeat of the ready under another event id: still one job.
  ExpectStatus(Daily(RawTracks("rtd-1b", "rec-1", R"([{"type":"audio","s3Key":"a1"}])")), "ok");
  {
    auto session = db_->Acquire();
    auto rec = store::RecordingRepository::GetByProviderId(session, "rec-1");
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->status, "pending");  // queued for processing (no workers here)
    EXPECT_TRUE(rec->queued_at.has_value());
    EXPECT_EQ(rec->meeting_id, kDailyMeeting);
    EXPECT_EQ(rec->bucket_name, "daily-bucket");
    EXPECT_EQ(json::parse(*rec->track_keys), json({"a1"}));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job WHERE kind = 'recording.process'"), 1);

  // recording.error (string timestamp, the documented typo) then ready for the cloud recording.
  ExpectStatus(
      Daily(
          std::string(
              R"({"version":"1.0.0","type":"recording.error","id":"re-1","payload":{"action":"clourd-recording-err","error_msg":"upload failed","instance_id":")") +
          kDailyMeeting +
          R"(","room_name":"standup-20260101120000","timestamp":"1767268950"},"event_ts":1767268951})"),
      "ok");
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM recording WHERE status = 'failed' AND error = 'upload failed'"),
      1);
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"recording.ready-to-download","id":"rc-1","payload":{"type":"cloud","recording_id":"rec-cloud","room_name":"standup-20260101120000","start_ts":1767268800,"status":"finished","duration":3605,"s3_key":"b/composed.mp4","tracks":null},"event_ts":1767272500})"),
      "ok");
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"recording.ready-to-download","id":"rc-2","payload":{"type":"cloud","recording_id":"rec-cloud-2","room_name":"standup-20260101120000","start_ts":1767268800,"status":"finished","duration":10,"s3_key":"b/other.mp4"},"event_ts":1767272600})"),
      "ok");
  auto meeting = Meeting(kDailyMeeting);
  EXPECT_EQ(meeting.daily_composed_video_s3_key, "b/composed.mp4");  // set once
  EXPECT_EQ(meeting.daily_composed_video_duration, 3605);
  auto session = db_->Acquire();
  auto cloud = store::RecordingRepository::GetByProviderId(session, "rec-cloud");
  ASSERT_TRUE(cloud.has_value());
  EXPECT_EQ(cloud->status, "pending");
  EXPECT_TRUE(cloud->queued_at.has_value());
  EXPECT_EQ(cloud->error, "upload failed");  // the error was adopted, ready wins
  EXPECT_EQ(Count("SELECT COUNT(*) FROM recording WHERE status = 'failed'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job WHERE kind = 'recording.process'"), 3);
}

TEST_P(WebhooksE2E, RawTracksWithNullTracksQueuesNothing) {
  ExpectStatus(Daily(RawTracks("rtd-null", "rec-null", "null")), "ok");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM recording WHERE provider_recording_id = 'rec-null'"), 1);
}

TEST_P(WebhooksE2E, WherebyOlderNumClientsArrivingLastDoesNotWin) {
  auto event = [](const std::string& id, const char* type, const char* created, const char* who,
                  int num) {
    return json{{"id", id},
                {"apiVersion", "1.0"},
                {"createdAt", created},
                {"type", type},
                {"data",
                 {{"meetingId", "134"},
                  {"roomName", "/standup-3f1c"},
                  {"participantId", who},
                  {"displayName", who},
                  {"roleName", "member"},
                  {"numClients", num}}}}
        .dump();
  };
  ExpectStatus(Whereby(event("w1", "room.client.joined", "2026-01-01T12:00:01.000Z", "p1", 1)),
               "ok");
  ExpectStatus(Whereby(event("w3", "room.client.joined", "2026-01-01T12:00:03.000Z", "p2", 2)),
               "ok");
  ExpectStatus(Whereby(event("w2", "room.client.left", "2026-01-01T12:00:02.000Z", "p1", 0)), "ok");
  EXPECT_EQ(Meeting(kWherebyMeeting).num_clients, 2);
  auto sessions = Sessions(kWherebyMeeting);
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions[0].open());
  // Session history and recordings; unknown meeting and unhandled type: 200 ignored.
  ExpectStatus(
      Whereby(
          R"({"id":"ws1","apiVersion":"1.0","createdAt":"2026-01-01T12:00:04Z","type":"room.session.ended","data":{"meetingId":"134","roomSessionId":"rs-1"}})"),
      "ok");
  ExpectStatus(
      Whereby(
          R"({"id":"wr1","apiVersion":"1.0","createdAt":"2026-01-01T12:30:00Z","type":"recording.finished","data":{"meetingId":"134","recordingId":"wrec-1","filename":"standup.mp4","status":"completed"}})"),
      "ok");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job WHERE kind = 'recording.process'"), 1);
  ExpectStatus(
      Whereby(
          R"({"id":"wu","apiVersion":"1.0","createdAt":"2026-01-01T12:00:00Z","type":"room.client.joined","data":{"meetingId":"999","numClients":1}})"),
      "ignored");
  ExpectStatus(
      Whereby(
          R"({"id":"wk","apiVersion":"1.0","createdAt":"2026-01-01T12:00:00Z","type":"room.client.knocked","data":{"meetingId":"134"}})"),
      "ignored");
  ExpectStatus(
      Whereby(
          R"({"id":"wbad","apiVersion":"1.0","type":"room.client.joined","data":{"meetingId":"134"}})"),
      "ignored");
}

// ---- 6./7. Quirks and response policy ----

TEST_P(WebhooksE2E, PingUnknownAndInvalidBodies) {
  ExpectStatus(Daily(R"({"test":"test"})"), "ok");
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"streaming.started","id":"u1","payload":{"room":"x"},"event_ts":1})"),
      "ignored");
  ExpectStatus(Daily(Joined("unknown-room", "s1")
                         .replace(Joined("unknown-room", "s1").find(kDailyRoom),
                                  std::string(kDailyRoom).size(), "nowhere")),
               "ignored");
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"participant.joined","id":"noroom","payload":{"session_id":"s","joined_at":1}})"),
      "ignored");
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"participant.joined","id":"badtype","payload":{"room":"standup-20260101120000","session_id":5}})"),
      "ignored");
  ExpectStatus(
      Daily(
          R"({"version":"1.0.0","type":"recording.ready-to-download","id":"inprog","payload":{"type":"cloud","recording_id":"r","room_name":"standup-20260101120000","status":"in-progress","s3_key":"k"}})"),
      "ignored");
  for (const char* body : {"not json", "[1,2,3]", "\"string\"", ""}) {
    auto reply = Daily(body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.Json(), json({{"detail", "Invalid JSON"}})) << body;
    auto whereby = Whereby(body);
    EXPECT_EQ(whereby.status, 400) << body;
    EXPECT_EQ(whereby.Json(), json({{"detail", "Invalid JSON"}})) << body;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM webhook_event"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM participant_session"), 0);
  // Every ignored event leaves a log line with its reason.
  for (const char* line :
       {"event ignored: event type not handled (id u1", "event ignored: unknown room nowhere",
        "event ignored: payload has no room or room_name"}) {
    EXPECT_TRUE(LogContains(line)) << line << "\n" << server_->Output();
  }
}

TEST_P(WebhooksE2E, MockReceiverTracksParticipantsWithoutPresenceJobs) {
  const std::string joined =
      R"({"version":"1.0.0","type":"participant.joined","id":"m-1","event_ts":1767268800,"payload":{"room":"standup-1234abcd","session_id":"p1","user_name":"Zoë","joined_at":1767268800}})";
  ExpectStatus(Mock(joined), "ok");
  ExpectStatus(Mock(joined), "duplicate");
  EXPECT_EQ(Meeting(kMockMeeting).num_clients, 1);
  ExpectStatus(
      Mock(
          R"({"version":"1.0.0","type":"participant.left","id":"m-2","event_ts":1767268900,"payload":{"room":"standup-1234abcd","session_id":"p1","joined_at":1767268800,"duration":100}})"),
      "ok");
  EXPECT_EQ(Meeting(kMockMeeting).num_clients, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job"), 0);
  const std::string ts = NowSeconds();
  ExpectUnauthorized(Post("/v1/mock/webhook", joined,
                          {{"X-Mock-Signature", HexEncode(HmacSha256("wrong", ts + "." + joined))},
                           {"X-Mock-Timestamp", ts}}),
                     "mock wrong secret");
}

// Whereby's docs suggest 60 s; ours is WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS, both directions.
TEST_P(WebhooksE2E, WherebyWindowIsOurConfiguredTolerance) {
  const std::string body =
      R"({"id":"win-1","apiVersion":"1.0","createdAt":"2026-01-01T12:00:00Z","type":"room.client.joined","data":{"meetingId":"134","participantId":"p1","numClients":1}})";
  const int64_t now = NowMs() / 1000;
  ExpectStatus(Whereby(body, std::to_string(now - 120)), "ok");  // 300 s window: accepted
  Start({{"WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "60"}});
  ExpectUnauthorized(Whereby(body, std::to_string(NowMs() / 1000 - 120)), "older than 60 s");
  ExpectUnauthorized(Whereby(body, std::to_string(NowMs() / 1000 + 120)), "60 s in the future");
  ExpectStatus(Whereby(body, std::to_string(NowMs() / 1000 - 30)), "ok");
}

TEST_P(WebhooksE2E, OpenApiDocumentsTheReceiversAndTheyAnswerFast) {
  auto res = server_->client().Get("/openapi.json");
  ASSERT_TRUE(res);
  const json doc = json::parse(res->body);
  for (const char* path : {"/v1/daily/webhook", "/v1/whereby", "/v1/mock/webhook"}) {
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    const json& responses = doc["paths"][path]["post"]["responses"];
    for (const char* code : {"200", "400", "401", "413", "503"}) {
      EXPECT_TRUE(responses.contains(code)) << path << " " << code;
    }
  }
  EXPECT_THAT(doc["paths"]["/v1/mock/webhook"]["post"]["description"].get<std::string>(),
              ::testing::HasSubstr("X-Mock-Signature"));
  // Contract §5: the receiver answers fast (heavy work is queued). Generous bound for a shared
  // 2-core machine; Whereby cuts at 5 s, Daily counts slow answers as failures.
  const auto start = std::chrono::steady_clock::now();
  ExpectStatus(Daily(Joined("fast-1", "s1")), "ok");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhooksE2E, ::testing::Values("sqlite", "postgres"));

// ---- DB unavailable → 503, then the provider's retry succeeds ----

std::map<std::string, std::string> ScriptEnv() {
  return {{"PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}};
}

TEST(WebhooksPostgresDown, AnswersServiceUnavailableAndTheRetrySucceeds) {
  TempDir dir;
  auto run = [&](const std::string& action) {
    return RunToCompletion({REFLECTOR_PG_SCRIPT, action, dir.path() + "/pg"}, ScriptEnv(),
                           dir.path(), 120s);
  };
  auto [start_code, start_out] = run("start");
  ASSERT_EQ(start_code, 0) << start_out;
  std::string url;
  {
    std::ifstream in(dir.path() + "/pg/url");
    std::getline(in, url);
  }
  struct Stopper {
    std::function<void()> f;
    ~Stopper() { f(); }
  } stopper{[&] { run("stop"); }};

  ChildProcess server({REFLECTOR_BINARY, "serve"},
                      {{"PATH", "/usr/bin:/bin"},
                       {"DATABASE_URL", url},
                       {"PORT", "0"},
                       {"DATABASE_POOL_SIZE", "2"},
                       {"DAILY_WEBHOOK_SECRET", kDailySecret}},
                      dir.path());
  auto m = server.WaitForOutput(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 60s);
  ASSERT_TRUE(m) << server.Output();
  {
    auto opened = store::Database::Open(url, 1);
    ASSERT_TRUE(opened.has_value());
    auto session = (*opened)->Acquire();
    store::Room room;
    room.id = "room-1";
    room.name = "standup";
    room.user_id = "owner";
    room.created_at = std::chrono::system_clock::now();
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    store::Meeting meeting;
    meeting.id = kDailyMeeting;
    meeting.room_id = "room-1";
    meeting.platform = "daily";
    meeting.room_name = kDailyRoom;
    meeting.room_url = meeting.host_room_url = "https://example.test/x";
    meeting.start_date = std::chrono::system_clock::now();
    meeting.end_date = meeting.start_date + 8h;
    ASSERT_TRUE(store::MeetingRepository::Create(session, meeting).has_value());
  }
  httplib::Client client("127.0.0.1", std::stoi((*m)[1]));
  client.set_read_timeout(30, 0);
  const std::string body = Joined("down-1", "s1");
  auto send = [&] {
    const std::string ts = NowSeconds();
    return client.Post("/v1/daily/webhook",
                       {{"X-Webhook-Signature", platforms::SignDaily(body, ts, kDailySecret)},
                        {"X-Webhook-Timestamp", ts}},
                       body, "application/json");
  };

  auto [pause_code, pause_out] = run("pause");
  ASSERT_EQ(pause_code, 0) << pause_out;
  auto down = send();
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503) << down->body;

  auto [resume_code, resume_out] = run("resume");
  ASSERT_EQ(resume_code, 0) << resume_out;
  // The provider retries: poll at a request cadence until the database is back.
  int status = -1;
  std::string last;
  for (auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;) {
    auto retry = send();
    status = retry ? retry->status : -1;
    last = retry ? retry->body : "";
    if (status != 503) break;
    std::this_thread::sleep_for(200ms);  // a retry cadence, not a synchronisation wait
  }
  EXPECT_EQ(status, 200) << last << "\n" << server.Output();
  EXPECT_EQ(json::parse(last, nullptr, false), json({{"status", "ok"}}));
  auto opened = store::Database::Open(url, 1);
  ASSERT_TRUE(opened.has_value());
  auto session = (*opened)->Acquire();
  auto sessions = store::ParticipantSessionRepository::ListForMeeting(session, kDailyMeeting);
  ASSERT_TRUE(sessions.has_value());
  EXPECT_EQ(sessions->size(), 1u);
  server.Signal(SIGTERM);
  EXPECT_TRUE(server.WaitForExit(15s).has_value());
}

}  // namespace
}  // namespace reflector::testing
