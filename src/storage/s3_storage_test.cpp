// S3Storage against FakeS3Server over loopback: real libcurl, real SigV4 verification.
#include "storage/s3_storage.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_s3_server.hpp"
#include "storage/sigv4.hpp"

namespace reflector::storage {
namespace {
namespace fs = std::filesystem;
using fakes::FakeS3Server;

class S3StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("s3-storage-test-" + NewUuid4());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  S3Config Config(const std::string& bucket = "test-bucket") const {
    S3Config config;
    config.bucket = bucket;
    config.region = server_.options().region;
    config.access_key_id = server_.options().access_key_id;
    config.secret_access_key = server_.options().secret_access_key;
    config.endpoint_url = server_.endpoint();
    config.initial_backoff = std::chrono::milliseconds(10);
    return config;
  }
  std::unique_ptr<S3Storage> Make(S3Config config) {
    auto storage = S3Storage::Create(std::move(config));
    EXPECT_TRUE(storage.has_value()) << storage.error().ToString();
    return std::move(*storage);
  }
  std::string WriteFile(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string RandomBytes(size_t size) {
    std::mt19937_64 rng(42);
    std::string out(size, '\0');
    for (size_t i = 0; i + 8 <= size; i += 8) {
      const uint64_t v = rng();
      std::memcpy(out.data() + i, &v, 8);
    }
    return out;
  }
  std::vector<FakeS3Server::LoggedRequest> Requests(const std::string& method) const {
    std::vector<FakeS3Server::LoggedRequest> out;
    for (auto& r : server_.requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }

  FakeS3Server server_;
  fs::path dir_;
};

TEST_F(S3StorageTest, PutAndGetRoundTripSignedRequests) {
  auto storage = Make(Config());
  ASSERT_TRUE(storage->PutFile("a/b.txt", WriteFile("in.txt", "hello s3"), "text/plain"));
  EXPECT_EQ(server_.GetObject("test-bucket", "a/b.txt"), "hello s3");

  const fs::path out = dir_ / "out.txt";
  auto got = storage->GetToFile("a/b.txt", out.string());
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(Read(out), "hello s3");

  auto puts = Requests("PUT");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].status, 200);
  EXPECT_EQ(puts[0].target, "/test-bucket/a/b.txt");
  EXPECT_EQ(puts[0].header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(puts[0].header("content-type"), "text/plain");
  ASSERT_TRUE(puts[0].header("authorization").has_value());
  EXPECT_EQ(
      puts[0].header("authorization")->rfind("AWS4-HMAC-SHA256 Credential=AKIDFAKES3EXAMPLE/", 0),
      0u);
  auto gets = Requests("GET");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].header("x-amz-content-sha256"), std::string(sigv4::kEmptyPayloadHash));
  EXPECT_EQ(gets[0].status, 200);
}

TEST_F(S3StorageTest, KeysWithSpecialCharactersArePercentEncoded) {
  auto storage = Make(Config());
  const std::string key = "rooms/a b+c=d&e~f/\xC3\xA9t\xC3\xA9 (1).mp4";
  ASSERT_TRUE(storage->PutFile(key, WriteFile("in", "x"), "video/mp4"));
  EXPECT_EQ(server_.GetObject("test-bucket", key), "x");
  auto puts = Requests("PUT");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].target, "/test-bucket/rooms/a%20b%2Bc%3Dd%26e~f/%C3%A9t%C3%A9%20%281%29.mp4");
  auto info = storage->Head(key);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->size, 1);
  auto list = storage->List("rooms/");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, key);
}

TEST_F(S3StorageTest, FiftyMegabytesStreamBothWays) {
  auto storage = Make(Config());
  const std::string data = RandomBytes(50 * 1024 * 1024);
  const std::string input = WriteFile("big.bin", data);
  ASSERT_TRUE(storage->PutFile("big.bin", input, "application/octet-stream"));
  auto stored = server_.GetObject("test-bucket", "big.bin");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->size(), data.size());
  EXPECT_TRUE(*stored == data);

  const fs::path out = dir_ / "big.out";
  ASSERT_TRUE(storage->GetToFile("big.bin", out.string()));
  EXPECT_EQ(fs::file_size(out), data.size());
  EXPECT_EQ(Sha256Hex(Read(out)), Sha256Hex(data));
  // No leftover temporary file beside the download.
  int files = 0;
  for ([[maybe_unused]] auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 2);
}

