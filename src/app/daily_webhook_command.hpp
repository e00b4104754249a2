// `reflector daily-webhook setup|status`: point the Daily account's webhook at this deployment
// (issue 5). Daily sends the events of every room of the domain to its webhooks, signs them with
// the subscription's `hmac`, and disables a subscription after 3 failed deliveries; `setup`
// (re)creates ours, which also re-activates a FAILED one, and `status` shows its state.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"

namespace reflector::app {

// The Daily events our receiver (POST /v1/daily/webhook, contract §5.1) acts on.
const std::vector<std::string>& DailyWebhookEvents();

// `daily-webhook setup --url URL`: deletes every webhook subscription of the account, then creates
// one for URL with DailyWebhookEvents() and DAILY_WEBHOOK_SECRET as `hmac`, and prints it. A URL
// without a path gets /v1/daily/webhook. Daily pings URL while creating and refuses (400) unless
// it answers 200 within a few seconds, so the server must be running and reachable from Daily.
// Exit 2 when DAILY_API_KEY or DAILY_WEBHOOK_SECRET is unset or URL is not http(s); 1 when Daily
// refuses (its message is printed).
int DailyWebhookSetup(const Config& config, const std::string& url);

// `daily-webhook status`: the account's subscriptions (url, state, failed count, events).
int DailyWebhookStatus(const Config& config);

}  // namespace reflector::app
