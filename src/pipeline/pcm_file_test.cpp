#include "pipeline/pcm_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace reflector::pipeline {
namespace {

class PcmFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("pcm_file_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(PcmFileTest, ReadsLittleEndianSamplesFromAnyOffset) {
  auto file = PcmFile::Open(Write("a.pcm", std::string("\x01\x00\xff\xff\x34\x12\x00\x80", 8)));
  ASSERT_TRUE(file) << file.error().ToString();
  EXPECT_EQ(file->sample_count(), 4);
  EXPECT_DOUBLE_EQ(file->duration_seconds(), 4.0 / 16000);
  std::vector<std::int16_t> out(3);
  ASSERT_EQ(file->Read(1, out).value(), 3u);
  EXPECT_EQ(out, (std::vector<std::int16_t>{-1, 0x1234, -32768}));
  ASSERT_EQ(file->Read(0, out).value(), 3u);
  EXPECT_EQ(out, (std::vector<std::int16_t>{1, -1, 0x1234}));
  EXPECT_EQ(file->Read(3, out).value(), 1u);  // short read at the end
  EXPECT_EQ(out[0], -32768);
  EXPECT_EQ(file->Read(4, out).value(), 0u);
}

TEST_F(PcmFileTest, OddByteCountIsInvalid) {
  auto file = PcmFile::Open(Write("odd.pcm", "abc"));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, Code::kInvalidArgument);
}

TEST_F(PcmFileTest, MissingFileIsAFailedPrecondition) {
  auto file = PcmFile::Open((dir_ / "nope.pcm").string());
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, Code::kFailedPrecondition);
  auto directory = PcmFile::Open(dir_.string());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code, Code::kFailedPrecondition);
}

}  // namespace
}  // namespace reflector::pipeline
