// Flag files the webmaster drops into conf/: `apache2.reload` and `apache2.restart`. A burst
// of flags (an editor saving, a deploy script touching both) becomes one action, taken after a
// short quiet period, or at the latest max_delay after the first flag.
#pragma once

#include <chrono>
#include <optional>

#include "debouncer.h"
#include "supervisor.h"

namespace webvps::phpserver_init {

enum class FlagKind { kReload, kRestart };

class FlagCoalescer {
 public:
  FlagCoalescer(std::chrono::milliseconds quiet, std::chrono::milliseconds max_delay) : debouncer_(quiet, max_delay) {}

  /// A flag appeared. A restart absorbs reloads (it re-reads the config too).
  void Seen(FlagKind kind, TimePoint now);
  /// When Take() will return the pending action; nullopt when nothing is pending.
  std::optional<TimePoint> DueAt() const;
  /// The action to take now, if due; clears it.
  std::optional<FlagKind> Take(TimePoint now);

 private:
  Debouncer debouncer_;
  std::optional<FlagKind> pending_;
};

}  // namespace webvps::phpserver_init
