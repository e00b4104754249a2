// Job queue endpoint (contract §6):
//
//   GET /v1/jobs?status=&kind=&page=&size=   the durable jobs, newest first, as a page
//                                            {items,total,page,size,pages}
//
// Instance-wide state (payloads and last errors name meetings and recordings of every user), so
// only for admins: an authenticated user (401 otherwise) listed in ADMIN_USER_IDS (403
// otherwise). With AUTH_BACKEND=none there is one user, the local owner, and every request may.
#pragma once

#include "api/context.hpp"
#include "api/routes.hpp"

namespace reflector::api {

// Registers the route above. `context` must outlive the router.
void RegisterJobRoutes(ApiRoutes& routes, ApiContext& context);

}  // namespace reflector::api
