// The SMTP transport: one SmtpConnection per batch, the TLS context shared by all of them.
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <map>

#include "transport.h"

namespace webvps::mailer {
namespace {

using Clock = std::chrono::steady_clock;

std::string HostName() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return host;
}

class SmtpTransport final : public Transport {
 public:
  SmtpTransport(boost::asio::io_context& io, SmtpOptions options, std::shared_ptr<boost::asio::ssl::context> tls)
      : io_(io), options_(std::move(options)), tls_(std::move(tls)) {}

  std::string Describe() const override { return "SMTP relay " + options_.relay.Describe(); }

  void Send(std::vector<OutgoingMessage> batch, MessageDone on_message, SessionDone on_end) override {
    SmtpConnectionOptions options;
    options.host = options_.relay.host;
    if (options.host.starts_with("[") && options.host.ends_with("]")) options.host = options.host.substr(1, options.host.size() - 2);
    options.port = options_.relay.port;
    options.tls = options_.relay.tls;
    options.tls_context = tls_;
    options.timeout = std::chrono::seconds(options_.timeout_seconds);
    options.client.helo_name = options_.helo_name.empty() ? HostName() : options_.helo_name;
    options.client.tls = options_.relay.tls;
    options.client.user = options_.relay.user;
    options.client.password = options_.relay.password;
    std::vector<SmtpEnvelope> envelopes;
    std::vector<MessageData> data;
    auto recipients = std::make_shared<std::vector<std::vector<std::string>>>();
    for (auto& message : batch) {
      envelopes.push_back({message.sender, message.recipients, message.size});
      recipients->push_back(message.recipients);
      data.push_back(std::move(message.data));
    }
    auto started = Clock::now();
    auto id = next_id_++;
    SmtpConnection::Callbacks callbacks;
    auto redact = [user = options_.relay.user, password = options_.relay.password](SmtpReply reply) {
      reply.text = RedactSecrets(std::move(reply.text), user, password);
      return reply;
    };
    callbacks.message = [on_message, started, recipients, redact](const SmtpMessageResult& result) {
      AttemptReport report;
      report.transaction = redact(result.transaction);
      const auto& addresses = (*recipients)[result.index];
      for (size_t r = 0; r < addresses.size(); ++r) {
        report.recipients.push_back({addresses[r], r < result.recipients.size() ? redact(result.recipients[r]) : SmtpReply{}});
      }
      report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      on_message(result.index, report);
    };
    callbacks.finished = [this, id, on_end, redact](const SmtpClient& client) {
      SessionEnd end{client.problem(), redact(client.problem_reply()), client.problem_phase(), client.Unattempted()};
      // After the connection's own handlers have unwound.
      boost::asio::post(io_, [this, id, on_end, end] {
        sessions_.erase(id);
        on_end(end);
      });
    };
    sessions_[id] = SmtpConnection::Start(io_, options, std::move(envelopes), std::move(data), std::move(callbacks));
  }

  void StopAll() override {
    auto sessions = sessions_;
    for (auto& [id, session] : sessions) session->Stop();
  }

 private:
  boost::asio::io_context& io_;
  SmtpOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::map<uint64_t, std::shared_ptr<SmtpConnection>> sessions_;
  uint64_t next_id_ = 0;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeSmtpTransport(boost::asio::io_context& io, const SmtpOptions& options) {
  // A verifying context loads the CA store (about a megabyte of certificates): only for a relay
  // with TLS. Without, the sessions' streams get a bare one that no handshake ever uses.
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  if (options.relay.tls != TlsMode::kNone) {
    auto tls = MakeTlsContext(options.ca_file);
    if (!tls.ok()) return tls.error();
    context = std::move(*tls);
  }
  return std::unique_ptr<Transport>(new SmtpTransport(io, options, std::move(context)));
}

}  // namespace webvps::mailer
