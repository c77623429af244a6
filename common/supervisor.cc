#include "supervisor.h"

#include <algorithm>
#include <csignal>

namespace webvps {

std::string_view ServiceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kIdle: return "idle";
    case ServiceState::kRunning: return "running";
    case ServiceState::kWaitingToRestart: return "waiting-to-restart";
    case ServiceState::kStopping: return "stopping";
    case ServiceState::kDone: return "done";
    case ServiceState::kGaveUp: return "gave-up";
  }
  return "unknown";
}

Supervisor::Supervisor(std::vector<ServiceSpec> services, std::chrono::milliseconds stop_deadline)
    : specs_(std::move(services)), runtime_(specs_.size()), stop_deadline_(stop_deadline) {}

int Supervisor::IndexOf(const std::string& service) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == service) return static_cast<int>(i);
  }
  return -1;
}

int Supervisor::IndexOfPid(pid_t pid) const {
  for (size_t i = 0; i < runtime_.size(); ++i) {
    if (runtime_[i].pid == pid && pid > 0) return static_cast<int>(i);
  }
  return -1;
}

SupervisorAction Supervisor::StartAction(int index) {
  Runtime& runtime = runtime_[index];
  runtime.state = ServiceState::kRunning;
  runtime.pid = 0;
  runtime.killed = false;
  return {SupervisorAction::Kind::kStart, specs_[index].name};
}

std::vector<SupervisorAction> Supervisor::Start(TimePoint /*now*/) {
  std::vector<SupervisorAction> actions;
  for (size_t i = 0; i < specs_.size(); ++i) actions.push_back(StartAction(static_cast<int>(i)));
  return actions;
}

void Supervisor::Started(const std::string& service, pid_t pid, TimePoint now) {
  int index = IndexOf(service);
  if (index < 0) return;
  runtime_[index].pid = pid;
  runtime_[index].started_at = now;
}

std::vector<SupervisorAction> Supervisor::StartFailed(const std::string& service, TimePoint now) {
  int index = IndexOf(service);
  if (index < 0) return {};
  runtime_[index].started_at = now;
  return HandleExit(index, ExitStatus{false, 127}, now);
}

std::vector<SupervisorAction> Supervisor::Exited(pid_t pid, const ExitStatus& status, TimePoint now) {
  int index = IndexOfPid(pid);
  if (index < 0) return {};
  return HandleExit(index, status, now);
}

std::vector<SupervisorAction> Supervisor::HandleExit(int index, const ExitStatus& status, TimePoint now) {
  const ServiceSpec& spec = specs_[index];
  Runtime& runtime = runtime_[index];
  runtime.pid = 0;
  auto ran = now - runtime.started_at;

  if (stopping_) {
    runtime.state = ServiceState::kDone;
    if (spec.main) {
      // Ending on the stop signal we sent (or cleanly) is a clean stop: docker stop gives 0.
      bool clean = status.Succeeded() || (status.signaled && status.code == spec.stop_signal);
      if (exit_code_ == 0) exit_code_ = clean ? 0 : status.ShellCode();
    }
    return ExitIfAllEnded();
  }
  if (runtime.restart_requested) {
    runtime.restart_requested = false;
    runtime.quick_crashes = 0;
    ++runtime.restarts;
    return {StartAction(index)};
  }

  bool restart = spec.restart == RestartPolicy::kAlways ||
                 (spec.restart == RestartPolicy::kOnFailure && !status.Succeeded());
  if (!restart) {
    runtime.state = ServiceState::kDone;
    if (spec.main) return BeginStop(now, status.ShellCode());
    return {};
  }
  if (ran >= spec.stable_after) runtime.quick_crashes = 0;
  ++runtime.quick_crashes;
  if (runtime.quick_crashes > spec.crash_loop_limit) {
    runtime.state = ServiceState::kGaveUp;
    if (spec.main) return BeginStop(now, status.ShellCode() == 0 ? 1 : status.ShellCode());
    return {};
  }
  auto delay = spec.backoff_initial;
  for (int i = 1; i < runtime.quick_crashes && delay < spec.backoff_max; ++i) delay *= 2;
  runtime.restart_at = now + std::min(delay, spec.backoff_max);
  runtime.state = ServiceState::kWaitingToRestart;
  return {};
}

