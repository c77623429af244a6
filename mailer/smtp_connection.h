// One SMTP session on the io_context, carrying out an SmtpClient's actions: the TCP connection,
// TLS (STARTTLS or implicit) with the certificate checked against the relay's name and the
// trusted CAs, a timeout on every reply and every write, and each message's data streamed from
// its queue file in 64 KiB pieces through the DataEncoder (nothing holds a whole message). Each
// message's result is handed over the moment it is known; the session's own end once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mailer/message_data.h"
#include "mailer/smtp_client.h"

namespace webvps::mailer {

struct SmtpConnectionOptions {
  std::string host;
  int port = 25;
  TlsMode tls = TlsMode::kNone;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  ///< shared by every session; see MakeTlsContext
  std::chrono::seconds timeout{60};  ///< without any progress, read or write
  SmtpClientOptions client;
};

/// The client TLS context: TLS 1.2 at least, the peer's certificate verified against the system's
/// CAs and `ca_file` (when given). The error names the file that could not be loaded.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::string& ca_file);

class SmtpConnection : public std::enable_shared_from_this<SmtpConnection> {
 public:
  struct Callbacks {
    std::function<void(const SmtpMessageResult&)> message;  ///< each message's fate, at once
    std::function<void(const SmtpClient&)> finished;        ///< once, when the session is over
  };

  /// Starts a session for `envelopes`, whose data is `data` (one each, in order).
  static std::shared_ptr<SmtpConnection> Start(boost::asio::io_context& io, const SmtpConnectionOptions& options,
                                                std::vector<SmtpEnvelope> envelopes, std::vector<MessageData> data,
                                                Callbacks callbacks);
  virtual ~SmtpConnection() = default;
  /// Ends the session now (the mailer stops): the messages not done are left unattempted.
  virtual void Stop() = 0;
};

}  // namespace webvps::mailer
