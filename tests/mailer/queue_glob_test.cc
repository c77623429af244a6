#include "mailer/queue_glob.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

TEST(QueueGlobTest, SiteComesFromTheDirectoryOnly) {
  auto glob = QueueGlob::Parse("/home/*/volumes/home/mail/queue");
  ASSERT_TRUE(glob.ok()) << glob.error().message();
  EXPECT_EQ(glob->sites_root(), "/home");
  EXPECT_EQ(glob->suffix(), "volumes/home/mail/queue");
  EXPECT_EQ(glob->QueueOf("demo"), "/home/demo/volumes/home/mail/queue");
  EXPECT_EQ(glob->MailDirOf("demo"), "/home/demo/volumes/home/mail");
  EXPECT_EQ(glob->SiteOf("/home/demo/volumes/home/mail/queue"), "demo");
  EXPECT_EQ(glob->SiteOf("/home/demo/volumes/home/mail/queue/"), "demo");
}

TEST(QueueGlobTest, PathsThatAreNoSiteQueue) {
  auto glob = QueueGlob::Parse("/home/*/volumes/home/mail/queue");
  ASSERT_TRUE(glob.ok());
  for (const char* path : {"/home/volumes/home/mail/queue", "/home/a/b/volumes/home/mail/queue", "/home/Demo/volumes/home/mail/queue",
                           "/home/../volumes/home/mail/queue", "/srv/demo/volumes/home/mail/queue", "/home/demo/volumes/home/mail",
                           "/home/demo/volumes/home/mail/queue2", "/home//volumes/home/mail/queue"}) {
    EXPECT_EQ(glob->SiteOf(path), std::nullopt) << path;
  }
}

TEST(QueueGlobTest, RootLevelSites) {
  auto glob = QueueGlob::Parse("/*/mail/queue");
  ASSERT_TRUE(glob.ok());
  EXPECT_EQ(glob->sites_root(), "/");
  EXPECT_EQ(glob->QueueOf("x"), "/x/mail/queue");
  EXPECT_EQ(glob->SiteOf("/x/mail/queue"), "x");
}

TEST(QueueGlobTest, BadPatternsSayWhy) {
  struct Case {
    const char* pattern;
    const char* problem;
  };
  for (const Case& c : {Case{"home/*/queue", "must be an absolute path"},
                        Case{"/home/queue", "must hold exactly one '*', standing for the site name"},
                        Case{"/home/*/*/queue", "must hold exactly one '*', standing for the site name"},
                        Case{"/home/site-*/queue", "the '*' must be a whole directory name between two '/', followed by the queue's path"},
                        Case{"/home/*", "the '*' must be a whole directory name between two '/', followed by the queue's path"},
                        Case{"/home/*/../queue", "must not contain /../"},
                        Case{"/home//*/queue", "must not contain //"}}) {
    auto glob = QueueGlob::Parse(c.pattern);
    ASSERT_FALSE(glob.ok()) << c.pattern;
    EXPECT_EQ(glob.error().message(), c.problem) << c.pattern;
  }
}

}  // namespace
}  // namespace webvps::mailer
