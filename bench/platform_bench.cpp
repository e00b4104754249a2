// Cost of the platform abstraction: create-meeting through the registry and the
// VideoPlatformClient interface versus a direct call on the concrete DailyClient, both against
// an in-memory transport that answers with a real Daily room object. The difference is the
// registry lookup (map + mutex) and one virtual call. See docs/performance.md.
#include <benchmark/benchmark.h>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "net/http_transport.hpp"
#include "platforms/daily/daily_client.hpp"
#include "platforms/registry.hpp"

namespace reflector {
namespace {

// Answers every request with the same Daily `POST /rooms` response, recording nothing.
class StaticTransport final : public net::HttpTransport {
 public:
  Result<net::OutboundResponse> Send(const net::OutboundRequest&) override {
    return net::OutboundResponse{
        200,
        {{"Content-Type", "application/json"}},
        R"({"id":"5e0f3c6d-2b1a-4a7e-9a57-0c1f3f6c2d11","name":"standup-20261122052318",)"
        R"("api_created":true,"privacy":"public","url":"https://acme.daily.co/standup-20261122052318",)"
        R"("created_at":"2026-11-22T05:23:18.000Z","config":{"exp":1795412598}})"};
  }
};

struct Fixture {
  Config config = *LoadConfig({{"DAILY_API_KEY", "bench-key"},
                               {"DAILYCO_STORAGE_AWS_BUCKET_NAME", "reflector-daily"},
                               {"DAILYCO_STORAGE_AWS_REGION", "us-west-2"},
                               {"DAILYCO_STORAGE_AWS_ROLE_ARN", "arn:aws:iam::1:role/daily"}});
  StaticTransport transport;
  SystemClock clock;
  platforms::RoomSettings room;
  TimePoint end = clock.Now() + std::chrono::hours(8);
  Fixture() {
    room.id = "room-1";
    room.name = "standup";
  }
};

void BM_CreateMeetingDirect(benchmark::State& state) {
  Fixture f;
  platforms::DailyClient client(f.config.daily, std::chrono::seconds(300), f.transport, f.clock);
  for (auto _ : state) {
    auto meeting = client.CreateMeeting(f.room, f.end);
    if (!meeting) state.SkipWithError(meeting.error().ToString().c_str());
    benchmark::DoNotOptimize(meeting);
  }
}

void BM_CreateMeetingViaRegistry(benchmark::State& state) {
  Fixture f;
  platforms::PlatformRegistry registry(platforms::PlatformContext{f.config, f.transport, f.clock});
  platforms::RegisterBuiltinPlatforms(registry);
  for (auto _ : state) {
    auto client = registry.Get("daily");
    if (!client) {
      state.SkipWithError(client.error().ToString().c_str());
      break;
    }
    auto meeting = (*client)->CreateMeeting(f.room, f.end);
    if (!meeting) state.SkipWithError(meeting.error().ToString().c_str());
    benchmark::DoNotOptimize(meeting);
  }
}

// The abstraction's own cost in isolation: registry lookup plus one virtual call.
void BM_RegistryLookupAndDispatch(benchmark::State& state) {
  Fixture f;
  platforms::PlatformRegistry registry(platforms::PlatformContext{f.config, f.transport, f.clock});
  platforms::RegisterBuiltinPlatforms(registry);
  for (auto _ : state) {
    auto client = registry.Get("daily");
    benchmark::DoNotOptimize((*client)->Name());
  }
}

BENCHMARK(BM_CreateMeetingDirect);
BENCHMARK(BM_RegistryLookupAndDispatch);
BENCHMARK(BM_CreateMeetingViaRegistry);
// Fixed iteration counts for instruction counting under callgrind (bench/platform_overhead.sh).
BENCHMARK(BM_CreateMeetingDirect)->Name("fixed/direct")->Iterations(20000);
BENCHMARK(BM_CreateMeetingViaRegistry)->Name("fixed/registry")->Iterations(20000);

}  // namespace
}  // namespace reflector

BENCHMARK_MAIN();
