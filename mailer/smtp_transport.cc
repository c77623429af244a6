// The SMTP transport over libESMTP: one session per batch, several messages per session,
// STARTTLS with certificate and host name checks, AUTH with the relay's user and password.
// OpenSSL first: libesmtp.h declares smtp_starttls_set_ctx only when it sees ssl.h.
#include <openssl/ssl.h>

#include <cstddef>
#include <auth-client.h>
#include <libesmtp.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <cstdarg>
#include <chrono>
#include <mutex>

#include "transport.h"

namespace webvps::mailer {
namespace {

using Clock = std::chrono::steady_clock;

struct SessionState {
  const RelaySettings* relay = nullptr;
  Clock::time_point started;
  std::vector<std::chrono::milliseconds> finished;  ///< per message index
  std::string tls_problem;                          ///< why the TLS handshake was refused
};

// Called by libESMTP while it authenticates: hands over the user and the password.
int Interact(auth_client_request_t request, char** result, int fields, void* arg) {
  auto* relay = static_cast<const RelaySettings*>(arg);
  for (int i = 0; i < fields; ++i) {
    if (request[i].flags & AUTH_USER) {
      result[i] = const_cast<char*>(relay->user.c_str());
    } else if (request[i].flags & AUTH_PASS) {
      result[i] = const_cast<char*>(relay->password.c_str());
    } else {
      return 0;
    }
  }
  return 1;
}

void OnEvent(smtp_session_t, int event, void* arg, ...) {
  auto* state = static_cast<SessionState*>(arg);
  va_list args;
  va_start(args, arg);
  switch (event) {
    case SMTP_EV_MESSAGESENT: {
      smtp_message_t message = va_arg(args, smtp_message_t);
      auto index = reinterpret_cast<uintptr_t>(smtp_message_get_application_data(message));
      if (index < state->finished.size()) {
        state->finished[index] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - state->started);
      }
      break;
    }
    case SMTP_EV_INVALID_PEER_CERTIFICATE: {
      long result = va_arg(args, long);
      int* ok = va_arg(args, int*);
      *ok = 0;
      state->tls_problem = std::string("TLS: the server's certificate is not trusted (") +
                           X509_verify_cert_error_string(result) + ")";
      break;
    }
    case SMTP_EV_NO_PEER_CERTIFICATE: {
      int* ok = va_arg(args, int*);
      *ok = 0;
      state->tls_problem = "TLS: the server sent no certificate";
      break;
    }
    case SMTP_EV_WRONG_PEER_CERTIFICATE: {
      int* ok = va_arg(args, int*);
      *ok = 0;
      state->tls_problem = "TLS: the server's certificate does not name " + state->relay->host;
      break;
    }
    case SMTP_EV_WEAK_CIPHER: {
      int bits = va_arg(args, int);
      int* ok = va_arg(args, int*);
      *ok = bits >= 128;
      if (!*ok) state->tls_problem = "TLS: cipher too weak (" + std::to_string(bits) + " bits)";
      break;
    }
    case SMTP_EV_EXTNA_STARTTLS:
      state->tls_problem = "TLS: the server does not offer STARTTLS";
      break;
    default:
      break;
  }
  va_end(args);
}

// libESMTP's STARTTLS handshake reads without its own timeout, so a relay that stalls there
// would hold a session forever. The handshake runs on our SSL_CTX: when it starts, give the
// socket kernel timeouts (the SMTP timeout), so a stalled handshake fails and is retried later.
void OnTlsInfo(const SSL* ssl, int where, int) {
  if (!(where & SSL_CB_HANDSHAKE_START)) return;
  int fd = SSL_get_fd(ssl);
  auto* seconds = static_cast<const int*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (fd < 0 || seconds == nullptr) return;
  timeval timeout{*seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

SmtpReply ReplyOf(const smtp_status_t* status) {
  if (status == nullptr || status->code == 0) return {};
  std::string text = status->text ? status->text : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return {status->code, text};
}

std::string LibraryError() {
  char buffer[256];
  const char* text = smtp_strerror(smtp_errno(), buffer, sizeof buffer);
  return text ? text : "unknown libESMTP error";
}

class SmtpTransport final : public Transport {
 public:
  SmtpTransport(SmtpOptions options, SSL_CTX* tls) : options_(std::move(options)), tls_(tls) {
    server_ = options_.relay.host + ":" + std::to_string(options_.relay.port);
    if (tls_) {
      SSL_CTX_set_app_data(tls_, &options_.timeout_seconds);
      SSL_CTX_set_info_callback(tls_, OnTlsInfo);
    }
  }
  ~SmtpTransport() override {
    if (tls_) SSL_CTX_free(tls_);
  }

  std::string Describe() const override { return "SMTP relay " + options_.relay.Describe(); }

  std::vector<AttemptReport> Send(const std::vector<OutgoingMessage>& batch) override {
    SessionState state;
    state.relay = &options_.relay;
    state.finished.assign(batch.size(), std::chrono::milliseconds(0));
    smtp_session_t session = smtp_create_session();
    smtp_set_server(session, server_.c_str());
    if (!options_.helo_name.empty()) smtp_set_hostname(session, options_.helo_name.c_str());
    // RFC 5321's minimums (up to 10 minutes) are for MTAs on the Internet; a relay that is this
    // slow holds a session, so the configured timeout wins (the flag goes with `which`).
    for (int which : {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2}) {
      smtp_set_timeout(session, which | Timeout_OVERRIDE_RFC2822_MINIMUM, options_.timeout_seconds * 1000L);
    }
    smtp_set_eventcb(session, OnEvent, &state);
    if (options_.relay.tls == TlsMode::kStartTls) {
      smtp_starttls_enable(session, Starttls_REQUIRED);
      smtp_starttls_set_ctx(session, tls_);
    }
    auth_context_t auth = nullptr;
    if (!options_.relay.user.empty()) {
      auth = auth_create_context();
      // Plain-text mechanisms are fine here only because a password goes over TLS or over a
      // network the admin chose; libESMTP otherwise refuses PLAIN and LOGIN.
      auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
      auth_set_interact_cb(auth, Interact, const_cast<RelaySettings*>(&options_.relay));
      smtp_auth_set_context(session, auth);
    }
    std::vector<smtp_message_t> messages;
    std::vector<std::vector<smtp_recipient_t>> recipients(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      smtp_message_t message = smtp_add_message(session);
      smtp_set_reverse_path(message, batch[i].sender.c_str());
      smtp_set_message_str(message, const_cast<char*>(batch[i].data.c_str()));
      smtp_message_set_application_data_release(message, reinterpret_cast<void*>(static_cast<uintptr_t>(i)), nullptr);
      for (const auto& recipient : batch[i].recipients) {
        recipients[i].push_back(smtp_add_recipient(message, recipient.c_str()));
      }
      messages.push_back(message);
    }
    state.started = Clock::now();
    bool completed = smtp_start_session(session) != 0;
    std::string session_error = completed ? "" : LibraryError();
    if (!state.tls_problem.empty()) session_error = state.tls_problem;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - state.started);

    std::vector<AttemptReport> reports(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      AttemptReport& report = reports[i];
      report.transaction = ReplyOf(smtp_message_transfer_status(messages[i]));
      SmtpReply mail_from = ReplyOf(smtp_reverse_path_status(messages[i]));
      if (!report.transaction.Positive() && mail_from.code != 0 && !mail_from.Positive()) report.transaction = mail_from;
      if (report.transaction.code == 0) {
        report.transaction.text = session_error.empty() ? "the session ended before this message" : session_error;
      }
      for (size_t r = 0; r < recipients[i].size(); ++r) {
        report.recipients.push_back({batch[i].recipients[r], ReplyOf(smtp_recipient_status(recipients[i][r]))});
      }
      report.duration = state.finished[i].count() > 0 ? state.finished[i] : elapsed;
    }
    smtp_destroy_session(session);
    if (auth) auth_destroy_context(auth);
    return reports;
  }

 private:
  SmtpOptions options_;
  SSL_CTX* tls_;
  std::string server_;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeSmtpTransport(const SmtpOptions& options) {
  static std::once_flag init;
  std::call_once(init, [] { auth_client_init(); });
  if (options.relay.tls == TlsMode::kTls) {
    return Error("smtp.tls: implicit TLS (\"tls\", MAILER_SMTP \"ssl\", port 465) is not supported by libESMTP; "
                 "use starttls, usually on port 587");
  }
  SSL_CTX* tls = nullptr;
  if (options.relay.tls == TlsMode::kStartTls) {
    tls = SSL_CTX_new(TLS_client_method());
    if (!tls) return Error("TLS: cannot create an OpenSSL context");
    SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
    // libESMTP checks the verification result and the host name itself after the handshake and
    // asks OnEvent, which refuses; that gives a clearer reason than a failed handshake.
    SSL_CTX_set_verify(tls, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_default_verify_paths(tls);
    if (!options.ca_file.empty() && SSL_CTX_load_verify_locations(tls, options.ca_file.c_str(), nullptr) != 1) {
      SSL_CTX_free(tls);
      return Error("smtp.ca_file: cannot load " + options.ca_file + " as PEM certificates");
    }
  }
  return std::unique_ptr<Transport>(new SmtpTransport(options, tls));
}

}  // namespace webvps::mailer
