#include "init.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "atomic_file.h"
#include "process.h"

namespace webvps::phpserver_init {
namespace fs = std::filesystem;
namespace {

constexpr const char* kReloadFlag = "apache2.reload";
constexpr const char* kRestartFlag = "apache2.restart";
constexpr const char* kCrontab = "crontab";

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

std::string LastLines(const std::string& path, size_t count) {
  auto content = ReadFile(path);
  if (!content.ok()) return "";
  size_t start = content->size();
  for (size_t found = 0; start > 0 && found <= count;) {
    if ((*content)[--start] == '\n') ++found;
  }
  return content->substr(start == 0 ? 0 : start + 1);
}

}  // namespace

Init::Init(boost::asio::io_context& io, std::vector<ServiceSpec> services, SiteEnvironment site, SitePaths paths,
           InitOptions options, Metrics& metrics)
    : io_(io),
      site_(std::move(site)),
      paths_(std::move(paths)),
      options_(options),
      metrics_(metrics),
      signals_(io),
      runner_(io, std::move(services), options.stop_deadline, metrics, "webvps_init", RunnerHooks()),
      timer_(io),
      inotify_(io),
      flags_(options.flag_quiet, options.flag_max_delay),
      cron_(io, options.cron, metrics) {
  metrics_.DescribeCounter("webvps_init_reloads_total", "Reload requests by result: done, refused (config test failed), failed_late (the service died).");
  metrics_.DescribeGauge("webvps_init_reload_seconds", "Time from the flag to the reload signal, last reload.");
}

ServiceRunner::Hooks Init::RunnerHooks() {
  ServiceRunner::Hooks hooks;
  hooks.environment = [this](const ServiceSpec& spec) -> std::optional<std::vector<std::string>> {
    if (spec.reload_signal == 0) return std::nullopt;
    running_fallback_ = !fallback_define_.empty();
    return EnvironmentWith({"WEBVPS_APACHE_DEFINES=" + fallback_define_});
  };
  hooks.started = [this](const std::string& service, pid_t) {
    const ServiceSpec* spec = runner_.supervisor().Spec(service);
    if (spec->reload_signal != 0 && restart_on_trial_) {
      // The new process's first seconds are a trial like a reload's.
      restart_on_trial_ = false;
      last_reload_at_ = Now();
    }
  };
  hooks.exited = [this](const std::string& service, const ExitStatus& status) { OnServiceExited(service, status); };
  hooks.changed = [this] {
    bool healthy = !runner_.stopping();
    for (const auto& spec : runner_.supervisor().services()) {
      if (spec.main && !runner_.PidOf(spec.name)) healthy = false;
    }
    healthy_ = healthy;
    ArmTimer();
  };
  hooks.other_child = [this](pid_t pid, const ExitStatus& status) { return cron_.Reaped(pid, status); };
  hooks.finished = [this](int exit_code) {
    exit_code_ = exit_code;
    spdlog::info("exiting with status {}", exit_code);
    io_.stop();
  };
  return hooks;
}

bool Init::Healthy() const { return healthy_; }

const ServiceSpec* Init::ReloadableService() const {
  for (const auto& spec : runner_.supervisor().services()) {
    if (spec.reload_signal != 0) return &spec;
  }
  return nullptr;
}

int Init::Run() {
  // nullmailer names the sender's host from NULLMAILER_HOST, else $HOSTNAME, which Docker sets
  // to the container id: mail from the site must come from the site's domain.
  if (!site_.host.empty()) ::setenv("NULLMAILER_HOST", site_.host.c_str(), 1);
  WaitForSignals();
  if (!inotify_.status().ok()) spdlog::error("flags will not be seen: {}", inotify_.status().ToString());
  WatchConf();
  inotify_.Start([this](const InotifyEvent& event) { OnInotify(event); });

  if (const ServiceSpec* reloadable = ReloadableService(); reloadable && !reloadable->config_test.empty()) {
    if (auto problem = TestConfig()) {
      spdlog::error("{} config test failed at start; details in {}", reloadable->name, paths_.reload_error_file());
      std::string report = "The configuration failed its test at start:\n" + *problem;
      FallBack(report);
      if (Status status = WriteSiteFile(paths_.reload_error_file(), report); !status.ok()) {
        spdlog::error("{}", status.ToString());
      }
    } else {
      SaveLastGood();
    }
  }
  LoadCrontab();
  runner_.Start();
  CheckFlagsPresent();
  ArmTimer();
  io_.run();
  return exit_code_.value_or(0);
}

void Init::WaitForSignals() {
  for (int signal : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH}) signals_.add(signal);
  signals_.async_wait([this](boost::system::error_code error, int signal) {
    if (error) return;
    OnSignal(signal);
    if (!exit_code_) WaitForSignals();
  });
}

