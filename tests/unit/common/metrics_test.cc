#include "common/metrics/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace crm::metrics {
namespace {

TEST(Metrics, CounterRendersWithHelpTypeAndLabels) {
  Registry r;
  r.GetCounter("crm_events_total", "Events seen", {{"source", "scanner"}}).Inc(3);
  r.GetCounter("crm_events_total", "Events seen", {{"source", "ticketing"}}).Inc();
  std::string text = r.Render();
  EXPECT_NE(text.find("# HELP crm_events_total Events seen\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE crm_events_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("crm_events_total{source=\"scanner\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("crm_events_total{source=\"ticketing\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
  Registry r;
  auto& a = r.GetCounter("c", "h", {{"a", "1"}, {"b", "2"}});
  auto& b = r.GetCounter("c", "h", {{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(&a, &b);
}

TEST(Metrics, KindConflictIsAProgrammingError) {
  Registry r;
  r.GetCounter("x", "h");
  EXPECT_THROW(r.GetGauge("x", "h"), std::logic_error);
}

TEST(Metrics, GaugeSetAndAdd) {
  Registry r;
  auto& g = r.GetGauge("crm_lag", "lag");
  g.Set(10);
  g.Add(-2.5);
  EXPECT_DOUBLE_EQ(g.Value(), 7.5);
  EXPECT_NE(r.Render().find("crm_lag 7.5\n"), std::string::npos) << r.Render();
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.GetHistogram("crm_latency_seconds", "latency", {0.1, 1.0}, {{"op", "x"}});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive
  h.Observe(0.5);
  h.Observe(7);
  std::string text = r.Render();
  EXPECT_NE(text.find("crm_latency_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("crm_latency_seconds_bucket{op=\"x\",le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("crm_latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("crm_latency_seconds_count{op=\"x\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("crm_latency_seconds_sum{op=\"x\"} 7.65\n"), std::string::npos) << text;
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  r.GetCounter("c", "h", {{"path", "a\"b\\c\nd"}}).Inc();
  EXPECT_NE(r.Render().find("c{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << r.Render();
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Registry r;
  auto& c = r.GetCounter("c", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Inc();
    });
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(c.Value(), 40000);
}

}  // namespace
}  // namespace crm::metrics
