// The mailer's configuration: where the registry, the site queues and the mailer's own data
// are, how it relays (see relay_settings.h), and its limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "config.h"
#include "mailer/mail_queue.h"
#include "mailer/relay_settings.h"
#include "mailer/retry_schedule.h"
#include "mailer/sender_policy.h"

namespace webvps::mailer {

struct Settings {
  std::string registry = "/home/webvps.yaml";                   ///< registry
  std::string queue_glob = "/home/*/volumes/home/mail/queue";   ///< queues: `*` is the site name
  std::string data_dir = "/var/lib/webvps-mailer";              ///< data_dir: pauses, retries, outbox
  int64_t max_message_bytes = 50 * 1024 * 1024;                 ///< max_message_size (bytes)
  int sessions = 8;                                             ///< smtp.sessions: in parallel
  int messages_per_session = 50;                                ///< smtp.messages_per_session
  std::chrono::seconds smtp_timeout{60};                        ///< smtp.timeout: per reply
  std::string ca_file;                                          ///< smtp.ca_file: extra trusted CA (PEM)
  std::string helo_name;                                        ///< smtp.helo: else the host name
  std::chrono::seconds sent_retention{7 * 86400};               ///< sent_retention: sent/ is kept so long
  std::string sender_rewrite_domain;                            ///< sender_rewrite_domain: empty = off
  std::string alert_from;                                       ///< alert_from: else mailer@<host name>
  std::chrono::seconds rescan_interval{30};                     ///< rescan_interval: safety rescan
  std::chrono::seconds stop_timeout{30};                        ///< stop_timeout: SIGTERM's grace
  std::chrono::seconds parse_grace{60};                         ///< parse_grace: a file that does not parse may still be being written
  std::chrono::seconds failed_retention{30 * 86400};            ///< failed_retention: failed/ is kept so long
  uint64_t failed_max_bytes = 200ull << 20;                     ///< failed_max_size: per site; the oldest go beyond it
  SenderPolicyMode sender_policy = SenderPolicyMode::kRewrite;  ///< sender_policy: rewrite | refuse | off
  QueueLimits limits;                                           ///< limits.recipients_per_message, limits.queued_size,
                                                                ///< limits.held_messages, smtp.relay_retry, smtp.relay_retry_max
  RetryPolicy retry;                                            ///< retry.first_delay, retry.max_delay, retry.give_up_after
  RelaySettings relay;                                          ///< smtp.* or MAILER_SMTP
};

/// Reads every key; `mailer_smtp` is the MAILER_SMTP variable, `read_file` reads the password file.
Settings ReadSettings(ConfigReader& config, const std::optional<std::string>& mailer_smtp = std::nullopt,
                      const std::function<Result<std::string>(const std::string&)>& read_file = nullptr);

}  // namespace webvps::mailer
