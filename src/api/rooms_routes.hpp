// Rooms under /v1 (reference §5.2, with the fixes of contract §4): list, get by id and by name,
// create, partial update, delete, webhook test and the webhook delivery log; and the ICS and
// calendar-event endpoints of api/calendar_routes.hpp, registered with them.
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

// Registers the rooms routes. The webhook test sends through roomhooks::MakeWebhookTransport
// owned by the registered handlers (no retries: the test reports the single attempt; private
// addresses are refused at connect time too). Test attempts are logged with the deliveries.
void RegisterRoomRoutes(ApiRoutes& routes, ApiContext& context);

// Same, sending webhook tests through `webhook_transport` (must outlive the routes).
void RegisterRoomRoutes(ApiRoutes& routes, ApiContext& context,
                        net::HttpTransport& webhook_transport);

}  // namespace reflector::api
