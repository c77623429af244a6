#include "mailer/smtp_client.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

SmtpReplyLines R(int code, std::vector<std::string> lines = {"ok"}) { return {code, std::move(lines)}; }

const SmtpReplyLines kEhloFull = R(250, {"relay.test", "PIPELINING", "SIZE 100000", "STARTTLS", "AUTH PLAIN LOGIN"});

// Drives a client the way the connection does, and records what it sends.
struct Conversation {
  explicit Conversation(SmtpClientOptions options, std::vector<SmtpEnvelope> messages) : client(options, std::move(messages)) {}
  void Take(const std::vector<SmtpClient::Action>& actions) {
    for (const auto& action : actions) {
      if (action.step == SmtpClient::Step::kSend) sent += action.bytes;
      if (action.step == SmtpClient::Step::kStartTls) sent += "<TLS>";
      if (action.step == SmtpClient::Step::kSendData) sent += "<DATA " + std::to_string(action.message) + ">";
      if (action.step == SmtpClient::Step::kClose) sent += "<CLOSE>";
    }
  }
  void Reply(const SmtpReplyLines& reply) { Take(client.OnReply(reply)); }
  std::string Sent() {
    std::string out;
    out.swap(sent);
    return out;
  }
  SmtpClient client;
  std::string sent;
};

SmtpEnvelope Envelope(std::vector<std::string> recipients, uint64_t size = 100) { return {"site@shop.test", std::move(recipients), size}; }

SmtpClientOptions Submission() { return {"mailer.test", TlsMode::kStartTls, "mailer", "s3cret"}; }

// Up to the first MAIL: greeting, EHLO, STARTTLS, EHLO, AUTH.
void Greet(Conversation& c) {
  c.Reply(R(220));
  EXPECT_EQ(c.Sent(), "EHLO mailer.test\r\n");
  c.Reply(kEhloFull);
  EXPECT_EQ(c.Sent(), "STARTTLS\r\n");
  c.Reply(R(220));
  EXPECT_EQ(c.Sent(), "<TLS>");
  c.Take(c.client.OnTlsUp());
  EXPECT_EQ(c.Sent(), "EHLO mailer.test\r\n");
  c.Reply(kEhloFull);
  EXPECT_EQ(c.Sent(), "AUTH PLAIN " + AuthPlainResponse("mailer", "s3cret") + "\r\n");
}

