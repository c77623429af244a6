#include "settings.h"

#include "atomic_file.h"
#include "mailer/queue_glob.h"
#include "names.h"

namespace webvps::mailer {
namespace {

std::chrono::seconds Seconds(ConfigReader& config, const std::string& key, std::chrono::seconds fallback) {
  return std::chrono::duration_cast<std::chrono::seconds>(config.Duration(key, fallback));
}

}  // namespace

Settings ReadSettings(ConfigReader& config, const std::optional<std::string>& mailer_smtp,
                      const std::function<Result<std::string>(const std::string&)>& read_file) {
  Settings settings;
  settings.registry = config.String("registry", settings.registry);
  settings.queue_glob = config.String("queues", settings.queue_glob);
  if (auto glob = QueueGlob::Parse(settings.queue_glob); !glob.ok()) {
    config.Reject("queues", glob.error().message());
  }
  settings.data_dir = config.String("data_dir", settings.data_dir);
  settings.max_message_bytes = config.Integer("max_message_size", settings.max_message_bytes, 1024, int64_t{1} << 34);
  settings.sessions = static_cast<int>(config.Integer("smtp.sessions", settings.sessions, 1, 64));
  settings.messages_per_session =
      static_cast<int>(config.Integer("smtp.messages_per_session", settings.messages_per_session, 1, 10000));
  settings.smtp_timeout = Seconds(config, "smtp.timeout", settings.smtp_timeout);
  settings.ca_file = config.String("smtp.ca_file", "");
  settings.helo_name = config.String("smtp.helo", "");
  if (!settings.helo_name.empty()) {
    if (auto problem = HostNameProblem(settings.helo_name)) config.Reject("smtp.helo", *problem);
  }
  settings.sent_retention = Seconds(config, "sent_retention", settings.sent_retention);
  settings.failed_retention = Seconds(config, "failed_retention", settings.failed_retention);
  settings.failed_max_bytes = static_cast<uint64_t>(
      config.Integer("failed_max_size", static_cast<int64_t>(settings.failed_max_bytes), 0, int64_t{1} << 40));
  std::string policy = config.Choice("sender_policy", "rewrite", {"rewrite", "refuse", "off"});
  settings.sender_policy = policy == "refuse" ? SenderPolicyMode::kRefuse
                           : policy == "off"  ? SenderPolicyMode::kOff
                                              : SenderPolicyMode::kRewrite;
  settings.limits.recipients_per_message = static_cast<int>(
      config.Integer("limits.recipients_per_message", settings.limits.recipients_per_message, 1, 100000));
  settings.limits.queued_bytes = static_cast<uint64_t>(
      config.Integer("limits.queued_size", static_cast<int64_t>(settings.limits.queued_bytes), 1024, int64_t{1} << 40));
  settings.limits.held_messages =
      static_cast<int>(config.Integer("limits.held_messages", settings.limits.held_messages, 1, 10000000));
  settings.limits.relay_first_delay = Seconds(config, "smtp.relay_retry", settings.limits.relay_first_delay);
  settings.limits.relay_max_delay = Seconds(config, "smtp.relay_retry_max", settings.limits.relay_max_delay);
  if (settings.limits.relay_first_delay < std::chrono::seconds(1)) config.Reject("smtp.relay_retry", "must be at least 1s");
  if (settings.limits.relay_max_delay < settings.limits.relay_first_delay) {
    config.Reject("smtp.relay_retry_max", "must not be below smtp.relay_retry");
  }
  settings.sender_rewrite_domain = LowerCase(config.String("sender_rewrite_domain", ""));
  if (!settings.sender_rewrite_domain.empty()) {
    if (auto problem = HostNameProblem(settings.sender_rewrite_domain)) config.Reject("sender_rewrite_domain", *problem);
  }
  settings.alert_from = config.String("alert_from", "");
  if (!settings.alert_from.empty()) {
    if (auto problem = EmailProblem(settings.alert_from)) config.Reject("alert_from", *problem);
  }
  settings.rescan_interval = Seconds(config, "rescan_interval", settings.rescan_interval);
  if (settings.rescan_interval < std::chrono::seconds(1)) config.Reject("rescan_interval", "must be at least 1s");
  settings.stop_timeout = Seconds(config, "stop_timeout", settings.stop_timeout);
  settings.parse_grace = Seconds(config, "parse_grace", settings.parse_grace);
  settings.retry.first_delay = Seconds(config, "retry.first_delay", settings.retry.first_delay);
  settings.retry.max_delay = Seconds(config, "retry.max_delay", settings.retry.max_delay);
  settings.retry.give_up_after = std::chrono::duration_cast<std::chrono::hours>(
      config.Duration("retry.give_up_after", settings.retry.give_up_after));
  if (settings.retry.first_delay < std::chrono::seconds(1)) config.Reject("retry.first_delay", "must be at least 1s");
  if (settings.retry.max_delay < settings.retry.first_delay) config.Reject("retry.max_delay", "must not be below retry.first_delay");
  auto reader = read_file ? read_file : [](const std::string& path) { return ReadFile(path); };
  settings.relay = ReadRelaySettings(config, mailer_smtp, reader);
  return settings;
}

}  // namespace webvps::mailer
