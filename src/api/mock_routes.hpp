// The mock video platform's room page: GET /mock/{room_name}, the room URL the mock platform hands
// out (platforms/mock). A placeholder call page for now: the interactive page that joins, leaves
// and sends signed participant events arrives with the web UI.
#pragma once

#include "api/routes.hpp"

namespace reflector::api {

void RegisterMockRoutes(ApiRoutes& routes);

}  // namespace reflector::api
