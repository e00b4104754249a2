// Rooms under /v1 (reference §5.2, with the fixes of contract §4): list, get by id and by name,
// create, partial update, delete, webhook test; and the ICS and calendar-event endpoints of
// api/calendar_routes.hpp, registered with them.
//
// Not here: /v1/rooms/{room_name}/meeting and /v1/rooms/{room_name}/meetings/active|{meeting_id}
// (meetings routes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "core/status.hpp"
#include "net/http_transport.hpp"

namespace reflector::api {

// Registers the rooms routes. The webhook test sends through a CurlTransport owned by the
// registered handlers (no retries: the test reports the single attempt).
void RegisterRoomRoutes(ApiRoutes& routes, ApiContext& context);

// Same, sending webhook tests through `webhook_transport` (must outlive the routes).
void RegisterRoomRoutes(ApiRoutes& routes, ApiContext& context,
                        net::HttpTransport& webhook_transport);

// The `X-Webhook-Signature` value of reference §6.7:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>".
std::string WebhookSignatureHeader(std::string_view secret, int64_t unix_seconds,
                                   std::string_view body);

// Whether the webhook test may call `url`. Outbound calls must not reach private networks on a
// user's say-so (SSRF): the host is resolved and every address checked; loopback, private
// (RFC 1918, ULA), link-local, CGNAT and unspecified addresses are refused unless the host is
// listed in DOWNLOAD_ALLOWED_HOSTS (`allowed_hosts`, compared case-insensitively, with or without
// ":port"). Returns kInvalidArgument (malformed URL, non-http(s) scheme), kPermissionDenied
// (private address) or kUnavailable (cannot resolve). The check runs before the request and
// curl resolves again, so a DNS answer that changes in between is not caught — acceptable for an
// owner-only diagnostic endpoint.
Status CheckWebhookTarget(std::string_view url, const std::vector<std::string>& allowed_hosts);

}  // namespace reflector::api
