#include "phpserver-init/flag_coalescer.h"

#include <gtest/gtest.h>

namespace webvps::phpserver_init {
namespace {

using namespace std::chrono_literals;

TEST(FlagCoalescerTest, ABurstBecomesOneReloadAfterTheQuietPeriod) {
  FlagCoalescer flags(30ms, 200ms);
  TimePoint t{};
  EXPECT_EQ(flags.DueAt(), std::nullopt);
  flags.Seen(FlagKind::kReload, t);
  flags.Seen(FlagKind::kReload, t + 10ms);
  flags.Seen(FlagKind::kReload, t + 20ms);
  EXPECT_EQ(flags.DueAt(), t + 50ms);
  EXPECT_EQ(flags.Take(t + 49ms), std::nullopt);
  EXPECT_EQ(flags.Take(t + 50ms), FlagKind::kReload);
  EXPECT_EQ(flags.Take(t + 60ms), std::nullopt) << "taken once";
  EXPECT_EQ(flags.DueAt(), std::nullopt);
}

TEST(FlagCoalescerTest, AnEndlessBurstStillActsWithinTheMaximumDelay) {
  FlagCoalescer flags(30ms, 200ms);
  TimePoint t{};
  for (int i = 0; i < 100; ++i) flags.Seen(FlagKind::kReload, t + i * 10ms);
  EXPECT_EQ(flags.DueAt(), t + 200ms);
}

TEST(FlagCoalescerTest, RestartAbsorbsReloads) {
  FlagCoalescer flags(30ms, 200ms);
  TimePoint t{};
  flags.Seen(FlagKind::kReload, t);
  flags.Seen(FlagKind::kRestart, t + 5ms);
  flags.Seen(FlagKind::kReload, t + 10ms);
  EXPECT_EQ(flags.Take(t + 1s), FlagKind::kRestart);
}

}  // namespace
}  // namespace webvps::phpserver_init
