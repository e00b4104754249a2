#include "platforms/whereby/whereby_signature.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace reflector::platforms {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kTolerance{300};
constexpr std::string_view kSecret = "whereby-test-secret";

TimePoint At(int64_t unix_seconds) { return TimePoint(seconds(unix_seconds)); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

nlohmann::json LoadFixture() {
  const std::string text =
      ReadFile(std::string(REFLECTOR_SHARED_DIR) + "/fixtures/whereby-webhooks.json");
  if (text.empty()) {
    return nullptr;
  }
  return nlohmann::json::parse(text);
}

// --- Known answers ---------------------------------------------------------------------------

TEST(WherebySignatureTest, ProvidersKnownAnswer) {
  // providers.md §2.2.
  const std::string body =
      R"({"id":"evt_1","type":"room.client.joined","data":{"meetingId":"134","numClients":1}})";
  const std::string header =
      "t=1606227791,v1=470c6a25a83682665861b17fcd55731b945efcec8616a2e789919291698eb9a0";
  EXPECT_EQ(SignWhereby(body, "1606227791", kSecret), header);
  const WebhookVerdict v =
      VerifyWherebySignature(body, header, kSecret, At(1606227791), kTolerance);
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.reason, "");
}

// reflector-reference.md §3.2. Reflector signs and verifies `t + "." + json.dumps(parsed body,
// separators=(",", ":"))` — the body re-serialised compactly with non-ASCII escaped — not the
// bytes on the wire (a QUIRK). Its published v1 is therefore a signature over the canonical
// string. We verify raw bytes, so:
//   * when the raw body *is* that canonical string, the reference v1 verifies;
//   * when the raw body is the spaced, unescaped original the reference starts from, that same
//     v1 must be rejected: those are different bytes. (Real Whereby signs what it sends, so a
//     raw-bytes verifier accepts real deliveries whatever their formatting; see the fixtures.)
TEST(WherebySignatureTest, ReferenceVectorIsOverCanonicalJsonNotRawBody) {
  const std::string raw =
      R"({"apiVersion": "1.0", "id": "evt1", "createdAt": "2026-01-01T00:00:00.000Z", "type": "room.client.joined", "data": {"meetingId": "12345678", "numClients": 2, "roomName": "/r-é"}})";
  const std::string canonical =
      R"({"apiVersion":"1.0","id":"evt1","createdAt":"2026-01-01T00:00:00.000Z","type":"room.client.joined","data":{"meetingId":"12345678","numClients":2,"roomName":"/r-\u00e9"}})";
  const std::string header =
      "t=1767225600,v1=e05ebd124a66d80543c22e04910b300672fb492ac02e499ed972a13746ef3533";
  const TimePoint now = At(1767225600);

  EXPECT_EQ(SignWhereby(canonical, "1767225600", kSecret), header);
  const WebhookVerdict canonical_verdict =
      VerifyWherebySignature(canonical, header, kSecret, now, kTolerance);
  EXPECT_TRUE(canonical_verdict.ok) << canonical_verdict.reason;

  EXPECT_EQ(VerifyWherebySignature(raw, header, kSecret, now, kTolerance).reason, "bad_signature");
  // What a sender signing the raw bytes would send instead (computed independently in Python).
  const std::string raw_header =
      "t=1767225600,v1=2a10a24c42177fe7d8c5c64f105494402e5fb9aedd5c1b710ebdf91e03d1b9b9";
  EXPECT_EQ(SignWhereby(raw, "1767225600", kSecret), raw_header);
  EXPECT_TRUE(VerifyWherebySignature(raw, raw_header, kSecret, now, kTolerance).ok);
}

// Every delivery in fixtures/whereby-webhooks.json (spaced JSON with raw UTF-8 display names)
// verifies over its exact bytes, with the clock injected at its t.
TEST(WherebySignatureTest, EveryFixtureDeliveryVerifies) {
  const auto fixture = LoadFixture();
  ASSERT_FALSE(fixture.is_null()) << "fixtures/whereby-webhooks.json not found under "
                                  << REFLECTOR_SHARED_DIR;
  const std::string secret = fixture.at("secret");
  const std::string t = fixture.at("t");
  ASSERT_GE(fixture.at("events").size(), 4u);
  for (const auto& [name, event] : fixture.at("events").items()) {
    SCOPED_TRACE(name);
    const std::string body = event.at("body");
    const std::string header = event.at("Whereby-Signature");
    const WebhookVerdict v =
        VerifyWherebySignature(body, header, secret, At(std::stoll(t)), kTolerance);
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(SignWhereby(body, t, secret), header);
    std::string tampered = body;
    tampered[tampered.size() / 2] ^= 0x01;
    EXPECT_EQ(
        VerifyWherebySignature(tampered, header, secret, At(std::stoll(t)), kTolerance).reason,
        "bad_signature");
  }
}

