#include "mailer/site_mail_dir.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"

namespace webvps::mailer {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& content) { std::ofstream(path) << content; }

class SiteMailDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "demo/mail/queue");
    fs::create_directories(dir_.path() / "other/mail/queue");
  }
  fs::path Mail(const char* site = "demo") { return dir_.path() / site / "mail"; }
  TempDir dir_;
};

TEST_F(SiteMailDirTest, ListReadMoveAndCreateSentAndFailed) {
  Write(Mail() / "queue/1", "a@b.test\nc@d.test\n\nSubject: x\n\nhi\n");
  Write(Mail() / "queue/.hidden", "x");
  auto dir = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_TRUE(dir.ok()) << dir.error().message();
  EXPECT_TRUE(fs::is_directory(Mail() / "sent"));
  EXPECT_TRUE(fs::is_directory(Mail() / "failed"));
  auto entries = dir->ListQueue();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].name, "1");
  auto read = dir->ReadQueueHead("1", 1024, 1024);
  ASSERT_TRUE(read.ok) << read.problem;
  EXPECT_EQ(read.head, "a@b.test\nc@d.test\n\nSubject: x\n\nhi\n");
  EXPECT_EQ(read.size, read.head.size());
  auto head = dir->ReadQueueHead("1", 8, 1024);
  EXPECT_EQ(head.head, "a@b.test") << "only the head is read";
  EXPECT_EQ(head.size, 34u);
  ASSERT_TRUE(dir->MoveToSent("1").ok());
  EXPECT_TRUE(fs::exists(Mail() / "sent/1"));
  EXPECT_FALSE(fs::exists(Mail() / "queue/1"));
  auto missing = dir->ReadQueueHead("1", 1024, 1024);
  EXPECT_TRUE(missing.missing);
}

TEST_F(SiteMailDirTest, SymlinksFifosAndBigFilesAreNeverRead) {
  Write(dir_.path() / "other/mail/queue/secret", "other's mail");
  fs::create_symlink(dir_.path() / "other/mail/queue/secret", Mail() / "queue/link");
  ASSERT_EQ(::mkfifo((Mail() / "queue/fifo").c_str(), 0600), 0);
  Write(Mail() / "queue/big", std::string(2048, 'x'));
  auto dir = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_TRUE(dir.ok());
  auto link = dir->ReadQueueHead("link", 1024, 1024);
  EXPECT_FALSE(link.ok);
  EXPECT_TRUE(link.permanent);
  EXPECT_EQ(link.problem, "a symlink, not a queued message");
  auto fifo = dir->ReadQueueHead("fifo", 1024, 1024);
  EXPECT_TRUE(fifo.permanent);
  EXPECT_EQ(fifo.problem, "not a regular file");
  auto big = dir->ReadQueueHead("big", 1024, 1024);
  EXPECT_TRUE(big.permanent);
  EXPECT_EQ(big.problem, "larger than the size limit (2048 > 1024 bytes)");
  ASSERT_TRUE(dir->MoveToFailed("link", "a symlink").ok());
  EXPECT_TRUE(fs::is_symlink(Mail() / "failed/link"));
  EXPECT_EQ(fs::read_symlink(Mail() / "failed/link"), dir_.path() / "other/mail/queue/secret");
  std::ifstream reason(Mail() / "failed/link.reason");
  std::string line;
  std::getline(reason, line);
  EXPECT_EQ(line, "a symlink");
  EXPECT_TRUE(fs::exists(dir_.path() / "other/mail/queue/secret"));  // the target is untouched
}

TEST_F(SiteMailDirTest, RefusesSymlinkedDirectories) {
  fs::remove_all(dir_.path() / "demo/mail");
  fs::create_directory_symlink(dir_.path() / "other/mail", dir_.path() / "demo/mail");
  auto through_link = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_FALSE(through_link.ok());
  EXPECT_NE(through_link.error().message().find("mail is a symlink or not a directory"), std::string::npos)
      << through_link.error().message();
  fs::remove(dir_.path() / "demo/mail");
  fs::create_directories(dir_.path() / "demo/mail");
  fs::create_directory_symlink(dir_.path() / "other/mail/queue", dir_.path() / "demo/mail/queue");
  auto queue_link = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_FALSE(queue_link.ok());
  EXPECT_NE(queue_link.error().message().find("queue: a symlink or not a directory"), std::string::npos);
  fs::remove(dir_.path() / "demo/mail/queue");
  fs::create_directories(dir_.path() / "demo/mail/queue");
  fs::create_directory_symlink(dir_.path() / "other/mail", dir_.path() / "demo/mail/sent");
  auto sent_link = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_FALSE(sent_link.ok());
  EXPECT_NE(sent_link.error().message().find("sent: a symlink or not a directory"), std::string::npos);
}

TEST_F(SiteMailDirTest, CleanSentRemovesOnlyOldFiles) {
  auto dir = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_TRUE(dir.ok());
  Write(Mail() / "sent/old", "x");
  Write(Mail() / "sent/new", "x");
  struct timespec times[2] = {{0, UTIME_OMIT}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (Mail() / "sent/old").c_str(), times, 0), 0);
  EXPECT_EQ(dir->CleanSent(std::chrono::hours(24)), 1);
  EXPECT_FALSE(fs::exists(Mail() / "sent/old"));
  EXPECT_TRUE(fs::exists(Mail() / "sent/new"));
}

TEST_F(SiteMailDirTest, ASentOrFailedRemovedUnderItsFeetIsMadeAgain) {
  auto dir = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_TRUE(dir.ok());
  Write(Mail() / "queue/1", "x");
  Write(Mail() / "queue/2", "x");
  fs::remove_all(Mail() / "sent");
  fs::remove_all(Mail() / "failed");
  ASSERT_TRUE(dir->MoveToSent("1").ok());
  EXPECT_TRUE(fs::exists(Mail() / "sent/1"));
  ASSERT_TRUE(dir->MoveToFailed("2", "why").ok());
  EXPECT_TRUE(fs::exists(Mail() / "failed/2"));
  EXPECT_TRUE(fs::exists(Mail() / "failed/2.reason"));
}

TEST_F(SiteMailDirTest, TrimFailedRemovesTheOldestMailsWithTheirReasons) {
  auto dir = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_TRUE(dir.ok());
  for (int i = 1; i <= 4; ++i) {
    std::string name = "m" + std::to_string(i);
    Write(Mail() / "failed" / name, std::string(1000, 'x'));
    Write(Mail() / "failed" / (name + ".reason"), "r\n");
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000 * i, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (Mail() / "failed" / name).c_str(), times, 0), 0);
  }
  EXPECT_EQ(dir->FailedBytes(), 4008u);
  EXPECT_EQ(dir->TrimFailed(2100), 2);
  EXPECT_FALSE(fs::exists(Mail() / "failed/m1"));
  EXPECT_FALSE(fs::exists(Mail() / "failed/m1.reason"));
  EXPECT_FALSE(fs::exists(Mail() / "failed/m2"));
  EXPECT_TRUE(fs::exists(Mail() / "failed/m3"));
  EXPECT_TRUE(fs::exists(Mail() / "failed/m4.reason"));
  EXPECT_EQ(dir->TrimFailed(100000), 0);
}

}  // namespace
}  // namespace webvps::mailer
