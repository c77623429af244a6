#include "flag_coalescer.h"

#include <algorithm>

namespace webvps::phpserver_init {

void FlagCoalescer::Seen(FlagKind kind, TimePoint now) {
  if (!pending_) {
    first_ = now;
    pending_ = kind;
  } else if (kind == FlagKind::kRestart) {
    pending_ = FlagKind::kRestart;
  }
  last_ = now;
}

std::optional<TimePoint> FlagCoalescer::DueAt() const {
  if (!pending_) return std::nullopt;
  return std::min(last_ + quiet_, first_ + max_delay_);
}

std::optional<FlagKind> FlagCoalescer::Take(TimePoint now) {
  auto due = DueAt();
  if (!due || now < *due) return std::nullopt;
  auto kind = pending_;
  pending_.reset();
  return kind;
}

}  // namespace webvps::phpserver_init
