#include "mailer/smtp_protocol.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

std::string Encode(std::string_view message, size_t chunk = 0) {
  DataEncoder encoder;
  std::string out;
  if (chunk == 0) chunk = message.size() + 1;
  for (size_t i = 0; i < message.size(); i += chunk) {
    Status status = encoder.Feed(message.substr(i, chunk), out);
    EXPECT_TRUE(status.ok()) << status.error().message();
  }
  encoder.Finish(out);
  return out;
}

TEST(SmtpReplyParserTest, JoinsMultiLineRepliesWhateverTheSplit) {
  std::string bytes = "220 relay ESMTP\r\n250-relay.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 AUTH PLAIN LOGIN\r\n";
  for (size_t split = 1; split < bytes.size(); ++split) {
    SmtpReplyParser parser;
    std::vector<SmtpReplyLines> replies;
    ASSERT_TRUE(parser.Feed(bytes.substr(0, split), replies).ok());
    ASSERT_TRUE(parser.Feed(bytes.substr(split), replies).ok());
    ASSERT_EQ(replies.size(), 2u) << split;
    EXPECT_EQ(replies[0].code, 220);
    EXPECT_EQ(replies[1].lines.size(), 4u);
    EXPECT_EQ(replies[1].Joined().text, "relay.test; PIPELINING; SIZE 1000; AUTH PLAIN LOGIN");
  }
}

TEST(SmtpReplyParserTest, RefusesWhatIsNoReply) {
  for (const char* bad : {"hello\r\n", "99 x\r\n", "700 x\r\n", "250-a\r\n251 b\r\n", "25\r\n"}) {
    SmtpReplyParser parser;
    std::vector<SmtpReplyLines> replies;
    EXPECT_FALSE(parser.Feed(bad, replies).ok()) << bad;
  }
  SmtpReplyParser parser;
  std::vector<SmtpReplyLines> replies;
  EXPECT_FALSE(parser.Feed(std::string(5000, 'x'), replies).ok()) << "a line without end is bounded";
  SmtpReplyParser many;
  std::string flood;
  for (int i = 0; i < 300; ++i) flood += "250-x\r\n";
  EXPECT_FALSE(many.Feed(flood, replies).ok()) << "and so is the number of lines";
}

TEST(SmtpReplyParserTest, ReadsTheExtensions) {
  SmtpReplyLines ehlo{250, {"relay.test", "pipelining", "SIZE 10240000", "8BITMIME", "AUTH PLAIN LOGIN", "AUTH=LOGIN", "STARTTLS"}};
  SmtpExtensions extensions = ParseExtensions(ehlo);
  EXPECT_TRUE(extensions.pipelining && extensions.starttls && extensions.eight_bit_mime);
  EXPECT_EQ(extensions.size, 10240000u);
  EXPECT_EQ(extensions.auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));
}

TEST(DataEncoderTest, EveryLineEndBecomesCrlfAndLeadingDotsAreDoubled) {
  EXPECT_EQ(Encode("Subject: a\n\nbody\n"), "Subject: a\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(Encode("a\r\nb\r\n"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(Encode("a\rb\r"), "a\r\nb\r\n.\r\n") << "a bare CR is a line end";
  EXPECT_EQ(Encode(".hidden\n..two\n"), "..hidden\r\n...two\r\n.\r\n");
  EXPECT_EQ(Encode("no final line end"), "no final line end\r\n.\r\n");
  EXPECT_EQ(Encode(""), ".\r\n");
}

TEST(DataEncoderTest, TheSmugglingPayloadStaysOneMessage) {
  // <CR>.<CR> and <LF>.<LF> end the data at relays that accept them: here they are dot-stuffed
  // lines, and the MAIL FROM after them is text of this message.
  std::string smuggled = "Subject: one\n\nfirst\r.\rMAIL FROM:<evil@x.test>\rRCPT TO:<v@x.test>\rDATA\r\nsecond\n.\nthird\n";
  std::string out = Encode(smuggled);
  EXPECT_EQ(out.find("\r\n.\r\n"), out.size() - 5) << "the only end of data is the last: " << out;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r') {
      EXPECT_EQ(out[i + 1], '\n') << "no bare CR at " << i;
    }
    if (out[i] == '\n') {
      EXPECT_EQ(out[i - 1], '\r') << "no bare LF at " << i;
    }
  }
}

TEST(DataEncoderTest, TheSameBytesWhateverTheChunks) {
  std::string message = "A: b\r\n\r\n.x\r\rlong " + std::string(2100, 'y') + "\n\r\n.\r\nend";
  std::string whole = Encode(message);
  for (size_t chunk : {1, 2, 3, 7, 998, 999, 1000}) EXPECT_EQ(Encode(message, chunk), whole) << chunk;
}

TEST(DataEncoderTest, LinesOverNineHundredNinetyEightOctetsAreBroken) {
  DataEncoder encoder;
  std::string out;
  ASSERT_TRUE(encoder.Feed(std::string(2500, 'a') + "\n", out).ok());
  encoder.Finish(out);
  EXPECT_EQ(encoder.lines_broken(), 2);
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find("\r\n", start);
    EXPECT_LE(end - start, 998u);
    start = end + 2;
  }
  EXPECT_EQ(out.substr(998, 3), "\r\n ");
}

TEST(DataEncoderTest, ANulIsRefusedWithItsOffset) {
  DataEncoder encoder;
  std::string out;
  Status status = encoder.Feed(std::string("ab\0c", 4), out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("offset 2"), std::string::npos);
}

TEST(SmtpAuthTest, PlainAndBase64) {
  EXPECT_EQ(Base64("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64("hell"), "aGVsbA==");
  EXPECT_EQ(Base64("hel"), "aGVs");
  EXPECT_EQ(AuthPlainResponse("user", "pa:ss"), Base64(std::string("\0user\0pa:ss", 11)));
}

TEST(RedactSecretsTest, ThePasswordNeverSurvivesInAnyForm) {
  std::string echoed = "535 5.7.8 bad " + AuthPlainResponse("mailer", "pa:ss") + " / " + Base64("pa:ss") + " / pa:ss!";
  EXPECT_EQ(RedactSecrets(echoed, "mailer", "pa:ss"), "535 5.7.8 bad [secret] / [secret] / [secret]!");
  EXPECT_EQ(RedactSecrets("250 ok", "mailer", ""), "250 ok");
}

}  // namespace
}  // namespace webvps::mailer
