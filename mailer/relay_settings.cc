#include "relay_settings.h"

#include <cctype>
#include <charconv>
#include <functional>
#include <vector>

#include "names.h"

namespace webvps::mailer {
namespace {

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    fields.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields;
}

std::optional<std::string> RelayHostProblem(const std::string& host) {
  if (host.starts_with("[") && host.ends_with("]")) {
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return "bad IPv6 address";
    }
    return std::nullopt;
  }
  return HostNameProblem(host);
}

}  // namespace

std::string_view TlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kNone: return "none";
    case TlsMode::kStartTls: return "starttls";
    case TlsMode::kTls: return "tls";
  }
  return "none";
}

std::string RelaySettings::Describe() const {
  if (!configured()) return "no relay (local outbox)";
  return host + ":" + std::to_string(port) + " (" + std::string(TlsModeName(tls)) +
         (user.empty() ? ", no auth" : ", user " + user) + ")";
}

Result<RelaySettings> ParseMailerSmtp(std::string_view value) {
  const std::string kFormat = "MAILER_SMTP: expected host:port:user:password:no|ssl:no|starttls";
  std::string text(value);
  std::string host;
  if (text.starts_with("[")) {  // [IPv6]:port:...
    size_t close = text.find("]:");
    if (close == std::string::npos) return Error(kFormat + " (unclosed '[')");
    host = text.substr(0, close + 1);
    text = "x" + text.substr(close + 1);
  }
  std::vector<std::string> fields = Split(text, ':');
  if (fields.size() < 6) return Error(kFormat + " (" + std::to_string(fields.size()) + " fields)");
  RelaySettings relay;
  relay.host = host.empty() ? LowerCase(fields[0]) : host;
  if (auto problem = RelayHostProblem(relay.host)) return Error("MAILER_SMTP: host " + QuoteForMessage(relay.host) + ": " + *problem);
  const std::string& port = fields[1];
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), relay.port);
  if (error != std::errc() || end != port.data() + port.size() || relay.port < 1 || relay.port > 65535) {
    return Error("MAILER_SMTP: port " + QuoteForMessage(port) + ": expected 1 to 65535");
  }
  relay.user = fields[2];
  const std::string& ssl = fields[fields.size() - 2];
  const std::string& starttls = fields[fields.size() - 1];
  for (size_t i = 3; i + 2 < fields.size(); ++i) relay.password += (i > 3 ? ":" : "") + fields[i];
  // These two fields come after the password, which may hold ':': a field missing shifts part of
  // the password into them, so their values are never quoted.
  if (ssl != "no" && ssl != "ssl") {
    return Error("MAILER_SMTP: the second field from the end must be no or ssl (its value is not shown: with a field "
                 "missing it would be part of the password)");
  }
  if (starttls != "no" && starttls != "starttls") {
    return Error("MAILER_SMTP: the last field must be no or starttls (its value is not shown: with a field missing it "
                 "would be part of the password)");
  }
  if (ssl == "ssl" && starttls == "starttls") return Error("MAILER_SMTP: choose ssl or starttls, not both");
  relay.tls = ssl == "ssl" ? TlsMode::kTls : starttls == "starttls" ? TlsMode::kStartTls : TlsMode::kNone;
  for (char c : relay.user) {
    if (static_cast<unsigned char>(c) < 0x20) return Error("MAILER_SMTP: control character in the user name");
  }
  if (relay.user.empty() != relay.password.empty()) return Error("MAILER_SMTP: give both user and password, or neither");
  return relay;
}

RelaySettings ReadRelaySettings(ConfigReader& config, const std::optional<std::string>& mailer_smtp,
                                const std::function<Result<std::string>(const std::string&)>& read_password_file) {
  RelaySettings relay;
  relay.host = LowerCase(config.String("smtp.host", ""));
  relay.port = static_cast<int>(config.Integer("smtp.port", 25, 1, 65535));
  std::string tls = config.Choice("smtp.tls", "none", {"none", "starttls", "tls"});
  relay.tls = tls == "tls" ? TlsMode::kTls : tls == "starttls" ? TlsMode::kStartTls : TlsMode::kNone;
  relay.user = config.String("smtp.user", "");
  std::string password_file = config.String("smtp.password_file", "");
  if (!relay.host.empty()) {
    if (auto problem = RelayHostProblem(relay.host)) config.Reject("smtp.host", QuoteForMessage(relay.host) + ": " + *problem);
  }
  if (!password_file.empty()) {
    auto password = read_password_file(password_file);
    if (!password.ok()) {
      config.Reject("smtp.password_file", password.error().message());
    } else {
      relay.password = *password;
      while (!relay.password.empty() && (relay.password.back() == '\n' || relay.password.back() == '\r')) relay.password.pop_back();
    }
  }
  if (relay.user.empty() != password_file.empty()) config.Reject("smtp.user", "give both smtp.user and smtp.password_file, or neither");
  if (mailer_smtp && !mailer_smtp->empty()) {
    auto legacy = ParseMailerSmtp(*mailer_smtp);
    if (!legacy.ok()) {
      std::string message = legacy.error().message();
      if (message.starts_with("MAILER_SMTP: ")) message = message.substr(13);
      config.Reject("MAILER_SMTP", message);
    }
    else relay = std::move(*legacy);
  }
  return relay;
}

}  // namespace webvps::mailer
