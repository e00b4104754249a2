#include "api/json_models.hpp"

#include <gtest/gtest.h>

#include "core/time_format.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

store::Room SampleRoom() {
  store::Room room;
  room.id = "r1";
  room.name = "room";
  room.user_id = "u1";
  room.created_at = FromUnixSeconds(1767225600);
  room.webhook_url = "https://example.com/h";
  room.webhook_secret = "secret";
  room.platform = "daily";
  return room;
}

TEST(JsonModelsTest, RoomHasEveryReferenceFieldAndNoWebhook) {
  json j = RoomToJson(SampleRoom());
  EXPECT_EQ(j.size(), 19u);
  EXPECT_EQ(j["created_at"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(j["platform"], "daily");
  EXPECT_EQ(j["ics_url"], nullptr);
  EXPECT_EQ(j["ics_last_sync"], nullptr);
  EXPECT_EQ(j["ics_fetch_interval"], 300);
  EXPECT_FALSE(j.contains("webhook_url"));
}

TEST(JsonModelsTest, RoomWithoutPlatformReadsAsWhereby) {
  store::Room room = SampleRoom();
  room.platform = "";
  EXPECT_EQ(RoomToJson(room)["platform"], "whereby");
}

TEST(JsonModelsTest, RoomDetailsShowsWebhookOnlyToOwner) {
  json owner = RoomDetailsToJson(SampleRoom(), true);
  EXPECT_EQ(owner["webhook_url"], "https://example.com/h");
  EXPECT_EQ(owner["webhook_secret"], "secret");
  json other = RoomDetailsToJson(SampleRoom(), false);
  EXPECT_EQ(other["webhook_url"], nullptr);
  EXPECT_EQ(other["webhook_secret"], nullptr);
  EXPECT_EQ(other.size(), 21u);
}

TEST(JsonModelsTest, MeetingShape) {
  store::Meeting m;
  m.id = "m1";
  m.room_name = "r-1";
  m.room_url = "u";
  m.host_room_url = "h";
  m.start_date = FromUnixSeconds(1767225600);
  m.end_date = FromUnixSeconds(1767225600 + 3600);
  m.room_id = "r1";
  m.calendar_metadata = R"({"title":"t"})";
  m.platform = "daily";
  m.daily_composed_video_duration = 42;
  json j = MeetingToJson(m);
  EXPECT_EQ(j.size(), 19u);
  EXPECT_EQ(j["user_id"], nullptr);
  EXPECT_EQ(j["start_date"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(j["end_date"], "2026-01-01T01:00:00.000000Z");
  EXPECT_EQ(j["calendar_metadata"], json({{"title", "t"}}));
  EXPECT_EQ(j["calendar_event_id"], nullptr);
  EXPECT_EQ(j["daily_composed_video_s3_key"], nullptr);
  EXPECT_EQ(j["daily_composed_video_duration"], 42);
  EXPECT_EQ(j["num_clients"], 0);
  EXPECT_EQ(j["is_active"], true);
  m.calendar_metadata = "not json";
  EXPECT_EQ(MeetingToJson(m)["calendar_metadata"], nullptr);
}

TEST(JsonModelsTest, PageCountsPages) {
  EXPECT_EQ(
      PageToJson(json::array(), 0, 1, 50),
      json({{"items", json::array()}, {"total", 0}, {"page", 1}, {"size", 50}, {"pages", 0}}));
  EXPECT_EQ(PageToJson(json::array(), 101, 2, 50)["pages"], 3);
  EXPECT_EQ(PageToJson(json::array(), 100, 2, 50)["pages"], 2);
}

TEST(JsonModelsTest, LiteralErrorMessageLikePydantic) {
  EXPECT_EQ(LiteralErrorMessage({"a"}), "Input should be 'a'");
  EXPECT_EQ(LiteralErrorMessage({"a", "b"}), "Input should be 'a' or 'b'");
  EXPECT_EQ(LiteralErrorMessage({"a", "b", "c"}), "Input should be 'a', 'b' or 'c'");
}

TEST(JsonModelsTest, BodyReaderCollectsEveryError) {
  BodyReader body(R"({"s":1,"b":"x","i":1.5,"e":"z","ns":null,"ni":null,"ok":"v"})");
  EXPECT_FALSE(body.String("s").has_value());
  EXPECT_FALSE(body.Bool("b").has_value());
  EXPECT_FALSE(body.Int("i").has_value());
  EXPECT_FALSE(body.Enum("e", {"x", "y"}).has_value());
  EXPECT_FALSE(body.String("absent").has_value());
  EXPECT_FALSE(body.String("required", true).has_value());
  auto ns = body.NullableString("ns");
  ASSERT_TRUE(ns.has_value());
  EXPECT_FALSE(ns->has_value());
  auto ni = body.NullableInt("ni");
  ASSERT_TRUE(ni.has_value());
  EXPECT_FALSE(ni->has_value());
  EXPECT_EQ(body.String("ok"), "v");
  EXPECT_TRUE(body.Has("ns"));
  EXPECT_TRUE(body.IsNull("ns"));
  EXPECT_FALSE(body.IsNull("ok"));
  const json& d = body.errors().detail();
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0], json({{"loc", {"body", "s"}},
                        {"msg", "Input should be a valid string"},
                        {"type", "string_type"}}));
  EXPECT_EQ(d[1]["type"], "bool_type");
  EXPECT_EQ(d[2]["type"], "int_type");
  EXPECT_EQ(d[3]["msg"], "Input should be 'x' or 'y'");
  EXPECT_EQ(d[4],
            json({{"loc", {"body", "required"}}, {"msg", "Field required"}, {"type", "missing"}}));
  auto response = body.errors().ToResponse();
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(json::parse(response.body)["detail"], d);
}

TEST(JsonModelsTest, BodyReaderRejectsBadBodies) {
  struct Case {
    std::string body;
    bool required;
    std::string type;  // empty: no error
  };
  for (const Case& c : std::vector<Case>{{"", true, "missing"},
                                         {"  ", false, ""},
                                         {"{", true, "json_invalid"},
                                         {"[1]", true, "model_attributes_type"},
                                         {"{}", true, ""}}) {
    BodyReader body(c.body, c.required);
    if (c.type.empty()) {
      EXPECT_TRUE(body.errors().empty()) << c.body;
    } else {
      ASSERT_EQ(body.errors().detail().size(), 1u) << c.body;
      EXPECT_EQ(body.errors().detail()[0]["type"], c.type) << c.body;
    }
    EXPECT_TRUE(body.object().is_object());
  }
}

TEST(JsonModelsTest, QueryIntValidatesRange) {
  struct Case {
    std::string query;
    std::optional<int64_t> value;
    std::string type;
  };
  for (const Case& c : std::vector<Case>{{"", 50, ""},
                                         {"size=7", 7, ""},
                                         {"size=0", std::nullopt, "greater_than_equal"},
                                         {"size=101", std::nullopt, "less_than_equal"},
                                         {"size=abc", std::nullopt, "int_parsing"},
                                         {"size=5x", std::nullopt, "int_parsing"},
                                         {"size=", std::nullopt, "int_parsing"}}) {
    http::Request request;
    request.query = c.query;
    ValidationErrors errors;
    EXPECT_EQ(QueryInt(request, "size", 50, 1, 100, errors), c.value) << c.query;
    if (c.type.empty()) {
      EXPECT_TRUE(errors.empty()) << c.query;
    } else {
      ASSERT_EQ(errors.detail().size(), 1u) << c.query;
      EXPECT_EQ(errors.detail()[0]["type"], c.type) << c.query;
      EXPECT_EQ(errors.detail()[0]["loc"], json({"query", "size"}));
    }
  }
}

}  // namespace
}  // namespace reflector::api
