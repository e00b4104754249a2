#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace reflector {
namespace {

TEST(JsonWriterTest, NestsObjectsAndArraysWithCommas) {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .Int(-3)
      .Key("b")
      .BeginArray()
      .Bool(true)
      .Null()
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray()
      .Key("c")
      .OptString(std::nullopt)
      .Key("d")
      .OptInt(7)
      .Key("e")
      .Raw("{\"x\":1}")
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":-3,"b":[true,null,{},[]],"c":null,"d":7,"e":{"x":1}})");
}

TEST(JsonWriterTest, EscapesLikeNlohmannForEveryAsciiByte) {
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += static_cast<char>(c);
  JsonWriter w;
  w.String(all);
  EXPECT_EQ(w.str(), nlohmann::json(all).dump());
  EXPECT_EQ(nlohmann::json::parse(w.str()).get<std::string>(), all);
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  JsonWriter valid;
  valid.String("caf\xC3\xA9 \xF0\x9F\x8E\x89 \xE2\x82\xAC");
  EXPECT_EQ(valid.str(), "\"caf\xC3\xA9 \xF0\x9F\x8E\x89 \xE2\x82\xAC\"");

  // Lone continuation byte, truncated sequence, overlong '/', a UTF-16 surrogate, > U+10FFFF.
  for (const std::string bad : {"\x80", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    JsonWriter w;
    w.String("a" + bad + "b");
    const std::string out = w.str();
    EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos) << out;
    EXPECT_TRUE(nlohmann::json::accept(out)) << out;
  }
}

TEST(JsonWriterTest, IntegersAtTheLimits) {
  JsonWriter w;
  w.BeginArray().Int(INT64_MIN).Int(INT64_MAX).Int(0).EndArray();
  EXPECT_EQ(w.str(), "[-9223372036854775808,9223372036854775807,0]");
}

}  // namespace
}  // namespace reflector
