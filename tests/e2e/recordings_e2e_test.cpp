// End-to-end: recordings from every source of contract §7.1 through the real binary and its
// in-process workers, on SQLite and PostgreSQL — upload chunks, the mock platform's recording,
// Daily cloud (access link + safe download), Daily raw tracks (the Daily bucket), Whereby (the
// Whereby bucket) — and the bad inputs that must fail with a reason (§7.2, §7.3). Audio is made
// at test time with espeak-ng and the ffmpeg CLI; providers and buckets are loopback fakes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "core/time_format.hpp"
#include "fakes/fake_daily_server.hpp"
#include "fakes/fake_file_server.hpp"
#include "fakes/fake_openai_transcription_server.hpp"
#include "fakes/fake_s3_server.hpp"
#include "fakes/fake_sqs_server.hpp"
#include "platforms/daily/daily_signature.hpp"
#include "platforms/whereby/whereby_signature.hpp"
#include "store/database.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"
#include "support/child_process.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr char kDailySecret[] = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
constexpr char kWherebySecret[] = "whereby-test-secret";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Generated media, made once per test binary run.
class Fixtures {
 public:
  static const Fixtures& Get() {
    static Fixtures f;
    return f;
  }
  fs::path dir;
  std::string speech_webm;  // ~3 s of speech, Opus in WebM
  std::string speech_mp4;   // the same, AAC in MP4
  std::string tone_webm;    // 2 s of a 440 Hz tone, Opus in WebM
  std::string video_only;   // MP4 with a video stream and no audio
  std::string long_wav;     // 100 s of a tone, 3.2 MB: larger than the default body limit
  bool ok = false;
  std::string error;

