// The site's cron, run by PID 1 after it has become the site's uid: at every minute of the
// local clock the due jobs of the crontab start (`/bin/sh -c`, in their own process group, with
// crontab(5)'s small environment plus the file's settings), and when one ends its output goes
// where the crontab says: mailed through the site's sendmail to MAILTO, dropped for MAILTO="",
// else appended to logs/cron.log. A job still running when it is due again is not started a
// second time (logged), and at most `max_running` jobs run at once.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cron_table.h"
#include "metrics.h"
#include "process.h"

namespace webvps::phpserver_init {

struct CronRunnerOptions {
  std::string user = "www-data";               ///< LOGNAME and USER of the jobs
  std::string home = "/var/www";               ///< HOME and the working directory
  std::string host;                            ///< for the mail subject
  std::string log_file = "/var/www/logs/cron.log";
  std::string sendmail = "/usr/sbin/sendmail";
  size_t max_output = 64 * 1024;               ///< per job; the rest is counted, not kept
  uint64_t max_log_bytes = 10 * 1024 * 1024;   ///< then cron.log becomes cron.log.1
  int max_running = 8;
};

class CronRunner {
 public:
  CronRunner(boost::asio::io_context& io, CronRunnerOptions options, Metrics& metrics);
  ~CronRunner();

  /// Replaces the schedule. The first table given runs its @reboot jobs.
  void SetTable(CronTable table);
  /// No jobs any more (conf/crontab removed).
  void Clear();
  /// Asks every running job's process group to end (SIGTERM); no new job starts.
  void Stop();
  /// A child of the init ended: true when it was one of the jobs (or a mail of their output).
  bool Reaped(pid_t pid, const ExitStatus& status);

  size_t jobs() const { return table_ ? table_->jobs.size() : 0; }

 private:
  struct Running {
    size_t job = 0;
    int line = 0;
    std::string program;  ///< the command's first word, for the log: never the whole command
    std::chrono::steady_clock::time_point started;
    std::chrono::system_clock::time_point started_wall;
    std::unique_ptr<boost::asio::posix::stream_descriptor> output;
    std::string captured;
    uint64_t dropped = 0;
    bool output_done = false;
    std::optional<ExitStatus> status;
    bool is_mail = false;
  };

  void ArmTimer();
  void OnMinute();
  void StartJob(size_t index, const char* why);
  void ReadOutput(pid_t pid);
  void MaybeFinish(pid_t pid);
  void Deliver(const Running& run);
  void AppendToLog(const Running& run, const std::string& text);

  boost::asio::io_context& io_;
  CronRunnerOptions options_;
  Metrics& metrics_;
  boost::asio::steady_timer timer_;
  std::optional<CronTable> table_;
  bool rebooted_ = false;
  bool stopping_ = false;
  std::optional<int64_t> last_minute_;  ///< the last minute (since the epoch) looked at
  std::map<pid_t, Running> running_;
};

}  // namespace webvps::phpserver_init
