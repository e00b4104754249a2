#include "storage/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace reflector::storage::sigv4 {
namespace {

bool Unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string FormatUtc(TimePoint time, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  const size_t n = std::strftime(buffer, sizeof(buffer), format, &tm);
  return std::string(buffer, n);
}

// Trims and squeezes runs of spaces, as AWS does with header values.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.push_back(separator);
    out += part;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= raw_query.size() && !raw_query.empty()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view item = raw_query.substr(start, end - start);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(UriDecode(item), "");
      } else {
        out.emplace_back(UriDecode(item.substr(0, eq)), UriDecode(item.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return out;
}

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "AK/20130524/us-east-1/s3/aws4_request" into its parts.
Status ParseCredential(std::string_view credential, AuthorizationParts& out) {
  const auto parts = Split(credential, '/');
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty()) {
    return Err(Code::kUnauthenticated,
               "malformed credential scope (expected AKID/YYYYMMDD/region/service/aws4_request)");
  }
  out.access_key_id = parts[0];
  out.day = parts[1];
  out.region = parts[2];
  out.service = parts[3];
  return Ok();
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = HexDigit(text[i + 1]);
      const int lo = HexDigit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string AmzDate(TimePoint time) { return FormatUtc(time, "%Y%m%dT%H%M%SZ"); }
std::string AmzDay(TimePoint time) { return FormatUtc(time, "%Y%m%d"); }

std::string CanonicalRequest(const CanonicalInput& input) {
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(input.query.size());
  for (const auto& [name, value] : input.query) {
    query.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(query.begin(), query.end());
  std::string canonical_query;
  for (const auto& [name, value] : query) {
    if (!canonical_query.empty()) canonical_query.push_back('&');
    canonical_query += name + "=" + value;
  }
  std::string canonical_headers;
  std::vector<std::string> names;
  for (const auto& [name, value] : input.headers) {  // std::map: sorted by name
    canonical_headers += Lower(name) + ":" + CanonicalHeaderValue(value) + "\n";
    names.push_back(Lower(name));
  }
  return input.method + "\n" + input.canonical_uri + "\n" + canonical_query + "\n" +
         canonical_headers + "\n" + Join(names, ';') + "\n" + input.payload_hash;
}

std::string Scope(std::string_view day, std::string_view region, std::string_view service) {
  return std::string(day) + "/" + std::string(region) + "/" + std::string(service) +
         "/aws4_request";
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         Sha256Hex(canonical_request);
}

std::string Signature(std::string_view secret_access_key, std::string_view day,
                      std::string_view region, std::string_view service,
                      std::string_view string_to_sign) {
  const std::string date_key = HmacSha256("AWS4" + std::string(secret_access_key), day);
  const std::string region_key = HmacSha256(date_key, region);
  const std::string service_key = HmacSha256(region_key, service);
  const std::string signing_key = HmacSha256(service_key, "aws4_request");
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

Result<std::string> PresignGet(std::string_view base_url, std::string_view encoded_path,
                               std::string_view region, std::string_view service,
                               const Credentials& credentials, TimePoint now,
                               std::chrono::seconds ttl) {
  if (ttl.count() < 1 || ttl.count() > 7 * 24 * 3600) {
    return Err(Code::kInvalidArgument,
               "presigned URL lifetime must be between 1 second and 7 days, got " +
                   std::to_string(ttl.count()) + " s");
  }
  const size_t scheme_end = base_url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end + 3 >= base_url.size()) {
    return Err(Code::kInvalidArgument, "not an absolute URL: " + std::string(base_url));
  }
  std::string_view host = base_url.substr(scheme_end + 3);
  host = host.substr(0, host.find('/'));
  const std::string day = AmzDay(now);
  const std::string amz_date = AmzDate(now);
  const std::string scope = Scope(day, region, service);

  CanonicalInput input;
  input.method = "GET";
  input.canonical_uri = std::string(encoded_path);
  input.query = {{"X-Amz-Algorithm", std::string(kAlgorithm)},
                 {"X-Amz-Credential", credentials.access_key_id + "/" + scope},
                 {"X-Amz-Date", amz_date},
                 {"X-Amz-Expires", std::to_string(ttl.count())},
                 {"X-Amz-SignedHeaders", "host"}};
  if (!credentials.session_token.empty()) {
    input.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  input.headers = {{"host", std::string(host)}};
  input.payload_hash = std::string(kUnsignedPayload);
  const std::string canonical = CanonicalRequest(input);
  const std::string signature = Signature(credentials.secret_access_key, day, region, service,
                                          StringToSign(amz_date, scope, canonical));

  auto sorted = input.query;
  std::sort(sorted.begin(), sorted.end());
  std::string url = std::string(base_url.substr(0, scheme_end + 3)) + std::string(host) +
                    std::string(encoded_path) + "?";
  for (const auto& [name, value] : sorted) {
    url += UriEncode(name, false) + "=" + UriEncode(value, false) + "&";
  }
  url += "X-Amz-Signature=" + signature;
  return url;
}

Result<AuthorizationParts> ParseAuthorization(const ReceivedRequest& request) {
  AuthorizationParts out;
  const auto header = request.headers.find("authorization");
  if (header != request.headers.end()) {
    std::string_view value = TrimSpaces(header->second);
    if (value.substr(0, kAlgorithm.size()) != kAlgorithm) {
      return Err(Code::kUnauthenticated,
                 "unsupported authorization algorithm (want " + std::string(kAlgorithm) + ")");
    }
    value.remove_prefix(kAlgorithm.size());
    bool have_credential = false;
    bool have_headers = false;
    for (const auto& item : Split(value, ',')) {
      const std::string_view field = TrimSpaces(item);
      const size_t eq = field.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view name = field.substr(0, eq);
      const std::string_view content = field.substr(eq + 1);
      if (name == "Credential") {
        REFLECTOR_RETURN_IF_ERROR(ParseCredential(content, out));
        have_credential = true;
      } else if (name == "SignedHeaders") {
        out.signed_headers = Split(content, ';');
        have_headers = true;
      } else if (name == "Signature") {
        out.signature = std::string(content);
      }
    }
    if (!have_credential || !have_headers || out.signature.empty()) {
      return Err(Code::kUnauthenticated,
                 "authorization header lacks Credential, SignedHeaders or Signature");
    }
    const auto date = request.headers.find("x-amz-date");
    if (date == request.headers.end()) {
      return Err(Code::kUnauthenticated, "x-amz-date header missing");
    }
    out.amz_date = date->second;
    return out;
  }

  std::map<std::string, std::string> params;
  for (auto& [name, value] : ParseQuery(request.raw_query)) params[name] = value;
  if (!params.contains("X-Amz-Signature")) {
    return Err(Code::kUnauthenticated, "request is not signed (no Authorization header)");
  }
  if (params["X-Amz-Algorithm"] != kAlgorithm) {
    return Err(Code::kUnauthenticated, "unsupported X-Amz-Algorithm");
  }
  REFLECTOR_RETURN_IF_ERROR(ParseCredential(params["X-Amz-Credential"], out));
  out.signed_headers = Split(params["X-Amz-SignedHeaders"], ';');
  out.signature = params["X-Amz-Signature"];
  out.amz_date = params["X-Amz-Date"];
  out.presigned = true;
  const std::string& expires = params["X-Amz-Expires"];
  const auto parsed =
      std::from_chars(expires.data(), expires.data() + expires.size(), out.expires_seconds);
  if (parsed.ec != std::errc() || parsed.ptr != expires.data() + expires.size()) {
    return Err(Code::kUnauthenticated, "X-Amz-Expires is not a number");
  }
  return out;
}

Result<std::string> ExpectedSignature(const ReceivedRequest& request,
                                      const AuthorizationParts& auth,
                                      std::string_view secret_access_key,
                                      std::string_view payload_hash, bool s3_uri) {
  CanonicalInput input;
  input.method = request.method;
  const std::string once = UriEncode(UriDecode(request.raw_path), true);
  input.canonical_uri = s3_uri ? once : UriEncode(once, true);
  if (input.canonical_uri.empty()) input.canonical_uri = "/";
  for (auto& [name, value] : ParseQuery(request.raw_query)) {
    if (auth.presigned && name == "X-Amz-Signature") continue;
    input.query.emplace_back(std::move(name), std::move(value));
  }
  for (const auto& name : auth.signed_headers) {
    const auto range = request.headers.equal_range(name);
    if (range.first == range.second) {
      return Err(Code::kUnauthenticated, "signed header missing from the request: " + name);
    }
    std::string value;
    for (auto it = range.first; it != range.second; ++it) {
      if (!value.empty()) value.push_back(',');
      value += CanonicalHeaderValue(it->second);
    }
    input.headers[name] = value;
  }
  input.payload_hash = std::string(payload_hash);
  const std::string scope = Scope(auth.day, auth.region, auth.service);
  return Signature(secret_access_key, auth.day, auth.region, auth.service,
                   StringToSign(auth.amz_date, scope, CanonicalRequest(input)));
}

}  // namespace reflector::storage::sigv4
