#include "mailer/rate_limiter.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

using namespace std::chrono_literals;

constexpr MailLimit kDefault{200, std::chrono::seconds(120)};

WallTime At(std::chrono::milliseconds offset) { return WallTime(std::chrono::seconds(1'800'000'000)) + offset; }

TEST(RateLimiterTest, PausesAfterTwoHundredInTwoMinutes) {
  RateLimiter limiter;
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(limiter.Record("demo", kDefault, At(i * 500ms))) << i;
  EXPECT_FALSE(limiter.Paused("demo")) << "200 is allowed";
  EXPECT_TRUE(limiter.Record("demo", kDefault, At(100s)));
  ASSERT_TRUE(limiter.Paused("demo"));
  EXPECT_EQ(limiter.Pause("demo")->count, 201);
  EXPECT_EQ(limiter.Pause("demo")->since, At(100s));
  EXPECT_FALSE(limiter.Record("demo", kDefault, At(101s))) << "pauses once";
  EXPECT_FALSE(limiter.Paused("other")) << "other sites are not affected";
}

TEST(RateLimiterTest, TheWindowSlidesSoASteadyFlowIsNeverPaused) {
  RateLimiter limiter;
  // 1 mail per second for an hour: 120 per window, far below 200.
  for (int i = 0; i < 3600; ++i) ASSERT_FALSE(limiter.Record("demo", kDefault, At(i * 1000ms)));
  EXPECT_EQ(limiter.CountInWindow("demo", kDefault, At(3600s)), 119);
  EXPECT_FALSE(limiter.Paused("demo")) << "the original never reset its counter and paused steady senders";
}

TEST(RateLimiterTest, MailsLeaveTheWindowExactlyAfterItsLength) {
  RateLimiter limiter;
  MailLimit two{2, std::chrono::seconds(10)};
  EXPECT_FALSE(limiter.Record("a", two, At(0ms)));
  EXPECT_FALSE(limiter.Record("a", two, At(1s)));
  EXPECT_FALSE(limiter.Record("a", two, At(10s))) << "the first left the window at 10 s";
  EXPECT_TRUE(limiter.Record("a", two, At(10999ms)));
}

TEST(RateLimiterTest, PerSiteLimits) {
  RateLimiter limiter;
  MailLimit small{3, std::chrono::seconds(60)};
  for (int i = 0; i < 3; ++i) limiter.Record("small", small, At(i * 1ms));
  EXPECT_TRUE(limiter.Record("small", small, At(4ms)));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.Record("big", kDefault, At(i * 1ms)));
}

TEST(RateLimiterTest, AlertsAtOnceThenEveryDayUntilResumed) {
  RateLimiter limiter;
  MailLimit one{1, std::chrono::seconds(60)};
  limiter.Record("demo", one, At(0ms));
  limiter.Record("demo", one, At(1ms));
  EXPECT_EQ(limiter.AlertsDue(At(1ms)), std::vector<std::string>{"demo"});
  limiter.AlertSent("demo", At(2ms));
  EXPECT_TRUE(limiter.AlertsDue(At(23h)).empty());
  EXPECT_EQ(limiter.AlertsDue(At(24h + 2ms)), std::vector<std::string>{"demo"});
  EXPECT_TRUE(limiter.Resume("demo"));
  EXPECT_TRUE(limiter.AlertsDue(At(48h)).empty());
  EXPECT_FALSE(limiter.Resume("demo")) << "nothing to resume";
  EXPECT_FALSE(limiter.Record("demo", one, At(48h))) << "the window was forgotten on resume";
}

TEST(RateLimiterTest, HoldPausesByHand) {
  RateLimiter limiter;
  limiter.Hold("demo", At(0ms));
  EXPECT_TRUE(limiter.Paused("demo"));
  EXPECT_EQ(limiter.AlertsDue(At(0ms)), std::vector<std::string>{"demo"});
}

TEST(RateLimiterTest, PausesSurviveARestart) {
  RateLimiter before;
  before.Hold("demo", At(5s));
  before.AlertSent("demo", At(6s));
  before.Hold("shop", At(7s), "the site's queue already holds 200 MB");
  RateLimiter after;
  ASSERT_TRUE(after.RestorePauses(before.SerializePauses()).ok());
  ASSERT_TRUE(after.Paused("demo"));
  EXPECT_EQ(*after.Pause("demo"), *before.Pause("demo"));
  EXPECT_EQ(*after.Pause("shop"), *before.Pause("shop"));
  EXPECT_EQ(after.Pause("shop")->reason, "the site's queue already holds 200 MB");
  EXPECT_EQ(after.AlertsDue(At(8s)), std::vector<std::string>{"shop"});
}

TEST(RateLimiterTest, PauseRecordsOutOfRangeAreErrors) {
  // Found by fuzz/mailer_records_fuzz.cc: a huge or negative time overflowed std::chrono.
  RateLimiter limiter;
  EXPECT_FALSE(limiter.RestorePauses("demo 99999999999999 1 5\n").ok());
  EXPECT_FALSE(limiter.RestorePauses("demo 5 1 -9223372036854775807\n").ok());
  EXPECT_FALSE(limiter.RestorePauses("demo 5 -1 5\n").ok());
  EXPECT_TRUE(limiter.RestorePauses("demo 5 1 5\n").ok());
}

TEST(RateLimiterTest, ARecipientCountsOnceEach) {
  RateLimiter limiter;
  MailLimit limit{200, std::chrono::seconds(120)};
  EXPECT_FALSE(limiter.Record("demo", limit, At(0s), 150));
  EXPECT_FALSE(limiter.Record("demo", limit, At(1s), 50));
  EXPECT_TRUE(limiter.Record("demo", limit, At(2s), 1));
  EXPECT_EQ(limiter.Pause("demo")->count, 201);
  RateLimiter later;
  EXPECT_FALSE(later.Record("demo", limit, At(0s), 150));
  EXPECT_FALSE(later.Record("demo", limit, At(121s), 150)) << "the first 150 left the window";
}

TEST(RateLimiterTest, RestoreRejectsGarbageWithTheLine) {
  RateLimiter limiter;
  Status status = limiter.RestorePauses("demo 1 2 3\nBad_Site 1 2 3\n");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("line 2:"), std::string::npos) << status.ToString();
  EXPECT_FALSE(limiter.Paused("demo")) << "all or nothing";
}

}  // namespace
}  // namespace webvps::mailer
