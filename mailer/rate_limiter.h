// The per-site mail limit: a sliding window (default more than 200 recipients in 120 s) counted
// when mail enters the queue: a message counts once per recipient, so one message to 5,000
// people is 5,000 mails, not one. Crossing it pauses the site; while paused, an alert is due at once and
// then every 24 hours, until someone resumes the site. Pure: it is handed the time, and its
// state can be written to disk and read back so that a pause survives a restart.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry.h"
#include "result.h"

namespace webvps::mailer {

using WallTime = std::chrono::system_clock::time_point;

/// The mailer's files on disk keep times as Unix seconds.
inline long long UnixSeconds(WallTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}
inline WallTime FromUnixSeconds(long long seconds) { return WallTime(std::chrono::seconds(seconds)); }
/// The times a record may hold: 1970 up to 2200, where nanoseconds since 1970 (the clock's
/// unit) stay far from overflowing when durations are added.
inline constexpr long long kMaxUnixSeconds = 7'258'118'400;
inline bool PlausibleUnixSeconds(long long seconds) { return seconds >= 0 && seconds <= kMaxUnixSeconds; }

struct SitePause {
  WallTime since{};       ///< when the limit was crossed
  int count = 0;          ///< mails in the window at that moment
  WallTime last_alert{};  ///< epoch: no alert sent yet
  std::string reason;     ///< a pause not by the window nor by hand: why (a cap of the queue)
  bool operator==(const SitePause&) const = default;
};

class RateLimiter {
 public:
  explicit RateLimiter(std::chrono::hours alert_interval = std::chrono::hours(24)) : alert_interval_(alert_interval) {}

  /// Counts a message of `recipients` recipients queued by `site`. Returns true when it pauses the site.
  bool Record(const std::string& site, const MailLimit& limit, WallTime now, int recipients = 1);

  bool Paused(const std::string& site) const { return paused_.contains(site); }
  const SitePause* Pause(const std::string& site) const;
  /// Pauses by hand (`mailer hold`).
  void Hold(const std::string& site, WallTime now, const std::string& reason = "");
  /// Lifts a pause (`mailer resume`) and forgets the window, so held mail does not pause it again.
  bool Resume(const std::string& site);

  /// Sites whose alert is due now (just paused, or 24 h since the last one).
  std::vector<std::string> AlertsDue(WallTime now) const;
  void AlertSent(const std::string& site, WallTime now);

  /// Recipients of `site`'s mail in its current window.
  int CountInWindow(const std::string& site, const MailLimit& limit, WallTime now);

  /// The pauses as text, one line per site: "<site> <since> <count> <last_alert> [reason]" (Unix seconds).
  std::string SerializePauses() const;
  /// Reads SerializePauses() output back; the error names the line.
  Status RestorePauses(const std::string& text);

 private:
  struct Window {
    std::deque<std::pair<WallTime, int>> entries;  ///< when, how many recipients
    long long total = 0;
  };
  void Trim(Window& window, const MailLimit& limit, WallTime now);

  std::chrono::hours alert_interval_;
  std::map<std::string, Window> windows_;
  std::map<std::string, SitePause> paused_;
};

}  // namespace webvps::mailer
