// The safe downloader against a loopback file server (tests/fakes/fake_file_server.hpp). The
// server is on 127.0.0.1, which the tests allow through DOWNLOAD_ALLOWED_HOSTS as users would for
// a local store; refusals are shown on loopback addresses outside the list (127.0.0.2 and its
// IPv4-mapped IPv6 form), so no packet leaves the machine.
#include "net/safe_download.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fakes/fake_file_server.hpp"

namespace reflector::net {
namespace {

using fakes::FakeFileServer;
namespace fs = std::filesystem;

std::string RandomBytes(size_t n, uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SafeDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("reflector-download-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    options_.allowed_hosts = {"127.0.0.1"};
    options_.initial_backoff = std::chrono::milliseconds(10);
    options_.read_timeout = std::chrono::milliseconds(1000);
    options_.connect_timeout = std::chrono::milliseconds(2000);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Target() const { return (dir_ / "out.bin").string(); }

  FakeFileServer server_;
  DownloadOptions options_;
  fs::path dir_;
};

TEST_F(SafeDownloadTest, DownloadsAFileToDisk) {
  const std::string body = RandomBytes(3 << 20);
  server_.AddFile("/rec.mp4", body, "video/mp4");
  std::vector<int64_t> seen;
  auto result = DownloadToFile(server_.Url("/rec.mp4"), Target(), options_,
                               [&](int64_t done, int64_t) { seen.push_back(done); });
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->bytes, static_cast<int64_t>(body.size()));
  EXPECT_EQ(result->content_type, "video/mp4");
  EXPECT_EQ(result->attempts, 1);
  EXPECT_EQ(ReadFile(Target()), body);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), static_cast<int64_t>(body.size()));
}

