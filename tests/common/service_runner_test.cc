#include "service_runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>

namespace webvps {
namespace {

using namespace std::chrono_literals;

ServiceSpec Shell(const std::string& name, const std::string& script) {
  ServiceSpec spec;
  spec.name = name;
  spec.command = {"/bin/sh", "-c", script};
  spec.main = true;
  return spec;
}

// Runs the loop until `ready()` holds (no fixed sleeps); false after `limit`.
bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& ready, std::chrono::seconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready() && std::chrono::steady_clock::now() < deadline) io.run_for(10ms);
  return ready();
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// A scratch directory for marker files, removed at the end.
struct ScratchDir {
  ScratchDir() { EXPECT_NE(::mkdtemp(path), nullptr); }
  ~ScratchDir() { std::system(("rm -rf " + std::string(path)).c_str()); }
  std::string File(const std::string& name) const { return std::string(path) + "/" + name; }
  char path[32] = "/tmp/webvps-runner-XXXXXX";
};

// Runs the loop until the runner reports the end, or fails the test after `limit`.
int RunUntilFinished(boost::asio::io_context& io, ServiceRunner& runner, std::optional<int>& code,
                     std::chrono::seconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!code && std::chrono::steady_clock::now() < deadline) io.run_for(50ms);
  EXPECT_TRUE(code.has_value()) << "the runner did not finish within " << limit.count() << " s";
  EXPECT_TRUE(runner.finished());
  return code.value_or(-1);
}

TEST(ServiceRunnerTest, AMainServiceThatEndsForGoodEndsTheRunWithItsStatus) {
  boost::asio::io_context io;
  Metrics metrics;
  ServiceSpec spec = Shell("job", "exit 3");
  spec.restart = RestartPolicy::kNever;
  std::optional<int> code;
  std::vector<std::string> exits;
  ServiceRunner::Hooks hooks;
  hooks.exited = [&](const std::string& service, const ExitStatus& status) { exits.push_back(service + " " + status.ToString()); };
  hooks.finished = [&](int exit_code) { code = exit_code; };
  ServiceRunner runner(io, {spec}, 2s, metrics, "webvps_test", hooks);
  runner.Start();
  EXPECT_EQ(RunUntilFinished(io, runner, code), 3);
  EXPECT_EQ(exits, std::vector<std::string>{"job exited with status 3"});
}

TEST(ServiceRunnerTest, ACrashedServiceIsRestartedAfterItsBackoff) {
  boost::asio::io_context io;
  Metrics metrics;
  // Fails twice, then stays up: a marker file counts the starts.
  ScratchDir dir;
  std::string marker = dir.File("starts");
  ServiceSpec spec = Shell("flaky", "echo x >> " + marker + "; [ $(wc -l < " + marker + ") -ge 3 ] && exec sleep 30; exit 1");
  spec.backoff_initial = 10ms;
  std::optional<int> code;
  std::vector<pid_t> pids;
  ServiceRunner::Hooks hooks;
  hooks.started = [&](const std::string&, pid_t pid) {
    pids.push_back(pid);
    if (pids.size() == 3) io.stop();
  };
  hooks.finished = [&](int exit_code) { code = exit_code; };
  ServiceRunner runner(io, {spec}, 2s, metrics, "webvps_test", hooks);
  runner.Start();
  io.run_for(10s);
  ASSERT_EQ(pids.size(), 3u);
  EXPECT_EQ(metrics.Value("webvps_test_service_restarts_total", {{"service", "flaky"}}), 2);
  EXPECT_EQ(runner.PidOf("flaky"), pids.back());
  io.restart();
  runner.Stop();
  EXPECT_EQ(RunUntilFinished(io, runner, code), 0) << "ending on its stop signal is a clean stop";
}

TEST(ServiceRunnerTest, AServiceIgnoringItsStopSignalIsKilledAtTheDeadline) {
  boost::asio::io_context io;
  Metrics metrics;
  ScratchDir dir;
  ServiceSpec spec = Shell("stubborn", "trap '' TERM; touch " + dir.File("trapped") + "; while :; do sleep 0.05; done");
  std::optional<int> code;
  ServiceRunner::Hooks hooks;
  hooks.finished = [&](int exit_code) { code = exit_code; };
  ServiceRunner runner(io, {spec}, 200ms, metrics, "webvps_test", hooks);
  runner.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return Exists(dir.File("trapped")); }));
  auto begin = std::chrono::steady_clock::now();
  runner.Stop();
  EXPECT_EQ(RunUntilFinished(io, runner, code), 128 + SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST(ServiceRunnerTest, SignalReachesARunningServiceAndNamesOneThatIsNot) {
  boost::asio::io_context io;
  Metrics metrics;
  // Exits 0 on SIGHUP: the signal arrived.
  ScratchDir dir;
  ServiceSpec spec = Shell("reloadable", "trap 'exit 0' HUP; touch " + dir.File("trapped") + "; while :; do sleep 0.05; done");
  spec.restart = RestartPolicy::kOnFailure;
  std::optional<int> code;
  ServiceRunner::Hooks hooks;
  hooks.finished = [&](int exit_code) { code = exit_code; };
  ServiceRunner runner(io, {spec}, 2s, metrics, "webvps_test", hooks);
  Status before = runner.Signal("reloadable", SIGHUP);
  EXPECT_FALSE(before.ok());
  EXPECT_EQ(before.ToString(), "signal reloadable: it is not running");
  runner.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return Exists(dir.File("trapped")); }));
  EXPECT_TRUE(runner.Signal("reloadable", SIGHUP).ok());
  EXPECT_EQ(RunUntilFinished(io, runner, code), 0);
}

}  // namespace
}  // namespace webvps