TEST_F(S3StorageTest, GetRangeAsksForTheBytesAndGets206) {
  server_.PutObject("test-bucket", "r.bin", "0123456789abcdef");
  auto storage = Make(Config());
  auto part = storage->GetRange("r.bin", 4, 6);
  ASSERT_TRUE(part.has_value()) << part.error().ToString();
  EXPECT_EQ(*part, "456789");
  auto tail = storage->GetRange("r.bin", 14, 100);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(*tail, "ef");
  auto gets = Requests("GET");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].header("range"), "bytes=4-9");
  EXPECT_EQ(gets[0].status, 206);

  auto past = storage->GetRange("r.bin", 16, 1);
  ASSERT_FALSE(past.has_value());
  EXPECT_EQ(past.error().code, Code::kInvalidArgument);
}

TEST_F(S3StorageTest, HeadGivesSizeEtagAndDate) {
  server_.PutObject("test-bucket", "h.bin", "12345");
  auto storage = Make(Config());
  auto info = storage->Head("h.bin");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->key, "h.bin");
  EXPECT_EQ(info->size, 5);
  EXPECT_EQ(info->etag, Sha256Hex("12345").substr(0, 32));
  EXPECT_TRUE(ParseIso8601(info->last_modified).has_value()) << info->last_modified;
}

TEST_F(S3StorageTest, MissingObjectIsNotFound) {
  auto storage = Make(Config());
  auto info = storage->Head("missing.mp4");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kNotFound);
  EXPECT_EQ(info.error().message, "object not found: missing.mp4");

  auto get = storage->GetToFile("missing.mp4", (dir_ / "m").string());
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code, Code::kNotFound);
  EXPECT_EQ(get.error().message, "object not found: missing.mp4");
  EXPECT_FALSE(fs::exists(dir_ / "m"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

TEST_F(S3StorageTest, DeleteIsIdempotent) {
  server_.PutObject("test-bucket", "d.bin", "x");
  auto storage = Make(Config());
  ASSERT_TRUE(storage->Delete("d.bin"));
  EXPECT_FALSE(server_.GetObject("test-bucket", "d.bin").has_value());
  ASSERT_TRUE(storage->Delete("d.bin"));
  auto deletes = Requests("DELETE");
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_EQ(deletes[1].status, 204);
}

TEST_F(S3StorageTest, ListFollowsContinuationTokensAcrossPages) {
  for (int i = 0; i < 7; ++i) {
    server_.PutObject("test-bucket", "rec/" + std::to_string(i) + ".mp4", std::string(i, 'x'));
  }
  server_.PutObject("test-bucket", "other/z.mp4", "z");
  server_.SetMaxKeysPerPage(2);
  auto storage = Make(Config());
  auto list = storage->List("rec/");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ((*list)[i].key, "rec/" + std::to_string(i) + ".mp4");
    EXPECT_EQ((*list)[i].size, i);
  }
  EXPECT_TRUE(ParseIso8601((*list)[0].last_modified).has_value());
  auto gets = Requests("GET");
  ASSERT_EQ(gets.size(), 4u);  // 2 + 2 + 2 + 1
  EXPECT_EQ(gets[0].target, "/test-bucket?list-type=2&prefix=rec%2F");
  EXPECT_NE(gets[1].target.find("continuation-token="), std::string::npos);
  for (const auto& get : gets) EXPECT_EQ(get.status, 200) << get.target;

  auto all = storage->List("");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 8u);
}

TEST_F(S3StorageTest, BucketWithFolderKeepsKeysUnderTheFolder) {
  server_.PutObject("test-bucket", "elsewhere.mp4", "no");
  auto storage = Make(Config("test-bucket/recordings"));
  EXPECT_EQ(storage->bucket(), "test-bucket");
  EXPECT_EQ(storage->folder(), "recordings/");
  ASSERT_TRUE(storage->PutFile("room-1.mp4", WriteFile("in", "yes"), "video/mp4"));
  EXPECT_EQ(server_.GetObject("test-bucket", "recordings/room-1.mp4"), "yes");
  auto list = storage->List("");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "room-1.mp4");
  auto info = storage->Head("room-1.mp4");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->key, "room-1.mp4");
  ASSERT_TRUE(storage->Delete("room-1.mp4"));
  EXPECT_FALSE(server_.GetObject("test-bucket", "recordings/room-1.mp4").has_value());
}

