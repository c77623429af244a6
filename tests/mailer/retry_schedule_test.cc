#include "mailer/retry_schedule.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

using namespace std::chrono_literals;

TEST(RetryScheduleTest, DoublesUpToTheMaximum) {
  RetryPolicy policy;
  std::vector<long long> delays;
  for (int attempt = 1; attempt <= 9; ++attempt) delays.push_back(RetryDelay(policy, attempt).count());
  EXPECT_EQ(delays, (std::vector<long long>{30, 60, 120, 240, 480, 960, 1920, 3600, 3600}));
  EXPECT_EQ(RetryDelay(policy, 1000), 3600s) << "no overflow after many attempts";
}

TEST(RetryScheduleTest, GivesUpAfterFiveDays) {
  RetryPolicy policy;
  std::chrono::system_clock::time_point first{std::chrono::seconds(1'800'000'000)};
  EXPECT_FALSE(ShouldGiveUp(policy, first, first + 119h));
  EXPECT_TRUE(ShouldGiveUp(policy, first, first + 120h));
}

}  // namespace
}  // namespace webvps::mailer
