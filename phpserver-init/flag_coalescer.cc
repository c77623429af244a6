#include "flag_coalescer.h"

#include <algorithm>

namespace webvps::phpserver_init {

void FlagCoalescer::Seen(FlagKind kind, TimePoint now) {
  if (!pending_ || kind == FlagKind::kRestart) pending_ = kind;
  debouncer_.Seen(now);
}

std::optional<TimePoint> FlagCoalescer::DueAt() const { return debouncer_.DueAt(); }

std::optional<FlagKind> FlagCoalescer::Take(TimePoint now) {
  if (!debouncer_.Take(now)) return std::nullopt;
  auto kind = pending_;
  pending_.reset();
  return kind;
}

}  // namespace webvps::phpserver_init