std::vector<SupervisorAction> Supervisor::Tick(TimePoint now) {
  std::vector<SupervisorAction> actions;
  if (stopping_) {
    if (now >= stop_deadline_at_) {
      for (size_t i = 0; i < specs_.size(); ++i) {
        Runtime& runtime = runtime_[i];
        if (runtime.state == ServiceState::kStopping && runtime.pid > 0 && !runtime.killed) {
          runtime.killed = true;
          actions.push_back({SupervisorAction::Kind::kSignal, specs_[i].name, SIGKILL});
        }
      }
    }
    return actions;
  }
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (runtime_[i].state == ServiceState::kWaitingToRestart && now >= runtime_[i].restart_at) {
      ++runtime_[i].restarts;
      actions.push_back(StartAction(static_cast<int>(i)));
    }
  }
  return actions;
}

std::vector<SupervisorAction> Supervisor::Stop(TimePoint now) { return BeginStop(now, 0); }

std::vector<SupervisorAction> Supervisor::BeginStop(TimePoint now, int exit_code) {
  if (stopping_) return {};
  stopping_ = true;
  exit_code_ = exit_code;
  stop_deadline_at_ = now + stop_deadline_;
  std::vector<SupervisorAction> actions;
  for (size_t i = 0; i < specs_.size(); ++i) {
    Runtime& runtime = runtime_[i];
    if (runtime.state == ServiceState::kRunning || runtime.state == ServiceState::kStopping) {
      runtime.state = ServiceState::kStopping;
      if (runtime.pid > 0) actions.push_back({SupervisorAction::Kind::kSignal, specs_[i].name, specs_[i].stop_signal});
    } else if (runtime.state != ServiceState::kGaveUp) {
      runtime.state = ServiceState::kDone;
    }
  }
  auto exit = ExitIfAllEnded();
  actions.insert(actions.end(), exit.begin(), exit.end());
  return actions;
}

std::vector<SupervisorAction> Supervisor::ExitIfAllEnded() {
  if (exited_) return {};
  for (const auto& runtime : runtime_) {
    if (runtime.state == ServiceState::kStopping || runtime.state == ServiceState::kRunning) return {};
  }
  exited_ = true;
  return {{SupervisorAction::Kind::kExit, "", 0, exit_code_}};
}

std::vector<SupervisorAction> Supervisor::Restart(const std::string& service, TimePoint /*now*/) {
  int index = IndexOf(service);
  if (index < 0 || stopping_) return {};
  Runtime& runtime = runtime_[index];
  if (runtime.state == ServiceState::kRunning && runtime.pid > 0) {
    runtime.restart_requested = true;
    runtime.state = ServiceState::kStopping;
    return {{SupervisorAction::Kind::kSignal, service, specs_[index].stop_signal}};
  }
  if (runtime.state == ServiceState::kStopping) return {};  // already on its way
  runtime.quick_crashes = 0;
  ++runtime.restarts;
  return {StartAction(index)};
}

std::optional<TimePoint> Supervisor::NextWake() const {
  if (exited_) return std::nullopt;
  if (stopping_) {
    for (const auto& runtime : runtime_) {
      if (runtime.state == ServiceState::kStopping && !runtime.killed) return stop_deadline_at_;
    }
    return std::nullopt;
  }
  std::optional<TimePoint> next;
  for (const auto& runtime : runtime_) {
    if (runtime.state == ServiceState::kWaitingToRestart && (!next || runtime.restart_at < *next)) next = runtime.restart_at;
  }
  return next;
}

std::optional<pid_t> Supervisor::PidOf(const std::string& service) const {
  int index = IndexOf(service);
  if (index < 0 || runtime_[index].pid <= 0) return std::nullopt;
  return runtime_[index].pid;
}

ServiceState Supervisor::StateOf(const std::string& service) const {
  int index = IndexOf(service);
  return index < 0 ? ServiceState::kIdle : runtime_[index].state;
}

int Supervisor::Restarts(const std::string& service) const {
  int index = IndexOf(service);
  return index < 0 ? 0 : runtime_[index].restarts;
}

const ServiceSpec* Supervisor::Spec(const std::string& service) const {
  int index = IndexOf(service);
  return index < 0 ? nullptr : &specs_[index];
}

}  // namespace webvps
