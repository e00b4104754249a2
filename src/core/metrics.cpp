#include "core/metrics.hpp"

#include <fmt/format.h>

namespace reflector {
namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string WithLe(const std::string& labels, const std::string& le) {
  if (labels.empty()) return "{le=\"" + le + "\"}";
  return labels.substr(0, labels.size() - 1) + ",le=\"" + le + "\"}";
}

std::string FormatNumber(double v) { return fmt::format("{}", v); }

}  // namespace

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += EscapeLabelValue(v);
    out += '"';
  }
  out += '}';
  return out;
}

const std::vector<double>& Metrics::DefaultBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  return kBuckets;
}

void Metrics::Describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.type = type;
  f.help = help;
}

void Metrics::IncCounter(const std::string& name, const Labels& labels, double by) {
  const std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  if (f.type.empty()) f.type = "counter";
  f.counters[key] += by;
}

void Metrics::ObserveHistogram(const std::string& name, const Labels& labels, double value) {
  const std::string key = RenderLabels(labels);
  const auto& buckets = DefaultBuckets();
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  if (f.type.empty()) f.type = "histogram";
  auto& h = f.histograms[key];
  if (h.bucket_counts.empty()) h.bucket_counts.assign(buckets.size(), 0);
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (value <= buckets[i]) {
      ++h.bucket_counts[i];
      break;
    }
  }
  h.sum += value;
  ++h.count;
}

void Metrics::AddCollector(std::function<void(std::string& out)> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Metrics::Render() const {
  std::string out;
  std::vector<std::function<void(std::string&)>> collectors;
  {
    std::lock_guard lock(mu_);
    const auto& buckets = DefaultBuckets();
    for (const auto& [name, f] : families_) {
      if (!f.help.empty()) out += fmt::format("# HELP {} {}\n", name, f.help);
      out += fmt::format("# TYPE {} {}\n", name, f.type);
      for (const auto& [labels, value] : f.counters) {
        out += fmt::format("{}{} {}\n", name, labels, FormatNumber(value));
      }
      for (const auto& [labels, h] : f.histograms) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < buckets.size(); ++i) {
          cumulative += h.bucket_counts[i];
          out += fmt::format("{}_bucket{} {}\n", name, WithLe(labels, FormatNumber(buckets[i])),
                             cumulative);
        }
        out += fmt::format("{}_bucket{} {}\n", name, WithLe(labels, "+Inf"), h.count);
        out += fmt::format("{}_sum{} {}\n", name, labels, FormatNumber(h.sum));
        out += fmt::format("{}_count{} {}\n", name, labels, h.count);
      }
    }
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(out);
  return out;
}

}  // namespace reflector
