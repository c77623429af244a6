// Carrying out a Supervisor's decisions on an Asio loop: each service is spawned leading its
// own process group, every child is reaped on SIGCHLD (orphans too: the duty of a PID 1, and of
// a subreaper when not PID 1), restarts wait for their backoff, and a stop ends within the
// deadline. phpserver-init runs Apache and cron with it, proxy-gen nginx, sshd-chroot sshd.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "metrics.h"
#include "process.h"
#include "result.h"
#include "supervisor.h"

namespace webvps {

class ServiceRunner {
 public:
  /// What a program adds to the plain supervision; every hook is optional.
  struct Hooks {
    /// The environment of a service's next start; nullopt: inherit the program's.
    std::function<std::optional<std::vector<std::string>>(const ServiceSpec&)> environment;
    /// A service was started with `pid`.
    std::function<void(const std::string& service, pid_t pid)> started;
    /// A service ended; runs before the supervisor decides what follows (restart, stop).
    std::function<void(const std::string& service, const ExitStatus& status)> exited;
    /// After every batch of actions: a service started or ended, or the stop began.
    std::function<void()> changed;
    /// Every service has ended, after Stop() or when a main service ended for good.
    std::function<void(int exit_code)> finished;
    /// A child that is no service ended (one the program started itself, such as a cron job):
    /// true when the program knew it, else it is counted as a reaped orphan.
    std::function<bool(pid_t pid, const ExitStatus& status)> other_child;
  };

  /// Metrics, under `metric_prefix` ("webvps_proxy"): _service_up{service},
  /// _service_restarts_total{service}, _orphans_reaped_total.
  ServiceRunner(boost::asio::io_context& io, std::vector<ServiceSpec> services, std::chrono::milliseconds stop_deadline,
                Metrics& metrics, const std::string& metric_prefix, Hooks hooks = {});
  ServiceRunner(const ServiceRunner&) = delete;
  ServiceRunner& operator=(const ServiceRunner&) = delete;

  /// Becomes a subreaper when not PID 1, starts reaping, starts every service.
  void Start();
  /// Graceful stop of every service (their stop signals, SIGKILL at the deadline); `finished`
  /// runs when all have ended.
  void Stop();
  /// Stops and starts one service again.
  void Restart(const std::string& service);
  /// Sends `signal` to a running service (a reload); the error says why it could not.
  Status Signal(const std::string& service, int signal);

  std::optional<pid_t> PidOf(const std::string& service) const { return supervisor_.PidOf(service); }
  bool stopping() const { return supervisor_.stopping(); }
  bool finished() const { return finished_; }
  const Supervisor& supervisor() const { return supervisor_; }

 private:
  void WaitForChildren();
  void Reap();
  void Perform(const std::vector<SupervisorAction>& actions);
  void StartService(const std::string& name);
  void ArmTimer();
  std::string Metric(const char* suffix) const { return metric_prefix_ + suffix; }

  boost::asio::io_context& io_;
  Supervisor supervisor_;
  Metrics& metrics_;
  std::string metric_prefix_;
  Hooks hooks_;
  boost::asio::signal_set child_signals_;
  boost::asio::steady_timer timer_;
  bool finished_ = false;
};

}  // namespace webvps