TEST_F(S3StorageTest, WrongSecretIsPermissionDeniedWithReadableMessage) {
  S3Config config = Config();
  config.secret_access_key = "not-the-secret";
  auto storage = Make(config);
  auto put = storage->PutFile("k", WriteFile("in", "x"), "");
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, Code::kPermissionDenied);
  EXPECT_EQ(put.error().message,
            "bucket test-bucket refused our signature (403 SignatureDoesNotMatch): check the "
            "secret access key");
  EXPECT_EQ(put.error().upstream_status, 403);
  EXPECT_EQ(server_.requests().size(), 1u);  // 4xx is not retried
  EXPECT_FALSE(server_.GetObject("test-bucket", "k").has_value());
}

TEST_F(S3StorageTest, UnknownAccessKeyIsPermissionDenied) {
  S3Config config = Config();
  config.access_key_id = "AKIDUNKNOWN";
  auto storage = Make(config);
  auto info = storage->Head("k");  // HEAD: no body, the status alone must be enough
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kPermissionDenied);
  auto list = storage->List("");
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code, Code::kPermissionDenied);
  EXPECT_EQ(list.error().message,
            "bucket test-bucket does not know our access key id (403 InvalidAccessKeyId)");
}

TEST_F(S3StorageTest, ServiceUnavailableThenOkIsRetried) {
  server_.PutObject("test-bucket", "k", "value");
  server_.FailNext(2, 503);
  auto storage = Make(Config());
  auto part = storage->GetRange("k", 0, 5);
  ASSERT_TRUE(part.has_value()) << part.error().ToString();
  EXPECT_EQ(*part, "value");
  auto log = server_.requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].status, 503);
  EXPECT_EQ(log[0].error_code, "SlowDown");
  EXPECT_EQ(log[2].status, 206);
}

TEST_F(S3StorageTest, UploadIsRetriedFromTheStartOfTheFile) {
  server_.FailNext(1, 500);
  auto storage = Make(Config());
  ASSERT_TRUE(storage->PutFile("u", WriteFile("in", "whole body"), ""));
  EXPECT_EQ(server_.GetObject("test-bucket", "u"), "whole body");
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(S3StorageTest, PersistentFailureIsUnavailableAfterBoundedAttempts) {
  server_.FailNext(100, 500);
  S3Config config = Config();
  config.max_attempts = 3;
  auto storage = Make(config);
  auto info = storage->Delete("k");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kUnavailable);
  EXPECT_EQ(info.error().message, "S3 answered 500 InternalError for k after 3 attempts");
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(S3StorageTest, DroppedDownloadResumesWithRange) {
  const std::string data = RandomBytes(1024 * 1024);
  server_.PutObject("test-bucket", "drop.bin", data);
  server_.DropNextDownloads(1);
  auto storage = Make(Config());
  const fs::path out = dir_ / "drop.out";
  auto got = storage->GetToFile("drop.bin", out.string());
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(Sha256Hex(Read(out)), Sha256Hex(data));
  auto gets = Requests("GET");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[1].header("range"), "bytes=" + std::to_string(data.size() / 2) + "-");
  EXPECT_EQ(gets[1].header("if-match"), "\"" + Sha256Hex(data).substr(0, 32) + "\"");
  EXPECT_EQ(gets[1].status, 206);
}

TEST_F(S3StorageTest, DeniedKeyIsPermissionDenied) {
  server_.PutObject("test-bucket", "secret.mp4", "x");
  server_.DenyKey("secret.mp4");
  auto storage = Make(Config());
  auto get = storage->GetToFile("secret.mp4", (dir_ / "s").string());
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code, Code::kPermissionDenied);
  EXPECT_EQ(get.error().message,
            "access to secret.mp4 in bucket test-bucket denied (403 AccessDenied)");
}

TEST_F(S3StorageTest, MissingBucketIsFailedPrecondition) {
  auto storage = Make(Config("no-such-bucket"));
  auto put = storage->PutFile("k", WriteFile("in", "x"), "");
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(put.error().message, "bucket does not exist: no-such-bucket");
}

