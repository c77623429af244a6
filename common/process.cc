#include "process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>

#include "names.h"

namespace webvps {

std::string ExitStatus::ToString() const {
  if (!signaled) return "exited with status " + std::to_string(code);
  const char* name = strsignal(code);
  return "killed by signal " + std::to_string(code) + " (" + (name ? name : "unknown") + ")";
}

ExitStatus DecodeWaitStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) return {true, WTERMSIG(wait_status)};
  return {false, WEXITSTATUS(wait_status)};
}

Result<pid_t> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return Error("spawn: empty command");
  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.environment) {
    for (const auto& entry : *options.environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
  }

  // exec's errno travels back through a close-on-exec pipe: EOF means exec succeeded.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return Error::FromErrno("spawn " + options.argv[0] + ": pipe");
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(report[0]);
    ::close(report[1]);
    return Error::FromErrno("spawn " + options.argv[0] + ": fork", saved);
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int signal = 1; signal < NSIG; ++signal) ::signal(signal, SIG_DFL);
    int failure = 0;
    if (options.output_fd >= 0 && (::dup2(options.output_fd, 1) < 0 || ::dup2(options.output_fd, 2) < 0)) failure = errno;
    if (!failure && options.input_fd >= 0 && ::dup2(options.input_fd, 0) < 0) failure = errno;
    if (!failure && options.new_session && ::setsid() < 0) failure = errno;
    if (!failure && options.gid && (::setgroups(0, nullptr) != 0 || ::setgid(*options.gid) != 0)) failure = errno;
    if (!failure && options.uid && ::setuid(*options.uid) != 0) failure = errno;
    if (!failure && !options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0) failure = errno;
    if (!failure) {
      if (options.environment) ::execvpe(argv[0], argv.data(), envp.data());
      else ::execvp(argv[0], argv.data());
      failure = errno;
    }
    ssize_t ignored = ::write(report[1], &failure, sizeof failure);
    (void)ignored;
    ::_exit(127);
  }
  ::close(report[1]);
  int failure = 0;
  ssize_t got;
  do {
    got = ::read(report[0], &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    ::waitpid(pid, nullptr, 0);
    return Error::FromErrno("spawn " + options.argv[0], failure);
  }
  return pid;
}

Result<CapturedRun> RunAndCapture(SpawnOptions options, size_t max_output, std::optional<std::chrono::milliseconds> timeout) {
  int output[2];
  if (::pipe2(output, O_CLOEXEC) != 0) return Error::FromErrno("run " + options.argv.at(0) + ": pipe");
  options.output_fd = output[1];
  if (timeout) options.new_session = true;  // its whole process group can then be killed
  auto pid = Spawn(options);
  ::close(output[1]);
  if (!pid.ok()) {
    ::close(output[0]);
    return pid.error();
  }
  CapturedRun run;
  auto deadline = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::milliseconds(0));
  char buffer[4096];
  while (true) {
    if (timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      struct pollfd wait {output[0], POLLIN, 0};
      int ready = left > 0 ? ::poll(&wait, 1, static_cast<int>(left)) : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        // The leader may be gone while a child it left holds the pipe: the group goes.
        ::kill(-*pid, SIGKILL);
        run.timed_out = true;
        break;
      }
    }
    ssize_t got = ::read(output[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    size_t room = max_output - std::min(max_output, run.output.size());
    run.output.append(buffer, std::min(room, static_cast<size_t>(got)));  // keep draining past the cap
  }
  ::close(output[0]);
  auto status = WaitFor(*pid);
  if (!status.ok()) return status.error();
  run.status = *status;
  if (run.timed_out) run.output += "(stopped after " + std::to_string(timeout->count()) + " ms: it took too long)\n";
  return run;
}

std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view key = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& override_entry : overrides) replaced = replaced || override_entry.starts_with(std::string(key) + "=");
    if (!replaced) result.emplace_back(text);
  }
  result.insert(result.end(), overrides.begin(), overrides.end());
  return result;
}

Result<ExitStatus> WaitFor(pid_t pid) {
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) return Error::FromErrno("waitpid " + std::to_string(pid));
  }
  return DecodeWaitStatus(wait_status);
}

std::vector<ReapedChild> ReapAll() {
  std::vector<ReapedChild> reaped;
  while (true) {
    int wait_status = 0;
    pid_t pid = ::waitpid(-1, &wait_status, WNOHANG);
    if (pid <= 0) break;  // 0: children remain but none ended; -1/ECHILD: no children
    reaped.push_back({pid, DecodeWaitStatus(wait_status)});
  }
  return reaped;
}

namespace {

struct SignalEntry {
  const char* name;
  int number;
};
constexpr SignalEntry kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"TERM", SIGTERM},   {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"WINCH", SIGWINCH},
    {"ALRM", SIGALRM}, {"PWR", SIGPWR}};

}  // namespace

Result<int> ParseSignal(std::string_view name) {
  std::string_view bare = name.starts_with("SIG") ? name.substr(3) : name;
  for (const auto& entry : kSignals) {
    if (bare == entry.name) return entry.number;
  }
  int number = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), number);
  if (error == std::errc() && end == name.data() + name.size() && number > 0 && number < NSIG) return number;
  return Error("unknown signal " + QuoteForMessage(name));
}

std::string SignalName(int signal) {
  for (const auto& entry : kSignals) {
    if (entry.number == signal) return entry.name;
  }
  return std::to_string(signal);
}

}  // namespace webvps
