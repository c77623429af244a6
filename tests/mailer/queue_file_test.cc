#include "mailer/queue_file.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

TEST(QueueFileTest, ParsesNullmailersFormat) {
  auto message = ParseQueueFile("www-data@demo.example.org\na@x.example\nb@y.example\n\nSubject: Hi\n\nBody\n");
  ASSERT_TRUE(message.ok()) << message.error().message();
  EXPECT_EQ(message->sender, "www-data@demo.example.org");
  EXPECT_EQ(message->recipients, (std::vector<std::string>{"a@x.example", "b@y.example"}));
  EXPECT_EQ(message->message, "Subject: Hi\n\nBody\n");
}

TEST(QueueFileTest, EmptySenderIsTheNullSender) {
  auto message = ParseQueueFile("\nbounce@x.example\n\nSubject: bounce\n\n.\n");
  ASSERT_TRUE(message.ok()) << message.error().message();
  EXPECT_EQ(message->sender, "");
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
  auto message = ParseQueueFile(GetParam().content);
  ASSERT_FALSE(message.ok());
  EXPECT_NE(message.error().message().find(GetParam().expected), std::string::npos) << message.error().message();
}

INSTANTIATE_TEST_SUITE_P(Table, QueueFileBrokenTest, testing::ValuesIn(kBroken));

TEST(QueueFileTest, ToCrlfConvertsOnlyBareLineFeeds) {
  EXPECT_EQ(ToCrlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(ToCrlf("\n"), "\r\n");
  EXPECT_EQ(ToCrlf("no newline"), "no newline");
}

}  // namespace
}  // namespace webvps::mailer
