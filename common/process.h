// Child processes: spawn with a clean signal state (an init blocks signals; its children must
// not inherit that), wait, reap, and describe how a child ended.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps {

/// How a child ended.
struct ExitStatus {
  bool signaled = false;  ///< killed by a signal rather than exiting
  int code = 0;           ///< exit code, or the signal number when signaled

  /// The shell's convention: the exit code, or 128 + signal.
  int ShellCode() const { return signaled ? 128 + code : code; }
  bool Succeeded() const { return !signaled && code == 0; }
  /// "exited with status 3" / "killed by signal 9 (Killed)".
  std::string ToString() const;
  bool operator==(const ExitStatus&) const = default;
};

/// Decodes a waitpid() status word.
ExitStatus DecodeWaitStatus(int wait_status);

struct SpawnOptions {
  std::vector<std::string> argv;                        ///< argv[0] is looked up in PATH
  std::optional<std::vector<std::string>> environment;  ///< KEY=VALUE; nullopt: inherit
  std::optional<uid_t> uid;                             ///< drop to this user (and its gid)
  std::optional<gid_t> gid;
  std::string working_directory;                        ///< empty: inherit
  bool new_session = false;                             ///< setsid(): own process group
  int output_fd = -1;                                   ///< when set: the child's stdout and stderr
  int input_fd = -1;                                    ///< when set: the child's stdin
};

/// Starts a child; fails with exec's error if the program cannot be run.
Result<pid_t> Spawn(const SpawnOptions& options);

struct CapturedRun {
  ExitStatus status;
  std::string output;  ///< stdout and stderr together, cut at max_output bytes
  bool timed_out = false;  ///< killed (its whole process group) at the time limit
};
/// Runs a command to its end and captures its output (a config test, openssl). With a
/// `timeout`, the command runs in a session of its own and the whole process group is killed
/// when the time is up (a config test blocked on a FIFO the site planted ends there).
Result<CapturedRun> RunAndCapture(SpawnOptions options, size_t max_output = 64 * 1024,
                                  std::optional<std::chrono::milliseconds> timeout = std::nullopt);

/// The current environment with `overrides` ("KEY=VALUE") replacing or adding entries.
std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides);

/// Waits for `pid` to end (retrying on EINTR).
Result<ExitStatus> WaitFor(pid_t pid);

struct ReapedChild {
  pid_t pid;
  ExitStatus status;
};
/// "SIGTERM", "TERM" or a number -> the signal number.
Result<int> ParseSignal(std::string_view name);
/// The signal's name without "SIG": "TERM".
std::string SignalName(int signal);

/// Collects every child that has ended, without blocking (the PID-1 duty).
std::vector<ReapedChild> ReapAll();

}  // namespace webvps