 private:
  Fixtures() {
    dir = fs::temp_directory_path() / ("reflector-rec-fixtures-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string d = dir.string();
    const std::string script =
        "set -e; cd '" + d +
        "'; espeak-ng -v en-us -s 160 -w speech.wav 'Reflector turns every meeting into a "
        "searchable transcript' ; ffmpeg -loglevel error -y -i speech.wav -c:a libopus -b:a 32k "
        "speech.webm; ffmpeg -loglevel error -y -i speech.wav -c:a aac -b:a 64k speech.mp4; "
        "ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=2 -c:a libopus "
        "tone.webm; ffmpeg -loglevel error -y -f lavfi -i testsrc=duration=1:size=64x64:rate=10 "
        "-an -c:v mpeg4 video.mp4; ffmpeg -loglevel error -y -f lavfi -i "
        "sine=frequency=300:duration=100 -ar 16000 -ac 1 long.wav";
    const int rc = std::system(("bash -c \"" + script + "\" >/dev/null 2>&1").c_str());
    if (rc != 0) {
      error = "fixture generation failed (espeak-ng/ffmpeg), exit " + std::to_string(rc);
      return;
    }
    speech_webm = ReadFile(dir / "speech.webm");
    speech_mp4 = ReadFile(dir / "speech.mp4");
    tone_webm = ReadFile(dir / "tone.webm");
    video_only = ReadFile(dir / "video.mp4");
    long_wav = ReadFile(dir / "long.wav");
    ok = !speech_webm.empty() && !speech_mp4.empty() && !tone_webm.empty() && !video_only.empty() &&
         long_wav.size() > (size_t{2} << 20);
    if (!ok) error = "a fixture is empty";
  }
};

std::string Multipart(const std::string& boundary, const std::string& data,
                      const std::string& content_type) {
  return "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"blob\"\r\nContent-Type: " +
         content_type + "\r\n\r\n" + data + "\r\n--" + boundary + "--\r\n";
}

fakes::FakeS3Server::Options S3Options() {
  fakes::FakeS3Server::Options options;
  options.buckets = {"daily-bucket", "whereby-bucket", "transcripts-bucket"};
  return options;
}

class RecordingsE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    ASSERT_TRUE(Fixtures::Get().ok) << Fixtures::Get().error;
  }

  void Start(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {
        {"DAILY_API_KEY", daily_.api_key()},
        {"DAILY_API_URL", daily_.api_url()},
        {"DAILY_WEBHOOK_SECRET", kDailySecret},
        {"DAILYCO_STORAGE_AWS_BUCKET_NAME", "daily-bucket"},
        {"DAILYCO_STORAGE_AWS_REGION", "us-east-1"},
        {"DAILYCO_STORAGE_AWS_ACCESS_KEY_ID", s3_.options().access_key_id},
        {"DAILYCO_STORAGE_AWS_SECRET_ACCESS_KEY", s3_.options().secret_access_key},
        {"DAILYCO_STORAGE_AWS_ENDPOINT_URL", s3_.endpoint()},
        {"WHEREBY_WEBHOOK_SECRET", kWherebySecret},
        {"WHEREBY_STORAGE_AWS_BUCKET_NAME", "whereby-bucket"},
        {"WHEREBY_STORAGE_AWS_REGION", "us-east-1"},
        {"WHEREBY_STORAGE_AWS_ACCESS_KEY_ID", s3_.options().access_key_id},
        {"WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY", s3_.options().secret_access_key},
        {"WHEREBY_STORAGE_AWS_ENDPOINT_URL", s3_.endpoint()},
        {"DOWNLOAD_ALLOWED_HOSTS", "127.0.0.1"},
        {"TRANSCRIPT_BACKEND", "none"},
        {"WORKER_THREADS", "2"},
        {"LOG_LEVEL", "info"}};
    for (auto& [k, v] : extra) env[k] = v;
    server_ = std::make_unique<ReflectorServer>(GetParam(), env);
    ASSERT_TRUE(server_->started()) << server_->error() << "\n" << server_->Output();
    auto opened = store::Database::Open(server_->database_url(), 2);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    db_ = std::move(*opened);
  }

  httplib::Client& api() { return server_->client(); }

  // A room on `platform` with one active meeting (created through the API for mock rooms; seeded
  // for provider rooms). Returns the meeting id.
  std::string MockMeeting(const std::string& room) {
    auto r = api().Post("/v1/rooms", json{{"name", room}, {"platform", "mock"}}.dump(),
                        "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    auto m = api().Post("/v1/rooms/" + room + "/meeting", "{}", "application/json");
    EXPECT_TRUE(m && m->status == 200) << (m ? m->body : "no answer");
    return json::parse(m->body).value("id", "");
  }

  void SeedProviderMeeting(const std::string& id, const std::string& platform,
                           const std::string& room_name, const std::string& provider_id) {
    auto session = db_->Acquire();
    store::Room room;
    room.id = "room-" + id;
    room.name = "room-" + id;
    room.user_id = "local-owner";
    room.platform = platform;
    room.created_at = std::chrono::system_clock::now();
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    store::Meeting m;
    m.id = id;
    m.room_id = room.id;
    m.platform = platform;
    m.room_name = room_name;
    m.room_url = "https://example.test/" + room_name;
    m.host_room_url = m.room_url;
    m.start_date = std::chrono::system_clock::now() - 1h;
    m.end_date = std::chrono::system_clock::now() + 7h;
    m.provider_meeting_id = provider_id;
    ASSERT_TRUE(store::MeetingRepository::Create(session, m).has_value());
  }

  // Polls the meeting's recordings until every one is ready or failed (at most `timeout`).
  json WaitForRecordings(const std::string& meeting_id, size_t count,
                         std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = api().Get("/v1/meetings/" + meeting_id + "/recordings");
      if (r && r->status == 200) {
        last = json::parse(r->body);
        bool settled = last.size() >= count;
        for (const auto& rec : last) {
          const std::string status = rec.value("status", "");
          settled = settled && (status == "ready" || status == "failed");
        }
        if (settled) return last;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "recordings of " << meeting_id << " not settled: " << last.dump() << "\n"
                  << server_->Output();
    return last;
  }

  // Polls a transcript until it is ended or error (at most `timeout`); `format` as the API takes.
  json WaitForTranscript(const std::string& id, const std::string& format = "text",
                         std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = api().Get("/v1/transcripts/" + id + "?transcript_format=" + format);
      if (r && r->status == 200) {
        last = json::parse(r->body);
        if (last["status"] == "ended" || last["status"] == "error") return last;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "transcript " << id << " not settled: " << last.dump() << "\n"
                  << server_->Output();
    return last;
  }

  // Signed as Whereby does, at the current time.
  httplib::Result PostWhereby(const std::string& body) {
    const std::string t = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    return api().Post("/v1/whereby",
                      {{"Whereby-Signature", platforms::SignWhereby(body, t, kWherebySecret)}},
                      body, "application/json");
  }

  httplib::Result PostDaily(const std::string& body) {
    const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    return api().Post("/v1/daily/webhook",
                      {{"X-Webhook-Signature", platforms::SignDaily(body, ts, kDailySecret)},
                       {"X-Webhook-Timestamp", ts}},
                      body, "application/json");
  }

  // Posts the speech fixture as the mock room's recording and returns its transcript id once the
  // recording is ready.
  std::string RecordSpeech(const std::string& room) {
    const std::string meeting = MockMeeting(room);
    auto posted = api().Post("/v1/mock/rooms/" + room + "/recording", Fixtures::Get().speech_webm,
                             "audio/webm");
    EXPECT_TRUE(posted && posted->status == 202) << (posted ? posted->body : "");
    const json recs = WaitForRecordings(meeting, 1);
    if (recs.size() != 1 || !recs[0]["transcript_id"].is_string()) {
      ADD_FAILURE() << recs.dump();
      return "";
    }
    return recs[0]["transcript_id"];
  }

  std::map<std::string, std::string> OpenAiEnv() {
    return {{"TRANSCRIPT_BACKEND", "openai"},
            {"TRANSCRIPT_URL", openai_.url()},
            {"TRANSCRIPT_API_KEY", "sk-test-key"}};
  }

  fakes::FakeDailyServer daily_;
  fakes::FakeOpenAiTranscriptionServer openai_{{"sk-test-key"}};
  fakes::FakeFileServer files_;
  fakes::FakeS3Server s3_{S3Options()};
  std::unique_ptr<ReflectorServer> server_;
  std::unique_ptr<store::Database> db_;
};

// The last chunk's work (join the parts, create the recording, queue it) commits as one; when the
// commit fails, the parts stay so that the client's retry of that chunk completes the upload.
// Fails with the parts removed before the commit (as they were before the fix).
TEST_P(RecordingsE2E, UploadWhoseLastChunkFailsToCommitCanBeRetried) {
  Start();
  auto created = api().Post("/v1/transcripts", R"({"name":"retried"})", "application/json");
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "");
  const std::string id = json::parse(created->body)["id"];
  const std::string& audio = Fixtures::Get().speech_mp4;
  const size_t half = audio.size() / 2;
  const std::string boundary = "----reflector-test";
  const std::string type = "multipart/form-data; boundary=" + boundary;
  const std::string path = "/v1/transcripts/" + id + "/record/upload?total_chunks=2&chunk_number=";
  auto first =
      api().Post(path + "0", Multipart(boundary, audio.substr(0, half), "audio/mp4"), type);
  ASSERT_TRUE(first && first->status == 200) << (first ? first->body : "");
  // The last chunk's transaction fails at its COMMIT: a deferred check that its recording job
  // breaks (PostgreSQL: a deferred constraint trigger; SQLite: a deferred foreign key).
  const bool pg = GetParam() == "postgres";
  auto exec = [&](const std::string& sql) {
    auto session = db_->Acquire();
    auto done = store::Exec(session, sql);
    ASSERT_TRUE(done.has_value()) << sql << ": " << done.error().ToString();
  };
  if (pg) {
    exec(
        "CREATE FUNCTION test_refuse_job() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'injected failure at commit'; END $$");
    exec(
        "CREATE CONSTRAINT TRIGGER test_refuse_job AFTER INSERT ON job "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "WHEN (NEW.kind = 'recording.process') EXECUTE FUNCTION test_refuse_job()");
  } else {
    exec("CREATE TABLE test_parent (id INTEGER PRIMARY KEY)");
    exec(
        "CREATE TABLE test_child (parent INTEGER REFERENCES test_parent (id) "
        "DEFERRABLE INITIALLY DEFERRED)");
    exec(
        "CREATE TRIGGER test_refuse_job AFTER INSERT ON job WHEN NEW.kind = "
        "'recording.process' BEGIN INSERT INTO test_child VALUES (42); END");
  }
  const std::string second_half = Multipart(boundary, audio.substr(half), "audio/mp4");
  auto failed = api().Post(path + "1", second_half, type);
  ASSERT_TRUE(failed);
  EXPECT_GE(failed->status, 400) << failed->body;
  auto still = api().Get("/v1/transcripts/" + id);
  ASSERT_TRUE(still && still->status == 200);
  EXPECT_EQ(json::parse(still->body)["status"], "idle");
  EXPECT_EQ(json::parse(still->body)["recording_id"], nullptr);
  // The client retries the last chunk once the database accepts the job again.
  exec(pg ? "DROP TRIGGER test_refuse_job ON job" : "DROP TRIGGER test_refuse_job");
  if (pg) exec("DROP FUNCTION test_refuse_job()");
  if (!pg) exec("DROP TABLE test_child");
  auto retried = api().Post(path + "1", second_half, type);
  ASSERT_TRUE(retried && retried->status == 200) << (retried ? retried->body : "");
  auto got = api().Get("/v1/transcripts/" + id);
  ASSERT_TRUE(got && got->status == 200);
  EXPECT_EQ(json::parse(got->body)["status"], "uploaded");
  EXPECT_TRUE(json::parse(got->body)["recording_id"].is_string());
}

TEST_P(RecordingsE2E, UploadInChunksBecomesStoredAudio) {
  Start();
  auto created = api().Post("/v1/transcripts", R"({"name":"standup notes"})", "application/json");
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "");
  const json t = json::parse(created->body);
  EXPECT_EQ(t["status"], "idle");
  EXPECT_EQ(t["source_kind"], "file");
  const std::string id = t["id"];
  const std::string& audio = Fixtures::Get().speech_mp4;
  const size_t half = audio.size() / 2;
  const std::string boundary = "----reflector-test";
  const std::string type = "multipart/form-data; boundary=" + boundary;
  // Out of order: chunk 1 before chunk 0 is refused.
  auto early = api().Post("/v1/transcripts/" + id + "/record/upload?chunk_number=1&total_chunks=2",
                          Multipart(boundary, audio.substr(half), "audio/mp4"), type);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 400) << early->body;
  auto first = api().Post("/v1/transcripts/" + id + "/record/upload?chunk_number=0&total_chunks=2",
                          Multipart(boundary, audio.substr(0, half), "audio/mp4"), type);
  ASSERT_TRUE(first && first->status == 200) << (first ? first->body : "");
  // A repeated chunk (a retry whose answer was lost) has no effect.
  auto again = api().Post("/v1/transcripts/" + id + "/record/upload?chunk_number=0&total_chunks=2",
                          Multipart(boundary, audio.substr(0, half), "audio/mp4"), type);
  ASSERT_TRUE(again && again->status == 200) << (again ? again->body : "");
  auto last = api().Post("/v1/transcripts/" + id + "/record/upload?chunk_number=1&total_chunks=2",
                         Multipart(boundary, audio.substr(half), "audio/mp4"), type);
  ASSERT_TRUE(last && last->status == 200) << (last ? last->body : "");

  auto got = api().Get("/v1/transcripts/" + id);
  ASSERT_TRUE(got && got->status == 200);
  EXPECT_EQ(json::parse(got->body)["status"], "uploaded");
  const std::string recording_id = json::parse(got->body)["recording_id"];
  // The recording is processed by the in-process workers: audio stored, duration known.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    auto session = db_->Acquire();
    auto rec =
        store::QueryOptional(session, "SELECT status, duration FROM recording WHERE id = :id",
                             store::SqlParams().Text("id", recording_id), 2);
    ASSERT_TRUE(rec.has_value());
    status = (*rec) ? (**rec)[0].value_or("") : "";
    if (status == "ready" || status == "failed") {
      EXPECT_EQ(status, "ready") << server_->Output();
      EXPECT_NEAR(std::stod((**rec)[1].value_or("0")), 3.0, 2.0);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, "ready");
  // Listed for its owner, found by its name.
  auto listed = api().Get("/v1/transcripts?search_term=STANDUP&source_kind=file");
  ASSERT_TRUE(listed && listed->status == 200) << (listed ? listed->body : "");
  const json page = json::parse(listed->body);
  EXPECT_EQ(page["total"], 1);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["id"], id);
  auto none = api().Get("/v1/transcripts?search_term=retro");
  ASSERT_TRUE(none && none->status == 200);
  EXPECT_EQ(json::parse(none->body)["total"], 0);
  auto range = api().Get("/v1/transcripts/" + id + "/audio/mp3", {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body.size(), 100u);
  auto mp3 = api().Get("/v1/transcripts/" + id + "/audio/mp3");
  ASSERT_TRUE(mp3);
  EXPECT_EQ(mp3->status, 200);
  EXPECT_EQ(mp3->get_header_value("Content-Type"), "audio/mpeg");
  EXPECT_GT(mp3->body.size(), 1000u);
  // Streamed from local storage: the whole file, `bytes=0-` and ranged pieces agree byte for byte.
  EXPECT_EQ(mp3->get_header_value("Content-Length"), std::to_string(mp3->body.size()));
  EXPECT_EQ(mp3->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(range->body, mp3->body.substr(0, 100));
  auto open_ended = api().Get("/v1/transcripts/" + id + "/audio/mp3", {{"Range", "bytes=0-"}});
  ASSERT_TRUE(open_ended);
  EXPECT_EQ(open_ended->status, 206);
  EXPECT_EQ(
      open_ended->get_header_value("Content-Range"),
      "bytes 0-" + std::to_string(mp3->body.size() - 1) + "/" + std::to_string(mp3->body.size()));
  EXPECT_TRUE(open_ended->body == mp3->body);
  auto rest = api().Get("/v1/transcripts/" + id + "/audio/mp3", {{"Range", "bytes=100-"}});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->status, 206);
  EXPECT_TRUE(range->body + rest->body == mp3->body);
  auto tail = api().Get("/v1/transcripts/" + id + "/audio/mp3", {{"Range", "bytes=-50"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, mp3->body.substr(mp3->body.size() - 50));
  auto head = api().Head("/v1/transcripts/" + id + "/audio/mp3");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(mp3->body.size()));
  EXPECT_TRUE(head->body.empty());
  auto refused = api().Get("/v1/transcripts/" + id + "/audio/mp3",
                           {{"Range", "bytes=" + std::to_string(mp3->body.size()) + "-"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 416);
  // Deleted with its audio and its recording.
  auto deleted = api().Delete("/v1/transcripts/" + id);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(api().Get("/v1/transcripts/" + id)->status, 404);
  EXPECT_EQ(api().Get("/v1/transcripts/" + id + "/audio/mp3")->status, 404);
  EXPECT_EQ(api().Delete("/v1/transcripts/" + id)->status, 404);
  auto session = db_->Acquire();
  auto left = store::QueryOptional(session, "SELECT id FROM recording WHERE id = :id",
                                   store::SqlParams().Text("id", recording_id), 1);
  ASSERT_TRUE(left.has_value());
  EXPECT_FALSE(left->has_value());
}

// Audio kept in S3 (TRANSCRIPT_STORAGE_BACKEND=aws) is served without holding a whole file in
// memory: HEAD fetches nothing, an open range gets at most 8 MiB (Content-Range says how much),
// small ranges are fetched as such, and the whole file or a larger range goes through a spool
// file that is gone once sent. Every byte agrees with the stored object.
TEST_P(RecordingsE2E, AudioFromS3IsServedInBoundedPieces) {
  TempDir data;
  Start({{"DATA_DIR", data.path()},
         {"TRANSCRIPT_STORAGE_BACKEND", "aws"},
         {"TRANSCRIPT_STORAGE_AWS_BUCKET_NAME", "transcripts-bucket"},
         {"TRANSCRIPT_STORAGE_AWS_REGION", "us-east-1"},
         {"TRANSCRIPT_STORAGE_AWS_ACCESS_KEY_ID", s3_.options().access_key_id},
         {"TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY", s3_.options().secret_access_key},
         {"TRANSCRIPT_STORAGE_AWS_ENDPOINT_URL", s3_.endpoint()}});
  auto created = api().Post("/v1/transcripts", R"({"name":"long meeting"})", "application/json");
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "");
  const std::string id = json::parse(created->body)["id"];
  std::string audio(size_t{20} << 20, '\0');  // 20 MiB
  uint32_t x = 7;
  for (char& c : audio) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  s3_.PutObject("transcripts-bucket", "audio/" + id + ".mp3", audio);
  {
    auto session = db_->Acquire();
    auto set = store::Exec(session, "UPDATE transcript SET audio_key = :key WHERE id = :id",
                           store::SqlParams().Text("key", "audio/" + id + ".mp3").Text("id", id));
    ASSERT_TRUE(set.has_value() && *set == 1);
  }
  const std::string path = "/v1/transcripts/" + id + "/audio/mp3";
  const std::string size = std::to_string(audio.size());
  constexpr size_t kPiece = size_t{8} << 20;
  auto gets = [&] {
    std::vector<std::string> out;  // the Range of each object GET ("" for the whole object)
    for (const auto& r : s3_.requests()) {
      if (r.method == "GET" && r.path.find(id) != std::string::npos) {
        out.push_back(r.header("range").value_or(""));
      }
    }
    return out;
  };

  auto head = api().Head(path);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), size);
  EXPECT_TRUE(gets().empty());  // HEAD reads the object's size only

  auto open = api().Get(path, {{"Range", "bytes=0-"}});
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 206);
  EXPECT_EQ(open->get_header_value("Content-Range"),
            "bytes 0-" + std::to_string(kPiece - 1) + "/" + size);
  EXPECT_TRUE(open->body == audio.substr(0, kPiece));
  EXPECT_THAT(gets(), ::testing::ElementsAre("bytes=0-" + std::to_string(kPiece - 1)));
  auto next = api().Get(path, {{"Range", "bytes=" + std::to_string(kPiece * 2) + "-"}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 206);  // the last 4 MiB: less than a piece
  EXPECT_EQ(
      next->get_header_value("Content-Range"),
      "bytes " + std::to_string(kPiece * 2) + "-" + std::to_string(audio.size() - 1) + "/" + size);
  EXPECT_TRUE(next->body == audio.substr(kPiece * 2));
  auto small = api().Get(path, {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 206);
  EXPECT_EQ(small->body, audio.substr(100, 100));
  auto tail = api().Get(path, {{"Range", "bytes=-50"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->body, audio.substr(audio.size() - 50));

  // Through a spool file: the whole file, and a closed range larger than a piece.
  auto whole = api().Get(path);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->get_header_value("Content-Length"), size);
  EXPECT_TRUE(whole->body == audio);
  auto large = api().Get(path, {{"Range", "bytes=1000-" + std::to_string(kPiece + 5000)}});
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 206);
  EXPECT_TRUE(large->body == audio.substr(1000, kPiece + 4001));
  size_t spooled = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data.path()) / "spool", ec)) {
    spooled += entry.path().filename().string().rfind("audio-", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(spooled, 0u);
}

// A chunk larger than HTTP_BODY_LIMIT_BYTES (1 MiB): the upload route has its own limit.
TEST_P(RecordingsE2E, UploadChunksLargerThanTheDefaultBodyLimit) {
  Start();
  auto created = api().Post("/v1/transcripts", R"({"name":"long"})", "application/json");
  ASSERT_TRUE(created && created->status == 200);
  const std::string id = json::parse(created->body)["id"];
  const std::string boundary = "----reflector-big";
  auto up = api().Post("/v1/transcripts/" + id + "/record/upload?chunk_number=0&total_chunks=1",
                       Multipart(boundary, Fixtures::Get().long_wav, "audio/wav"),
                       "multipart/form-data; boundary=" + boundary);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 200) << up->body;
  // Other routes keep the default limit.
  auto other = api().Post("/v1/transcripts", std::string(2 << 20, ' '), "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 413);
}

TEST_P(RecordingsE2E, MockRecordingFollowsTheProviderPath) {
  Start();
  const std::string meeting = MockMeeting("mockroom");
  auto posted =
      api().Post("/v1/mock/rooms/mockroom/recording", Fixtures::Get().speech_webm, "audio/webm");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  const std::string recording_id = json::parse(posted->body)["recording_id"];
  const json recs = WaitForRecordings(meeting, 1);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["id"], recording_id);
  EXPECT_EQ(recs[0]["status"], "ready") << recs.dump();
  EXPECT_EQ(recs[0]["platform"], "mock");
  EXPECT_EQ(recs[0]["type"], "mock");
  EXPECT_EQ(recs[0]["tracks"], 1);
  EXPECT_EQ(recs[0]["error"], nullptr);
  EXPECT_NEAR(recs[0]["duration"].get<double>(), 3.0, 2.0);
  ASSERT_TRUE(recs[0]["transcript_id"].is_string());
  const json transcript = WaitForTranscript(recs[0]["transcript_id"].get<std::string>());
  EXPECT_EQ(transcript["source_kind"], "room");
  EXPECT_EQ(transcript["meeting_id"], meeting);
  // TRANSCRIPT_BACKEND=none: the pipeline still ends, with no words.
  EXPECT_EQ(transcript["status"], "ended");
  EXPECT_EQ(transcript["transcript"], "");
  // It went through the signed mock webhook like a provider's event.
  EXPECT_THAT(server_->Output(), ::testing::HasSubstr("mock platform delivered recording"));
}

