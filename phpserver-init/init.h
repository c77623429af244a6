// The init's event loop: PID-1 duties (reap every child, forward signals, exit with the main
// service's status), the supervisor's actions carried out, and the flag files in conf/ watched.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <optional>
#include <string>

#include "cron_runner.h"
#include "flag_coalescer.h"
#include "inotify.h"
#include "metrics.h"
#include "site_config.h"
#include "service_runner.h"
#include "site_setup.h"

namespace webvps::phpserver_init {

struct InitOptions {
  std::chrono::milliseconds stop_deadline{8000};     ///< then SIGKILL; Docker waits 10 s
  std::chrono::milliseconds flag_quiet{30};          ///< coalescing window for flag bursts
  std::chrono::milliseconds flag_max_delay{200};
  std::chrono::milliseconds late_failure_window{5000};  ///< a reloaded service dying this soon failed the reload
  std::string last_good_dir = "/var/lib/webvps/apache2-good";  ///< copies of the last vhosts that passed the test
  std::chrono::milliseconds config_test_timeout{10'000};  ///< a test blocked on a FIFO the site planted ends here
  CronRunnerOptions cron;
};

class Init {
 public:
  Init(boost::asio::io_context& io, std::vector<ServiceSpec> services, SiteEnvironment site, SitePaths paths,
       InitOptions options, Metrics& metrics);

  /// Starts the services and runs until they are stopped; returns the container's exit code.
  int Run();

  /// For /healthz: the main service is running.
  bool Healthy() const;

 private:
  ServiceRunner::Hooks RunnerHooks();
  void WaitForSignals();
  void OnSignal(int signal);
  /// A service ended: a reloaded one that died in its trial window failed its reload.
  void OnServiceExited(const std::string& service, const ExitStatus& status);
  void OnInotify(const InotifyEvent& event);
  void WatchConf();
  /// The flag in conf/ now, restart first; nullopt when there is none.
  std::optional<FlagKind> FlagOnDisk() const;
  void CheckFlagsPresent();
  /// (Re)loads conf/crontab into the cron; a bad one keeps the last good table and says why in
  /// conf/crontab.error.
  void LoadCrontab();
  void ArmTimer();
  void OnTimer();
  void HandleFlag(FlagKind kind);
  /// Runs the reloadable service's config test; nullopt when it passed, else its output.
  std::optional<std::string> TestConfig();
  /// Copies the site's vhosts (regular files only) to `target`, replacing it.
  void SnapshotVhosts(const std::string& target);
  void SaveLastGood();
  /// Chooses the fallback after a failed test or reload, and says which in `report`.
  void FallBack(std::string& report);
  /// The vhosts of the reload in its trial window become the last good ones.
  void PromoteCandidate();
  std::string CandidateDir() const { return options_.last_good_dir + ".candidate"; }
  const ServiceSpec* ReloadableService() const;
  std::chrono::steady_clock::time_point Now() const { return std::chrono::steady_clock::now(); }

  boost::asio::io_context& io_;
  SiteEnvironment site_;
  SitePaths paths_;
  InitOptions options_;
  Metrics& metrics_;
  boost::asio::signal_set signals_;
  ServiceRunner runner_;
  boost::asio::steady_timer timer_;
  InotifyWatcher inotify_;
  int conf_watch_ = -1;
  FlagCoalescer flags_;
  CronRunner cron_;
  std::optional<TimePoint> last_reload_at_;
  /// How the reloadable service is started: on the site's vhosts (""), on the last good ones
  /// ("-DWEBVPS_LAST_GOOD"), or on none ("-DWEBVPS_SAFE_MODE") when no configuration passed.
  std::string fallback_define_;
  bool running_fallback_ = false;  ///< it runs on a fallback now: a reload must be a restart
  bool restart_on_trial_ = false;   ///< a flag-driven restart: its new process starts a trial window
  std::atomic<bool> healthy_ = false;  ///< read by the status endpoint's thread
  std::optional<int> exit_code_;
};

}  // namespace webvps::phpserver_init
