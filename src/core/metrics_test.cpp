#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace reflector {
namespace {

TEST(MetricsTest, RendersCountersWithLabelsInPrometheusText) {
  Metrics m;
  m.Describe("http_requests_total", "counter", "Requests.");
  m.IncCounter("http_requests_total", {{"route", "/health"}, {"status", "200"}});
  m.IncCounter("http_requests_total", {{"route", "/health"}, {"status", "200"}});
  m.IncCounter("http_requests_total", {{"route", "a\"b"}, {"status", "404"}});
  const std::string out = m.Render();
  EXPECT_NE(out.find("# HELP http_requests_total Requests.\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("http_requests_total{route=\"/health\",status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("http_requests_total{route=\"a\\\"b\",status=\"404\"} 1\n"),
            std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  m.ObserveHistogram("lat", {{"r", "x"}}, 0.0007);
  m.ObserveHistogram("lat", {{"r", "x"}}, 0.003);
  m.ObserveHistogram("lat", {{"r", "x"}}, 100.0);
  const std::string out = m.Render();
  EXPECT_NE(out.find("lat_bucket{r=\"x\",le=\"0.0005\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{r=\"x\",le=\"0.001\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{r=\"x\",le=\"0.005\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{r=\"x\",le=\"10\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{r=\"x\",le=\"+Inf\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_count{r=\"x\"} 3\n"), std::string::npos) << out;
}

TEST(MetricsTest, CollectorsAppendAtRenderTime) {
  Metrics m;
  int calls = 0;
  m.AddCollector([&](std::string& out) {
    ++calls;
    out += "jobs_queued 7\n";
  });
  EXPECT_NE(m.Render().find("jobs_queued 7\n"), std::string::npos);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace reflector