void Init::OnSignal(int signal) {
  switch (signal) {
    case SIGTERM:
    case SIGINT:
    case SIGQUIT:
      spdlog::info("received SIG{}: stopping the services (deadline {} ms)", SignalName(signal), options_.stop_deadline.count());
      cron_.Stop();
      runner_.Stop();
      break;
    case SIGHUP:
      spdlog::info("received SIGHUP: reloading as if conf/{} had been created", kReloadFlag);
      HandleFlag(FlagKind::kReload);
      break;
    default:
      for (const auto& spec : runner_.supervisor().services()) (void)runner_.Signal(spec.name, signal);
      spdlog::info("forwarded SIG{} to the services", SignalName(signal));
  }
  ArmTimer();
}

void Init::OnServiceExited(const std::string& service, const ExitStatus& status) {
  const ServiceSpec* reloadable = ReloadableService();
  if (reloadable && reloadable->name == service && last_reload_at_ && !runner_.stopping() &&
      Now() - *last_reload_at_ < options_.late_failure_window) {
    // Errors Apache finds only while reloading (a missing certificate) make its parent exit.
    last_reload_at_.reset();
    std::error_code ignored;
    fs::remove_all(CandidateDir(), ignored);
    metrics_.Add("webvps_init_reloads_total", {{"result", "failed_late"}});
    std::string report = service + " stopped during the reload (" + status.ToString() + ").\n";
    FallBack(report);
    report += "Its error log ends with:\n" + LastLines(paths_.site_dir + "/logs/error.log", 20);
    if (Status written = WriteSiteFile(paths_.reload_error_file(), report); !written.ok()) spdlog::error("{}", written.ToString());
    spdlog::error("{} died during the reload; restarting it on the fallback {}", service, fallback_define_);
  }
}

void Init::WatchConf() {
  if (!fs::is_directory(paths_.conf_dir())) {
    spdlog::info("no {}: flag files are not watched", paths_.conf_dir());
    return;
  }
  auto watch = inotify_.Watch(paths_.conf_dir(), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE |
                                                     IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
  if (!watch.ok()) {
    spdlog::error("{}", watch.error().message());
    return;
  }
  conf_watch_ = *watch;
}

std::optional<FlagKind> Init::FlagOnDisk() const {
  if (fs::exists(fs::symlink_status(paths_.conf_dir() + "/" + kRestartFlag))) return FlagKind::kRestart;
  if (fs::exists(fs::symlink_status(paths_.conf_dir() + "/" + kReloadFlag))) return FlagKind::kReload;
  return std::nullopt;
}

void Init::CheckFlagsPresent() {
  if (auto kind = FlagOnDisk()) flags_.Seen(*kind, Now());
}

void Init::OnInotify(const InotifyEvent& event) {
  spdlog::debug("inotify: {} mask {:#x}", event.name, event.mask);
  if (event.overflowed()) {
    CheckFlagsPresent();
  } else if (event.watch == conf_watch_ && (event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))) {
    // The webmaster removed or replaced conf/: watch the new one (the init is the site's uid).
    spdlog::warn("{} was removed or moved; watching it again", paths_.conf_dir());
    inotify_.Unwatch(conf_watch_);
    conf_watch_ = -1;
    ::mkdir(paths_.conf_dir().c_str(), 0755);
    WatchConf();
    CheckFlagsPresent();
    LoadCrontab();
  } else if (event.name == kReloadFlag && !(event.mask & (IN_DELETE | IN_MOVED_FROM))) {
    flags_.Seen(FlagKind::kReload, Now());
  } else if (event.name == kRestartFlag && !(event.mask & (IN_DELETE | IN_MOVED_FROM))) {
    flags_.Seen(FlagKind::kRestart, Now());
  } else if (event.name == kCrontab && (event.mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM))) {
    LoadCrontab();
  }
  ArmTimer();
}

void Init::LoadCrontab() {
  std::string path = paths_.crontab();
  if (!fs::exists(fs::symlink_status(path))) {
    if (cron_.jobs() > 0) spdlog::info("conf/crontab is gone: no cron jobs");
    cron_.Clear();
    ::unlink(paths_.crontab_error_file().c_str());
    return;
  }
  auto text = ReadSiteControlledFile(path, 64 * 1024);
  Result<CronTable> table = text.ok() ? ParseCronTable(*text, "conf/crontab") : Result<CronTable>(text.error());
  if (!table.ok()) {
    std::string report = "conf/crontab was refused; " +
                         std::string(cron_.jobs() > 0 ? "the jobs loaded before it keep running" : "no cron job runs") +
                         ":\n" + table.error().message() + "\n";
    if (Status written = WriteSiteFile(paths_.crontab_error_file(), report); !written.ok()) spdlog::error("{}", written.ToString());
    spdlog::warn("conf/crontab refused (details in conf/crontab.error): {}", table.error().message());
    return;
  }
  ::unlink(paths_.crontab_error_file().c_str());
  spdlog::info("conf/crontab: {} jobs", table->jobs.size());
  cron_.SetTable(std::move(*table));
}

void Init::ArmTimer() {
  if (exit_code_) return;
  std::optional<TimePoint> wake = flags_.DueAt();
  if (last_reload_at_) {
    TimePoint survived = *last_reload_at_ + options_.late_failure_window;
    if (!wake || survived < *wake) wake = survived;
  }
  if (!wake) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*wake);
  timer_.async_wait([this](boost::system::error_code error) {
    if (!error) OnTimer();
  });
}

