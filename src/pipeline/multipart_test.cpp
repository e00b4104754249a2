#include "pipeline/multipart.hpp"

#include <gtest/gtest.h>

namespace reflector::pipeline {
namespace {

std::string BoundaryOf(const MultipartBody& m) {
  const std::string prefix = "multipart/form-data; boundary=";
  EXPECT_EQ(m.content_type.rfind(prefix, 0), 0u);
  return m.content_type.substr(prefix.size());
}

TEST(MultipartTest, LaysOutFieldsAndFilesPerRfc7578) {
  const std::string binary("RIFF\0\r\n--x", 10);
  MultipartBody m =
      BuildMultipart({{"file", binary, "audio.wav", "audio/wav"}, {"model", "whisper-1", {}, {}}});
  const std::string b = BoundaryOf(m);
  EXPECT_EQ(m.body,
            "--" + b +
                "\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\n" +
                binary + "\r\n--" + b +
                "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--" + b +
                "--\r\n");
}

TEST(MultipartTest, BoundaryNeverOccursInContent) {
  for (int i = 0; i < 20; ++i) {
    MultipartBody m = BuildMultipart({{"a", "----reflector-", {}, {}}});
    const std::string b = BoundaryOf(m);
    EXPECT_GE(b.size(), 30u);
    EXPECT_EQ(std::string("----reflector-").find(b), std::string::npos);
  }
}

TEST(MultipartTest, BoundariesDifferBetweenBodies) {
  EXPECT_NE(BoundaryOf(BuildMultipart({})), BoundaryOf(BuildMultipart({})));
}

}  // namespace
}  // namespace reflector::pipeline
