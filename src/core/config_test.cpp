#include "core/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace reflector {
namespace {

TEST(ConfigTest, EmbeddedDefaultsNeedNoVariables) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->database.url, "sqlite:///./data/reflector.db");
  EXPECT_EQ(c->http.host, "127.0.0.1");
  EXPECT_EQ(c->http.port, 1250);
  EXPECT_EQ(c->http.base_url, "http://127.0.0.1:1250");
  EXPECT_EQ(c->http.ui_base_url, "http://127.0.0.1:1250");
  EXPECT_EQ(c->auth.backend, "none");
  EXPECT_EQ(c->platforms.default_platform, "mock");
  EXPECT_EQ(c->worker_threads, 2);
  EXPECT_EQ(c->webhook_timestamp_tolerance_seconds, 300);
  EXPECT_EQ(c->http.body_limit_bytes, 1u << 20);
  EXPECT_EQ(c->transcript.backend, "pocketsphinx");
  EXPECT_EQ(c->ConfiguredPlatforms(), std::vector<std::string>{"mock"});
}

TEST(ConfigTest, DefaultPlatformFollowsConfiguredKeys) {
  EXPECT_EQ(LoadConfig({{"DAILY_API_KEY", "k"}})->platforms.default_platform, "daily");
  EXPECT_EQ(
      LoadConfig({{"DAILY_API_KEY", "k"}, {"WHEREBY_API_KEY", "w"}})->platforms.default_platform,
      "whereby");
  EXPECT_EQ(LoadConfig({{"WHEREBY_API_KEY", "w"}, {"DEFAULT_VIDEO_PLATFORM", "Daily"}})
                ->platforms.default_platform,
            "daily");
}

