// Provider webhook receivers (contract §5): POST /v1/daily/webhook, POST /v1/whereby and
// POST /v1/mock/webhook. Each verifies the signature over the exact raw body, parses the event
// (tracking/events.hpp) and applies it in one transaction (tracking/apply.hpp), answering 200
// only after the commit.
#pragma once

#include "api/context.hpp"
#include "api/routes.hpp"

namespace reflector::api {

// `context` must outlive the router.
void RegisterWebhookRoutes(ApiRoutes& routes, ApiContext& context);

}  // namespace reflector::api
