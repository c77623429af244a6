// One SMTP session's decisions, as a pure state machine: replies in, what to do next out (bytes to
// send, the TLS handshake to start, a message's data to stream, the connection to close), and
// every message's result as soon as its last reply is in, so the caller can file it at once.
// It speaks EHLO (HELO where EHLO is refused), STARTTLS, AUTH PLAIN or LOGIN, SIZE, 8BITMIME and
// PIPELINING (MAIL, RCPT and DATA of a message in one write), and tells a relay problem (the
// session refused, STARTTLS missing, AUTH refused) from a message's own fate: a relay problem
// leaves every message of the session unattempted, so none of them is failed or bounced for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mailer/relay_settings.h"
#include "mailer/smtp_protocol.h"

namespace webvps::mailer {

struct SmtpClientOptions {
  std::string helo_name = "localhost";
  TlsMode tls = TlsMode::kStartTls;  ///< kTls: the adapter has done TLS before the greeting
  std::string user;                  ///< empty: no AUTH
  std::string password;
};

struct SmtpEnvelope {
  std::string sender;                   ///< empty: <>
  std::vector<std::string> recipients;
  uint64_t size = 0;                    ///< of the data as encoded, for SIZE=
};

/// The fate of one message of the session.
struct SmtpMessageResult {
  size_t index = 0;
  SmtpReply transaction;              ///< the final reply: to the data, or to MAIL or DATA when it ended there
  std::vector<SmtpReply> recipients;  ///< one per recipient, in order (code 0 where none came)
};

/// Why a session ended before its messages were all done.
enum class SessionProblem {
  kNone,
  kRelay,       ///< the relay refused the session, TLS or AUTH: the admin's to fix, the mail waits
  kConnection,  ///< the connection failed or broke, or a reply timed out: tried again later
};

class SmtpClient {
 public:
  enum class Step { kSend, kStartTls, kSendData, kClose };
  struct Action {
    Step step = Step::kSend;
    std::string bytes;   ///< kSend
    size_t message = 0;  ///< kSendData: the message whose data goes now (then OnDataSent)
  };

  SmtpClient(SmtpClientOptions options, std::vector<SmtpEnvelope> messages);

  /// A reply of the server (the greeting first).
  std::vector<Action> OnReply(const SmtpReplyLines& reply);
  /// The STARTTLS handshake succeeded (verification included).
  std::vector<Action> OnTlsUp();
  /// The STARTTLS handshake or the certificate check failed: a relay problem.
  std::vector<Action> OnTlsFailed(const std::string& why);
  /// The data of message `index` (dot included) is written.
  std::vector<Action> OnDataSent(size_t index);
  /// The data of message `index` cannot be sent (a NUL, a read error): that message fails with
  /// `why` and the transaction is abandoned by closing (the relay discards an unended DATA).
  std::vector<Action> OnDataFailed(size_t index, const SmtpReply& why);
  /// The connection failed, broke, or a reply timed out; `why` says which.
  void OnConnectionLost(const std::string& why);

  /// Messages whose fate is known since the last call.
  std::vector<SmtpMessageResult> TakeResults();
  /// Whether the session is over (QUIT answered, or a problem ended it).
  bool done() const { return state_ == State::kDone; }
  SessionProblem problem() const { return problem_; }
  /// The reply (or the reason) behind problem().
  const SmtpReply& problem_reply() const { return problem_reply_; }
  /// What the session was doing when it ended ("AUTH", "STARTTLS", ...), for the log.
  const std::string& problem_phase() const { return problem_phase_; }
  /// Messages never attempted (a relay or connection problem came first): they go back to the queue.
  std::vector<size_t> Unattempted() const;
  const SmtpExtensions& extensions() const { return extensions_; }
  bool authenticated() const { return authenticated_; }

 private:
  enum class State {
    kGreeting, kEhlo, kHelo, kStartTls, kTlsHandshake, kEhloAfterTls, kAuthPlain, kAuthLoginUser, kAuthLoginPassword,
    kAuthLoginDone, kTransaction, kDataSending, kDataReply, kRset, kQuit, kDone,
  };
  /// What a reply in the pipeline answers.
  enum class Expect { kMail, kRcpt, kData };

  std::vector<Action> AfterHello();
  std::vector<Action> StartAuth();
  std::vector<Action> NextMessage();
  std::vector<Action> Quit();
  std::vector<Action> Fail(SessionProblem problem, const SmtpReply& reply, const std::string& phase);
  std::vector<Action> OnTransactionReply(const SmtpReply& reply);
  void FinishMessage(const SmtpReply& transaction);
  std::string MailCommand(const SmtpEnvelope& envelope) const;

  SmtpClientOptions options_;
  std::vector<SmtpEnvelope> messages_;
  State state_ = State::kGreeting;
  SmtpExtensions extensions_;
  bool tls_ = false;
  bool authenticated_ = false;
  SessionProblem problem_ = SessionProblem::kNone;
  SmtpReply problem_reply_;
  std::string problem_phase_;

  size_t next_ = 0;                    ///< the next message to start
  std::optional<size_t> current_;      ///< the message in its transaction
  std::vector<Expect> pending_;        ///< replies still to come for it, in order
  size_t rcpt_seen_ = 0;
  SmtpReply mail_reply_;
  std::vector<SmtpReply> rcpt_replies_;
  bool failed_early_ = false;          ///< MAIL or every RCPT refused: the data is not sent
  std::vector<bool> finished_;
  std::vector<SmtpMessageResult> results_;
};

}  // namespace webvps::mailer
