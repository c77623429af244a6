// When a temporarily failed message (4xx, connection trouble) is tried again: exponential
// backoff, and after a long enough time the message goes to failed/ (never deleted). The
// schedule is derived from the attempt count and the first failure, which the mailer keeps on
// disk next to the message, so it survives a restart.
#pragma once

#include <chrono>

namespace webvps::mailer {

struct RetryPolicy {
  std::chrono::seconds first_delay{30};            ///< after the first failure
  std::chrono::seconds max_delay{3600};            ///< the doubling stops here
  std::chrono::hours give_up_after{24 * 5};        ///< then failed/, with the last reply
};

/// The delay after `failed_attempts` failures (1 = the first): first_delay doubled per further
/// failure, at most max_delay.
std::chrono::seconds RetryDelay(const RetryPolicy& policy, int failed_attempts);

/// Whether a message that first failed at `first_failure` should now go to failed/.
bool ShouldGiveUp(const RetryPolicy& policy, std::chrono::system_clock::time_point first_failure,
                  std::chrono::system_clock::time_point now);

}  // namespace webvps::mailer