TEST(ConfigTest, SeedAliasesMapToCanonicalNames) {
  auto c = LoadConfig({{"AWS_DAILY_S3_BUCKET", "db"},
                       {"AWS_DAILY_S3_REGION", "eu-west-1"},
                       {"AWS_DAILY_ROLE_ARN", "arn:aws:iam::1:role/r"},
                       {"AWS_WHEREBY_S3_BUCKET", "wb"},
                       {"AWS_WHEREBY_ACCESS_KEY_ID", "AKIA"},
                       {"AWS_WHEREBY_ACCESS_KEY_SECRET", "wsecret"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->daily.storage_bucket, "db");
  EXPECT_EQ(c->daily.storage_region, "eu-west-1");
  EXPECT_EQ(c->daily.storage_role_arn, "arn:aws:iam::1:role/r");
  EXPECT_EQ(c->whereby.storage_bucket, "wb");
  EXPECT_EQ(c->whereby.storage_access_key_id, "AKIA");
  EXPECT_EQ(c->whereby.storage_secret_access_key, "wsecret");
}

TEST(ConfigTest, CanonicalNameWinsOverAlias) {
  auto c =
      LoadConfig({{"AWS_DAILY_S3_BUCKET", "alias"}, {"DAILYCO_STORAGE_AWS_BUCKET_NAME", "canon"}});
  EXPECT_EQ(c->daily.storage_bucket, "canon");
}

TEST(ConfigTest, MigrationRoomIdsAcceptJsonArrayOrCommaList) {
  EXPECT_EQ(LoadConfig({{"DAILY_MIGRATION_ROOM_IDS", R"(["a", "b-1"])"}})
                ->platforms.daily_migration_room_ids,
            (std::vector<std::string>{"a", "b-1"}));
  EXPECT_EQ(
      LoadConfig({{"DAILY_MIGRATION_ROOM_IDS", " a , b-1,,"}})->platforms.daily_migration_room_ids,
      (std::vector<std::string>{"a", "b-1"}));
  EXPECT_TRUE(
      LoadConfig({{"DAILY_MIGRATION_ROOM_IDS", "[]"}})->platforms.daily_migration_room_ids.empty());
}

TEST(ConfigTest, ReportsEveryProblemAtOnce) {
  auto c = LoadConfig({{"PORT", "http"},
                       {"WORKER_THREADS", "-1"},
                       {"AUTH_BACKEND", "ldap"},
                       {"DAILY_MIGRATION_ENABLED", "maybe"},
                       {"DATABASE_URL", "mysql://x"},
                       {"DAILY_WEBHOOK_SECRET", "not base64!"},
                       {"DAILY_MIGRATION_ROOM_IDS", "[1, {}]"}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Code::kInvalidArgument);
  const std::string& m = c.error().message;
  for (const char* needle :
       {"PORT=\"http\" is not an integer", "WORKER_THREADS=-1 is out of range [0, 64]",
        "AUTH_BACKEND=\"ldap\" must be one of: none, jwt",
        "DAILY_MIGRATION_ENABLED=\"maybe\" is not a boolean", "DATABASE_URL must start with",
        "DAILY_WEBHOOK_SECRET is not valid base64", "DAILY_MIGRATION_ROOM_IDS must hold strings"}) {
    EXPECT_NE(m.find(needle), std::string::npos) << "missing: " << needle << "\nin: " << m;
  }
}

TEST(ConfigTest, JwtBackendNeedsKey) {
  auto c = LoadConfig({{"AUTH_BACKEND", "jwt"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("AUTH_JWT_PUBLIC_KEY"), std::string::npos);
}

TEST(ConfigTest, PublicModeIsOffUnlessSaidOtherwise) {
  EXPECT_FALSE(LoadConfig({})->auth.public_mode);
  EXPECT_TRUE(LoadConfig({{"PUBLIC_MODE", "true"}})->auth.public_mode);
  EXPECT_FALSE(LoadConfig({{"PUBLIC_MODE", "false"}})->auth.public_mode);
  auto bad = LoadConfig({{"PUBLIC_MODE", "sometimes"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("PUBLIC_MODE"), std::string::npos) << bad.error().message;
}

TEST(ConfigTest, EmptyValueCountsAsUnset) {
  auto c = LoadConfig({{"PORT", ""}, {"DAILY_API_KEY", ""}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->http.port, 1250);
  EXPECT_FALSE(c->daily.configured());
}

TEST(ConfigTest, SecretsIncludeDatabasePassword) {
  auto c = LoadConfig(
      {{"DATABASE_URL", "postgresql://u:s3cr3t@db:5432/r"}, {"DAILY_API_KEY", "dk-123"}});
  ASSERT_TRUE(c);
  auto secrets = c->Secrets();
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "s3cr3t"), secrets.end());
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "dk-123"), secrets.end());
}

TEST(DotEnvTest, ParsesCommentsQuotesAndExport) {
  auto env = ParseDotEnv(
      "# comment\n"
      "export PORT=8080\n"
      "HOST = 0.0.0.0  # trailing comment\n"
      "DAILY_API_KEY=\"quoted # not a comment\"\n"
      "MULTI=\"a\\nb\"\n"
      "SINGLE='raw\\n'\n"
      "EMPTY=\n");
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->at("PORT"), "8080");
  EXPECT_EQ(env->at("HOST"), "0.0.0.0");
  EXPECT_EQ(env->at("DAILY_API_KEY"), "quoted # not a comment");
  EXPECT_EQ(env->at("MULTI"), "a\nb");
  EXPECT_EQ(env->at("SINGLE"), "raw\\n");
  EXPECT_EQ(env->count("EMPTY"), 0u);
}

TEST(DotEnvTest, BadLineNamesItsNumber) {
  auto env = ParseDotEnv("A=1\nthis is wrong\n");
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().message, ".env line 2: expected KEY=value");
  EXPECT_FALSE(ParseDotEnv("A=\"open\n"));
}

TEST(DotEnvTest, EnvironmentWinsOverDotEnv) {
  auto merged = MergeEnv({{"PORT", "1"}}, {{"PORT", "2"}, {"HOST", "h"}});
  EXPECT_EQ(merged.at("PORT"), "1");
  EXPECT_EQ(merged.at("HOST"), "h");
}

TEST(ConfigTest, EnvExampleListsEveryVariable) {
  std::ifstream in(REFLECTOR_SOURCE_DIR "/env.example");
  ASSERT_TRUE(in) << "env.example missing";
  std::set<std::string> documented;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) line = line.substr(2);
    const size_t eq = line.find('=');
    if (eq != std::string::npos) documented.insert(line.substr(0, eq));
  }
  for (const auto& v : ConfigVariables()) {
    EXPECT_EQ(documented.count(v.name), 1u) << v.name << " is not in env.example";
  }
}

}  // namespace
}  // namespace reflector
