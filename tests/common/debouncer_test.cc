#include "debouncer.h"

#include <gtest/gtest.h>

namespace webvps {
namespace {

using namespace std::chrono_literals;
using TimePoint = Debouncer::TimePoint;

TEST(DebouncerTest, QuietPeriodThenMaximumDelay) {
  Debouncer debouncer(100ms, 500ms);
  TimePoint t0{};
  EXPECT_EQ(debouncer.DueAt(), std::nullopt);
  EXPECT_FALSE(debouncer.Take(t0));
  debouncer.Seen(t0);
  EXPECT_EQ(debouncer.DueAt(), t0 + 100ms);
  debouncer.Seen(t0 + 80ms);  // the burst goes on: wait for quiet again
  EXPECT_EQ(debouncer.DueAt(), t0 + 180ms);
  EXPECT_FALSE(debouncer.Take(t0 + 179ms));
  EXPECT_TRUE(debouncer.Take(t0 + 180ms));
  EXPECT_FALSE(debouncer.Take(t0 + 181ms));  // once
  EXPECT_FALSE(debouncer.pending());
}

TEST(DebouncerTest, AnEndlessBurstStillActsAtTheMaximumDelay) {
  Debouncer debouncer(100ms, 500ms);
  TimePoint t0{};
  for (auto t = 0ms; t <= 600ms; t += 50ms) debouncer.Seen(t0 + t);
  EXPECT_EQ(debouncer.DueAt(), t0 + 500ms);
  EXPECT_TRUE(debouncer.Take(t0 + 600ms));
}

}  // namespace
}  // namespace webvps
