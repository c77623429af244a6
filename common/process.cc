#include "process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
    if (options.new_session && ::setsid() < 0) failure = errno;
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

}  // namespace webvps
