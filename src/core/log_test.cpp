#include "core/log.hpp"

#include <gtest/gtest.h>

namespace reflector {
namespace {

TEST(LogTest, RedactsEverySecretOccurrence) {
  EXPECT_EQ(RedactSecrets("key=abcd1234 again abcd1234", {"abcd1234"}), "key=*** again ***");
  EXPECT_EQ(RedactSecrets("short ab stays", {"ab", ""}), "short ab stays");
}

TEST(LogTest, ScopedRequestIdNestsAndRestores) {
  EXPECT_EQ(CurrentRequestId(), "");
  {
    ScopedRequestId outer("outer");
    EXPECT_EQ(CurrentRequestId(), "outer");
    {
      ScopedRequestId inner("inner");
      EXPECT_EQ(CurrentRequestId(), "inner");
    }
    EXPECT_EQ(CurrentRequestId(), "outer");
  }
  EXPECT_EQ(CurrentRequestId(), "");
}

}  // namespace
}  // namespace reflector

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/config.hpp"

namespace reflector {
namespace {

TEST(LogTest, JsonLinesCarryRequestIdAndHideSecrets) {
  LogConfig config;
  config.format = "json";
  InitLogging(config, {"topsecret"});
  testing::internal::CaptureStderr();
  {
    ScopedRequestId rid("req-1");
    spdlog::info("calling with key {}", "topsecret");
  }
  spdlog::default_logger()->flush();
  const std::string out = testing::internal::GetCapturedStderr();
  auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "calling with key ***");
  EXPECT_EQ(line["request_id"], "req-1");
  EXPECT_EQ(out.find("topsecret"), std::string::npos);
}

TEST(LogTest, TextLinesShowRequestId) {
  LogConfig config;
  InitLogging(config, {});
  testing::internal::CaptureStderr();
  {
    ScopedRequestId rid("abc");
    spdlog::warn("hello");
  }
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(" warning [req=abc] hello\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace reflector
