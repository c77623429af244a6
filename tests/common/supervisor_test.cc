#include "supervisor.h"

#include <gtest/gtest.h>

#include <csignal>

namespace webvps {
namespace {

using namespace std::chrono_literals;
using Kind = SupervisorAction::Kind;

ServiceSpec Apache() {
  ServiceSpec spec;
  spec.name = "apache";
  spec.command = {"apache2", "-DFOREGROUND"};
  spec.stop_signal = SIGWINCH;
  spec.reload_signal = SIGUSR1;
  spec.main = true;
  spec.backoff_initial = 500ms;
  spec.backoff_max = 4s;
  spec.crash_loop_limit = 3;
  spec.stable_after = 10s;
  return spec;
}

ServiceSpec Cron() {
  ServiceSpec spec;
  spec.name = "cron";
  spec.command = {"cron", "-f"};
  return spec;
}

// A fake clock: the supervisor is only ever handed times.
struct FakeClock {
  TimePoint now{};
  TimePoint Advance(std::chrono::milliseconds step) { return now += step; }
};

class SupervisorTest : public testing::Test {
 protected:
  SupervisorTest() : supervisor_({Apache(), Cron()}, 8s) {
    auto actions = supervisor_.Start(clock_.now);
    EXPECT_EQ(actions, (std::vector<SupervisorAction>{{Kind::kStart, "apache"}, {Kind::kStart, "cron"}}));
    supervisor_.Started("apache", 100, clock_.now);
    supervisor_.Started("cron", 101, clock_.now);
  }

  FakeClock clock_;
  Supervisor supervisor_;
};

TEST_F(SupervisorTest, RestartsACrashedServiceAfterBackoff) {
  clock_.Advance(1s);
  EXPECT_TRUE(supervisor_.Exited(100, {true, SIGKILL}, clock_.now).empty());
  EXPECT_EQ(supervisor_.StateOf("apache"), ServiceState::kWaitingToRestart);
  EXPECT_EQ(supervisor_.NextWake(), clock_.now + 500ms);
  EXPECT_TRUE(supervisor_.Tick(clock_.Advance(499ms)).empty()) << "not before the backoff";
  EXPECT_EQ(supervisor_.Tick(clock_.Advance(1ms)), (std::vector<SupervisorAction>{{Kind::kStart, "apache"}}));
  supervisor_.Started("apache", 102, clock_.now);
  EXPECT_EQ(supervisor_.PidOf("apache"), 102);
  EXPECT_EQ(supervisor_.Restarts("apache"), 1);
}

TEST_F(SupervisorTest, BackoffDoublesForQuickCrashesUpToTheMaximum) {
  std::vector<std::chrono::milliseconds> delays;
  pid_t pid = 100;
  for (int crash = 0; crash < 3; ++crash) {
    clock_.Advance(100ms);
    supervisor_.Exited(pid, {false, 1}, clock_.now);
    auto wake = supervisor_.NextWake();
    ASSERT_TRUE(wake.has_value());
    delays.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*wake - clock_.now));
    clock_.now = *wake;
    ASSERT_EQ(supervisor_.Tick(clock_.now).size(), 1u);
    supervisor_.Started("apache", ++pid, clock_.now);
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{500ms, 1000ms, 2000ms}));
}

TEST_F(SupervisorTest, ALongRunResetsTheCrashCount) {
  clock_.Advance(100ms);
  supervisor_.Exited(100, {false, 1}, clock_.now);
  clock_.now = *supervisor_.NextWake();
  supervisor_.Tick(clock_.now);
  supervisor_.Started("apache", 102, clock_.now);
  clock_.Advance(60s);  // a stable run
  supervisor_.Exited(102, {false, 1}, clock_.now);
  EXPECT_EQ(*supervisor_.NextWake() - clock_.now, 500ms) << "back to the first delay";
}

TEST_F(SupervisorTest, CrashLoopOfTheMainServiceEndsTheContainer) {
  pid_t pid = 100;
  std::vector<SupervisorAction> last;
  for (int crash = 0; crash <= 3; ++crash) {
    clock_.Advance(50ms);
    last = supervisor_.Exited(pid, {false, 1}, clock_.now);
    if (crash < 3) {
      clock_.now = *supervisor_.NextWake();
      supervisor_.Tick(clock_.now);
      supervisor_.Started("apache", ++pid, clock_.now);
    }
  }
  EXPECT_EQ(supervisor_.StateOf("apache"), ServiceState::kGaveUp);
  EXPECT_EQ(last, (std::vector<SupervisorAction>{{Kind::kSignal, "cron", SIGTERM}}));
  EXPECT_EQ(supervisor_.Exited(101, {true, SIGTERM}, clock_.Advance(10ms)),
            (std::vector<SupervisorAction>{{Kind::kExit, "", 0, 1}}))
      << "the container ends with the main service's status";
}

TEST_F(SupervisorTest, GracefulStopUsesEachStopSignalAndExitsZero) {
  auto actions = supervisor_.Stop(clock_.now);
  EXPECT_EQ(actions, (std::vector<SupervisorAction>{{Kind::kSignal, "apache", SIGWINCH}, {Kind::kSignal, "cron", SIGTERM}}));
  EXPECT_TRUE(supervisor_.Exited(101, {true, SIGTERM}, clock_.Advance(10ms)).empty());
  EXPECT_EQ(supervisor_.Exited(100, {false, 0}, clock_.Advance(200ms)),
            (std::vector<SupervisorAction>{{Kind::kExit, "", 0, 0}}));
  EXPECT_TRUE(supervisor_.Stop(clock_.now).empty()) << "a second SIGTERM changes nothing";
}