// The embedded recogniser on generated speech, end to end: words with times and a speaker.
TEST_P(RecordingsE2E, MockRecordingIsTranscribedByPocketsphinx) {
  Start({{"TRANSCRIPT_BACKEND", "pocketsphinx"}});
  const std::string meeting = MockMeeting("spoken");
  auto posted =
      api().Post("/v1/mock/rooms/spoken/recording", Fixtures::Get().speech_webm, "audio/webm");
  ASSERT_TRUE(posted && posted->status == 202) << (posted ? posted->body : "");
  const json recs = WaitForRecordings(meeting, 1);
  ASSERT_EQ(recs.size(), 1u);
  ASSERT_EQ(recs[0]["status"], "ready") << recs.dump();
  const json t = WaitForTranscript(recs[0]["transcript_id"].get<std::string>(), "json");
  ASSERT_EQ(t["status"], "ended") << t.dump();
  const json segments = t["transcript"];
  ASSERT_TRUE(segments.is_array());
  ASSERT_FALSE(segments.empty()) << t.dump();
  std::string text;
  for (const auto& s : segments) {
    EXPECT_EQ(s["speaker_name"], "Speaker 1");
    EXPECT_GE(s["start"].get<double>(), 0.0);
    EXPECT_LE(s["end"].get<double>(), 6.0);
    text += " " + s["text"].get<std::string>();
  }
  // pocketsphinx is weak on synthetic speech (bench/wer.sh): ask for one word of the sentence.
  int known = 0;
  for (const char* w : {"meeting", "every", "transcript", "turns", "into"}) {
    if (text.find(w) != std::string::npos) ++known;
  }
  EXPECT_GE(known, 1) << text;
  auto vtt = api().Get("/v1/transcripts/" + t["id"].get<std::string>() +
                       "?transcript_format=webvtt-named");
  ASSERT_TRUE(vtt && vtt->status == 200);
  EXPECT_THAT(json::parse(vtt->body)["transcript"].get<std::string>(),
              ::testing::StartsWith("WEBVTT\n\n00:00:"));
}