TEST_F(SafeDownloadTest, ResumesWithRangeAfterTheConnectionDrops) {
  const std::string body = RandomBytes(1 << 20);
  server_.AddFile("/rec.webm", body);
  server_.AddFault("/rec.webm", FakeFileServer::DropAfter(300'000));
  auto result = DownloadToFile(server_.Url("/rec.webm"), Target(), options_);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(ReadFile(Target()), body);
  EXPECT_EQ(result->attempts, 2);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].range, "");
  // The second request asks for the rest, from a byte the first one delivered.
  ASSERT_EQ(requests[1].range.rfind("bytes=", 0), 0u);
  const int64_t resumed_at = std::stoll(requests[1].range.substr(6));
  EXPECT_GT(resumed_at, 0);
  EXPECT_LE(resumed_at, 300'000);
}

TEST_F(SafeDownloadTest, StartsOverWhenTheServerIgnoresRange) {
  const std::string body = RandomBytes(500'000);
  server_.AddFile("/a", body);
  server_.AddFault("/a", FakeFileServer::DropAfter(200'000));
  server_.AddFault("/a", FakeFileServer::IgnoreRange());
  auto result = DownloadToFile(server_.Url("/a"), Target(), options_);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(ReadFile(Target()), body);
}

TEST_F(SafeDownloadTest, RetriesServerErrorsThenSucceeds) {
  server_.AddFile("/a", "hello");
  server_.AddFault("/a", FakeFileServer::Status(503));
  server_.AddFault("/a", FakeFileServer::Status(500));
  auto result = DownloadToFile(server_.Url("/a"), Target(), options_);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(ReadFile(Target()), "hello");
  EXPECT_EQ(result->attempts, 3);
}

TEST_F(SafeDownloadTest, GivesUpAfterMaxAttemptsOfServerErrors) {
  server_.AddFile("/a", "hello");
  for (int i = 0; i < 10; ++i) server_.AddFault("/a", FakeFileServer::Status(502));
  options_.max_attempts = 3;
  auto result = DownloadToFile(server_.Url("/a"), Target(), options_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kUnavailable);
  EXPECT_EQ(result.error().message, "download failed: HTTP 502 Bad Gateway (after 3 attempts)");
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(SafeDownloadTest, ClientErrorsFailAtOnceWithoutRetry) {
  auto missing = DownloadToFile(server_.Url("/nope"), Target(), options_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::kNotFound);
  EXPECT_EQ(missing.error().message, "download failed: HTTP 404 Not Found");

  server_.AddFile("/secret", "x");
  server_.AddFault("/secret", FakeFileServer::Status(403));
  auto forbidden = DownloadToFile(server_.Url("/secret"), Target(), options_);
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error().code, Code::kPermissionDenied);
  EXPECT_EQ(forbidden.error().message, "download failed: HTTP 403 Forbidden");
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(SafeDownloadTest, RefusesATooLargeFileFromItsContentLength) {
  server_.AddFile("/big", RandomBytes(200'000));
  options_.max_bytes = 100'000;
  auto result = DownloadToFile(server_.Url("/big"), Target(), options_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kResourceExhausted);
  EXPECT_EQ(result.error().message, "recording too large: 200 KB > MAX_RECORDING_BYTES (100 KB)");
  EXPECT_LE(fs::file_size(Target()), 100'000u);
}

TEST_F(SafeDownloadTest, TimesOutWhenTheServerStopsSending) {
  server_.AddFile("/slow", RandomBytes(100'000));
  for (int i = 0; i < 2; ++i) {
    server_.AddFault("/slow", FakeFileServer::Stall(std::chrono::milliseconds(10'000)));
  }
  options_.max_attempts = 2;
  const auto start = std::chrono::steady_clock::now();
  auto result = DownloadToFile(server_.Url("/slow"), Target(), options_);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kDeadlineExceeded);
  EXPECT_EQ(result.error().message, "download timed out: no data for 1 s (after 2 attempts)");
  EXPECT_LT(took, std::chrono::seconds(9));
}

TEST_F(SafeDownloadTest, RefusesLoopbackAddressesOutsideTheAllowList) {
  // 127.0.0.2 is loopback like the server's address but is not listed: refused before any
  // connection is made, whatever listens there.
  const std::string url = "http://127.0.0.2:" + std::to_string(server_.port()) + "/a";
  auto result = DownloadToFile(url, Target(), options_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kPermissionDenied);
  EXPECT_EQ(result.error().message, "download refused: private address 127.0.0.2");

  const std::string mapped = "http://[::ffff:127.0.0.2]:" + std::to_string(server_.port()) + "/a";
  auto mapped_result = DownloadToFile(mapped, Target(), options_);
  ASSERT_FALSE(mapped_result);
  EXPECT_EQ(mapped_result.error().code, Code::kPermissionDenied);
  EXPECT_EQ(mapped_result.error().message, "download refused: private address ::ffff:127.0.0.2");

  // A name that resolves to loopback is judged by the address it resolves to.
  const std::string named = "http://localhost:" + std::to_string(server_.port()) + "/a";
  auto named_result = DownloadToFile(named, Target(), options_);
  ASSERT_FALSE(named_result);
  EXPECT_EQ(named_result.error().code, Code::kPermissionDenied);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(SafeDownloadTest, ChecksEveryRedirectHop) {
  server_.AddFile("/final", "payload");
  server_.AddFault("/start", FakeFileServer::Redirect("/final"));
  auto ok = DownloadToFile(server_.Url("/start"), Target(), options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ReadFile(Target()), "payload");
  EXPECT_EQ(ok->redirects, 1);

  server_.AddFault("/evil", FakeFileServer::Redirect(
                                "http://127.0.0.2:" + std::to_string(server_.port()) + "/final"));
  auto refused = DownloadToFile(server_.Url("/evil"), Target(), options_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::kPermissionDenied);
  EXPECT_EQ(refused.error().message,
            "download refused: private address 127.0.0.2 (after a redirect)");

  server_.AddFault("/ftp", FakeFileServer::Redirect("ftp://127.0.0.1/x"));
  auto ftp = DownloadToFile(server_.Url("/ftp"), Target(), options_);
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().code, Code::kInvalidArgument);
}

TEST_F(SafeDownloadTest, StopsFollowingRedirectLoops) {
  server_.AddFile("/loop", "x");
  for (int i = 0; i < 10; ++i) server_.AddFault("/loop", FakeFileServer::Redirect("/loop"));
  options_.max_redirects = 3;
  auto result = DownloadToFile(server_.Url("/loop"), Target(), options_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kInvalidArgument);
  EXPECT_EQ(result.error().message, "download failed: more than 3 redirects");
}

TEST_F(SafeDownloadTest, RejectsMalformedAndNonHttpUrls) {
  for (const char* url : {"", "not a url", "file:///etc/passwd", "gopher://127.0.0.1/"}) {
    auto result = DownloadToFile(url, Target(), options_);
    ASSERT_FALSE(result) << url;
    EXPECT_EQ(result.error().code, Code::kInvalidArgument) << url;
  }
}

TEST(HumanBytesTest, Formats) {
  EXPECT_EQ(HumanBytes(17), "17 bytes");
  EXPECT_EQ(HumanBytes(3000), "3 KB");
  EXPECT_EQ(HumanBytes(812'000'000), "812 MB");
  EXPECT_EQ(HumanBytes(int64_t{5'200'000'000}), "5.2 GB");
}

}  // namespace
}  // namespace reflector::net
