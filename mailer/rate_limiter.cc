#include "rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "names.h"

namespace webvps::mailer {
void RateLimiter::Trim(Window& window, const MailLimit& limit, WallTime now) {
  while (!window.entries.empty() && now - window.entries.front().first >= limit.window) {
    window.total -= window.entries.front().second;
    window.entries.pop_front();
  }
}

bool RateLimiter::Record(const std::string& site, const MailLimit& limit, WallTime now, int recipients) {
  Window& window = windows_[site];
  Trim(window, limit, now);
  int weight = std::max(recipients, 1);
  if (!window.entries.empty() && window.entries.back().first == now) {
    window.entries.back().second += weight;
  } else {
    window.entries.emplace_back(now, weight);
  }
  window.total += weight;
  if (Paused(site) || window.total <= limit.limit) return false;
  paused_[site] = SitePause{now, static_cast<int>(std::min<long long>(window.total, 1'000'000'000)), WallTime{}};
  return true;
}

int RateLimiter::CountInWindow(const std::string& site, const MailLimit& limit, WallTime now) {
  Window& window = windows_[site];
  Trim(window, limit, now);
  return static_cast<int>(std::min<long long>(window.total, 1'000'000'000));
}

const SitePause* RateLimiter::Pause(const std::string& site) const {
  auto it = paused_.find(site);
  return it == paused_.end() ? nullptr : &it->second;
}

namespace {

std::string OneLineReason(std::string reason) {
  for (char& c : reason) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return reason;
}

}  // namespace

void RateLimiter::Hold(const std::string& site, WallTime now, const std::string& reason) {
  if (!Paused(site)) paused_[site] = SitePause{now, 0, WallTime{}, reason};
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
            std::to_string(UnixSeconds(pause.last_alert)) + (pause.reason.empty() ? "" : " " + OneLineReason(pause.reason)) + "\n";
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
    if (!(fields >> site >> since >> count >> last_alert) || !IsValidSiteName(site) || !PlausibleUnixSeconds(since) ||
        !PlausibleUnixSeconds(last_alert) || count < 0) {
      return Error("line " + std::to_string(number) + ": expected \"<site> <since> <count> <last_alert>\", got " + QuoteForMessage(line));
    }
    std::string reason;
    std::getline(fields >> std::ws, reason);
    restored[site] = SitePause{FromUnixSeconds(since), count, FromUnixSeconds(last_alert), reason};
  }
  paused_ = std::move(restored);
  return Status::Ok();
}

}  // namespace webvps::mailer
