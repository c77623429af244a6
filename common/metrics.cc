#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace webvps {
namespace {

std::string EscapeLabelValue(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '"') escaped += "\\\"";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return escaped;
}

std::string EscapeHelp(const std::string& help) {
  std::string escaped;
  for (char c : help) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return escaped;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else {
    std::snprintf(text, sizeof text, "%.9g", value);
  }
  return text;
}

MetricLabels Sorted(MetricLabels labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

}  // namespace

Metrics::Family& Metrics::FamilyFor(const std::string& name) {
  Family& family = families_[name];
  if (family.type.empty()) family.type = "untyped";
  return family;
}

void Metrics::DescribeCounter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  Family& family = FamilyFor(name);
  family.help = help;
  family.type = "counter";
}

void Metrics::DescribeGauge(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  Family& family = FamilyFor(name);
  family.help = help;
  family.type = "gauge";
}

void Metrics::Add(const std::string& name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mutex_);
  FamilyFor(name).samples[Sorted(labels)] += delta;
}

void Metrics::Set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mutex_);
  FamilyFor(name).samples[Sorted(labels)] = value;
}

double Metrics::Value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard lock(mutex_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto sample = family->second.samples.find(Sorted(labels));
  return sample == family->second.samples.end() ? 0 : sample->second;
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) text += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
    text += "# TYPE " + name + " " + family.type + "\n";
    // A described counter with no sample yet still shows 0, so dashboards see the series.
    if (family.samples.empty() && family.type == "counter") text += name + " 0\n";
    for (const auto& [labels, value] : family.samples) {
      text += name;
      if (!labels.empty()) {
        text += "{";
        for (size_t i = 0; i < labels.size(); ++i) {
          text += (i ? "," : "") + labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
        }
        text += "}";
      }
      text += " " + FormatValue(value) + "\n";
    }
  }
  return text;
}

}  // namespace webvps