TEST_F(SupervisorTest, StopDeadlineEndsInSigkillAndTheKilledStatus) {
  supervisor_.Stop(clock_.now);
  supervisor_.Exited(101, {false, 0}, clock_.Advance(10ms));
  EXPECT_EQ(supervisor_.NextWake(), TimePoint{} + 8s);
  EXPECT_TRUE(supervisor_.Tick(clock_.Advance(7s)).empty());
  EXPECT_EQ(supervisor_.Tick(clock_.now = TimePoint{} + 8s),
            (std::vector<SupervisorAction>{{Kind::kSignal, "apache", SIGKILL}}));
  EXPECT_TRUE(supervisor_.Tick(clock_.Advance(1s)).empty()) << "SIGKILL is sent once";
  EXPECT_EQ(supervisor_.Exited(100, {true, SIGKILL}, clock_.now),
            (std::vector<SupervisorAction>{{Kind::kExit, "", 0, 128 + SIGKILL}}));
}

TEST_F(SupervisorTest, NoRestartsWhileStopping) {
  supervisor_.Stop(clock_.now);
  supervisor_.Exited(101, {false, 1}, clock_.Advance(10ms));
  EXPECT_EQ(supervisor_.StateOf("cron"), ServiceState::kDone);
  for (const auto& action : supervisor_.Tick(clock_.Advance(10s))) {
    EXPECT_NE(action.kind, Kind::kStart) << action.service;
  }
}

TEST_F(SupervisorTest, RestartStopsThenStartsAgain) {
  EXPECT_EQ(supervisor_.Restart("apache", clock_.now), (std::vector<SupervisorAction>{{Kind::kSignal, "apache", SIGWINCH}}));
  EXPECT_EQ(supervisor_.Exited(100, {false, 0}, clock_.Advance(300ms)),
            (std::vector<SupervisorAction>{{Kind::kStart, "apache"}}))
      << "started again at once, even though it exited cleanly";
  EXPECT_EQ(supervisor_.Restarts("apache"), 1);
}

TEST_F(SupervisorTest, RestartRevivesAServiceThatGaveUp) {
  pid_t pid = 100;
  for (int crash = 0; crash <= 3; ++crash) {
    clock_.Advance(50ms);
    supervisor_.Exited(pid, {false, 1}, clock_.now);
    if (crash < 3) {
      clock_.now = *supervisor_.NextWake();
      supervisor_.Tick(clock_.now);
      supervisor_.Started("apache", ++pid, clock_.now);
    }
  }
  ASSERT_TRUE(supervisor_.stopping());
  EXPECT_TRUE(supervisor_.Restart("apache", clock_.now).empty()) << "nothing starts once the container is stopping";
}

TEST_F(SupervisorTest, OrphansGiveNoAction) { EXPECT_TRUE(supervisor_.Exited(4242, {false, 0}, clock_.now).empty()); }

TEST(SupervisorPolicyTest, NeverAndOnFailure) {
  ServiceSpec once = Cron();
  once.name = "once";
  once.restart = RestartPolicy::kNever;
  ServiceSpec retry = Cron();
  retry.name = "retry";
  retry.restart = RestartPolicy::kOnFailure;
  Supervisor supervisor({Apache(), once, retry}, 8s);
  TimePoint now{};
  supervisor.Start(now);
  supervisor.Started("apache", 1, now);
  supervisor.Started("once", 2, now);
  supervisor.Started("retry", 3, now);
  EXPECT_TRUE(supervisor.Exited(2, {false, 1}, now).empty());
  EXPECT_EQ(supervisor.StateOf("once"), ServiceState::kDone);
  EXPECT_TRUE(supervisor.Exited(3, {false, 0}, now).empty());
  EXPECT_EQ(supervisor.StateOf("retry"), ServiceState::kDone) << "on-failure: a clean exit is final";
  EXPECT_EQ(supervisor.StateOf("apache"), ServiceState::kRunning);
}

TEST(SupervisorPolicyTest, MainServiceEndingForGoodStopsTheRestWithItsStatus) {
  ServiceSpec main = Apache();
  main.restart = RestartPolicy::kNever;
  Supervisor supervisor({main, Cron()}, 8s);
  TimePoint now{};
  supervisor.Start(now);
  supervisor.Started("apache", 1, now);
  supervisor.Started("cron", 2, now);
  EXPECT_EQ(supervisor.Exited(1, {false, 3}, now), (std::vector<SupervisorAction>{{Kind::kSignal, "cron", SIGTERM}}));
  EXPECT_EQ(supervisor.Exited(2, {true, SIGTERM}, now), (std::vector<SupervisorAction>{{Kind::kExit, "", 0, 3}}));
}

TEST(SupervisorPolicyTest, ExecFailureCountsAsACrash) {
  Supervisor supervisor({Apache()}, 8s);
  TimePoint now{};
  supervisor.Start(now);
  EXPECT_TRUE(supervisor.StartFailed("apache", now).empty());
  EXPECT_EQ(supervisor.StateOf("apache"), ServiceState::kWaitingToRestart);
}

}  // namespace
}  // namespace webvps
