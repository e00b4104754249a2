#include <gtest/gtest.h>

#include "recordings/recording_processor.hpp"
#include "recordings/sqs_poll.hpp"

namespace reflector::recordings {
namespace {

// Reference §2.5: <prefix>/<room>/<recStartMs>-<participantUUID>-cam-audio-<trackStartMs>.
TEST(ParseRawTrackKeyTest, ReadsDailyKeys) {
  auto key = ParseRawTrackKey(
      "monadical/daily-20251020193458/1760988935484-52f7f48b-fbab-431f-9a50-87b9abfc8255-cam-"
      "audio-1760988935922");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->recording_start_ms, 1760988935484);
  EXPECT_EQ(key->participant_id, "52f7f48b-fbab-431f-9a50-87b9abfc8255");
  EXPECT_EQ(key->track_start_ms, 1760988935922);
}

TEST(ParseRawTrackKeyTest, RejectsOtherShapes) {
  EXPECT_FALSE(ParseRawTrackKey("").has_value());
  EXPECT_FALSE(ParseRawTrackKey("room/1760988935484-52f7f48b-fbab-431f-9a50-87b9abfc8255-cam-"
                                "video-1760988935922")
                   .has_value());
  EXPECT_FALSE(
      ParseRawTrackKey("room/123-52f7f48b-fbab-431f-9a50-87b9abfc8255-cam-audio-456").has_value());
}

// Reference §3.3: `<room>-<YYYY-MM-DDTHH:MM:SSZ>.<ext>`, the meeting's room name "/<room>".
TEST(WherebyRoomOfFileTest, ReadsWherebyFileNames) {
  EXPECT_EQ(WherebyRoomOfFile("standup-3f1c-2026-01-01T12:00:00Z.mp4"), "/standup-3f1c");
  EXPECT_EQ(WherebyRoomOfFile("folder/team-a-b-2026-01-01T12:00:00Z.mkv"), "/team-a-b");
  EXPECT_EQ(WherebyRoomOfFile("x-2026-01-01T12:00:00Z"), "/x");
  EXPECT_FALSE(WherebyRoomOfFile("standup.mp4").has_value());
  EXPECT_FALSE(WherebyRoomOfFile("2026-01-01T12:00:00Z.mp4").has_value());
  EXPECT_FALSE(WherebyRoomOfFile("room_2026-01-01T12:00:00Z.mp4").has_value());
}

}  // namespace
}  // namespace reflector::recordings
