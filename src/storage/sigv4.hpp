// AWS Signature Version 4: the pieces we compute ourselves.
//
// Outgoing S3/SQS requests are signed by libcurl (CURLOPT_AWS_SIGV4); this file holds what curl
// does not do for us and what the loopback fakes need to check curl's work the way AWS does:
//   - presigned GET URLs (query-string authentication), for audio links;
//   - a verifier that recomputes the canonical request from a received request and compares
//     signatures (used by tests/fakes/ FakeS3Server and FakeSqsServer, and unit-tested against
//     AWS's published examples).
// Source of the algorithm: AWS docs "Signature Version 4 signing process" and the S3 examples
// "sigv4-header-based-auth" / "sigv4-query-string-auth" (examplebucket, 20130524T000000Z).
//
// All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace reflector::storage::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; "" = none
};

// AWS UriEncode: A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX (uppercase hex); '/'
// stays when `keep_slash` (object key paths), else becomes %2F (query names and values).
std::string UriEncode(std::string_view text, bool keep_slash);
// Reverses %XX escapes ("+" stays "+": that is form encoding, which SigV4 does not use).
// Malformed escapes are kept literally.
std::string UriDecode(std::string_view text);

// "20130524T000000Z" and "20130524" for a time point (UTC).
std::string AmzDate(TimePoint time);
std::string AmzDay(TimePoint time);

// One request in the terms of the canonical request.
struct CanonicalInput {
  std::string method;                                      // "GET"
  std::string canonical_uri;                               // already encoded: "/test.txt"
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  // Signed headers: lowercase name → value (values are trimmed and inner spaces squeezed here).
  std::map<std::string, std::string> headers;
  std::string payload_hash;  // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
};

// The canonical request text (AWS: CanonicalRequest), with the query sorted and encoded.
std::string CanonicalRequest(const CanonicalInput& input);
// "<day>/<region>/<service>/aws4_request".
std::string Scope(std::string_view day, std::string_view region, std::string_view service);
// The string to sign for a canonical request.
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// Lowercase hex signature of `string_to_sign` with the key derived from the secret.
std::string Signature(std::string_view secret_access_key, std::string_view day,
                      std::string_view region, std::string_view service,
                      std::string_view string_to_sign);

// A presigned GET URL (query-string auth, payload UNSIGNED-PAYLOAD, only `host` signed).
//   base_url:  "https://examplebucket.s3.amazonaws.com" (scheme + authority, no trailing slash)
//   encoded_path: "/test.txt" (already UriEncode'd with slashes kept)
// Errors: kInvalidArgument when ttl is outside 1 s .. 7 days (AWS's limit) or base_url has no
// "scheme://host".
Result<std::string> PresignGet(std::string_view base_url, std::string_view encoded_path,
                               std::string_view region, std::string_view service,
                               const Credentials& credentials, TimePoint now,
                               std::chrono::seconds ttl);

// ---- Verification (what AWS does on receipt; used by the fakes) ----

// A request as received: path and query exactly as sent on the request line (still encoded).
struct ReceivedRequest {
  std::string method;
  std::string raw_path;                             // "/bucket/my%20key"
  std::string raw_query;                            // "list-type=2&prefix=a" (no "?"), "" when none
  std::multimap<std::string, std::string> headers;  // names lowercased
};

// The parts of "Authorization: AWS4-HMAC-SHA256 Credential=AK/day/region/service/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex", or of the X-Amz-* query parameters of a
// presigned URL.
struct AuthorizationParts {
  std::string access_key_id;
  std::string day;
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;  // from x-amz-date (header) or X-Amz-Date (query)
  bool presigned = false;
  long long expires_seconds = 0;  // presigned only
};

// Finds and parses the authentication of a request (header first, then presigned query).
// Errors: kUnauthenticated with a message naming what is missing or malformed.
Result<AuthorizationParts> ParseAuthorization(const ReceivedRequest& request);

// The signature the sender should have computed, given the secret of `auth.access_key_id` and
// the payload hash it claims (header x-amz-content-sha256, hash of the body, or UNSIGNED-PAYLOAD).
// `s3_uri` true: the canonical URI is the path as S3 treats it (decoded, re-encoded once with
// slashes kept); false: other services (encoded twice), per the AWS docs.
// Errors: kUnauthenticated when a signed header is absent from the request.
Result<std::string> ExpectedSignature(const ReceivedRequest& request,
                                      const AuthorizationParts& auth,
                                      std::string_view secret_access_key,
                                      std::string_view payload_hash, bool s3_uri = true);

}  // namespace reflector::storage::sigv4