// Contract §7.8: a participant denied consent → once processed, the audio is gone (our MP3 and
// the mock platform's file), the text is kept.
TEST_P(RecordingsE2E, DeniedConsentDeletesTheAudioAfterProcessing) {
  Start();
  const std::string meeting = MockMeeting("private");
  auto consent = api().Post("/v1/meetings/" + meeting + "/consent", R"({"consent_given":false})",
                            "application/json");
  ASSERT_TRUE(consent && consent->status == 200) << (consent ? consent->body : "");
  auto posted =
      api().Post("/v1/mock/rooms/private/recording", Fixtures::Get().speech_webm, "audio/webm");
  ASSERT_TRUE(posted && posted->status == 202);
  const json recs = WaitForRecordings(meeting, 1);
  ASSERT_EQ(recs.size(), 1u);
  const std::string id = recs[0]["transcript_id"];
  json t;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    t = json::parse(api().Get("/v1/transcripts/" + id)->body);
    if (t["audio_deleted"] == true) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(t["status"], "ended");
  EXPECT_EQ(t["audio_deleted"], true) << t.dump() << server_->Output();
  EXPECT_EQ(api().Get("/v1/transcripts/" + id + "/audio/mp3")->status, 404);
  EXPECT_EQ(api().Get("/v1/transcripts/" + id + "/audio/waveform")->status, 404);
}

