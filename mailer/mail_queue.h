// The mailer's decisions, as a pure model: which queued messages exist and in what state, which
// may enter (the per-message recipient cap, the site's queued-bytes cap, the cap on mail held
// while paused, the sliding window of recipients), which go out next and in which sessions (round
// robin over the sites, the ready mail spread over the free sessions), and what each outcome
// means: filed as sent the moment its last recipient is accepted, retried with backoff, failed
// with its reason, or handed back untried when the relay itself was the problem. A relay problem
// (it refuses the session or the password, TLS fails, it is unreachable) never counts against a
// message: the relay backs off as a whole, and the admin hears of it once per outage. Time is
// passed in; the service does the file work the model asks for.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mailer/delivery.h"
#include "mailer/rate_limiter.h"
#include "mailer/retry_schedule.h"
#include "registry.h"

namespace webvps::mailer {

struct QueueLimits {
  int recipients_per_message = 100;          ///< limits.recipients_per_message: more fails the message
  uint64_t queued_bytes = 200ull << 20;      ///< limits.queued_bytes: a site's queue/ beyond this refuses new mail
  int held_messages = 1000;                  ///< limits.held_messages: mail held while paused beyond this is refused
  std::chrono::seconds relay_first_delay{15};  ///< a relay problem: first wait before trying again...
  std::chrono::seconds relay_max_delay{600};   ///< ... doubling up to this
};

/// The key of a queued message.
struct MessageKey {
  std::string site;  ///< the site, or kInternalSite for the mailer's own mail
  std::string name;  ///< the file's name in queue/
  auto operator<=>(const MessageKey&) const = default;
};

/// The mailer's own mail (alerts, bounces): never limited, paused or held by the registry.
inline const std::string kInternalSite = "(mailer)";

class MailQueue {
 public:
  MailQueue(QueueLimits limits, RetryPolicy retry, int sessions, int messages_per_session);

  /// Which sites the registry holds, with their limits. Mail of a site it does not hold stays
  /// queued, not relayed, until it does again; without a registry, no site's mail is relayed
  /// (whom a site may send as is in it).
  void SetRegistry(const Registry* registry);
  const Registry* registry() const { return registry_; }
  MailLimit LimitOf(const std::string& site) const;
  bool Registered(const std::string& site) const;

  /// What to do with a new file in a queue.
  struct Admission {
    enum class Verdict { kAccepted, kRefused } verdict = Verdict::kAccepted;
    std::string reason;   ///< why it was refused: written next to it in failed/
    bool paused = false;  ///< it paused the site (an alert is due)
  };
  /// A message appeared: `recipients` of its envelope, `size` bytes. `count` is false for mail
  /// found by a scan of older files (a restart): it does not count against the window again.
  Admission Arrive(const MessageKey& key, int recipients, uint64_t size, bool count, WallTime now);
  /// The same message read again when it is dispatched (the site may have rewritten it): more
  /// recipients than it came with count against the window too, and the cap applies again.
  Admission Recheck(const MessageKey& key, int recipients, uint64_t size, WallTime now);
  /// Gone from queue/ (sent, failed, removed by hand); forgets it and its retry record.
  void Forget(const MessageKey& key);
  /// Known already.
  bool Knows(const MessageKey& key) const { return messages_.contains(key); }
  bool InFlight(const MessageKey& key) const;
  uint64_t SizeOf(const MessageKey& key) const;
  /// The messages of a site.
  std::vector<MessageKey> KeysOf(const std::string& site) const;
  /// Not before `when` (a file still being written, or read trouble).
  void Postpone(const MessageKey& key, WallTime when);
  /// The retry record loaded from disk for a message (after a restart).
  void Restore(const MessageKey& key, const RetryRecord& record);
  /// Delivered or failed already but not yet moved out of queue/ (see the service's journal):
  /// never sent again.
  void MarkFiled(const MessageKey& key);

  /// The next sessions' messages: at most `free_sessions` batches, none when the relay backs off.
  std::vector<std::vector<MessageKey>> Dispatch(int free_sessions, WallTime now);

  /// What to do with a message after an attempt.
  struct Filing {
    enum class Kind { kSent, kDeferred, kFailed } kind = Kind::kDeferred;
    std::string reason;                    ///< kFailed: for failed/
    std::vector<RecipientReply> refused;   ///< recipients refused for good (a bounce names them)
    RetryRecord record;                    ///< kDeferred: the updated record, to save
    bool gave_up = false;
  };
  Filing Attempted(const MessageKey& key, const AttemptReport& report, WallTime now);
  /// A message the session did not get to: ready again, nothing counted.
  void Untried(const MessageKey& key);

  /// The relay refused or failed the session itself. Returns true when this starts an outage
  /// (the admin's alert and the log line are due once).
  bool RelayFailed(const SmtpReply& reply, const std::string& phase, WallTime now);
  /// A session worked: returns true when it ends an outage.
  bool RelayWorked(WallTime now);
  struct RelayState {
    bool down = false;
    WallTime since{};
    WallTime next_try{};
    int failures = 0;
    std::string last_problem;
  };
  const RelayState& relay() const { return relay_; }

  /// When Dispatch may have something again (a backoff ends, the relay may be tried).
  std::optional<WallTime> NextWake(WallTime now) const;

  RateLimiter& limiter() { return limiter_; }
  const RateLimiter& limiter() const { return limiter_; }

  struct SiteCounts {
    size_t queued = 0;     ///< files in queue/ known
    size_t deferred = 0;   ///< with a retry record
    size_t in_flight = 0;
    uint64_t bytes = 0;
  };
  SiteCounts CountsOf(const std::string& site) const;
  std::set<std::string> Sites() const;
  const RetryRecord* RetryOf(const MessageKey& key) const;
  /// The retry records of a site, to save.
  RetryRecords RetriesOf(const std::string& site) const;

 private:
  struct Entry {
    int recipients = 0;
    uint64_t size = 0;
    bool in_flight = false;
    bool filed = false;
    WallTime not_before{};
    std::optional<RetryRecord> retry;
  };
  bool Sendable(const MessageKey& key, const Entry& entry, WallTime now) const;

  QueueLimits limits_;
  RetryPolicy retry_;
  int sessions_;
  int messages_per_session_;
  const Registry* registry_ = nullptr;
  RateLimiter limiter_;
  std::map<MessageKey, Entry> messages_;
  std::map<std::string, uint64_t> bytes_;  ///< queued bytes per site
  std::string cursor_;                     ///< round robin: the site served first last time
  RelayState relay_;
};

}  // namespace webvps::mailer
