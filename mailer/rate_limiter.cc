#include "rate_limiter.h"

#include <charconv>
#include <sstream>

#include "names.h"

namespace webvps::mailer {
void RateLimiter::Trim(std::deque<WallTime>& times, const MailLimit& limit, WallTime now) {
  while (!times.empty() && now - times.front() >= limit.window) times.pop_front();
}

bool RateLimiter::Record(const std::string& site, const MailLimit& limit, WallTime now) {
  auto& times = windows_[site];
  Trim(times, limit, now);
  times.push_back(now);
  if (Paused(site) || static_cast<int>(times.size()) <= limit.limit) return false;
  paused_[site] = SitePause{now, static_cast<int>(times.size()), WallTime{}};
  return true;
}

int RateLimiter::CountInWindow(const std::string& site, const MailLimit& limit, WallTime now) {
  auto& times = windows_[site];
  Trim(times, limit, now);
  return static_cast<int>(times.size());
}

const SitePause* RateLimiter::Pause(const std::string& site) const {
  auto it = paused_.find(site);
  return it == paused_.end() ? nullptr : &it->second;
}

void RateLimiter::Hold(const std::string& site, WallTime now) {
  if (!Paused(site)) paused_[site] = SitePause{now, 0, WallTime{}};
}

bool RateLimiter::Resume(const std::string& site) {
  windows_.erase(site);
  return paused_.erase(site) > 0;
}

std::vector<std::string> RateLimiter::AlertsDue(WallTime now) const {
  std::vector<std::string> due;
  for (const auto& [site, pause] : paused_) {
    if (pause.last_alert == WallTime{} || now - pause.last_alert >= alert_interval_) due.push_back(site);
  }
  return due;
}

void RateLimiter::AlertSent(const std::string& site, WallTime now) {
  if (auto it = paused_.find(site); it != paused_.end()) it->second.last_alert = now;
}

std::string RateLimiter::SerializePauses() const {
  std::string text;
  for (const auto& [site, pause] : paused_) {
    text += site + " " + std::to_string(UnixSeconds(pause.since)) + " " + std::to_string(pause.count) + " " +
            std::to_string(UnixSeconds(pause.last_alert)) + "\n";
  }
  return text;
}

Status RateLimiter::RestorePauses(const std::string& text) {
  std::map<std::string, SitePause> restored;
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string site;
    long long since = 0, last_alert = 0;
    int count = 0;
    if (!(fields >> site >> since >> count >> last_alert) || !IsValidSiteName(site)) {
      return Error("line " + std::to_string(number) + ": expected \"<site> <since> <count> <last_alert>\", got " + QuoteForMessage(line));
    }
    restored[site] = SitePause{FromUnixSeconds(since), count, FromUnixSeconds(last_alert)};
  }
  paused_ = std::move(restored);
  return Status::Ok();
}

}  // namespace webvps::mailer
