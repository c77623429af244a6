#include "retry_schedule.h"

#include <algorithm>

namespace webvps::mailer {

std::chrono::seconds RetryDelay(const RetryPolicy& policy, int failed_attempts) {
  std::chrono::seconds delay = policy.first_delay;
  for (int i = 1; i < failed_attempts && delay < policy.max_delay; ++i) delay *= 2;
  return std::min(delay, policy.max_delay);
}

bool ShouldGiveUp(const RetryPolicy& policy, std::chrono::system_clock::time_point first_failure,
                  std::chrono::system_clock::time_point now) {
  return now - first_failure >= policy.give_up_after;
}

}  // namespace webvps::mailer