void Init::OnTimer() {
  TimePoint now = Now();
  if (last_reload_at_ && now >= *last_reload_at_ + options_.late_failure_window) {
    // The reloaded configuration has proven itself: it becomes the one to fall back on.
    last_reload_at_.reset();
    PromoteCandidate();
  }
  if (auto kind = flags_.Take(now)) {
    // Our own unlink of a flag also raises IN_ATTRIB on it: act only on a flag that is there.
    if (FlagOnDisk()) HandleFlag(*kind);
  }
  ArmTimer();
}

std::optional<std::string> Init::TestConfig() {
  const ServiceSpec* spec = ReloadableService();
  if (!spec || spec->config_test.empty()) return std::nullopt;
  auto run = RunAndCapture({.argv = {"/bin/sh", "-c", spec->config_test}}, 64 * 1024, options_.config_test_timeout);
  if (!run.ok()) return run.error().message() + "\n";
  if (run->status.Succeeded()) return std::nullopt;
  return "$ " + spec->config_test + "\n" + run->output + "(" + run->status.ToString() + ")\n";
}

void Init::FallBack(std::string& report) {
  if (fs::exists(options_.last_good_dir)) {
    fallback_define_ = "-DWEBVPS_LAST_GOOD";
    report += "It was started again with the last configuration that passed its test.\n";
  } else {
    fallback_define_ = "-DWEBVPS_SAFE_MODE";
    report += "No configuration has passed its test yet: it was started without the site's vhosts,\n"
              "serving html/ only. Fix the vhosts, then create conf/apache2.reload.\n";
  }
  spdlog::warn("fallback for the next start: {}", fallback_define_);
}

void Init::SaveLastGood() { SnapshotVhosts(options_.last_good_dir); }

void Init::PromoteCandidate() {
  std::error_code error;
  fs::remove_all(options_.last_good_dir, error);
  fs::rename(CandidateDir(), options_.last_good_dir, error);
  if (error) spdlog::warn("keep the reloaded vhosts as the last good ones: {}", error.message());
}

void Init::SnapshotVhosts(const std::string& target) {
  std::error_code error;
  std::string staging = target + ".new";
  fs::remove_all(staging, error);
  fs::create_directories(staging, error);
  for (const auto& entry : fs::directory_iterator(paths_.vhost_dir(), error)) {
    if (entry.path().extension() == ".vhost" && entry.is_regular_file() && !entry.is_symlink()) {
      fs::copy_file(entry.path(), staging / entry.path().filename(), fs::copy_options::overwrite_existing, error);
    }
  }
  fs::remove_all(target, error);
  fs::rename(staging, target, error);
  if (error) spdlog::warn("keep a copy of the tested vhosts in {}: {}", target, error.message());
}

void Init::HandleFlag(FlagKind kind) {
  TimePoint begin = Now();
  const char* flag = kind == FlagKind::kRestart ? kRestartFlag : kReloadFlag;
  // Remove the flags first: one dropped during the test starts another round.
  ::unlink((paths_.conf_dir() + "/" + kReloadFlag).c_str());
  ::unlink((paths_.conf_dir() + "/" + kRestartFlag).c_str());
  const ServiceSpec* spec = ReloadableService();
  if (spec == nullptr) {
    spdlog::warn("conf/{}: no service takes reloads", flag);
    return;
  }
  if (auto problem = TestConfig()) {
    metrics_.Add("webvps_init_reloads_total", {{"result", "refused"}});
    if (Status status = WriteSiteFile(paths_.reload_error_file(), *problem); !status.ok()) spdlog::error("{}", status.ToString());
    spdlog::warn("conf/{}: refused, the config test failed; {} keeps its current configuration; details in conf/apache2.reload.error",
                 flag, spec->name);
    return;
  }
  ::unlink(paths_.reload_error_file().c_str());
  fallback_define_.clear();
  auto pid = runner_.PidOf(spec->name);
  if (kind == FlagKind::kRestart || !pid || running_fallback_) {
    // The new process's first seconds are a trial like a reload's (see the started hook).
    SnapshotVhosts(CandidateDir());
    restart_on_trial_ = true;
    last_reload_at_.reset();
    runner_.Restart(spec->name);
    spdlog::info("conf/{}: config test passed; restarting {}", flag, spec->name);
  } else {
    // A reload still in its trial window is not promoted: only a configuration that has run for
    // the whole window becomes the one to fall back on.
    SnapshotVhosts(CandidateDir());
    if (Status sent = runner_.Signal(spec->name, spec->reload_signal); !sent.ok()) {
      spdlog::error("reload: {}", sent.error().message());
      return;
    }
    last_reload_at_ = Now();
    spdlog::info("conf/{}: config test passed; graceful reload of {} (pid {}) in {:.0f} ms", flag, spec->name, *pid,
                 Seconds(Now() - begin) * 1000);
  }
  metrics_.Add("webvps_init_reloads_total", {{"result", "done"}});
  metrics_.Set("webvps_init_reload_seconds", Seconds(Now() - begin));
}

}  // namespace webvps::phpserver_init
