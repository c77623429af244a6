// Where messages go: an SMTP relay (the mailer's own client, smtp_client.h, over Asio and
// OpenSSL) or, without a relay, a local Maildir outbox. A transport carries a batch in one
// session on the mailer's io_context and reports each message the moment its fate is known (so
// it is filed then, not at the session's end), then the session's own end once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mailer/delivery.h"
#include "mailer/relay_settings.h"
#include "mailer/smtp_client.h"
#include "mailer/smtp_connection.h"
#include "result.h"

namespace webvps::mailer {

/// A message as handed to a transport: its envelope and its data (read from the queue file).
struct OutgoingMessage {
  std::string id;                       ///< for logs: "<site>/<queue file>"
  std::string sender;                   ///< empty: <>
  std::vector<std::string> recipients;  ///< those still to deliver
  MessageData data;
  uint64_t size = 0;                    ///< of the data, near enough for SIZE=
};

/// How a session ended.
struct SessionEnd {
  SessionProblem problem = SessionProblem::kNone;
  SmtpReply reply;           ///< the relay's reply (or the reason) behind the problem
  std::string phase;         ///< "AUTH", "TLS", "greeting", ...
  std::vector<size_t> untried;  ///< messages the session never got to
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// For the start-up log line: "SMTP relay relay.example.org:587 (starttls, user x)".
  virtual std::string Describe() const = 0;
  using MessageDone = std::function<void(size_t index, const AttemptReport& report)>;
  using SessionDone = std::function<void(const SessionEnd& end)>;
  /// Carries `batch` in one session; the callbacks run on the io_context.
  virtual void Send(std::vector<OutgoingMessage> batch, MessageDone on_message, SessionDone on_end) = 0;
  /// Ends every session now (the mailer stops).
  virtual void StopAll() = 0;
};

struct SmtpOptions {
  RelaySettings relay;
  std::string helo_name;     ///< empty: the host name
  std::string ca_file;       ///< trusted in addition to the system's CAs
  int timeout_seconds = 60;  ///< without progress (a reply, a write)
};

/// The SMTP transport; fails when the CA file cannot be loaded.
Result<std::unique_ptr<Transport>> MakeSmtpTransport(boost::asio::io_context& io, const SmtpOptions& options);

/// The local outbox: every message becomes a file in `<maildir>/new`, written through `tmp`.
Result<std::unique_ptr<Transport>> MakeOutboxTransport(boost::asio::io_context& io, const std::string& maildir);

}  // namespace webvps::mailer