TEST(SmtpClientTest, SubmitsTwoMessagesPipelinedAndReportsEachAtOnce) {
  Conversation c(Submission(), {Envelope({"a@x.test", "b@x.test"}), Envelope({"c@x.test"})});
  Greet(c);
  c.Reply(R(235));
  EXPECT_EQ(c.Sent(), "MAIL FROM:<site@shop.test> SIZE=100\r\nRCPT TO:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
  c.Reply(R(250));
  c.Reply(R(250));
  c.Reply(R(550, {"5.1.1 no such user"}));
  EXPECT_EQ(c.Sent(), "");
  c.Reply(R(354));
  EXPECT_EQ(c.Sent(), "<DATA 0>");
  c.Take(c.client.OnDataSent(0));
  c.Reply(R(250, {"2.0.0 queued as A1"}));
  auto first = c.client.TakeResults();
  ASSERT_EQ(first.size(), 1u) << "reported the moment its reply is in, not at the session's end";
  EXPECT_EQ(first[0].index, 0u);
  EXPECT_EQ(first[0].transaction.code, 250);
  EXPECT_EQ(first[0].recipients[1].code, 550);
  EXPECT_EQ(c.Sent(), "MAIL FROM:<site@shop.test> SIZE=100\r\nRCPT TO:<c@x.test>\r\nDATA\r\n");
  c.Reply(R(250));
  c.Reply(R(250));
  c.Reply(R(354));
  c.Take(c.client.OnDataSent(1));
  c.Reply(R(250));
  EXPECT_EQ(c.client.TakeResults().size(), 1u);
  EXPECT_EQ(c.Sent(), "<DATA 1>QUIT\r\n");
  c.Reply(R(221));
  EXPECT_EQ(c.Sent(), "<CLOSE>");
  EXPECT_TRUE(c.client.done());
  EXPECT_EQ(c.client.problem(), SessionProblem::kNone);
  EXPECT_TRUE(c.client.Unattempted().empty());
}

TEST(SmtpClientTest, ARefusedPasswordIsARelayProblemAndNoMessageIsAttempted) {
  Conversation c(Submission(), {Envelope({"a@x.test"}), Envelope({"b@x.test"})});
  Greet(c);
  c.Reply(R(535, {"5.7.8 Error: authentication failed"}));
  EXPECT_EQ(c.Sent(), "QUIT\r\n<CLOSE>");
  EXPECT_EQ(c.client.problem(), SessionProblem::kRelay);
  EXPECT_EQ(c.client.problem_phase(), "AUTH");
  EXPECT_EQ(c.client.problem_reply().code, 535);
  EXPECT_TRUE(c.client.TakeResults().empty()) << "no message failed because of the relay's password";
  EXPECT_EQ(c.client.Unattempted(), (std::vector<size_t>{0, 1}));
}

TEST(SmtpClientTest, AuthenticationRequiredAtMailIsARelayProblemNotTheMessages) {
  // No user configured, and the relay wants one: its 530 is the hoster's to fix.
  Conversation c({"mailer.test", TlsMode::kNone, "", ""}, {Envelope({"a@x.test"}), Envelope({"b@x.test"})});
  c.Reply(R(220));
  EXPECT_EQ(c.Sent(), "EHLO mailer.test\r\n");
  c.Reply(R(250, {"relay.test", "PIPELINING"}));
  EXPECT_EQ(c.Sent(), "MAIL FROM:<site@shop.test>\r\nRCPT TO:<a@x.test>\r\nDATA\r\n");
  c.Reply(R(530, {"5.7.0 Authentication required"}));
  EXPECT_EQ(c.Sent(), "QUIT\r\n<CLOSE>");
  EXPECT_EQ(c.client.problem(), SessionProblem::kRelay);
  EXPECT_EQ(c.client.problem_phase(), "MAIL");
  EXPECT_TRUE(c.client.TakeResults().empty());
  EXPECT_EQ(c.client.Unattempted(), (std::vector<size_t>{0, 1}));
}

TEST(SmtpClientTest, NeverGoesOnWithoutTheTlsOrTheAuthItWasToldToUse) {
  {
    Conversation c(Submission(), {Envelope({"a@x.test"})});
    c.Reply(R(220));
    c.Reply(R(250, {"relay.test", "AUTH PLAIN"}));
    EXPECT_EQ(c.client.problem(), SessionProblem::kRelay);
    EXPECT_EQ(c.client.problem_reply().text, "the relay does not offer STARTTLS");
  }
  {
    Conversation c({"m", TlsMode::kNone, "mailer", "pw"}, {Envelope({"a@x.test"})});
    c.Reply(R(220));
    c.Reply(R(250, {"relay.test", "AUTH CRAM-MD5"}));
    EXPECT_EQ(c.client.problem(), SessionProblem::kRelay);
    EXPECT_NE(c.client.problem_reply().text.find("only CRAM-MD5"), std::string::npos);
  }
  {
    Conversation c(Submission(), {Envelope({"a@x.test"})});
    c.Reply(R(220));
    c.Reply(kEhloFull);
    c.Reply(R(220));
    c.Take(c.client.OnTlsFailed("TLS: the server's certificate does not name relay.test"));
    EXPECT_EQ(c.client.problem(), SessionProblem::kRelay);
    EXPECT_EQ(c.client.Unattempted().size(), 1u);
  }
}

TEST(SmtpClientTest, AuthLoginWhenPlainIsNotOffered) {
  Conversation c({"m", TlsMode::kNone, "mailer", "pw"}, {Envelope({"a@x.test"})});
  c.Reply(R(220));
  c.Reply(R(250, {"relay.test", "AUTH LOGIN"}));
  EXPECT_EQ(c.Sent(), "EHLO m\r\nAUTH LOGIN\r\n");
  c.Reply(R(334, {"VXNlcm5hbWU6"}));
  EXPECT_EQ(c.Sent(), Base64("mailer") + "\r\n");
  c.Reply(R(334, {"UGFzc3dvcmQ6"}));
  EXPECT_EQ(c.Sent(), Base64("pw") + "\r\n");
  c.Reply(R(235));
  EXPECT_EQ(c.Sent(), "MAIL FROM:<site@shop.test>\r\n") << "without PIPELINING: one command at a time";
  EXPECT_TRUE(c.client.authenticated());
}

TEST(SmtpClientTest, WithoutPipeliningEveryRecipientWaitsForItsReply) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test", "b@x.test"})});
  c.Reply(R(220));
  c.Reply(R(250, {"old.test"}));
  EXPECT_EQ(c.Sent(), "EHLO m\r\nMAIL FROM:<site@shop.test>\r\n");
  c.Reply(R(250));
  EXPECT_EQ(c.Sent(), "RCPT TO:<a@x.test>\r\n");
  c.Reply(R(550));
  EXPECT_EQ(c.Sent(), "RCPT TO:<b@x.test>\r\n");
  c.Reply(R(250));
  EXPECT_EQ(c.Sent(), "DATA\r\n");
  c.Reply(R(354));
  EXPECT_EQ(c.Sent(), "<DATA 0>");
}

