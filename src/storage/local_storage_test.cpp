#include "storage/local_storage.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.hpp"
#include "core/time_format.hpp"

namespace reflector::storage {
namespace {
namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("local-storage-test-" + NewUuid4());
    fs::create_directories(dir_ / "in");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteInput(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / "in" / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

TEST_F(LocalStorageTest, PutGetHeadRangeDeleteRoundTrip) {
  LocalStorage storage((dir_ / "root").string());
  const std::string input = WriteInput("a.txt", "hello, storage");
  ASSERT_TRUE(storage.PutFile("t/1/audio.mp3", input, "audio/mpeg").has_value());

  auto info = storage.Head("t/1/audio.mp3");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->key, "t/1/audio.mp3");
  EXPECT_EQ(info->size, 14);
  EXPECT_TRUE(ParseIso8601(info->last_modified).has_value()) << info->last_modified;

  auto range = storage.GetRange("t/1/audio.mp3", 7, 100);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(*range, "storage");

  const fs::path out = dir_ / "out" / "copy.mp3";
  fs::create_directories(out.parent_path());
  ASSERT_TRUE(storage.GetToFile("t/1/audio.mp3", out.string()).has_value());
  EXPECT_EQ(Read(out), "hello, storage");

  ASSERT_TRUE(storage.Delete("t/1/audio.mp3").has_value());
  EXPECT_EQ(storage.Head("t/1/audio.mp3").error().code, Code::kNotFound);
  EXPECT_TRUE(storage.Delete("t/1/audio.mp3").has_value());  // idempotent
}

TEST_F(LocalStorageTest, MissingObjectIsNotFoundWithTheKey) {
  LocalStorage storage((dir_ / "root").string());
  auto info = storage.Head("nope.txt");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kNotFound);
  EXPECT_EQ(info.error().message, "object not found: nope.txt");
  auto get = storage.GetToFile("nope.txt", (dir_ / "x").string());
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code, Code::kNotFound);
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}

TEST_F(LocalStorageTest, RejectsKeysEscapingTheRoot) {
  LocalStorage storage((dir_ / "root").string());
  const std::string input = WriteInput("a.txt", "x");
  for (const std::string key : {"../evil", "a/../../evil", "/etc/passwd", "a//b", "./a", ""}) {
    auto put = storage.PutFile(key, input, "text/plain");
    ASSERT_FALSE(put.has_value()) << key;
    EXPECT_EQ(put.error().code, Code::kInvalidArgument) << key;
  }
  EXPECT_FALSE(fs::exists(dir_ / "evil"));
}

TEST_F(LocalStorageTest, ListFiltersByPrefixSortedAndSkipsTemporaries) {
  LocalStorage storage((dir_ / "root").string());
  const std::string input = WriteInput("a.txt", "abc");
  for (const std::string key : {"b/2.mp4", "a/1.mp4", "b/1.mp4", "c.mp4"}) {
    ASSERT_TRUE(storage.PutFile(key, input, "video/mp4").has_value());
  }
  std::ofstream(dir_ / "root" / "b" / ".3.mp4.tmp-abc") << "partial";
  auto all = storage.List("");
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].key, "a/1.mp4");
  EXPECT_EQ((*all)[3].key, "c.mp4");
  auto b = storage.List("b/");
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].key, "b/1.mp4");
  EXPECT_EQ((*b)[1].key, "b/2.mp4");
  EXPECT_EQ((*b)[1].size, 3);
}

TEST_F(LocalStorageTest, RangePastTheEndIsInvalidArgument) {
  LocalStorage storage((dir_ / "root").string());
  ASSERT_TRUE(storage.PutFile("k", WriteInput("a", "12345"), "").has_value());
  auto range = storage.GetRange("k", 5, 1);
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, Code::kInvalidArgument);
}

TEST_F(LocalStorageTest, PresignIsFailedPrecondition) {
  LocalStorage storage((dir_ / "root").string());
  auto url = storage.PresignedGetUrl("k", std::chrono::seconds(60));
  ASSERT_FALSE(url.has_value());
  EXPECT_EQ(url.error().code, Code::kFailedPrecondition);
}

TEST_F(LocalStorageTest, PutOfMissingLocalFileNamesIt) {
  LocalStorage storage((dir_ / "root").string());
  auto put = storage.PutFile("k", (dir_ / "in" / "missing").string(), "");
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, Code::kInvalidArgument);
  EXPECT_NE(put.error().message.find("missing"), std::string::npos);
}

TEST_F(LocalStorageTest, LocalPathForNamesTheFileAndRefusesUnsafeKeys) {
  LocalStorage storage((dir_ / "root").string());
  const ObjectStorage& seam = storage;
  EXPECT_EQ(seam.LocalPathFor("audio/a.mp3"), (dir_ / "root" / "audio" / "a.mp3").string());
  EXPECT_EQ(seam.LocalPathFor("../escape"), std::nullopt);
  EXPECT_EQ(seam.LocalPathFor("/etc/passwd"), std::nullopt);
}

}  // namespace
}  // namespace reflector::storage
