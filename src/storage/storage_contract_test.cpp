// The ObjectStorage contract, run against every implementation: LocalStorage in a temp dir and
// S3Storage against FakeS3Server (with a "bucket/folder" prefix, so the folder stays invisible).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/ids.hpp"
#include "fakes/fake_s3_server.hpp"
#include "storage/local_storage.hpp"
#include "storage/s3_storage.hpp"

namespace reflector::storage {
namespace {
namespace fs = std::filesystem;

struct Backend {
  std::string name;
  std::function<std::unique_ptr<ObjectStorage>(const fs::path& dir, fakes::FakeS3Server&)> make;
};

class ObjectStorageContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("storage-contract-" + NewUuid4());
    fs::create_directories(dir_ / "work");
    storage_ = GetParam().make(dir_, server_);
    ASSERT_NE(storage_, nullptr);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Input(const std::string& content) {
    const fs::path path = dir_ / "work" / ("in-" + NewUuid4());
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fakes::FakeS3Server server_;
  fs::path dir_;
  std::unique_ptr<ObjectStorage> storage_;
};

TEST_P(ObjectStorageContractTest, PutReplacesAndGetReturnsTheLatest) {
  ASSERT_TRUE(storage_->PutFile("t/1/audio.mp3", Input("first"), "audio/mpeg"));
  ASSERT_TRUE(storage_->PutFile("t/1/audio.mp3", Input("second!"), "audio/mpeg"));
  const fs::path out = dir_ / "work" / "out.mp3";
  ASSERT_TRUE(storage_->GetToFile("t/1/audio.mp3", out.string()));
  EXPECT_EQ(Read(out), "second!");
  auto info = storage_->Head("t/1/audio.mp3");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->key, "t/1/audio.mp3");
  EXPECT_EQ(info->size, 7);
  EXPECT_FALSE(info->last_modified.empty());
}

TEST_P(ObjectStorageContractTest, GetToFileReplacesAnExistingFile) {
  ASSERT_TRUE(storage_->PutFile("k", Input("new"), ""));
  const fs::path out = dir_ / "work" / "existing";
  std::ofstream(out) << "old content that is longer";
  ASSERT_TRUE(storage_->GetToFile("k", out.string()));
  EXPECT_EQ(Read(out), "new");
}

TEST_P(ObjectStorageContractTest, AbsentKeyIsNotFoundEverywhere) {
  EXPECT_EQ(storage_->Head("absent").error().code, Code::kNotFound);
  EXPECT_EQ(storage_->Head("absent").error().message, "object not found: absent");
  EXPECT_EQ(storage_->GetRange("absent", 0, 1).error().code, Code::kNotFound);
  const fs::path out = dir_ / "work" / "never";
  EXPECT_EQ(storage_->GetToFile("absent", out.string()).error().code, Code::kNotFound);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(storage_->Delete("absent").has_value());
}

TEST_P(ObjectStorageContractTest, RangesClipAtTheEndAndRefusePastIt) {
  ASSERT_TRUE(storage_->PutFile("r", Input("0123456789"), ""));
  EXPECT_EQ(storage_->GetRange("r", 0, 3).value(), "012");
  EXPECT_EQ(storage_->GetRange("r", 8, 10).value(), "89");
  EXPECT_EQ(storage_->GetRange("r", 10, 1).error().code, Code::kInvalidArgument);
  EXPECT_EQ(storage_->GetRange("r", -1, 1).error().code, Code::kInvalidArgument);
}

TEST_P(ObjectStorageContractTest, ListIsSortedFilteredAndComplete) {
  for (const std::string key : {"b/2", "a/1", "b/1", "b10", "c"}) {
    ASSERT_TRUE(storage_->PutFile(key, Input(key), ""));
  }
  auto b = storage_->List("b/");
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].key, "b/1");
  EXPECT_EQ((*b)[1].key, "b/2");
  EXPECT_EQ((*b)[1].size, 3);
  auto all = storage_->List("");
  ASSERT_TRUE(all.has_value());
  std::vector<std::string> keys;
  for (const auto& info : *all) keys.push_back(info.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "b/1", "b/2", "b10", "c"}));
  EXPECT_TRUE(storage_->List("zzz")->empty());
}

TEST_P(ObjectStorageContractTest, DeleteRemovesOnlyThatKey) {
  ASSERT_TRUE(storage_->PutFile("x/1", Input("1"), ""));
  ASSERT_TRUE(storage_->PutFile("x/2", Input("2"), ""));
  ASSERT_TRUE(storage_->Delete("x/1"));
  EXPECT_EQ(storage_->Head("x/1").error().code, Code::kNotFound);
  EXPECT_TRUE(storage_->Head("x/2").has_value());
}

TEST_P(ObjectStorageContractTest, MissingLocalFileIsInvalidArgument) {
  auto put = storage_->PutFile("k", (dir_ / "work" / "missing").string(), "");
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ObjectStorageContractTest,
    ::testing::Values(
        Backend{"Local",
                [](const fs::path& dir, fakes::FakeS3Server&) -> std::unique_ptr<ObjectStorage> {
                  return std::make_unique<LocalStorage>((dir / "root").string());
                }},
        Backend{"S3",
                [](const fs::path&, fakes::FakeS3Server& server) -> std::unique_ptr<ObjectStorage> {
                  server.SetMaxKeysPerPage(2);  // exercise paging in List
                  S3Config config;
                  config.bucket = "test-bucket/contract";
                  config.region = server.options().region;
                  config.access_key_id = server.options().access_key_id;
                  config.secret_access_key = server.options().secret_access_key;
                  config.endpoint_url = server.endpoint();
                  auto storage = S3Storage::Create(config);
                  if (!storage) return nullptr;
                  return std::move(*storage);
                }}),
    [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace reflector::storage
