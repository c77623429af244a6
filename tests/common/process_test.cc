#include "process.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>

namespace webvps {
namespace {

TEST(ProcessTest, ReportsExitCodes) {
  auto pid = Spawn({.argv = {"sh", "-c", "exit 3"}});
  ASSERT_TRUE(pid.ok()) << pid.error().message();
  auto status = WaitFor(*pid);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, (ExitStatus{false, 3}));
  EXPECT_EQ(status->ShellCode(), 3);
  EXPECT_EQ(status->ToString(), "exited with status 3");
}

TEST(ProcessTest, ReportsSignals) {
  auto pid = Spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(pid.ok());
  ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  auto status = WaitFor(*pid);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->signaled);
  EXPECT_EQ(status->ShellCode(), 128 + SIGKILL);
  EXPECT_EQ(status->ToString(), "killed by signal 9 (Killed)");
}

TEST(ProcessTest, ChildrenStartWithSignalsUnblocked) {
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &block, &previous), 0);  // as an init does
  auto pid = Spawn({.argv = {"sleep", "30"}});
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  ASSERT_TRUE(pid.ok());
  ASSERT_EQ(::kill(*pid, SIGTERM), 0);
  auto status = WaitFor(*pid);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, (ExitStatus{true, SIGTERM})) << "SIGTERM must reach a child of a process that blocks it";
}

TEST(ProcessTest, PassesEnvironmentAndWorkingDirectory) {
  auto pid = Spawn({.argv = {"sh", "-c", "test \"$GREETING\" = hello && test \"$(pwd)\" = /"},
                    .environment = std::vector<std::string>{"GREETING=hello", "PATH=/usr/bin:/bin"},
                    .working_directory = "/"});
  ASSERT_TRUE(pid.ok());
  EXPECT_TRUE(WaitFor(*pid)->Succeeded());
}

TEST(ProcessTest, ExecFailureIsAnErrorNotAChild) {
  auto pid = Spawn({.argv = {"/nonexistent/program"}});
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.error().message(), "spawn /nonexistent/program: No such file or directory");
  EXPECT_TRUE(ReapAll().empty()) << "the failed child was already collected";
}

TEST(ProcessTest, ReapAllCollectsEveryEndedChild) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 5; ++i) {
    auto pid = Spawn({.argv = {"true"}});
    ASSERT_TRUE(pid.ok());
    pids.push_back(*pid);
  }
  // Wait until all have ended without reaping them (WNOWAIT), then reap in one sweep.
  for (pid_t pid : pids) {
    siginfo_t info;
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  }
  auto reaped = ReapAll();
  ASSERT_EQ(reaped.size(), pids.size());
  for (const auto& child : reaped) EXPECT_TRUE(child.status.Succeeded());
  EXPECT_TRUE(ReapAll().empty());
}

TEST(ProcessTest, RunAndCaptureGivesInputAndCollectsOutput) {
  int input[2];
  ASSERT_EQ(::pipe(input), 0);
  ASSERT_EQ(::write(input[1], "from stdin\n", 11), 11);
  ::close(input[1]);
  auto run = RunAndCapture({.argv = {"sh", "-c", "cat; echo err >&2"}, .input_fd = input[0]});
  ::close(input[0]);
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_EQ(run->output, "from stdin\nerr\n");
  EXPECT_FALSE(run->timed_out);
}

TEST(ProcessTest, RunAndCaptureKillsTheWholeGroupAtItsTimeLimit) {
  // The shell's child keeps the output pipe open after the shell itself waits: both must go
  // (a config test blocked on a FIFO leaves exactly this behind).
  auto begin = std::chrono::steady_clock::now();
  auto run = RunAndCapture({.argv = {"sh", "-c", "echo started; sleep 30 & wait"}}, 64 * 1024, std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_TRUE(run->timed_out);
  EXPECT_TRUE(run->status.signaled);
  EXPECT_NE(run->output.find("started"), std::string::npos);
  EXPECT_NE(run->output.find("took too long"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(ProcessTest, DecodesWaitStatusWords) {
  EXPECT_EQ(DecodeWaitStatus(0), (ExitStatus{false, 0}));
  EXPECT_EQ(DecodeWaitStatus(2 << 8), (ExitStatus{false, 2}));
  EXPECT_EQ(DecodeWaitStatus(SIGTERM), (ExitStatus{true, SIGTERM}));
}

TEST(ProcessTest, SignalNamesBothWays) {
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("WINCH"), SIGWINCH);
  EXPECT_EQ(*ParseSignal("9"), SIGKILL);
  EXPECT_FALSE(ParseSignal("0").ok());
  EXPECT_FALSE(ParseSignal("999").ok());
  EXPECT_EQ(SignalName(SIGUSR1), "USR1");
}

}  // namespace
}  // namespace webvps
