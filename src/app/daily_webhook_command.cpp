#include "app/daily_webhook_command.hpp"

#include <cstdio>
#include <string_view>

#include "app/app.hpp"
#include "core/clock.hpp"
#include "net/curl_transport.hpp"
#include "net/retrying_transport.hpp"
#include "platforms/daily/daily_client.hpp"

namespace reflector::app {

namespace {

constexpr std::string_view kReceiverPath = "/v1/daily/webhook";

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

void Print(const platforms::DailyWebhook& hook) {
  std::printf("  uuid:         %s\n", hook.uuid.c_str());
  std::printf("  url:          %s\n", hook.url.c_str());
  std::printf("  state:        %s\n", hook.state.empty() ? "(unknown)" : hook.state.c_str());
  std::printf("  failed count: %lld\n", static_cast<long long>(hook.failed_count));
  std::printf("  events:       %s\n", JoinComma(hook.event_types).c_str());
  if (hook.last_moment_pushed) {
    std::printf("  last pushed:  %s\n", hook.last_moment_pushed->c_str());
  }
}

// The URL to subscribe: http(s) only; no path means our receiver's path.
std::optional<std::string> ReceiverUrl(const std::string& url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = std::string_view(url).substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  if (rest.empty() || slash == 0) return std::nullopt;
  if (slash == std::string_view::npos) return url + std::string(kReceiverPath);
  if (slash == rest.size() - 1) return url.substr(0, url.size() - 1) + std::string(kReceiverPath);
  return url;
}

// Runs `fn(DailyClient&)` with a client built from the configuration (real network, retries).
template <typename Fn>
int WithDailyClient(const Config& config, Fn&& fn) {
  if (!config.daily.configured()) {
    std::fprintf(stderr, "reflector: Daily.co is not configured: set DAILY_API_KEY\n");
    return kExitUsage;
  }
  SystemClock clock;
  net::CurlTransport curl;
  net::RetryingTransport transport(curl, clock);
  platforms::DailyClient client(config.daily,
                                std::chrono::seconds(config.webhook_timestamp_tolerance_seconds),
                                transport, clock);
  return fn(client);
}

}  // namespace

const std::vector<std::string>& DailyWebhookEvents() {
  static const std::vector<std::string> events = {
      "participant.joined", "participant.left", "recording.started", "recording.ready-to-download",
      "recording.error",    "meeting.started",  "meeting.ended",
  };
  return events;
}

int DailyWebhookSetup(const Config& config, const std::string& url) {
  const auto receiver = ReceiverUrl(url);
  if (!receiver) {
    std::fprintf(stderr,
                 "reflector: --url must be an absolute http(s) URL, e.g. "
                 "https://reflector.example.com%s (got \"%s\")\n",
                 std::string(kReceiverPath).c_str(), url.c_str());
    return kExitUsage;
  }
  if (config.daily.webhook_secret.empty()) {
    std::fprintf(stderr,
                 "reflector: set DAILY_WEBHOOK_SECRET (base64, e.g. `openssl rand -base64 32`) "
                 "first: Daily signs with it and the receiver verifies with it\n");
    return kExitUsage;
  }
  return WithDailyClient(config, [&](platforms::DailyClient& daily) {
    auto existing = daily.ListWebhooks();
    if (!existing) {
      std::fprintf(stderr, "reflector: listing Daily webhooks failed: %s\n",
                   existing.error().message.c_str());
      return kExitFailure;
    }
    for (const auto& hook : *existing) {
      std::printf("deleting webhook %s (%s, %s)\n", hook.uuid.c_str(), hook.url.c_str(),
                  hook.state.c_str());
      if (auto deleted = daily.DeleteWebhook(hook.uuid);
          !deleted && deleted.error().upstream_status != 404) {
        std::fprintf(stderr, "reflector: deleting Daily webhook %s failed: %s\n", hook.uuid.c_str(),
                     deleted.error().message.c_str());
        return kExitFailure;
      }
    }
    std::printf("creating webhook for %s (Daily pings it first)\n", receiver->c_str());
    auto created =
        daily.CreateWebhook(*receiver, DailyWebhookEvents(), config.daily.webhook_secret);
    if (!created) {
      std::fprintf(stderr,
                   "reflector: Daily refused the webhook: %s\n"
                   "  The account now has no webhook. Daily must reach %s and get a 200 within a "
                   "few seconds: is `reflector serve` running there with this "
                   "DAILY_WEBHOOK_SECRET?\n",
                   created.error().message.c_str(), receiver->c_str());
      return kExitFailure;
    }
    std::printf("webhook ready:\n");
    Print(*created);
    return kExitOk;
  });
}

int DailyWebhookStatus(const Config& config) {
  return WithDailyClient(config, [&](platforms::DailyClient& daily) {
    auto hooks = daily.ListWebhooks();
    if (!hooks) {
      std::fprintf(stderr, "reflector: listing Daily webhooks failed: %s\n",
                   hooks.error().message.c_str());
      return kExitFailure;
    }
    if (hooks->empty()) {
      std::printf("no webhook: Daily sends no events (run `reflector daily-webhook setup`)\n");
      return kExitOk;
    }
    for (const auto& hook : *hooks) {
      std::printf("webhook:\n");
      Print(hook);
      if (hook.state != "ACTIVE") {
        std::printf("  (not ACTIVE: Daily stopped sending; `daily-webhook setup` re-creates it)\n");
      }
    }
    return kExitOk;
  });
}

}  // namespace reflector::app