// POST /v1/transcripts/{id}/process on an ended transcript: the recording is processed again
// from the mock platform's kept file and the transcript ends again, with the edits kept.
TEST_P(RecordingsE2E, ReprocessRunsTheRecordingAgainFromItsSource) {
  Start();
  const std::string meeting = MockMeeting("again");
  auto posted =
      api().Post("/v1/mock/rooms/again/recording", Fixtures::Get().speech_webm, "audio/webm");
  ASSERT_TRUE(posted && posted->status == 202);
  const json recs = WaitForRecordings(meeting, 1);
  ASSERT_EQ(recs.size(), 1u);
  const std::string id = recs[0]["transcript_id"];
  ASSERT_EQ(WaitForTranscript(id)["status"], "ended");

  auto patched =
      api().Patch("/v1/transcripts/" + id, R"({"title":"Kept title"})", "application/json");
  ASSERT_TRUE(patched && patched->status == 200) << (patched ? patched->body : "");
  auto again = api().Post("/v1/transcripts/" + id + "/process", "", "application/json");
  ASSERT_TRUE(again && again->status == 200) << (again ? again->body : "");
  EXPECT_EQ(json::parse(again->body)["status"], "ok");
  // The recording went back through its stages and is ready again; the transcript ended again.
  const std::string ready = "recording " + recs[0]["id"].get<std::string>() + " ready";
  auto processed_twice = [&] {
    const std::string log = server_->Output();
    return log.find(ready) != log.rfind(ready);
  };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  json t;
  while (std::chrono::steady_clock::now() < deadline) {
    t = json::parse(api().Get("/v1/transcripts/" + id)->body);
    if (t["status"] == "ended" && processed_twice()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(processed_twice()) << server_->Output();
  EXPECT_EQ(t["status"], "ended") << t.dump();
  EXPECT_EQ(t["title"], "Kept title");
  EXPECT_EQ(WaitForRecordings(meeting, 1)[0]["status"], "ready");
  EXPECT_EQ(api().Get("/v1/transcripts/" + id + "/audio/mp3")->status, 200);
}

// The openai backend through the real binary: a 500 is retried by the job queue and the retry's
// words land; the request carries the contract's fields and the key.
TEST_P(RecordingsE2E, OpenAiBackendServerErrorIsRetriedThenTranscribed) {
  openai_.PushStatus(500);
  Start(OpenAiEnv());
  const std::string id = RecordSpeech("openai-ok");
  const json t = WaitForTranscript(id, "json", 90s);
  ASSERT_EQ(t["status"], "ended") << t.dump() << server_->Output();
  ASSERT_FALSE(t["transcript"].empty()) << t.dump();
  EXPECT_THAT(t["transcript"][0]["text"].get<std::string>(), ::testing::StartsWith("word0"));
  const auto requests = openai_.requests();
  ASSERT_EQ(requests.size(), 2u);  // the 500, then the retry
  EXPECT_EQ(requests[1].authorization, "Bearer sk-test-key");
  EXPECT_EQ(requests[1].fields.at("model"), "whisper-1");
  EXPECT_EQ(requests[1].fields.at("response_format"), "verbose_json");
  EXPECT_TRUE(requests[1].wav_valid);
  EXPECT_NEAR(requests[1].wav_seconds, 3.0, 2.0);
}

// A refused key is permanent: one request, the transcript in `error` saying why, no retry storm.
TEST_P(RecordingsE2E, OpenAiBackendRefusingTheKeyFailsTheTranscriptOnce) {
  openai_.PushStatus(401);
  Start(OpenAiEnv());
  const std::string id = RecordSpeech("openai-401");
  const json t = WaitForTranscript(id, "text", 60s);
  EXPECT_EQ(t["status"], "error") << t.dump();
  ASSERT_TRUE(t["error"].is_string()) << t.dump();
  EXPECT_THAT(t["error"].get<std::string>(), ::testing::HasSubstr("401"));
  EXPECT_EQ(t["error"].get<std::string>().find("sk-test-key"), std::string::npos);
  EXPECT_EQ(openai_.request_count(), 1u);
}

// A transcript deleted while the backend is still working on it: the job ends quietly when the
// answer comes, nothing is recreated, the server stays healthy.
TEST_P(RecordingsE2E, TranscriptDeletedWhileProcessing) {
  openai_.PushHang(3s);
  Start(OpenAiEnv());
  const std::string id = RecordSpeech("openai-deleted");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (openai_.request_count() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(openai_.request_count(), 1u) << server_->Output();
  auto deleted = api().Delete("/v1/transcripts/" + id);
  ASSERT_TRUE(deleted && deleted->status == 200) << (deleted ? deleted->body : "");
  // The job finishes (the hang ends after 3 s) without recreating anything.
  json jobs;
  const auto job_deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < job_deadline) {
    jobs = json::parse(api().Get("/v1/jobs?kind=transcript.process")->body);
    bool settled = !jobs["items"].empty();
    for (const auto& j : jobs["items"]) {
      settled = settled && j["status"] != "queued" && j["status"] != "running";
    }
    if (settled) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(jobs["items"].empty()) << jobs.dump();
  for (const auto& j : jobs["items"]) {
    EXPECT_TRUE(j["status"] == "dead" || j["status"] == "succeeded") << jobs.dump();
  }
  EXPECT_EQ(api().Get("/v1/transcripts/" + id)->status, 404);
  EXPECT_EQ(api().Get("/health")->status, 200);
  EXPECT_EQ(json::parse(api().Get("/v1/transcripts")->body)["total"], 0);
}

TEST_P(RecordingsE2E, MockRecordingBadInputFailsWithItsReason) {
  Start();
  const std::string meeting = MockMeeting("badroom");
  auto wrong_type = api().Post("/v1/mock/rooms/badroom/recording", "hello", "text/plain");
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 415);
  auto empty = api().Post("/v1/mock/rooms/badroom/recording", "", "audio/webm");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  auto no_room = api().Post("/v1/mock/rooms/nosuchroom/recording", "x", "audio/webm");
  ASSERT_TRUE(no_room);
  EXPECT_EQ(no_room->status, 404);
  ASSERT_EQ(api()
                .Post("/v1/mock/rooms/badroom/recording", Fixtures::Get().video_only, "video/mp4")
                ->status,
            202);
  ASSERT_EQ(
      api().Post("/v1/mock/rooms/badroom/recording", std::string(5000, 'z'), "audio/webm")->status,
      202);
  const std::string& speech = Fixtures::Get().speech_webm;
  ASSERT_EQ(api()
                .Post("/v1/mock/rooms/badroom/recording", speech.substr(0, speech.size() / 2),
                      "audio/webm")
                ->status,
            202);
  const json recs = WaitForRecordings(meeting, 3);
  ASSERT_EQ(recs.size(), 3u);
  std::vector<std::string> errors;
  int ready = 0;
  for (const auto& r : recs) {
    if (r["status"] == "failed") errors.push_back(r["error"].get<std::string>());
    if (r["status"] == "ready") ++ready;
  }
  EXPECT_THAT(errors, ::testing::Contains(::testing::HasSubstr("no audio stream in the file")));
  EXPECT_EQ(errors.size(), 2u) << recs.dump();
  // The truncated file decodes up to the damage.
  EXPECT_EQ(ready, 1) << recs.dump();
  auto health = api().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_P(RecordingsE2E, DailyCloudRecordingIsDownloadedThroughTheAccessLink) {
  files_.AddFile("/composed.mp4", Fixtures::Get().speech_mp4, "video/mp4");
  auto recording = [&](const std::string& id, const std::string& link) {
    daily_.AddRecording({{"id", id},
                         {"room_name", "daily-20260101120000"},
                         {"status", "finished"},
                         {"duration", 3},
                         {"test_download_link", link}});
  };
  recording("rec-cloud", files_.Url("/composed.mp4"));
  recording("rec-private", "http://127.0.0.2:" + std::to_string(files_.port()) + "/composed.mp4");
  recording("rec-error", "Recording not found in bucket");
  Start();
  SeedProviderMeeting("m-daily", "daily", "daily-20260101120000", "daily-room-id");
  auto ready = [&](const std::string& event, const std::string& rec) {
    return PostDaily(
        R"({"version":"1.0.0","type":"recording.ready-to-download","id":")" + event +
        R"(","payload":{"type":"cloud","recording_id":")" + rec +
        R"(","room_name":"daily-20260101120000","start_ts":)" +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) +
        R"(,"status":"finished","duration":3,"s3_key":"dom/daily-20260101120000/x.mp4"},"event_ts":1})");
  };
  for (auto [event, rec] : {std::pair{"e1", "rec-cloud"}, std::pair{"e2", "rec-private"},
                            std::pair{"e3", "rec-error"}}) {
    auto r = ready(event, rec);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  }
  const json recs = WaitForRecordings("m-daily", 3);
  std::map<std::string, json> by_status;
  for (const auto& r : recs)
    by_status[r["error"].is_string() ? r["error"].get<std::string>() : ""] = r;
  ASSERT_TRUE(by_status.count("")) << recs.dump();
  EXPECT_EQ(by_status[""]["status"], "ready");
  EXPECT_EQ(by_status[""]["type"], "cloud");
  EXPECT_TRUE(by_status.count("download refused: private address 127.0.0.2")) << recs.dump();
  EXPECT_TRUE(by_status.count("Daily access link failed: Recording not found in bucket"))
      << recs.dump();
}

// Contract §6 / reference §6.4: a recording no webhook announced is found by the Daily
// recordings poll (rows with nulls and odd statuses are skipped, not fatal), processed once,
// and a late webhook for it changes nothing.
TEST_P(RecordingsE2E, DailyRecordingsPollFindsWhatNoWebhookAnnounced) {
  files_.AddFile("/polled.mp4", Fixtures::Get().speech_mp4, "video/mp4");
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  daily_.AddRecording({{"id", "rec-polled"},
                       {"room_name", "daily-20260102120000"},
                       {"start_ts", now - 60},
                       {"status", "finished"},
                       {"duration", 3},
                       {"type", nullptr},
                       {"s3key", "dom/daily-20260102120000/polled.mp4"},
                       {"test_download_link", files_.Url("/polled.mp4")}});
  // Still recording, and a row with nulls everywhere: both skipped.
  daily_.AddRecording({{"id", "rec-in-progress"},
                       {"room_name", "daily-20260102120000"},
                       {"start_ts", now - 10},
                       {"status", "in-progress"},
                       {"duration", nullptr}});
  daily_.AddRecording({{"id", "rec-nulls"},
                       {"room_name", nullptr},
                       {"start_ts", nullptr},
                       {"status", nullptr},
                       {"duration", nullptr}});
  Start({{"DAILY_RECORDINGS_POLL_SECONDS", "1"}});
  SeedProviderMeeting("m-polled", "daily", "daily-20260102120000", "daily-room-2");
  const json recs = WaitForRecordings("m-polled", 1);
  ASSERT_EQ(recs.size(), 1u) << recs.dump();
  EXPECT_EQ(recs[0]["status"], "ready") << recs.dump();
  EXPECT_EQ(recs[0]["type"], "cloud");
  ASSERT_TRUE(recs[0]["transcript_id"].is_string());
  EXPECT_EQ(WaitForTranscript(recs[0]["transcript_id"])["status"], "ended");
  EXPECT_GE(daily_.requests(fakes::kDailyListRecordings).size(), 1u);

  // The webhook arrives late: the same recording, not a second one.
  auto late = PostDaily(
      R"({"version":"1.0.0","type":"recording.ready-to-download","id":"late-1","payload":)"
      R"({"type":"cloud","recording_id":"rec-polled","room_name":"daily-20260102120000",)"
      R"("start_ts":)" +
      std::to_string(now - 60) +
      R"(,"status":"finished","duration":3,"s3_key":"dom/daily-20260102120000/polled.mp4"},)"
      R"("event_ts":1})");
  ASSERT_TRUE(late && late->status == 200) << (late ? late->body : "");
  // Wait until at least one more poll ran after the webhook, then count again.
  const size_t polls = daily_.requests(fakes::kDailyListRecordings).size();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (daily_.requests(fakes::kDailyListRecordings).size() < polls + 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(daily_.requests(fakes::kDailyListRecordings).size(), polls + 2);
  const json after = WaitForRecordings("m-polled", 1);
  EXPECT_EQ(after.size(), 1u) << after.dump();
  EXPECT_EQ(daily_.requests(fakes::kDailyAccessLink).size(), 1u);
}

// The safe downloader's refusals through the binary (contract §7.3), each a failed recording
// with its reason after one attempt; a dropped connection is resumed with Range and succeeds.
TEST_P(RecordingsE2E, DailyCloudDownloadRefusalsAndResume) {
  const std::string& mp4 = Fixtures::Get().speech_mp4;
  files_.AddFile("/composed.mp4", mp4, "video/mp4");
  files_.AddFile("/big.wav", Fixtures::Get().long_wav, "audio/wav");
  files_.AddFile("/dropped.mp4", mp4, "video/mp4");
  files_.AddFault("/dropped.mp4", fakes::FakeFileServer::DropAfter(1000));
  files_.AddFile("/gone.mp4", mp4, "video/mp4");
  files_.AddFault("/gone.mp4", fakes::FakeFileServer::Status(404));
  const std::string port = std::to_string(files_.port());
  files_.AddFile("/hop.mp4", mp4, "video/mp4");
  files_.AddFault("/hop.mp4",
                  fakes::FakeFileServer::Redirect("http://127.0.0.2:" + port + "/composed.mp4"));
  const std::map<std::string, std::string> links = {
      {"rec-big", files_.Url("/big.wav")},
      {"rec-dropped", files_.Url("/dropped.mp4")},
      {"rec-gone", files_.Url("/gone.mp4")},
      {"rec-hop", files_.Url("/hop.mp4")},
      {"rec-mapped", "http://[::ffff:127.0.0.2]:" + port + "/composed.mp4"}};
  for (const auto& [id, link] : links) {
    daily_.AddRecording({{"id", id},
                         {"room_name", "daily-20260103120000"},
                         {"status", "finished"},
                         {"duration", 3},
                         {"test_download_link", link}});
  }
  Start({{"MAX_RECORDING_BYTES", "1000000"}});
  SeedProviderMeeting("m-refusals", "daily", "daily-20260103120000", "daily-room-3");
  int n = 0;
  for (const auto& [id, link] : links) {
    const std::string body =
        R"({"version":"1.0.0","type":"recording.ready-to-download","id":"ev-)" +
        std::to_string(++n) + R"(","payload":{"type":"cloud","recording_id":")" + id +
        R"(","room_name":"daily-20260103120000","start_ts":)" +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) +
        R"(,"status":"finished","duration":3,"s3_key":"dom/x.mp4"},"event_ts":1})";
    auto r = PostDaily(body);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  }
  const json recs = WaitForRecordings("m-refusals", links.size(), 90s);
  ASSERT_EQ(recs.size(), links.size()) << recs.dump();
  std::vector<std::string> errors;
  int ready = 0;
  for (const auto& r : recs) {
    if (r["status"] == "ready") ++ready;
    if (r["error"].is_string()) errors.push_back(r["error"]);
  }
  EXPECT_EQ(ready, 1) << recs.dump();  // the dropped download, resumed
  using ::testing::HasSubstr;
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("recording too large"))) << recs.dump();
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("HTTP 404"))) << recs.dump();
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("download refused: private address 127.0.0.2")))
      << recs.dump();
  EXPECT_EQ(std::count_if(errors.begin(), errors.end(),
                          [](const std::string& e) {
                            return e.find("download refused: private address") != std::string::npos;
                          }),
            2)
      << recs.dump();
  // Refusals are not retried: one request each for the 404 and the redirect.
  int gone = 0, hop = 0, dropped_ranged = 0;
  for (const auto& req : files_.requests()) {
    if (req.path == "/gone.mp4") ++gone;
    if (req.path == "/hop.mp4") ++hop;
    if (req.path == "/dropped.mp4" && !req.range.empty()) ++dropped_ranged;
  }
  EXPECT_EQ(gone, 1);
  EXPECT_EQ(hop, 1);
  EXPECT_GE(dropped_ranged, 1);  // resumed with Range
  EXPECT_EQ(api().Get("/health")->status, 200);
}

