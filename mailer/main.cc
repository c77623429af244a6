// mailer: relays the mail every site queues, over SMTP, with a per-site rate limit. With a
// command (status, hold SITE, resume SITE) it talks to the running mailer instead.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <spdlog/spdlog.h>

#include "mailer/control.h"
#include "mailer/mailer_service.h"
#include "mailer/settings.h"
#include "mailer/transport.h"
#include "atomic_file.h"
#include "program.h"
#include "registry.h"

namespace {

using namespace webvps;
using namespace webvps::mailer;

std::optional<std::string> MailerSmtpVariable() {
  const char* value = std::getenv("MAILER_SMTP");
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// MAILER_SMTP_FILE: the same value in a file (a secret mounted read-only), so that the relay's
// password is never in the container's environment, which `docker inspect` shows. A missing
// file means no relay; MAILER_SMTP, when set, wins.
bool LoadMailerSmtpFile() {
  const char* path = std::getenv("MAILER_SMTP_FILE");
  if (path == nullptr || *path == '\0' || MailerSmtpVariable()) return true;
  struct stat info {};
  if (::stat(path, &info) != 0 && errno == ENOENT) return true;
  auto content = ReadFile(path);
  if (!content.ok()) {
    std::cerr << "mailer: MAILER_SMTP_FILE: " << content.error().message() << "\n";
    return false;
  }
  while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) content->pop_back();
  ::setenv("MAILER_SMTP", content->c_str(), 1);
  return true;
}

// Every message in flight keeps its queue file open (8 sessions of 50): the soft limit goes up to the hard one.
void RaiseFileLimit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

class Mailer final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { settings_ = ReadSettings(config, MailerSmtpVariable()); }

  std::vector<std::string> Check() override {
    std::vector<std::string> problems = CheckRegistryFile(settings_.registry);
    if (settings_.relay.configured()) {
      if (auto tls = MakeTlsContext(settings_.ca_file); !tls.ok()) problems.push_back(tls.error().message());
    }
    return problems;
  }

  int Run(const ProgramContext& context) override {
    if (!context.command_line.arguments.empty()) return RunCommand(context.command_line.arguments);
    RaiseFileLimit();
    boost::asio::io_context io;
    Result<std::unique_ptr<Transport>> transport = settings_.relay.configured()
                                                       ? MakeSmtpTransport(io, SmtpOptionsOf())
                                                       : MakeOutboxTransport(io, settings_.data_dir + "/outbox");
    if (!transport.ok()) {
      spdlog::critical("{}", transport.error().message());
      return 2;
    }
    if (!settings_.relay.configured()) {
      spdlog::warn("no relay configured (smtp.host or MAILER_SMTP): every message goes to the local outbox {}/outbox/new",
                   settings_.data_dir);
    }
    Metrics metrics;
    MailerService service(io, settings_, std::move(*transport), metrics);
    if (Status started = service.Start(); !started.ok()) {
      spdlog::critical("cannot start: {}", started.error().message());
      return 1;
    }
    StatusServer status(metrics, [&service] { return service.Health(); });
    int code = RunServiceLoop(io, context.common, status, [&service](int) { service.Stop(); });
    spdlog::info("stopped");
    return code;
  }

 private:
  SmtpOptions SmtpOptionsOf() const {
    return SmtpOptions{settings_.relay, settings_.helo_name, settings_.ca_file, static_cast<int>(settings_.smtp_timeout.count())};
  }

  int RunCommand(const std::vector<std::string>& arguments) {
    auto request = ControlRequestFor(arguments);
    if (!request.ok()) {
      std::cerr << "mailer: " << request.error().message() << "\n";
      return 2;
    }
    auto reply = SendControlRequest(settings_.data_dir + "/control.sock", *request, "mailer");
    if (!reply.ok()) {
      std::cerr << "mailer: " << reply.error().message() << "\n";
      return 1;
    }
    (reply->ok ? std::cout : std::cerr) << reply->text;
    return reply->ok ? 0 : 1;
  }

  Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  // One thread: one malloc arena is all it needs, and it keeps the resident set small.
  mallopt(M_ARENA_MAX, 1);
  ProgramSpec spec{
      .name = "mailer",
      .summary = "Relays the mail every site queues, over SMTP, with a per-site rate limit.",
      .synopsis = "mailer [OPTIONS] [status | hold SITE | resume SITE]",
      .env_prefix = "WEBVPS_MAILER_",
      .default_config_path = "/etc/webvps/mailer.yaml",
      .extra_options = {},
      .details =
          "Commands (to the running mailer, e.g. through docker exec):\n"
          "  status          the queues, the rate windows and the paused sites, as a table\n"
          "  hold SITE       pause a site's mail by hand\n"
          "  resume SITE     lift a pause; the held mail is sent\n"
          "Keys: registry, queues, data_dir, max_message_size, sent_retention, failed_retention,\n"
          "failed_max_size, sender_policy (rewrite|refuse|off), sender_rewrite_domain, alert_from,\n"
          "limits.recipients_per_message, limits.queued_size, limits.held_messages, rescan_interval,\n"
          "stop_timeout, parse_grace, retry.first_delay, retry.max_delay, retry.give_up_after, smtp.host,\n"
          "smtp.port, smtp.tls (none|tls|starttls), smtp.user, smtp.password_file, smtp.ca_file, smtp.helo,\n"
          "smtp.timeout, smtp.sessions, smtp.messages_per_session, smtp.relay_retry, smtp.relay_retry_max,\n"
          "status.address, log.level, log.format.\n"
          "MAILER_SMTP=host:port:user:password:no|ssl:no|starttls overrides smtp.*; MAILER_SMTP_FILE names a file\n"
          "holding that value instead (kept out of the container's environment).\n",
  };
  if (!LoadMailerSmtpFile()) return 2;
  Mailer program;
  return RunProgram(spec, argc, argv, program);
}
