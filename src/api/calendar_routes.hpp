// Calendar endpoints of a room (reference §5.2 ICS rows, §6.6; contract §8):
//
//   POST /v1/rooms/{room_name}/ics/sync             owner only; sync now (ICSSyncResult), then
//                                                   create the meetings that are due. Within the
//                                                   room's ics_fetch_interval: "skipped" unless
//                                                   ?force=true (our addition for the owner).
//   GET  /v1/rooms/{room_name}/ics/status           owner only; + last_error / last_attempt (why
//                                                   the last sync failed while the events stay)
//   GET  /v1/rooms/{room_name}/meetings             calendar events, start ascending
//   GET  /v1/rooms/{room_name}/meetings/upcoming    ?minutes_ahead=120: starting by then and not
//                                                   ended
// Non-owners see events with description and attendees null. A sync whose feed fails answers 500
// with the reason (reference), and the stored events stay.
#pragma once

#include "api/context.hpp"
#include "api/routes.hpp"

namespace reflector::api {

// Registers the routes above. `context` must outlive the router.
void RegisterCalendarRoutes(ApiRoutes& routes, ApiContext& context);

}  // namespace reflector::api
