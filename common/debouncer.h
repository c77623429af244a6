// Turning a burst of changes into one action: the action is due after a quiet period with no
// further change, or at the latest a maximum delay after the first change of the burst. Pure:
// it is handed the time. phpserver-init's flag files and proxy-gen's Docker events use it.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace webvps {

class Debouncer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  Debouncer(std::chrono::milliseconds quiet, std::chrono::milliseconds max_delay) : quiet_(quiet), max_delay_(max_delay) {}

  /// A change happened.
  void Seen(TimePoint now) {
    if (!pending_) first_ = now;
    pending_ = true;
    last_ = now;
  }
  bool pending() const { return pending_; }
  /// When the action is due; nullopt when nothing is pending.
  std::optional<TimePoint> DueAt() const {
    if (!pending_) return std::nullopt;
    return std::min(last_ + quiet_, first_ + max_delay_);
  }
  /// True (once) when the action is due at `now`.
  bool Take(TimePoint now) {
    auto due = DueAt();
    if (!due || now < *due) return false;
    pending_ = false;
    return true;
  }

 private:
  std::chrono::milliseconds quiet_;
  std::chrono::milliseconds max_delay_;
  bool pending_ = false;
  TimePoint first_{};
  TimePoint last_{};
};

}  // namespace webvps