// Reflector's re-serialisation QUIRK in reverse: the fixture body with its non-ASCII escaped
// (what json.dumps(ensure_ascii=True) produces) is not what Whereby signed.
TEST(WherebySignatureTest, EscapedUtf8IsDifferentBytes) {
  const auto fixture = LoadFixture();
  ASSERT_FALSE(fixture.is_null());
  const auto& event = fixture.at("events").at("room.client.joined");
  std::string body = event.at("body");
  const std::string header = event.at("Whereby-Signature");
  const std::string utf8 = "Zoë Ñandú";
  const size_t at = body.find(utf8);
  ASSERT_NE(at, std::string::npos);
  body.replace(at, utf8.size(), R"(Zo\u00eb \u00d1and\u00fa)");
  EXPECT_EQ(VerifyWherebySignature(body, header, kSecret, At(1767225600), kTolerance).reason,
            "bad_signature");
}

// --- Rejection table (providers.md §4.3 items 1, 2 as they apply to signatures) ---------------

struct Case {
  std::string name;
  std::string body;
  std::optional<std::string> header;  // Whereby-Signature, nullopt = absent
  std::string secret;
  TimePoint now;
  std::string want_reason;  // "" = accepted
};

std::vector<Case> Cases() {
  const std::string body =
      R"({"id": "e1", "type": "room.client.left", "data": {"meetingId": "1"}})";
  const std::string secret(kSecret);
  const int64_t t = 1767225600;
  const std::string ts = "1767225600";
  const TimePoint now = At(t);
  const std::string v1 = HexEncode(HmacSha256(secret, ts + "." + body));
  const std::string header = "t=" + ts + ",v1=" + v1;
  std::string upper = v1;
  for (char& ch : upper) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  const std::string other_v1 = HexEncode(HmacSha256("other-secret", ts + "." + body));
  const std::string ms_ts = "1767225600000";

  return {
      {"valid", body, header, secret, now, ""},
      {"sign_whereby_matches", body, SignWhereby(body, ts, secret), secret, now, ""},

      // Grammar that must be tolerated.
      {"uppercase_hex", body, "t=" + ts + ",v1=" + upper, secret, now, ""},
      {"space_after_comma", body, "t=" + ts + ", v1=" + v1, secret, now, ""},
      {"spaces_and_tab_after_comma", body, "t=" + ts + ", \tv1=" + v1, secret, now, ""},
      {"v1_before_t", body, "v1=" + v1 + ",t=" + ts, secret, now, ""},
      {"unknown_parts_ignored", body, "t=" + ts + ",v0=deadbeef,v1=" + v1 + ",x=", secret, now, ""},
      {"multiple_v1_one_valid", body, "t=" + ts + ",v1=" + other_v1 + ",v1=" + v1, secret, now, ""},
      {"multiple_v1_none_valid", body, "t=" + ts + ",v1=" + other_v1 + ",v1=" + other_v1, secret,
       now, "bad_signature"},

      // Signature.
      {"tampered_body_one_byte",
       R"({"id": "e2", "type": "room.client.left", "data": {"meetingId": "1"}})", header, secret,
       now, "bad_signature"},
      {"reserialised_body", R"({"id":"e1","type":"room.client.left","data":{"meetingId":"1"}})",
       header, secret, now, "bad_signature"},
      {"wrong_secret", body, "t=" + ts + ",v1=" + other_v1, secret, now, "bad_signature"},
      {"t_not_the_signed_one", body, "t=1767225601,v1=" + v1, secret, now, "bad_signature"},
      {"signed_body_only", body, "t=" + ts + ",v1=" + HexEncode(HmacSha256(secret, body)), secret,
       now, "bad_signature"},
      // Only v1 is trusted: a matching digest under another scheme name does not count.
      {"valid_digest_only_as_v0", body, "t=" + ts + ",v0=" + v1, secret, now,
       "malformed_signature_header"},

      // Missing / malformed header.
      {"missing_header", body, std::nullopt, secret, now, "missing_signature"},
      {"empty_header", body, "", secret, now, "malformed_signature_header"},
      {"garbage_header", body, "garbage", secret, now, "malformed_signature_header"},
      {"t_abc", body, "t=abc,v1=" + v1, secret, now, "malformed_signature_header"},
      {"t_empty", body, "t=,v1=" + v1, secret, now, "malformed_signature_header"},
      {"t_float", body, "t=1767225600.5,v1=" + v1, secret, now, "malformed_signature_header"},
      {"t_negative", body, "t=-1767225600,v1=" + v1, secret, now, "malformed_signature_header"},
      {"t_16_digits", body, "t=1767225600000000,v1=" + v1, secret, now,
       "malformed_signature_header"},
      {"missing_t", body, "v1=" + v1, secret, now, "malformed_signature_header"},
      {"duplicate_t", body, "t=" + ts + ",t=" + ts + ",v1=" + v1, secret, now,
       "malformed_signature_header"},
      {"missing_v1", body, "t=" + ts, secret, now, "malformed_signature_header"},
      {"v1_not_hex", body, "t=" + ts + ",v1=" + std::string(64, 'z'), secret, now,
       "malformed_signature_header"},
      {"v1_too_short", body, "t=" + ts + ",v1=" + v1.substr(0, 63), secret, now,
       "malformed_signature_header"},
      {"v1_too_long", body, header + "0", secret, now, "malformed_signature_header"},
      {"v1_base64_instead_of_hex", body,
       "t=" + ts + ",v1=" + Base64Encode(HmacSha256(secret, ts + "." + body)), secret, now,
       "malformed_signature_header"},
      {"one_good_one_malformed_v1", body, header + ",v1=xyz", secret, now,
       "malformed_signature_header"},
      {"empty_part", body, "t=" + ts + ",,v1=" + v1, secret, now, "malformed_signature_header"},
      {"trailing_comma", body, header + ",", secret, now, "malformed_signature_header"},
      {"part_without_equals", body, header + ",v2", secret, now, "malformed_signature_header"},
      {"space_before_comma", body, "t=" + ts + " ,v1=" + v1, secret, now,
       "malformed_signature_header"},
      {"space_around_equals", body, "t = " + ts + ",v1=" + v1, secret, now,
       "malformed_signature_header"},
      {"semicolon_separator", body, "t=" + ts + ";v1=" + v1, secret, now,
       "malformed_signature_header"},

      // Replay window, two-sided and inclusive.
      {"stale_by_one_second", body, header, secret, now + kTolerance + seconds(1),
       "stale_timestamp"},
      {"stale_by_one_millisecond", body, header, secret, now + kTolerance + milliseconds(1),
       "stale_timestamp"},
      // Reflector accepts any future t; we do not.
      {"future_by_one_second", body, header, secret, now - kTolerance - seconds(1),
       "future_timestamp"},
      {"exactly_tolerance_old_accepted", body, header, secret, now + kTolerance, ""},
      {"exactly_tolerance_future_accepted", body, header, secret, now - kTolerance, ""},
      {"forged_and_stale", body, "t=" + ts + ",v1=" + other_v1, secret,
       now + kTolerance + seconds(1), "bad_signature"},
      {"millisecond_t", body, SignWhereby(body, ms_ts, secret), secret, now, ""},
      {"t_15_digits_max", body, SignWhereby(body, "999999999999999", secret), secret, now,
       "future_timestamp"},
      {"millisecond_t_stale", body, SignWhereby(body, ms_ts, secret), secret,
       now + kTolerance + milliseconds(1), "stale_timestamp"},
      {"millisecond_t_future", body, SignWhereby(body, ms_ts, secret), secret,
       now - kTolerance - milliseconds(1), "future_timestamp"},

      // Secret.
      {"empty_secret", body, header, "", now, "secret_not_configured"},
      {"empty_secret_wins_over_missing_header", body, std::nullopt, "", now,
       "secret_not_configured"},
  };
}

TEST(WherebySignatureTest, RejectionTable) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::optional<std::string_view> header;
    if (c.header) {
      header = *c.header;
    }
    const WebhookVerdict v = VerifyWherebySignature(c.body, header, c.secret, c.now, kTolerance);
    EXPECT_EQ(v.reason, c.want_reason);
    EXPECT_EQ(v.ok, c.want_reason.empty());
  }
}

// Whereby's docs suggest a 60 s window; ours is configurable (WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS).
TEST(WherebySignatureTest, HonoursTheConfiguredTolerance) {
  const std::string body = "{}";
  const std::string header = SignWhereby(body, "1767225600", kSecret);
  EXPECT_TRUE(VerifyWherebySignature(body, header, kSecret, At(1767225660), seconds(60)).ok);
  EXPECT_EQ(VerifyWherebySignature(body, header, kSecret, At(1767225661), seconds(60)).reason,
            "stale_timestamp");
  EXPECT_TRUE(VerifyWherebySignature(body, header, kSecret, At(1767225661), seconds(61)).ok);
}

}  // namespace
}  // namespace reflector::platforms
