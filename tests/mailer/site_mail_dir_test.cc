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
  auto read = dir->ReadQueueFile("1", 1024);
  ASSERT_TRUE(read.ok) << read.problem;
  EXPECT_EQ(read.content, "a@b.test\nc@d.test\n\nSubject: x\n\nhi\n");
  ASSERT_TRUE(dir->MoveToSent("1").ok());
  EXPECT_TRUE(fs::exists(Mail() / "sent/1"));
  EXPECT_FALSE(fs::exists(Mail() / "queue/1"));
  auto missing = dir->ReadQueueFile("1", 1024);
  EXPECT_TRUE(missing.missing);
}

TEST_F(SiteMailDirTest, SymlinksFifosAndBigFilesAreNeverRead) {
  Write(dir_.path() / "other/mail/queue/secret", "other's mail");
  fs::create_symlink(dir_.path() / "other/mail/queue/secret", Mail() / "queue/link");
  ASSERT_EQ(::mkfifo((Mail() / "queue/fifo").c_str(), 0600), 0);
  Write(Mail() / "queue/big", std::string(2048, 'x'));
  auto dir = SiteMailDir::Open(dir_.path().string(), "demo/mail");
  ASSERT_TRUE(dir.ok());
  auto link = dir->ReadQueueFile("link", 1024);
  EXPECT_FALSE(link.ok);
  EXPECT_TRUE(link.permanent);
  EXPECT_EQ(link.problem, "a symlink, not a queued message");
  auto fifo = dir->ReadQueueFile("fifo", 1024);
  EXPECT_TRUE(fifo.permanent);
  EXPECT_EQ(fifo.problem, "not a regular file");
  auto big = dir->ReadQueueFile("big", 1024);
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

}  // namespace
}  // namespace webvps::mailer
