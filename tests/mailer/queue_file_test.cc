#include "mailer/queue_file.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

Result<QueuedEnvelope> Parse(std::string_view content) { return ParseQueueEnvelope(content, content.size()); }

TEST(QueueFileTest, ParsesNullmailersFormat) {
  std::string content = "www-data@demo.example.org\na@x.example\nb@y.example\n\nSubject: Hi\n\nBody\n";
  auto envelope = Parse(content);
  ASSERT_TRUE(envelope.ok()) << envelope.error().message();
  EXPECT_EQ(envelope->sender, "www-data@demo.example.org");
  EXPECT_EQ(envelope->recipients, (std::vector<std::string>{"a@x.example", "b@y.example"}));
  EXPECT_EQ(content.substr(envelope->message_offset), "Subject: Hi\n\nBody\n");
}

TEST(QueueFileTest, EmptySenderIsTheNullSender) {
  auto envelope = Parse("\nbounce@x.example\n\nSubject: bounce\n\n.\n");
  ASSERT_TRUE(envelope.ok()) << envelope.error().message();
  EXPECT_EQ(envelope->sender, "");
}

TEST(QueueFileTest, TheEnvelopeAloneIsReadFromTheHeadOfABigFile) {
  // 5,000 recipients, then a message of 40 MB the parser never sees.
  std::string head = "s@x.example\n";
  for (int i = 0; i < 5000; ++i) head += "r" + std::to_string(i) + "@y.example\n";
  head += "\nSubject: big\n";
  auto envelope = ParseQueueEnvelope(head, 40u << 20);
  ASSERT_TRUE(envelope.ok()) << envelope.error().message();
  EXPECT_EQ(envelope->recipients.size(), 5000u);
  EXPECT_EQ(head.substr(envelope->message_offset), "Subject: big\n");
}

TEST(QueueFileTest, AnEnvelopeBeyondTheHeadIsRefusedWithItsSize) {
  auto envelope = ParseQueueEnvelope("s@x.example\nr@y.example\nr2@y.exa", 1000);
  ASSERT_FALSE(envelope.ok());
  EXPECT_EQ(envelope.error().message(), "the envelope does not end within the first 32 bytes");
}

struct BrokenCase {
  const char* title;
  const char* content;
  const char* expected;
};

void PrintTo(const BrokenCase& c, std::ostream* out) { *out << c.title; }

const BrokenCase kBroken[] = {
    {"empty file", "", "line 1: no envelope sender line"},
    {"no newline at all", "sender@x.example", "line 1: no envelope sender line"},
    {"no recipient", "s@x.example\n\nSubject: x\n", "line 2: no recipient"},
    {"no empty line", "s@x.example\nr@y.example\n", "line 3: no empty line after the recipients"},
    {"no message", "s@x.example\nr@y.example\n\n", "line 4: empty message"},
    {"sender with spaces", "s s@x.example\nr@y.example\n\nx\n", "line 1: sender \"s s@x.example\""},
    {"sender with CR", "s@x.example\r\nr@y.example\n\nx\n", "line 1: sender"},
    {"recipient injection", "s@x.example\nr@y.example>\nRCPT TO:<all@z.example\n\nx\n", "line 2: recipient"},
    {"recipient without at", "s@x.example\nroot\n\nx\n", "line 2: recipient \"root\""},
    {"binary garbage", "\x01\x02\n\x03\n\nx\n", "line 1: sender"},
};

class QueueFileBrokenTest : public testing::TestWithParam<BrokenCase> {};

TEST_P(QueueFileBrokenTest, SaysWhatIsWrongAndWhere) {
  auto envelope = Parse(GetParam().content);
  ASSERT_FALSE(envelope.ok());
  EXPECT_NE(envelope.error().message().find(GetParam().expected), std::string::npos) << envelope.error().message();
}

INSTANTIATE_TEST_SUITE_P(Table, QueueFileBrokenTest, testing::ValuesIn(kBroken));

}  // namespace
}  // namespace webvps::mailer