TEST_P(RecordingsE2E, DailyRawTracksArePlacedAndNamed) {
  const std::string p1 = "11111111-1111-4111-8111-111111111111";
  const std::string p2 = "22222222-2222-4222-8222-222222222222";
  const int64_t start = 1767268800000;
  const std::string k1 = "dom/daily-20260101120000/" + std::to_string(start) + "-" + p1 +
                         "-cam-audio-" + std::to_string(start + 100);
  const std::string k2 = "dom/daily-20260101120000/" + std::to_string(start) + "-" + p2 +
                         "-cam-audio-" + std::to_string(start + 4000);
  s3_.PutObject("daily-bucket", k1, Fixtures::Get().speech_webm);
  s3_.PutObject("daily-bucket", k2, Fixtures::Get().tone_webm);
  Start(OpenAiEnv());  // words from the fake backend, so each track's words can be checked
  SeedProviderMeeting("m-raw", "daily", "daily-20260101120000", "daily-room-id");
  {
    auto session = db_->Acquire();
    store::ParticipantInfo info;
    info.meeting_id = "m-raw";
    info.room_id = "room-m-raw";
    info.provider = "daily";
    info.session_key = p1;
    info.user_name = "Alice";
    info.joined_at = std::chrono::system_clock::now();
    ASSERT_TRUE(store::ParticipantSessionRepository::Join(session, info).has_value());
  }
  auto r = PostDaily(
      R"({"version":"1.0.0","type":"recording.ready-to-download","id":"rt-1","payload":{"type":"raw-tracks","recording_id":"rec-raw","room_name":"daily-20260101120000","start_ts":1767268800,"status":"finished","duration":6,"s3_key":"dom/daily-20260101120000/1767268800000","tracks":[{"type":"audio","s3Key":")" +
      k1 + R"(","size":1},{"type":"audio","s3Key":")" + k2 +
      R"(","size":1},{"type":"video","s3Key":"dom/v","size":1}]},"event_ts":1})");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  const json recs = WaitForRecordings("m-raw", 1);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["status"], "ready") << recs.dump() << server_->Output();
  EXPECT_EQ(recs[0]["tracks"], 2);
  // The tone track starts 4 s into the meeting and lasts 2 s: the mix is ~6 s long.
  EXPECT_NEAR(recs[0]["duration"].get<double>(), 6.0, 0.5);
  auto t = api().Get("/v1/transcripts/" + recs[0]["transcript_id"].get<std::string>());
  ASSERT_TRUE(t && t->status == 200);
  const json participants = json::parse(t->body)["participants"];
  ASSERT_EQ(participants.size(), 2u);
  EXPECT_EQ(participants[0]["name"], "Alice");
  EXPECT_EQ(participants[1]["name"], "Speaker 2");
  // One speaker per track, words in meeting time: Alice's speech from 0.1 s, the tone track's
  // one word from 4 s (the fake answers a word per stretch of sound, in the track's own time).
  const json segments =
      WaitForTranscript(recs[0]["transcript_id"].get<std::string>(), "json")["transcript"];
  ASSERT_TRUE(segments.is_array() && !segments.empty()) << segments.dump();
  bool alice = false, second = false;
  for (const auto& seg : segments) {
    if (seg["speaker_name"] == "Alice") {
      alice = true;
      EXPECT_GE(seg["start"].get<double>(), 0.1);
      EXPECT_LT(seg["start"].get<double>(), 4.0);
    } else if (seg["speaker_name"] == "Speaker 2") {
      second = true;
      EXPECT_NEAR(seg["start"].get<double>(), 4.0, 0.3) << segments.dump();
      EXPECT_NEAR(seg["end"].get<double>(), 6.0, 0.3) << segments.dump();
    }
  }
  EXPECT_TRUE(alice && second) << segments.dump();
  EXPECT_EQ(openai_.request_count(), 2u);  // one request per track
}

