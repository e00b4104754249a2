// multipart/form-data: the in-memory parser and the one over a spooled file must agree on every
// case, including parts larger than the file scanner's block with the delimiter across a block
// edge.
#include "api/multipart.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace reflector::api {
namespace {

namespace fs = std::filesystem;

std::string Part(const std::string& boundary, const std::string& name, const std::string& data,
                 const std::string& extra_headers = "") {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"; filename=\"blob.webm\"\r\nContent-Type: audio/webm\r\n" + extra_headers + "\r\n" +
         data + "\r\n";
}

class MultipartTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    fs::remove(path_, ec);
  }

  // Both parsers on `body`; checks they agree and returns the part's data (nullopt: not found).
  std::optional<std::string> Both(const std::string& body, const std::string& boundary,
                                  const std::string& field) {
    std::ofstream(path_, std::ios::binary) << body;
    auto memory = FindMultipartPart(body, boundary, field);
    auto file = FindMultipartPartInFile(path_.string(), boundary, field);
    EXPECT_TRUE(file.has_value()) << file.error().ToString();
    if (!file) return std::nullopt;
    EXPECT_EQ(memory.has_value(), file->has_value());
    if (!memory || !*file) return std::nullopt;
    EXPECT_EQ(memory->filename, (*file)->filename);
    EXPECT_EQ(memory->content_type, (*file)->content_type);
    const std::string from_file =
        body.substr(static_cast<size_t>((*file)->offset), static_cast<size_t>((*file)->size));
    EXPECT_EQ(std::string(memory->data), from_file);
    return from_file;
  }

  fs::path path_ =
      fs::temp_directory_path() / ("reflector-multipart-" + std::to_string(::getpid()) + ".body");
};

TEST_F(MultipartTest, Boundary) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data; charset=x; boundary=\"a b\""), "a b");
  EXPECT_FALSE(MultipartBoundary("multipart/form-data"));
  EXPECT_FALSE(MultipartBoundary("application/json; boundary=abc"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'b')));
}

TEST_F(MultipartTest, FindsTheNamedPart) {
  const std::string b = "XyZ";
  const std::string body =
      Part(b, "other", "ignore me") + Part(b, "chunk", "audio bytes") + "--" + b + "--\r\n";
  EXPECT_EQ(Both(body, b, "chunk"), "audio bytes");
  EXPECT_EQ(Both(body, b, "other"), "ignore me");
  EXPECT_EQ(Both(body, b, "missing"), std::nullopt);
}

TEST_F(MultipartTest, PreambleEmptyAndBinaryParts) {
  const std::string b = "bnd";
  const std::string binary("\0\r\n-\r\n--bn\xff", 11);
  const std::string body =
      "a preamble line\r\n" + Part(b, "chunk", binary) + Part(b, "empty", "") + "--" + b + "--";
  EXPECT_EQ(Both(body, b, "chunk"), binary);
  EXPECT_EQ(Both(body, b, "empty"), "");
}

TEST_F(MultipartTest, MalformedBodiesFindNothing) {
  const std::string b = "bnd";
  for (const std::string& body :
       {std::string(""), std::string("no delimiter at all"),
        "--" + b + "\r\nContent-Disposition: form-data; name=\"chunk\"\r\n\r\nunterminated",
        "--" + b + "\r\nContent-Disposition: form-data; name=\"chunk\"",  // headers never end
        "--" + b + "--\r\n"}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(Both(body, b, "chunk"), std::nullopt);
  }
}

// Data larger than the scanner's 1 MiB block, with the next delimiter placed across the block
// edge at every offset of a small window.
TEST_F(MultipartTest, LargePartsAcrossBlockEdges) {
  const std::string b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  const std::string prefix = "--" + b +
                             "\r\nContent-Disposition: form-data; name=\"chunk\"; "
                             "filename=\"blob\"\r\nContent-Type: audio/webm\r\n\r\n";
  for (int shift = -45; shift <= 5; shift += 5) {
    const size_t size = (size_t{1} << 20) - prefix.size() + static_cast<size_t>(shift + 50) - 50;
    std::string data(size, 'a');
    for (size_t i = 0; i < data.size(); i += 997) data[i] = static_cast<char>('a' + i % 26);
    const std::string body = prefix + data + "\r\n--" + b + "--\r\n";
    SCOPED_TRACE(shift);
    auto found = Both(body, b, "chunk");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->size(), data.size());
    EXPECT_TRUE(*found == data);
  }
  EXPECT_FALSE(FindMultipartPartInFile("/nonexistent/body", b, "chunk").has_value());
}

}  // namespace
}  // namespace reflector::api
