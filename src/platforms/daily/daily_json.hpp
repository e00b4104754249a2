// Internal to the Daily client: exception-free readers for Daily's JSON responses.
//
// nlohmann::json throws on a wrong-type get<> and asserts on operator[] of a missing key in a
// const object, so everything here checks the type first and returns std::optional. A parser
// returns nullopt when the shape we need is absent; the client turns that into kInternal.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/daily/daily_client.hpp"

namespace reflector::platforms::daily_internal {

// Parses a response body without exceptions. An empty (or all-whitespace) body is {} — Daily's
// DELETE answers may be empty. nullopt when the body is not JSON.
std::optional<nlohmann::json> ParseBody(std::string_view body);

// Serialises a request body; invalid UTF-8 is replaced rather than thrown about.
std::string Dump(const nlohmann::json& value);

// The member `key` of `object`, or nullptr when `object` is not an object or lacks `key`.
const nlohmann::json* Member(const nlohmann::json& object, std::string_view key);

// Typed members: nullopt when absent, null or of another type.
std::optional<std::string> StringMember(const nlohmann::json& object, std::string_view key);
std::optional<bool> BoolMember(const nlohmann::json& object, std::string_view key);
// Integers, and floats truncated toward zero (Daily sends some timestamps as floats); nullopt
// for values outside int64.
std::optional<int64_t> IntMember(const nlohmann::json& object, std::string_view key);

// Daily's error text: `info`, else `error`, else empty. Truncated to a loggable length.
std::string ErrorText(const nlohmann::json& body);

// --- Response shapes ---

// Needs string `id`, `name`, `url` (non-empty); the rest is tolerated.
std::optional<DailyRoom> ParseRoom(const nlohmann::json& value);

// A presence response `{"total_count", "data": [...]}`. Every participant needs a string `id`
// and an ISO `joinTime`; one bad participant fails the whole answer, because a participant
// silently dropped would look like one who left.
std::optional<std::vector<DailyParticipant>> ParsePresence(const nlohmann::json& value);

// One recording; nullopt when it has no string `id`. Other fields: wrong type or null → absent.
std::optional<DailyRecording> ParseRecording(const nlohmann::json& value);

// A list response `{"total_count", "data": [...]}`; rows without `id` are skipped with a warning.
// nullopt when there is no `data` array.
std::optional<std::vector<DailyRecording>> ParseRecordingList(const nlohmann::json& value);

std::optional<DailyAccessLink> ParseAccessLink(const nlohmann::json& value);

// Needs string `uuid` and `url`.
std::optional<DailyWebhook> ParseWebhook(const nlohmann::json& value);
// A bare array or `{"data": [...]}`; any bad webhook fails the list.
std::optional<std::vector<DailyWebhook>> ParseWebhookList(const nlohmann::json& value);

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view text);

}  // namespace reflector::platforms::daily_internal