TEST_F(S3StorageTest, SilentServerTimesOut) {
  server_.PutObject("test-bucket", "slow", "x");
  server_.SetDelay(std::chrono::milliseconds(2500));
  S3Config config = Config();
  config.low_speed_time = std::chrono::seconds(1);
  config.max_attempts = 1;
  auto storage = Make(config);
  auto info = storage->Head("slow");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kDeadlineExceeded) << info.error().ToString();
  server_.SetDelay(std::chrono::milliseconds(0));
}

TEST_F(S3StorageTest, PresignedUrlIsAcceptedUntilItExpires) {
  server_.PutObject("test-bucket", "audio/a b.mp3", "mp3 bytes");
  fakes::FakeClock clock;
  clock.Set(std::chrono::system_clock::now());
  S3Config config = Config();
  config.clock = &clock;
  auto storage = Make(config);
  auto url = storage->PresignedGetUrl("audio/a b.mp3", std::chrono::seconds(3600));
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  ASSERT_EQ(url->rfind(server_.endpoint() + "/test-bucket/audio/a%20b.mp3?X-Amz-Algorithm=", 0), 0u)
      << *url;

  httplib::Client client(server_.endpoint());
  auto response = client.Get(url->substr(server_.endpoint().size()));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->body, "mp3 bytes");

  clock.Set(std::chrono::system_clock::now() - std::chrono::hours(2));
  auto stale = storage->PresignedGetUrl("audio/a b.mp3", std::chrono::seconds(3600));
  ASSERT_TRUE(stale.has_value());
  auto expired = client.Get(stale->substr(server_.endpoint().size()));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 403);
  EXPECT_NE(expired->body.find("Request has expired"), std::string::npos);

  // A tampered signature is refused.
  std::string tampered = url->substr(server_.endpoint().size());
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  auto bad = client.Get(tampered);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
  EXPECT_NE(bad->body.find("SignatureDoesNotMatch"), std::string::npos);
}

TEST_F(S3StorageTest, ConcurrentCallsFromManyThreads) {
  auto storage = Make(Config());
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<std::string> problems(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = "c" + std::to_string(t);
      const std::string content = RandomBytes(64 * 1024 + t);
      const std::string input = WriteFile(name + ".in", content);
      for (int round = 0; round < 5; ++round) {
        if (!storage->PutFile(name, input, "")) problems[t] = "put failed";
        const fs::path out = dir_ / (name + ".out");
        if (!storage->GetToFile(name, out.string())) problems[t] = "get failed";
        if (Read(out) != content) problems[t] = "content differs";
        auto info = storage->Head(name);
        if (!info || info->size != static_cast<int64_t>(content.size())) problems[t] = "head";
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(problems[t], "") << "thread " << t;
  auto list = storage->List("c");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->size(), static_cast<size_t>(kThreads));
}

TEST(S3StorageConfigTest, ReportsEveryProblemAtOnce) {
  S3Config config;
  config.endpoint_url = "ftp://x/y";
  auto storage = S3Storage::Create(config);
  ASSERT_FALSE(storage.has_value());
  EXPECT_EQ(storage.error().code, Code::kInvalidArgument);
  EXPECT_EQ(storage.error().message,
            "S3 storage is misconfigured: bucket name is empty; region is empty; access key id "
            "is empty; secret access key is empty; endpoint URL must be http(s)://host[:port] "
            "without a path, got ftp://x/y");
}

TEST(S3StorageConfigTest, VirtualHostAddressingWithoutEndpoint) {
  S3Config config;
  config.bucket = "my-bucket/folder/";
  config.region = "eu-west-1";
  config.access_key_id = "AK";
  config.secret_access_key = "SK";
  auto storage = S3Storage::Create(config);
  ASSERT_TRUE(storage.has_value());
  EXPECT_EQ((*storage)->ObjectUrl("a b.mp4"),
            "https://my-bucket.s3.eu-west-1.amazonaws.com/folder/a%20b.mp4");
  auto url = (*storage)->PresignedGetUrl("x", std::chrono::seconds(60));
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->rfind("https://my-bucket.s3.eu-west-1.amazonaws.com/folder/x?X-Amz-", 0), 0u);
}

}  // namespace
}  // namespace reflector::storage