TEST(SmtpClientTest, AServerWithoutEhloGetsHelo) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test"})});
  c.Reply(R(220));
  c.Reply(R(502, {"command not implemented"}));
  EXPECT_EQ(c.Sent(), "EHLO m\r\nHELO m\r\n");
  c.Reply(R(250));
  EXPECT_EQ(c.Sent(), "MAIL FROM:<site@shop.test>\r\n");
}

TEST(SmtpClientTest, ARefusedSenderFailsThatMessageOnlyAndTheSessionGoesOn) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test"}), Envelope({"b@x.test"})});
  c.Reply(R(220));
  c.Reply(R(250, {"relay.test", "PIPELINING"}));
  c.Sent();
  c.Reply(R(553, {"5.7.1 sender not owned"}));
  c.Reply(R(503));
  c.Reply(R(503, {"no valid recipients"}));
  auto results = c.client.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].transaction.code, 553);
  EXPECT_EQ(c.Sent(), "RSET\r\n");
  c.Reply(R(250));
  EXPECT_EQ(c.Sent(), "MAIL FROM:<site@shop.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
}

TEST(SmtpClientTest, AMessageOverTheRelaysSizeLimitFailsBeforeItIsSent) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test"}, 500000), Envelope({"b@x.test"}, 10)});
  c.Reply(R(220));
  c.Reply(R(250, {"relay.test", "PIPELINING", "SIZE 100000"}));
  auto results = c.client.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].transaction.code, 552);
  EXPECT_NE(c.Sent().find("SIZE=10\r\nRCPT TO:<b@x.test>"), std::string::npos);
}

TEST(SmtpClientTest, AConnectionLostMidDataDefersThatMessageAndLeavesTheRestUntried) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test"}), Envelope({"b@x.test"}), Envelope({"c@x.test"})});
  c.Reply(R(220));
  c.Reply(R(250, {"relay.test", "PIPELINING"}));
  c.Reply(R(250));
  c.Reply(R(250));
  c.Reply(R(354));
  c.Take(c.client.OnDataSent(0));
  c.client.OnConnectionLost("connection reset by the relay");
  auto results = c.client.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].transaction.code, 0) << "in flight: may have arrived, tried again";
  EXPECT_EQ(c.client.problem(), SessionProblem::kConnection);
  EXPECT_EQ(c.client.problem_phase(), "DATA");
  EXPECT_EQ(c.client.Unattempted(), (std::vector<size_t>{1, 2}));
}

TEST(SmtpClientTest, A421AnywhereEndsTheSession) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test"})});
  c.Reply(R(220));
  c.Reply(R(250, {"relay.test"}));
  c.Reply(R(421, {"4.3.2 shutting down"}));
  EXPECT_EQ(c.client.problem(), SessionProblem::kConnection);
  auto results = c.client.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].transaction.code, 421);
}

TEST(SmtpClientTest, AGreetingRefusalIsTheRelays) {
  Conversation c({"m", TlsMode::kNone}, {Envelope({"a@x.test"})});
  c.Reply(R(554, {"5.7.1 no access for you"}));
  EXPECT_EQ(c.client.problem(), SessionProblem::kRelay);
  EXPECT_EQ(c.client.Unattempted().size(), 1u);
  Conversation busy({"m", TlsMode::kNone}, {Envelope({"a@x.test"})});
  busy.Reply(R(450, {"too busy"}));
  EXPECT_EQ(busy.client.problem(), SessionProblem::kConnection);
}

TEST(SmtpClientTest, ImplicitTlsNeedsNoStartTls) {
  Conversation c({"m", TlsMode::kTls, "u", "p"}, {Envelope({"a@x.test"})});
  c.Reply(R(220));
  c.Reply(R(250, {"relay.test", "AUTH PLAIN"}));
  EXPECT_EQ(c.Sent(), "EHLO m\r\nAUTH PLAIN " + AuthPlainResponse("u", "p") + "\r\n");
}

}  // namespace
}  // namespace webvps::mailer
