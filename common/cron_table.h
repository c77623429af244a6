// The site's crontab (conf/crontab), read by phpserver-init itself (the jobs run as the site's
// uid from PID 1, so no root cron daemon parses a file the webmaster writes) and checked by the
// shell jail's `crontab` before it installs an edit. The format is
// crontab(5)'s for a user (no user field): five time fields or an @keyword, then the command;
// `NAME=value` lines set the environment of the jobs that follow them; `%` ends the command and
// starts its standard input. Pure: text in, a table out; what is due at a minute out.
#pragma once

#include <bitset>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "result.h"

namespace webvps {

/// A minute of local civil time.
struct CivilMinute {
  int year = 1970;
  int month = 1;    ///< 1..12
  int day = 1;      ///< 1..31
  int hour = 0;     ///< 0..23
  int minute = 0;   ///< 0..59
  int weekday = 4;  ///< 0..6, Sunday = 0
};

struct CronJob {
  int line = 0;                  ///< in the crontab, for logs and errors
  bool at_reboot = false;        ///< @reboot: once, when the schedule starts
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;          ///< 1..31
  std::bitset<13> months;        ///< 1..12
  std::bitset<7> weekdays;       ///< 0..6 (7 is folded into 0)
  bool days_restricted = false;  ///< the day-of-month field was not `*`
  bool weekdays_restricted = false;
  std::string command;           ///< for /bin/sh -c
  std::string input;             ///< after the first unescaped %, with % as newlines
  std::vector<std::pair<std::string, std::string>> environment;  ///< the settings above it

  /// crontab(5): when both day fields are restricted, either matching is enough.
  bool Matches(const CivilMinute& when) const;
};

struct CronTable {
  std::vector<CronJob> jobs;
  /// The value of a variable as set last in the file ("" when never), e.g. MAILTO.
  std::string Variable(std::string_view name) const;
  std::vector<std::pair<std::string, std::string>> variables;  ///< every setting, in order
};

/// Limits: a crontab of this many jobs at most, each line this long at most.
inline constexpr size_t kMaxCronJobs = 100;
inline constexpr size_t kMaxCronLine = 4096;

/// Parses a crontab. Any bad line fails the whole table (as crontab(1) does), with one line per
/// problem: "<source>:<line>: <problem>".
Result<CronTable> ParseCronTable(std::string_view text, const std::string& source);

/// The jobs (indices into `table.jobs`) due at `when`; @reboot jobs are never due here.
std::vector<size_t> DueJobs(const CronTable& table, const CivilMinute& when);

}  // namespace webvps
