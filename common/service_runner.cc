#include "service_runner.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace webvps {

ServiceRunner::ServiceRunner(boost::asio::io_context& io, std::vector<ServiceSpec> services,
                             std::chrono::milliseconds stop_deadline, Metrics& metrics, const std::string& metric_prefix,
                             Hooks hooks)
    : io_(io),
      supervisor_(std::move(services), stop_deadline),
      metrics_(metrics),
      metric_prefix_(metric_prefix),
      hooks_(std::move(hooks)),
      child_signals_(io, SIGCHLD),
      timer_(io) {
  metrics_.DescribeCounter(Metric("_service_restarts_total"), "Restarts of a supervised service.");
  metrics_.DescribeGauge(Metric("_service_up"), "1 while the service runs.");
  metrics_.DescribeCounter(Metric("_orphans_reaped_total"), "Ended processes that were not services (zombies an init must reap).");
}

void ServiceRunner::Start() {
  // Outside a container's PID 1 (tests, or an init of its own), orphans of the services must
  // still come back to us to be reaped.
  if (::getpid() != 1 && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    spdlog::warn("{}", Error::FromErrno("prctl(PR_SET_CHILD_SUBREAPER)").message());
  }
  WaitForChildren();
  Perform(supervisor_.Start(std::chrono::steady_clock::now()));
}

void ServiceRunner::Stop() { Perform(supervisor_.Stop(std::chrono::steady_clock::now())); }

void ServiceRunner::Restart(const std::string& service) {
  Perform(supervisor_.Restart(service, std::chrono::steady_clock::now()));
}

Status ServiceRunner::Signal(const std::string& service, int signal) {
  auto pid = supervisor_.PidOf(service);
  if (!pid) return Error("signal " + service + ": it is not running");
  if (::kill(*pid, signal) != 0) {
    return Error::FromErrno("signal " + service + ": kill(" + std::to_string(*pid) + ", SIG" + SignalName(signal) + ")");
  }
  return {};
}

void ServiceRunner::WaitForChildren() {
  child_signals_.async_wait([this](boost::system::error_code error, int) {
    if (error) return;
    Reap();
    if (!finished_) WaitForChildren();
  });
}

void ServiceRunner::Reap() {
  for (const ReapedChild& child : ReapAll()) {
    std::string service;
    for (const auto& spec : supervisor_.services()) {
      if (supervisor_.PidOf(spec.name) == child.pid) service = spec.name;
    }
    if (service.empty()) {
      if (!hooks_.other_child || !hooks_.other_child(child.pid, child.status)) metrics_.Add(Metric("_orphans_reaped_total"));
      continue;
    }
    spdlog::info("{} (pid {}) {}", service, child.pid, child.status.ToString());
    // Each service leads its own process group: whatever it leaves behind (workers still
    // holding a port) goes before it starts again.
    if (::kill(-child.pid, SIGKILL) == 0) spdlog::info("killed what {} left behind in its process group", service);
    metrics_.Set(Metric("_service_up"), {{"service", service}}, 0);
    if (hooks_.exited) hooks_.exited(service, child.status);
    Perform(supervisor_.Exited(child.pid, child.status, std::chrono::steady_clock::now()));
  }
}

void ServiceRunner::StartService(const std::string& name) {
  const ServiceSpec* spec = supervisor_.Spec(name);
  SpawnOptions options{.argv = spec->command, .new_session = true};
  if (hooks_.environment) options.environment = hooks_.environment(*spec);
  auto pid = Spawn(options);
  if (!pid.ok()) {
    spdlog::error("start {}: {}", name, pid.error().message());
    Perform(supervisor_.StartFailed(name, std::chrono::steady_clock::now()));
    return;
  }
  supervisor_.Started(name, *pid, std::chrono::steady_clock::now());
  metrics_.Set(Metric("_service_up"), {{"service", name}}, 1);
  int restarts = supervisor_.Restarts(name);
  if (restarts > 0) metrics_.Set(Metric("_service_restarts_total"), {{"service", name}}, restarts);
  spdlog::info("started {} (pid {}){}", name, *pid, restarts ? " restart #" + std::to_string(restarts) : "");
  if (hooks_.started) hooks_.started(name, *pid);
}

void ServiceRunner::Perform(const std::vector<SupervisorAction>& actions) {
  for (const auto& action : actions) {
    switch (action.kind) {
      case SupervisorAction::Kind::kStart:
        StartService(action.service);
        break;
      case SupervisorAction::Kind::kSignal:
        if (Status sent = Signal(action.service, action.signal); !sent.ok()) {
          spdlog::warn("{}", sent.error().message());
        } else {
          spdlog::info("sent SIG{} to {} (pid {})", SignalName(action.signal), action.service, *supervisor_.PidOf(action.service));
        }
        break;
      case SupervisorAction::Kind::kExit:
        finished_ = true;
        for (const auto& spec : supervisor_.services()) {
          if (supervisor_.StateOf(spec.name) == ServiceState::kGaveUp) spdlog::error("{} gave up after a crash loop", spec.name);
        }
        spdlog::info("all services ended (status {})", action.exit_code);
        timer_.cancel();
        child_signals_.cancel();
        if (hooks_.finished) hooks_.finished(action.exit_code);
        break;
    }
  }
  if (hooks_.changed) hooks_.changed();
  ArmTimer();
}

void ServiceRunner::ArmTimer() {
  if (finished_) return;
  auto wake = supervisor_.NextWake();
  if (!wake) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*wake);
  timer_.async_wait([this](boost::system::error_code error) {
    if (!error) Perform(supervisor_.Tick(std::chrono::steady_clock::now()));
  });
}

}  // namespace webvps