TEST_P(RecordingsE2E, WherebyRecordingComesFromTheWherebyBucket) {
  s3_.PutObject("whereby-bucket", "standup-3f1c-2026-01-01T12:00:00Z.mp4",
                Fixtures::Get().speech_mp4);
  Start();
  SeedProviderMeeting("m-whereby", "whereby", "/standup-3f1c", "134");
  const std::string body =
      R"({"id":"wb-1","apiVersion":"1.0","createdAt":")" +
      FormatIso8601(std::chrono::system_clock::now()) +
      R"(","type":"recording.finished","data":{"meetingId":"134","roomName":"/standup-3f1c","recordingId":"wrec-1","filename":"standup-3f1c-2026-01-01T12:00:00Z.mp4","status":"completed"}})";
  auto r = PostWhereby(body);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  const json recs = WaitForRecordings("m-whereby", 1);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["status"], "ready") << recs.dump() << server_->Output();
  EXPECT_EQ(recs[0]["platform"], "whereby");
}

TEST_P(RecordingsE2E, BucketRefusalsAndMissingObjectsFailAtOnce) {
  s3_.PutObject("whereby-bucket", "present.mp4", Fixtures::Get().speech_mp4);
  Start({{"WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY", "not-the-secret"}});
  SeedProviderMeeting("m-refused", "whereby", "/refused-1", "777");
  for (auto [event, file] : {std::pair{"wb-a", "present.mp4"}, std::pair{"wb-b", "absent.mp4"}}) {
    const std::string body =
        std::string(R"({"id":")") + event + R"(","apiVersion":"1.0","createdAt":")" +
        FormatIso8601(std::chrono::system_clock::now()) +
        R"(","type":"recording.finished","data":{"meetingId":"777","roomName":"/refused-1","recordingId":")" +
        event + R"(","filename":")" + file + R"(","status":"completed"}})";
    auto r = PostWhereby(body);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  }
  const auto started = std::chrono::steady_clock::now();
  const json recs = WaitForRecordings("m-refused", 2);
  ASSERT_EQ(recs.size(), 2u);
  for (const auto& r : recs) {
    EXPECT_EQ(r["status"], "failed") << recs.dump();
    EXPECT_THAT(r["error"].get<std::string>(), ::testing::HasSubstr("refused our signature"));
  }
  // No retry storm: a refusal is not retried with backoff.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(api().Get("/health")->status, 200);
}

