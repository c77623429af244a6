#include "metrics.h"

#include <gtest/gtest.h>

namespace webvps {
namespace {

TEST(MetricsTest, RendersPrometheusTextSorted) {
  Metrics metrics;
  metrics.DescribeCounter("webvps_mails_sent_total", "Mails relayed.");
  metrics.DescribeGauge("webvps_sites_paused", "Sites whose mail is paused.");
  metrics.Add("webvps_mails_sent_total", {{"site", "zeta"}});
  metrics.Add("webvps_mails_sent_total", {{"site", "alpha"}}, 2);
  metrics.Set("webvps_sites_paused", 1);
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP webvps_mails_sent_total Mails relayed.\n"
            "# TYPE webvps_mails_sent_total counter\n"
            "webvps_mails_sent_total{site=\"alpha\"} 2\n"
            "webvps_mails_sent_total{site=\"zeta\"} 1\n"
            "# HELP webvps_sites_paused Sites whose mail is paused.\n"
            "# TYPE webvps_sites_paused gauge\n"
            "webvps_sites_paused 1\n");
}

TEST(MetricsTest, DescribedCountersShowZero) {
  Metrics metrics;
  metrics.DescribeCounter("x_total", "X.");
  EXPECT_EQ(metrics.RenderPrometheus(), "# HELP x_total X.\n# TYPE x_total counter\nx_total 0\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Metrics metrics;
  metrics.DescribeGauge("g", "line\\one\nline two");
  metrics.Set("g", {{"v", "a\"b\\c\nd"}}, 0.25);
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP g line\\\\one\\nline two\n# TYPE g gauge\ng{v=\"a\\\"b\\\\c\\nd\"} 0.25\n");
}

TEST(MetricsTest, LabelOrderDoesNotMatter) {
  Metrics metrics;
  metrics.Add("c", {{"b", "2"}, {"a", "1"}});
  metrics.Add("c", {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(metrics.Value("c", {{"a", "1"}, {"b", "2"}}), 2);
  EXPECT_EQ(metrics.Value("missing"), 0);
}

}  // namespace
}  // namespace webvps
