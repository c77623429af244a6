#include "smtp_client.h"

#include <algorithm>

namespace webvps::mailer {
namespace {

bool Has(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

SmtpClient::SmtpClient(SmtpClientOptions options, std::vector<SmtpEnvelope> messages)
    : options_(std::move(options)), messages_(std::move(messages)), tls_(options_.tls == TlsMode::kTls), finished_(messages_.size(), false) {}

std::vector<SmtpClient::Action> SmtpClient::Fail(SessionProblem problem, const SmtpReply& reply, const std::string& phase) {
  // A relay problem says nothing of the message in its transaction: it goes back untried.
  if (current_ && problem == SessionProblem::kRelay) current_.reset();
  if (current_) FinishMessage(reply.code != 0 ? reply : SmtpReply{0, reply.text});
  problem_ = problem;
  problem_reply_ = reply;
  problem_phase_ = phase;
  state_ = State::kDone;
  // A polite QUIT where the connection still stands; the caller closes either way.
  return {{Step::kSend, "QUIT\r\n"}, {Step::kClose}};
}

std::string SmtpClient::MailCommand(const SmtpEnvelope& envelope) const {
  std::string command = "MAIL FROM:" + PathOf(envelope.sender);
  if (extensions_.size > 0) command += " SIZE=" + std::to_string(envelope.size);
  if (extensions_.eight_bit_mime) command += " BODY=8BITMIME";
  return command + "\r\n";
}

std::vector<SmtpClient::Action> SmtpClient::OnReply(const SmtpReplyLines& lines) {
  SmtpReply reply = lines.Joined();
  auto send = [](std::string bytes) { return std::vector<Action>{{Step::kSend, std::move(bytes)}}; };
  if (reply.code == 421 && state_ != State::kDone && state_ != State::kQuit) {
    return Fail(SessionProblem::kConnection, reply, "the relay closes the session");
  }
  switch (state_) {
    case State::kGreeting:
      if (reply.code == 220) {
        state_ = State::kEhlo;
        return send("EHLO " + options_.helo_name + "\r\n");
      }
      return Fail(reply.Permanent() ? SessionProblem::kRelay : SessionProblem::kConnection, reply, "greeting");
    case State::kEhlo:
    case State::kEhloAfterTls:
      if (reply.code == 250) {
        extensions_ = ParseExtensions(lines);
        return AfterHello();
      }
      if (reply.Permanent() && state_ == State::kEhlo) {
        state_ = State::kHelo;  // an old server: HELO, without extensions
        return send("HELO " + options_.helo_name + "\r\n");
      }
      return Fail(reply.Permanent() ? SessionProblem::kRelay : SessionProblem::kConnection, reply, "EHLO");
    case State::kHelo:
      if (reply.code == 250) {
        extensions_ = {};
        return AfterHello();
      }
      return Fail(SessionProblem::kRelay, reply, "HELO");
    case State::kStartTls:
      if (reply.code == 220) {
        state_ = State::kTlsHandshake;
        return {{Step::kStartTls}};
      }
      return Fail(SessionProblem::kRelay, reply, "STARTTLS");
    case State::kAuthPlain:
    case State::kAuthLoginDone:
      if (reply.code == 235) {
        authenticated_ = true;
        return NextMessage();
      }
      return Fail(SessionProblem::kRelay, reply, "AUTH");
    case State::kAuthLoginUser:
      if (reply.code != 334) return Fail(SessionProblem::kRelay, reply, "AUTH");
      state_ = State::kAuthLoginPassword;
      return send(Base64(options_.user) + "\r\n");
    case State::kAuthLoginPassword:
      if (reply.code != 334) return Fail(SessionProblem::kRelay, reply, "AUTH");
      state_ = State::kAuthLoginDone;
      return send(Base64(options_.password) + "\r\n");
    case State::kTransaction:
      return OnTransactionReply(reply);
    case State::kDataReply:
      if (failed_early_) {
        // The empty data a pipelined DATA had to be answered with: its reply means nothing.
        state_ = State::kRset;
        return send("RSET\r\n");
      }
      FinishMessage(reply);
      return NextMessage();
    case State::kRset:
      if (!reply.Positive()) return Fail(SessionProblem::kConnection, reply, "RSET");
      return NextMessage();
    case State::kQuit:
      state_ = State::kDone;
      return {{Step::kClose}};
    case State::kTlsHandshake:
    case State::kDataSending:
      return Fail(SessionProblem::kConnection, reply, "an unexpected reply");
    case State::kDone:
      return {};
  }
  return {};
}

std::vector<SmtpClient::Action> SmtpClient::AfterHello() {
  if (options_.tls == TlsMode::kStartTls && !tls_) {
    if (!extensions_.starttls) return Fail(SessionProblem::kRelay, {0, "the relay does not offer STARTTLS"}, "EHLO");
    state_ = State::kStartTls;
    return {{Step::kSend, "STARTTLS\r\n"}};
  }
  if (!options_.user.empty() && !authenticated_) return StartAuth();
  return NextMessage();
}

std::vector<SmtpClient::Action> SmtpClient::OnTlsUp() {
  if (state_ != State::kTlsHandshake) return {};
  tls_ = true;
  state_ = State::kEhloAfterTls;
  return {{Step::kSend, "EHLO " + options_.helo_name + "\r\n"}};
}

std::vector<SmtpClient::Action> SmtpClient::OnTlsFailed(const std::string& why) {
  return Fail(SessionProblem::kRelay, {0, why}, "TLS");
}

std::vector<SmtpClient::Action> SmtpClient::StartAuth() {
  if (Has(extensions_.auth, "PLAIN")) {
    state_ = State::kAuthPlain;
    return {{Step::kSend, "AUTH PLAIN " + AuthPlainResponse(options_.user, options_.password) + "\r\n"}};
  }
  if (Has(extensions_.auth, "LOGIN")) {
    state_ = State::kAuthLoginUser;
    return {{Step::kSend, "AUTH LOGIN\r\n"}};
  }
  std::string offered;
  for (const auto& mechanism : extensions_.auth) offered += (offered.empty() ? "" : " ") + mechanism;
  return Fail(SessionProblem::kRelay,
              {0, offered.empty() ? "the relay offers no AUTH, and a user is configured"
                                  : "the relay offers no AUTH mechanism webvps speaks (PLAIN, LOGIN), only " + offered},
              "AUTH");
}

std::vector<SmtpClient::Action> SmtpClient::NextMessage() {
  while (next_ < messages_.size()) {
    size_t index = next_++;
    const SmtpEnvelope& envelope = messages_[index];
    if (extensions_.size > 0 && envelope.size > extensions_.size) {
      SmtpReply refused{552, "larger than the relay's SIZE limit (" + std::to_string(extensions_.size) + " bytes)"};
      results_.push_back({index, refused, std::vector<SmtpReply>(envelope.recipients.size(), refused)});
      finished_[index] = true;
      continue;
    }
    current_ = index;
    rcpt_seen_ = 0;
    rcpt_replies_.clear();
    mail_reply_ = {};
    failed_early_ = false;
    state_ = State::kTransaction;
    if (extensions_.pipelining) {
      std::string group = MailCommand(envelope);
      pending_ = {Expect::kMail};
      for (const auto& recipient : envelope.recipients) {
        group += "RCPT TO:" + PathOf(recipient) + "\r\n";
        pending_.push_back(Expect::kRcpt);
      }
      group += "DATA\r\n";
      pending_.push_back(Expect::kData);
      return {{Step::kSend, std::move(group)}};
    }
    pending_ = {Expect::kMail};
    return {{Step::kSend, MailCommand(envelope)}};
  }
  return Quit();
}

std::vector<SmtpClient::Action> SmtpClient::Quit() {
  state_ = State::kQuit;
  return {{Step::kSend, "QUIT\r\n"}};
}

std::vector<SmtpClient::Action> SmtpClient::OnTransactionReply(const SmtpReply& reply) {
  if (pending_.empty() || !current_) return Fail(SessionProblem::kConnection, reply, "an unexpected reply");
  const SmtpEnvelope& envelope = messages_[*current_];
  bool pipelined = extensions_.pipelining;
  Expect expect = pending_.front();
  pending_.erase(pending_.begin());
  auto rset = [this]() {
    state_ = State::kRset;
    return std::vector<Action>{{Step::kSend, "RSET\r\n"}};
  };
  switch (expect) {
    case Expect::kMail:
      // 530: authentication required (RFC 4954): the relay's settings, not this message.
      if (reply.code == 530) return Fail(SessionProblem::kRelay, reply, "MAIL");
      mail_reply_ = reply;
      if (!reply.Positive()) failed_early_ = true;
      if (pipelined) return {};
      if (failed_early_) {
        FinishMessage(reply);
        return rset();
      }
      pending_ = {Expect::kRcpt};
      return {{Step::kSend, "RCPT TO:" + PathOf(envelope.recipients[0]) + "\r\n"}};
    case Expect::kRcpt: {
      rcpt_replies_.push_back(failed_early_ && pipelined ? SmtpReply{} : reply);
      ++rcpt_seen_;
      if (pipelined) return {};
      if (rcpt_seen_ < envelope.recipients.size()) {
        pending_ = {Expect::kRcpt};
        return {{Step::kSend, "RCPT TO:" + PathOf(envelope.recipients[rcpt_seen_]) + "\r\n"}};
      }
      bool any = std::any_of(rcpt_replies_.begin(), rcpt_replies_.end(), [](const SmtpReply& r) { return r.Positive(); });
      if (!any) {
        FinishMessage(rcpt_replies_.front());
        return rset();
      }
      pending_ = {Expect::kData};
      return {{Step::kSend, "DATA\r\n"}};
    }
    case Expect::kData: {
      bool any = std::any_of(rcpt_replies_.begin(), rcpt_replies_.end(), [](const SmtpReply& r) { return r.Positive(); });
      if (!failed_early_ && !any) failed_early_ = true;
      if (reply.code == 354) {
        if (failed_early_) {
          // Pipelined, DATA was accepted though nothing else was: an empty data ends it.
          FinishMessage(!mail_reply_.Positive() ? mail_reply_ : rcpt_replies_.front());
          state_ = State::kDataReply;
          return {{Step::kSend, ".\r\n"}};
        }
        state_ = State::kDataSending;
        return {{Step::kSendData, "", *current_}};
      }
      FinishMessage(!mail_reply_.Positive() ? mail_reply_ : (!any ? rcpt_replies_.front() : reply));
      return rset();
    }
  }
  return {};
}

std::vector<SmtpClient::Action> SmtpClient::OnDataSent(size_t index) {
  if (state_ != State::kDataSending || !current_ || *current_ != index) return {};
  state_ = State::kDataReply;
  return {};
}

std::vector<SmtpClient::Action> SmtpClient::OnDataFailed(size_t index, const SmtpReply& why) {
  if (state_ != State::kDataSending || !current_ || *current_ != index) return {};
  FinishMessage(why);
  problem_ = SessionProblem::kConnection;
  problem_reply_ = {0, "the transaction was abandoned: " + why.text};
  problem_phase_ = "DATA";
  state_ = State::kDone;
  return {{Step::kClose}};
}

void SmtpClient::FinishMessage(const SmtpReply& transaction) {
  if (!current_) return;
  size_t index = *current_;
  SmtpMessageResult result{index, transaction, rcpt_replies_};
  result.recipients.resize(messages_[index].recipients.size());
  results_.push_back(std::move(result));
  finished_[index] = true;
  current_.reset();
}

void SmtpClient::OnConnectionLost(const std::string& why) {
  if (state_ == State::kDone) return;
  if (state_ == State::kQuit) {  // every message was done: the goodbye does not matter
    state_ = State::kDone;
    return;
  }
  // A message whose data was on its way may or may not have arrived: it is tried again.
  if (current_) FinishMessage({0, why});
  problem_ = SessionProblem::kConnection;
  problem_reply_ = {0, why};
  static const char* const kPhases[] = {"greeting", "EHLO", "HELO", "STARTTLS", "TLS", "EHLO", "AUTH", "AUTH", "AUTH", "AUTH",
                                        "MAIL", "DATA", "DATA", "RSET", "QUIT", "-"};
  problem_phase_ = kPhases[static_cast<int>(state_)];
  state_ = State::kDone;
}

std::vector<SmtpMessageResult> SmtpClient::TakeResults() {
  std::vector<SmtpMessageResult> taken;
  taken.swap(results_);
  return taken;
}

std::vector<size_t> SmtpClient::Unattempted() const {
  std::vector<size_t> left;
  for (size_t i = 0; i < finished_.size(); ++i) {
    if (!finished_[i]) left.push_back(i);
  }
  return left;
}

}  // namespace webvps::mailer
