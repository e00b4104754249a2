// A small Prometheus registry: labelled counters and histograms, plus gauge callbacks.
//
// Thread-safe. Families are created on first use; rendering produces the Prometheus text
// exposition format (version 0.0.4).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace reflector {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Default latency buckets (seconds) for histograms.
  static const std::vector<double>& DefaultBuckets();

  void Describe(const std::string& name, const std::string& type, const std::string& help);
  void IncCounter(const std::string& name, const Labels& labels, double by = 1.0);
  void ObserveHistogram(const std::string& name, const Labels& labels, double value);
  // `collect` is called at render time and appends complete exposition lines (with its own
  // # HELP/# TYPE) to the output. Used for values read from elsewhere (database, job queue).
  void AddCollector(std::function<void(std::string& out)> collect);

  std::string Render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> bucket_counts;  // cumulative at render time
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    std::map<std::string, double> counters;       // key: rendered label set
    std::map<std::string, Histogram> histograms;  // key: rendered label set
  };

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;                     // GUARDED_BY(mu_)
  std::vector<std::function<void(std::string&)>> collectors_;  // GUARDED_BY(mu_)
};

// `{a="x",b="y"}` with Prometheus escaping; empty string for no labels.
std::string RenderLabels(const Labels& labels);

}  // namespace reflector
