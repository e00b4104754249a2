#include "platforms/daily/daily_signature.hpp"

#include <gtest/gtest.h>

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

// reflector-reference.md §2.7 and the fixtures: base64 of "reflector-test-secret-0123456789".
constexpr std::string_view kSecret = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
constexpr std::string_view kTimestamp = "1708972280";
constexpr std::string_view kPing = R"({"test":"test"})";
constexpr std::string_view kPingSignature = "oKsRuIP2An610nbXuV2BuGEm2nxp9FHQqlZjl90eJPg=";

TimePoint At(int64_t unix_seconds) { return TimePoint(seconds(unix_seconds)); }
const TimePoint kAtTimestamp = At(1708972280);

std::optional<std::string_view> Opt(const std::optional<std::string>& s) {
  if (!s) {
    return std::nullopt;
  }
  return std::string_view(*s);
}

// --- Known answers ---------------------------------------------------------------------------

struct KnownAnswer {
  const char* name;
  std::string secret;
  std::string timestamp;
  std::string body;
  std::string signature;
};

TEST(DailySignatureTest, KnownAnswerVectors) {
  const KnownAnswer cases[] = {
      // providers.md §1.5 (secret = base64 of "0123456789abcdef0123456789abcdef").
      {"providers_1_5_ping", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "1692124192",
       R"({"test":"test"})", "pzeZnmpyd2Un/VyBkP6t5IC4Nua/3+NDSUUGsUW9lvg="},
      // reflector-reference.md §2.7.
      {"reference_2_7_participant_joined", std::string(kSecret), "1708972280",
       R"({"version":"1.0.0","type":"participant.joined","id":"ptcpt-join-1","payload":{"room":"myroom-20260101120000","user_id":"u1","user_name":"Alice","session_id":"s1","joined_at":1708972279.96},"event_ts":1708972279.961})",
       "3oqolntpUn9l6w4S/zhp9SUppaydmhaGK9JuNde4+K0="},
      {"reference_2_7_ping", std::string(kSecret), "1708972280", std::string(kPing),
       std::string(kPingSignature)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(SignDaily(c.body, c.timestamp, c.secret), c.signature);
    const int64_t ts = std::stoll(c.timestamp);
    const WebhookVerdict v =
        VerifyDailySignature(c.body, c.signature, c.timestamp, c.secret, At(ts), kTolerance);
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(v.reason, "");
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every delivery in fixtures/daily-webhooks.json verifies over its exact body bytes, with the
// clock injected at its timestamp (the fixtures are deliberately old).
TEST(DailySignatureTest, EveryFixtureDeliveryVerifies) {
  const std::string text =
      ReadFile(std::string(REFLECTOR_SHARED_DIR) + "/fixtures/daily-webhooks.json");
  ASSERT_FALSE(text.empty()) << "fixtures/daily-webhooks.json not found under "
                             << REFLECTOR_SHARED_DIR;
  const auto fixture = nlohmann::json::parse(text);
  const std::string secret = fixture.at("secret_base64");
  ASSERT_GE(fixture.at("events").size(), 7u);
  for (const auto& [name, event] : fixture.at("events").items()) {
    SCOPED_TRACE(name);
    const std::string body = event.at("body");
    const std::string timestamp = event.at("X-Webhook-Timestamp");
    const std::string signature = event.at("X-Webhook-Signature");
    const WebhookVerdict v = VerifyDailySignature(body, signature, timestamp, secret,
                                                  At(std::stoll(timestamp)), kTolerance);
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(SignDaily(body, timestamp, secret), signature);
    // One byte changed anywhere in the body breaks it.
    std::string tampered = body;
    tampered[tampered.size() / 2] ^= 0x01;
    EXPECT_EQ(VerifyDailySignature(tampered, signature, timestamp, secret,
                                   At(std::stoll(timestamp)), kTolerance)
                  .reason,
              "bad_signature");
  }
}

// --- Rejection table (providers.md §4.3 items 1, 2 as they apply to signatures) ---------------

struct Case {
  std::string name;
  std::string body;
  std::optional<std::string> signature;  // X-Webhook-Signature, nullopt = header absent
  std::optional<std::string> timestamp;  // X-Webhook-Timestamp, nullopt = header absent
  std::string secret;
  TimePoint now;
  std::string want_reason;  // "" = accepted
};

std::string Hmac(std::string_view key, std::string_view ts, std::string_view body) {
  return HmacSha256(key, std::string(ts) + "." + std::string(body));
}

std::vector<Case> Cases() {
  const std::string body(kPing);
  const std::string ts(kTimestamp);
  const std::string good(kPingSignature);
  const std::string secret(kSecret);
  const std::string key = *Base64Decode(secret);  // "reflector-test-secret-0123456789"
  const std::string other_secret = Base64Encode("another-secret-another-secret-00");
  const int64_t t = 1708972280;
  const std::string ms_ts = "1708972280000";

  std::vector<Case> c = {
      {"valid", body, good, ts, secret, kAtTimestamp, ""},

      // Signature.
      {"tampered_body_one_byte", R"({"test":"tesu"})", good, ts, secret, kAtTimestamp,
       "bad_signature"},
      {"body_with_extra_whitespace", R"({"test": "test"})", good, ts, secret, kAtTimestamp,
       "bad_signature"},
      {"wrong_secret", body, SignDaily(body, ts, other_secret), ts, secret, kAtTimestamp,
       "bad_signature"},
      // A hex digest has the wrong shape (64 characters) for a base64 SHA-256.
      {"hex_digest_instead_of_base64", body, HexEncode(Hmac(key, ts, body)), ts, secret,
       kAtTimestamp, "malformed_signature_header"},
      // Base64 of HMAC keyed with the secret's base64 text instead of its decoded bytes.
      {"secret_used_raw_not_base64_decoded", body, Base64Encode(Hmac(secret, ts, body)), ts, secret,
       kAtTimestamp, "bad_signature"},
      // The timestamp is part of the signed message: changing it invalidates the signature.
      {"timestamp_header_not_the_signed_one", body, good, "1708972281", secret, kAtTimestamp,
       "bad_signature"},
      // Signed over the body alone (no "timestamp.").
      {"signed_body_only", body, Base64Encode(HmacSha256(key, body)), ts, secret, kAtTimestamp,
       "bad_signature"},

      // Missing / malformed headers.
      {"missing_signature", body, std::nullopt, ts, secret, kAtTimestamp, "missing_signature"},
      {"missing_timestamp", body, good, std::nullopt, secret, kAtTimestamp, "missing_timestamp"},
      {"missing_both", body, std::nullopt, std::nullopt, secret, kAtTimestamp, "missing_signature"},
      {"empty_signature", body, "", ts, secret, kAtTimestamp, "malformed_signature_header"},
      {"garbage_signature", body, "not a signature", ts, secret, kAtTimestamp,
       "malformed_signature_header"},
      {"signature_without_padding", body, good.substr(0, 43), ts, secret, kAtTimestamp,
       "malformed_signature_header"},
      {"signature_with_trailing_space", body, good + " ", ts, secret, kAtTimestamp,
       "malformed_signature_header"},
      {"signature_urlsafe_alphabet", body, "-KsRuIP2An610nbXuV2BuGEm2nxp9FHQqlZjl90eJP_=", ts,
       secret, kAtTimestamp, "malformed_signature_header"},
      {"empty_timestamp", body, good, "", secret, kAtTimestamp, "bad_timestamp"},
      {"timestamp_abc", body, good, "abc", secret, kAtTimestamp, "bad_timestamp"},
      // Decision: digits only. Daily sends integer seconds; fractions are not accepted.
      {"timestamp_float", body, SignDaily(body, "1708972280.5", secret), "1708972280.5", secret,
       kAtTimestamp, "bad_timestamp"},
      {"timestamp_negative", body, good, "-1708972280", secret, kAtTimestamp, "bad_timestamp"},
      {"timestamp_plus_sign", body, good, "+1708972280", secret, kAtTimestamp, "bad_timestamp"},
      {"timestamp_leading_space", body, good, " 1708972280", secret, kAtTimestamp, "bad_timestamp"},
      {"timestamp_exponent", body, good, "1.70897228e9", secret, kAtTimestamp, "bad_timestamp"},
      {"timestamp_16_digits", body, good, "1708972280000000", secret, kAtTimestamp,
       "bad_timestamp"},
      // Largest accepted values must not overflow anything: far future, not a crash.
      {"timestamp_15_digits_max", body, SignDaily(body, "999999999999999", secret),
       "999999999999999", secret, kAtTimestamp, "future_timestamp"},
      {"timestamp_zero", body, SignDaily(body, "0", secret), "0", secret, kAtTimestamp,
       "stale_timestamp"},

      // Replay window, two-sided and inclusive.
      {"stale_by_one_second", body, good, ts, secret, At(t) + kTolerance + seconds(1),
       "stale_timestamp"},
      {"stale_by_one_millisecond", body, good, ts, secret, At(t) + kTolerance + milliseconds(1),
       "stale_timestamp"},
      {"future_by_one_second", body, good, ts, secret, At(t) - kTolerance - seconds(1),
       "future_timestamp"},
      // The window is exact, not rounded to whole seconds or milliseconds.
      {"stale_by_one_microsecond", body, good, ts, secret,
       At(t) + kTolerance + std::chrono::microseconds(1), "stale_timestamp"},
      {"future_by_one_microsecond", body, good, ts, secret,
       At(t) - kTolerance - std::chrono::microseconds(1), "future_timestamp"},
      {"exactly_tolerance_old_accepted", body, good, ts, secret, At(t) + kTolerance, ""},
      {"exactly_tolerance_future_accepted", body, good, ts, secret, At(t) - kTolerance, ""},
      // Signature is checked before the window: a forged *and* stale delivery is bad_signature.
      {"forged_and_stale", R"({"test":"tesu"})", good, ts, secret, At(t) + kTolerance + seconds(1),
       "bad_signature"},

      // Milliseconds (> 10^11): signed verbatim, read as ms for the window.
      {"millisecond_timestamp", body, SignDaily(body, ms_ts, secret), ms_ts, secret, kAtTimestamp,
       ""},
      {"millisecond_timestamp_at_tolerance", body, SignDaily(body, ms_ts, secret), ms_ts, secret,
       At(t) + kTolerance, ""},
      {"millisecond_timestamp_stale", body, SignDaily(body, ms_ts, secret), ms_ts, secret,
       At(t) + kTolerance + milliseconds(1), "stale_timestamp"},
      {"millisecond_timestamp_future", body, SignDaily(body, ms_ts, secret), ms_ts, secret,
       At(t) - kTolerance - milliseconds(1), "future_timestamp"},
      // 10^11 itself is still seconds (year 5138, so far in the future); 10^11 + 1 is
      // milliseconds (1973-03-03).
      {"ten_to_the_11_is_seconds", body, SignDaily(body, "100000000000", secret), "100000000000",
       secret, kAtTimestamp, "future_timestamp"},
      {"above_ten_to_the_11_is_ms", body, SignDaily(body, "100000000001", secret), "100000000001",
       secret, TimePoint(milliseconds(100'000'000'001)), ""},

      // The seeds' scheme (contract §0): hex(HMAC(secret text, body)) in X-Daily-Signature.
      // The receiver only reads X-Webhook-*, so a seed-style delivery has neither header...
      {"seed_x_daily_signature_only", body, std::nullopt, std::nullopt, secret, kAtTimestamp,
       "missing_signature"},
      // ...and the seed's hex value put in X-Webhook-Signature does not even parse.
      {"seed_hex_body_only_in_x_webhook_signature", body, HexEncode(HmacSha256(secret, body)), ts,
       secret, kAtTimestamp, "malformed_signature_header"},

      // Secret.
      {"empty_secret", body, good, ts, "", kAtTimestamp, "secret_not_configured"},
      {"empty_secret_wins_over_missing_headers", body, std::nullopt, std::nullopt, "", kAtTimestamp,
       "secret_not_configured"},
      {"secret_not_base64", body, good, ts, "not base64!", kAtTimestamp, "secret_not_base64"},
      {"secret_missing_padding", body, good, ts, secret.substr(0, secret.size() - 1), kAtTimestamp,
       "secret_not_base64"},
      {"secret_noncanonical_trailing_bits", body, good, ts, "QR==", kAtTimestamp,
       "secret_not_base64"},
      {"secret_urlsafe_alphabet", body, good, ts, "ab-_", kAtTimestamp, "secret_not_base64"},
      {"secret_with_trailing_newline", body, good, ts, secret + "\n", kAtTimestamp,
       "secret_not_base64"},
  };
  return c;
}

TEST(DailySignatureTest, RejectionTable) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const WebhookVerdict v = VerifyDailySignature(c.body, Opt(c.signature), Opt(c.timestamp),
                                                  c.secret, c.now, kTolerance);
    EXPECT_EQ(v.reason, c.want_reason);
    EXPECT_EQ(v.ok, c.want_reason.empty());
  }
}

TEST(DailySignatureTest, ZeroToleranceAcceptsOnlyTheExactSecond) {
  const std::string body(kPing);
  EXPECT_TRUE(
      VerifyDailySignature(body, kPingSignature, kTimestamp, kSecret, kAtTimestamp, seconds(0)).ok);
  EXPECT_EQ(VerifyDailySignature(body, kPingSignature, kTimestamp, kSecret,
                                 kAtTimestamp + milliseconds(1), seconds(0))
                .reason,
            "stale_timestamp");
}

TEST(DailySignatureTest, HugeToleranceDoesNotOverflow) {
  const std::string body(kPing);
  EXPECT_TRUE(VerifyDailySignature(body, SignDaily(body, "0", kSecret), "0", kSecret, kAtTimestamp,
                                   seconds::max())
                  .ok);
}

TEST(DailySignatureTest, SignDailyWithUnusableSecretIsEmpty) {
  EXPECT_EQ(SignDaily(kPing, kTimestamp, ""), "");
  EXPECT_EQ(SignDaily(kPing, kTimestamp, "not base64!"), "");
}

TEST(DailySignatureTest, SignedRoundTripWithUtf8Body) {
  const std::string body = R"({"payload":{"user_name":"Zoë Ñandú"}})";
  const std::string sig = SignDaily(body, "1708972290", kSecret);
  EXPECT_TRUE(
      VerifyDailySignature(body, sig, "1708972290", kSecret, At(1708972290), kTolerance).ok);
  // The same JSON with the non-ASCII escaped is different bytes, so it must not verify.
  const std::string escaped = R"({"payload":{"user_name":"Zo\u00eb \u00d1and\u00fa"}})";
  EXPECT_EQ(
      VerifyDailySignature(escaped, sig, "1708972290", kSecret, At(1708972290), kTolerance).reason,
      "bad_signature");
}

}  // namespace
}  // namespace reflector::platforms
