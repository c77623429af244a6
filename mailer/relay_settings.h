// Where the mailer relays: the original's MAILER_SMTP variable, kept for compatibility, or the
// YAML keys smtp.host, smtp.port, smtp.tls, smtp.user, smtp.password_file. The password itself
// is never in the YAML and never logged.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config.h"
#include "result.h"

namespace webvps::mailer {

enum class TlsMode { kNone, kStartTls, kTls };
std::string_view TlsModeName(TlsMode mode);

struct RelaySettings {
  std::string host;  ///< empty: no relay, deliver into the local outbox
  int port = 25;
  TlsMode tls = TlsMode::kNone;
  std::string user;      ///< empty: no AUTH
  std::string password;  ///< from MAILER_SMTP or the password file; never logged

  bool configured() const { return !host.empty(); }
  /// "relay.example.org:587 (starttls, user mailer)", without the password.
  std::string Describe() const;
};

/// Parses MAILER_SMTP=host:port:user:password:no|ssl:no|starttls. The password may itself
/// contain ':' (the fields around it are fixed); the host may be "[IPv6]". Errors never quote
/// the password.
Result<RelaySettings> ParseMailerSmtp(std::string_view value);

/// Reads smtp.* from the config (the password through `read_password_file`), then MAILER_SMTP
/// when set, which wins, as it did in the original.
RelaySettings ReadRelaySettings(ConfigReader& config, const std::optional<std::string>& mailer_smtp,
                                const std::function<Result<std::string>(const std::string&)>& read_password_file);

}  // namespace webvps::mailer
