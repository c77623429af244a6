// Metrics in Prometheus' text exposition format (version 0.0.4). Counters and gauges, with
// labels; thread-safe, because the status endpoint renders them from its own thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace webvps {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  /// Declares a metric family; names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
  void DescribeCounter(const std::string& name, const std::string& help);
  void DescribeGauge(const std::string& name, const std::string& help);

  /// Adds `delta` to a counter (created at 0 on first use).
  void Add(const std::string& name, const MetricLabels& labels = {}, double delta = 1);
  /// Sets a gauge.
  void Set(const std::string& name, const MetricLabels& labels, double value);
  void Set(const std::string& name, double value) { Set(name, {}, value); }
  /// Current value; 0 when never set.
  double Value(const std::string& name, const MetricLabels& labels = {}) const;

  /// All families, sorted by name and labels: identical state gives identical text.
  std::string RenderPrometheus() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<MetricLabels, double> samples;
  };
  Family& FamilyFor(const std::string& name);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace webvps