// Contract §7.1 item 4: the Whereby bucket's S3 events on SQS find a recording no webhook
// announced; the webhook arriving afterwards for the same file adds nothing.
TEST_P(RecordingsE2E, WherebyRecordingFoundThroughTheBucketsSqsEvents) {
  fakes::FakeSqsServer sqs;
  const std::string queue = sqs.CreateQueue("whereby-recordings");
  const std::string file = "standup-9e2a-2026-01-01T12:00:00Z.mp4";
  s3_.PutObject("whereby-bucket", file, Fixtures::Get().speech_mp4);
  Start({{"AWS_PROCESS_RECORDING_QUEUE_URL", queue},
         {"TRANSCRIPT_STORAGE_AWS_REGION", sqs.options().region},
         {"TRANSCRIPT_STORAGE_AWS_ACCESS_KEY_ID", sqs.options().access_key_id},
         {"TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY", sqs.options().secret_access_key},
         {"SQS_POLLING_TIMEOUT_SECONDS", "1"}});
  SeedProviderMeeting("m-sqs", "whereby", "/standup-9e2a", "555");
  sqs.Enqueue("whereby-recordings", "not an S3 event");
  sqs.Enqueue(
      "whereby-recordings",
      R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"whereby-bucket"},"object":{"key":")" +
          file + R"(","size":1}}}]})");
  const json recs = WaitForRecordings("m-sqs", 1);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["status"], "ready") << recs.dump() << server_->Output();
  EXPECT_EQ(recs[0]["platform"], "whereby");
  // Both messages handled and deleted (the garbage one can never succeed).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (sqs.MessageCount("whereby-recordings") > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(sqs.MessageCount("whereby-recordings"), 0u);
  // The webhook for the same file, later: no second recording.
  const std::string body =
      R"({"id":"wb-late","apiVersion":"1.0","createdAt":")" +
      FormatIso8601(std::chrono::system_clock::now()) +
      R"(","type":"recording.finished","data":{"meetingId":"555","roomName":"/standup-9e2a","recordingId":"wrec-9","filename":")" +
      file + R"(","status":"completed"}})";
  auto r = PostWhereby(body);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
  auto listed = api().Get("/v1/meetings/m-sqs/recordings");
  ASSERT_TRUE(listed && listed->status == 200);
  EXPECT_EQ(json::parse(listed->body).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, RecordingsE2E, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace reflector::testing
