// Where messages go: an SMTP relay (libESMTP) or, without a relay, a local Maildir outbox.
// A transport sends one batch per call, in one session, and reports per message and per
// recipient; it blocks, so the mailer calls it from worker threads, several at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mailer/delivery.h"
#include "mailer/relay_settings.h"
#include "result.h"

namespace webvps::mailer {

class Transport {
 public:
  virtual ~Transport() = default;
  /// For the start-up log line: "SMTP relay.example.org:587 (starttls, user x)".
  virtual std::string Describe() const = 0;
  /// Sends `batch` in one session; one report per message, in order. Thread-safe.
  virtual std::vector<AttemptReport> Send(const std::vector<OutgoingMessage>& batch) = 0;
};

struct SmtpOptions {
  RelaySettings relay;
  std::string helo_name;     ///< empty: libESMTP's default (the host name)
  std::string ca_file;       ///< trusted in addition to the system's CAs
  int timeout_seconds = 60;  ///< per server reply
};

/// The SMTP transport; fails when TLS cannot be set up (an unreadable CA file) or the relay
/// asks for implicit TLS, which libESMTP does not speak.
Result<std::unique_ptr<Transport>> MakeSmtpTransport(const SmtpOptions& options);

/// The local outbox: every message becomes a file in `<maildir>/new`, written through `tmp`.
Result<std::unique_ptr<Transport>> MakeOutboxTransport(const std::string& maildir);

}  // namespace webvps::mailer
