// Job queue endpoint (contract §6):
//
//   GET /v1/jobs?status=&kind=&page=&size=   the durable jobs, newest first, as a page
//                                            {items,total,page,size,pages}
//
// "Owner only": Reflector has no admin role yet, so this requires an authenticated user
// (RequireUser: 401 without credentials). With AUTH_BACKEND=none every request is the local owner;
// with JWT or API keys any authenticated user may read the queue. Payloads and last errors can
// name meetings and recordings, so this must become owner/admin-only when roles arrive.
#pragma once

#include "api/context.hpp"
#include "api/routes.hpp"

namespace reflector::api {

// Registers the route above. `context` must outlive the router.
void RegisterJobRoutes(ApiRoutes& routes, ApiContext& context);

}  // namespace reflector::api
