// The supervisor as a state machine: events in (started, exited, timer, stop), actions out
// (start a service, send a signal, exit). It never forks, signals, sleeps or reads the clock;
// the event loop (ServiceRunner) does that and hands it the time. phpserver-init supervises
// Apache and cron with it, proxy-gen nginx, sshd-chroot sshd.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "process.h"

namespace webvps {

enum class RestartPolicy { kAlways, kOnFailure, kNever };

/// One supervised service.
struct ServiceSpec {
  std::string name;                 ///< [a-z][a-z0-9-]*: logs and metrics
  std::vector<std::string> command;  ///< argv; argv[0] looked up in PATH
  int stop_signal = 15;             ///< SIGTERM; Apache: SIGWINCH (graceful stop), nginx: SIGQUIT
  int reload_signal = 0;            ///< 0: no graceful reload; Apache: SIGUSR1, nginx and sshd: SIGHUP
  std::string config_test;          ///< shell command that checks the config before a reload; empty: none
  RestartPolicy restart = RestartPolicy::kAlways;
  bool main = false;                ///< when it ends for good, the container ends with its status
  std::chrono::milliseconds backoff_initial{500};  ///< first restart delay; doubles per quick crash
  std::chrono::milliseconds backoff_max{30'000};
  int crash_loop_limit = 10;        ///< this many quick crashes in a row: give up
  std::chrono::milliseconds stable_after{10'000};  ///< a run this long resets the crash count
};

using TimePoint = std::chrono::steady_clock::time_point;

struct SupervisorAction {
  enum class Kind { kStart, kSignal, kExit };
  Kind kind;
  std::string service;  ///< kStart, kSignal
  int signal = 0;       ///< kSignal
  int exit_code = 0;    ///< kExit
  bool operator==(const SupervisorAction&) const = default;
};

enum class ServiceState {
  kIdle,               ///< not started yet
  kRunning,            ///< started (pid known once Started() is called)
  kWaitingToRestart,   ///< crashed; restarts at restart_at
  kStopping,           ///< sent its stop signal
  kDone,               ///< ended and not to be restarted
  kGaveUp,             ///< crash loop: too many quick crashes in a row
};
std::string_view ServiceStateName(ServiceState state);

class Supervisor {
 public:
  /// `stop_deadline`: how long services get after their stop signal before SIGKILL; shorter
  /// than Docker's 10 s so that the init, not Docker, has the last word.
  Supervisor(std::vector<ServiceSpec> services, std::chrono::milliseconds stop_deadline);

  /// Starts every service.
  std::vector<SupervisorAction> Start(TimePoint now);
  /// The loop reports that a kStart action produced `pid`.
  void Started(const std::string& service, pid_t pid, TimePoint now);
  /// The loop reports that a kStart action failed (exec error): handled like a crash.
  std::vector<SupervisorAction> StartFailed(const std::string& service, TimePoint now);
  /// A child ended. Unknown pids (orphans an init reaps) give no action.
  std::vector<SupervisorAction> Exited(pid_t pid, const ExitStatus& status, TimePoint now);
  /// Due restarts and the stop deadline.
  std::vector<SupervisorAction> Tick(TimePoint now);
  /// Graceful stop of everything (SIGTERM to the init); ends with a kExit action.
  std::vector<SupervisorAction> Stop(TimePoint now);
  /// Stops and starts one service again (a full restart, e.g. `apache2.restart`).
  std::vector<SupervisorAction> Restart(const std::string& service, TimePoint now);

  /// When Tick() next has something to do.
  std::optional<TimePoint> NextWake() const;

  std::optional<pid_t> PidOf(const std::string& service) const;
  ServiceState StateOf(const std::string& service) const;
  int Restarts(const std::string& service) const;
  const ServiceSpec* Spec(const std::string& service) const;
  bool stopping() const { return stopping_; }
  const std::vector<ServiceSpec>& services() const { return specs_; }

 private:
  struct Runtime {
    ServiceState state = ServiceState::kIdle;
    pid_t pid = 0;
    TimePoint started_at{};
    TimePoint restart_at{};
    int quick_crashes = 0;
    int restarts = 0;
    bool restart_requested = false;
    bool killed = false;
  };

  int IndexOf(const std::string& service) const;
  int IndexOfPid(pid_t pid) const;
  /// What follows the end of service `index`: restart, give up, or the container's stop.
  std::vector<SupervisorAction> HandleExit(int index, const ExitStatus& status, TimePoint now);
  std::vector<SupervisorAction> BeginStop(TimePoint now, int exit_code);
  std::vector<SupervisorAction> ExitIfAllEnded();
  SupervisorAction StartAction(int index);

  std::vector<ServiceSpec> specs_;
  std::vector<Runtime> runtime_;
  std::chrono::milliseconds stop_deadline_;
  bool stopping_ = false;
  bool exited_ = false;
  TimePoint stop_deadline_at_{};
  int exit_code_ = 0;
};

}  // namespace webvps
