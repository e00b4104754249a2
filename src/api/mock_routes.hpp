// The mock video platform's room page: GET /mock/{room_name}, the room URL the mock platform hands
// out (platforms/mock): a static page. The interactive call (join, leave, live participants,
// recording) is the web UI's room page, /{room_name} (web/src/room/MockRoom.tsx), over the
// endpoints of RegisterMockCallRoutes below.
#pragma once

#include "api/context.hpp"
#include "api/routes.hpp"
#include "http/router.hpp"

namespace reflector::api {

void RegisterMockRoutes(ApiRoutes& routes);

// The web UI's mock call (contract §9). A browser cannot sign provider events, so these endpoints
// sign them with the mock platform's secret and deliver them through the very receiver providers
// use (the POST /v1/mock/webhook handler, called in-process through `router`: same verification,
// parsing, group commit and answer):
//   POST   /v1/mock/meetings/{meeting_id}/participants {"name"?}  → participant.joined
//          → 200 {"participant_id","status"}
//   POST   /v1/mock/meetings/{meeting_id}/participants/{participant_id}/leave  → participant.left
//          (POST so that navigator.sendBeacon can send it when the tab closes)
//   DELETE /v1/mock/meetings/{meeting_id}/participants/{participant_id}        → the same
// and, for every platform, the meeting's live participants (open sessions):
//   GET    /v1/meetings/{meeting_id}/participants → {"count", "participants":[{id,name,joined_at}]}
// RegisterWebhookRoutes must have registered /v1/mock/webhook on `router` before the first
// request; `context` and `router` must outlive the server.
void RegisterMockCallRoutes(ApiRoutes& routes, ApiContext& context, const http::Router& router);

}  // namespace reflector::api
