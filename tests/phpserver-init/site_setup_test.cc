#include "phpserver-init/site_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "atomic_file.h"
#include "common/temp_dir.h"

namespace webvps::phpserver_init {
namespace {

namespace fs = std::filesystem;

// The start-up in a scratch tree, as the test's own user standing for both root and the site.
class SiteSetupTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path();
    fs::create_directories(root_ / "etc/nullmailer");
    std::ofstream(root_ / "etc/passwd") << "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n";
    std::ofstream(root_ / "etc/group") << "root:x:0:\nwww-data:x:33:\n";
    paths_.site_dir = (root_ / "www").string();
    paths_.mail_dir = (root_ / "mail").string();
    paths_.passwd = (root_ / "etc/passwd").string();
    paths_.group = (root_ / "etc/group").string();
    paths_.php_conf_dirs = {(root_ / "php").string()};
    fs::create_directories(root_ / "php");
    paths_.nullmailer_dir = (root_ / "etc/nullmailer").string();
    paths_.container_dirs = {(root_ / "run/apache2").string(), (root_ / "sessions").string()};
    paths_.php_sessions = (root_ / "sessions").string();
    paths_.secrets_dir = (root_ / "secrets").string();
    site_.worker_name = "shop";
    site_.worker_uid = static_cast<int>(::getuid());
    site_.host = "shop.example.org";
  }

  std::string Read(const fs::path& path) { return *ReadFile(path); }

  TempDir dir_;
  fs::path root_;
  SitePaths paths_;
  SiteEnvironment site_;
};

TEST_F(SiteSetupTest, TheRootPhaseTouchesTheContainerTheMountsAndNothingBelowThem) {
  auto prepared = PrepareContainer(site_, paths_);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message();
  EXPECT_NE(Read(root_ / "etc/passwd").find("www-data:x:" + std::to_string(::getuid())), std::string::npos);
  EXPECT_NE(Read(root_ / "php/90-webvps.ini").find("session.gc_probability = 1"), std::string::npos);
  EXPECT_EQ(fs::status(root_ / "sessions").permissions(), fs::perms::owner_all);
  EXPECT_TRUE(fs::is_directory(root_ / "mail/queue"));
  EXPECT_TRUE(fs::is_fifo(root_ / "mail/trigger"));
  EXPECT_EQ(Read(root_ / "etc/nullmailer/me"), "shop.example.org\n");
  EXPECT_TRUE(fs::is_directory(root_ / "www"));
  EXPECT_FALSE(fs::exists(root_ / "www/html")) << "the site's own directories are made by the site's uid, later";
}

TEST_F(SiteSetupTest, ASymlinkedQueueIsAnErrorNotFollowed) {
  TempDir elsewhere;
  fs::create_directories(root_ / "mail");
  fs::create_directory_symlink(elsewhere.path(), root_ / "mail/queue");
  auto prepared = PrepareContainer(site_, paths_);
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(prepared.error().message().find("symlink"), std::string::npos) << prepared.error().message();
  EXPECT_TRUE(fs::is_empty(elsewhere.path()));
}

TEST_F(SiteSetupTest, TheSitePhaseMakesANewSite) {
  ASSERT_TRUE(PrepareContainer(site_, paths_).ok());
  auto problems = PrepareSiteFiles(site_, paths_, {});
  EXPECT_TRUE(problems.empty()) << testing::PrintToString(problems);
  EXPECT_NE(Read(root_ / "www/html/index.html").find("shop.example.org"), std::string::npos);
  EXPECT_TRUE(fs::exists(root_ / "www/conf/apache2/shop.example.org.vhost"));
  EXPECT_TRUE(fs::exists(root_ / "www/conf/certificates/shop.example.org.key"));
  for (const char* dir : {"logs", "cgi-bin"}) EXPECT_TRUE(fs::is_directory(root_ / "www" / dir)) << dir;
  // Again: nothing is overwritten.
  std::ofstream(root_ / "www/html/index.html") << "mine";
  EXPECT_TRUE(PrepareSiteFiles(site_, paths_, {}).empty());
  EXPECT_EQ(Read(root_ / "www/html/index.html"), "mine");
}

TEST_F(SiteSetupTest, ABrokenConfDirectoryIsTheSitesProblemNotACrash) {
  ASSERT_TRUE(PrepareContainer(site_, paths_).ok());
  fs::create_directories(root_ / "www/conf");
  std::ofstream(root_ / "www/conf/apache2") << "a file where a directory goes";
  auto problems = PrepareSiteFiles(site_, paths_, {});
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("conf/apache2"), std::string::npos) << problems.front();
  EXPECT_TRUE(fs::exists(root_ / "www/html/index.html")) << "the rest was still done";
}

TEST_F(SiteSetupTest, TheDatabaseCredentialsAreCopiedWhereOlderCodeReadsThem) {
  fs::create_directories(root_ / "secrets");
  std::ofstream(root_ / "secrets/database.ini") << "host = db\nname = shop\nuser = shop\npassword = s3cret0000000000\n";
  ASSERT_TRUE(PrepareContainer(site_, paths_).ok());
  EXPECT_TRUE(PrepareSiteFiles(site_, paths_, {}).empty());
  EXPECT_EQ(Read(root_ / "www/conf/database.ini"), Read(root_ / "secrets/database.ini"));
  EXPECT_EQ(fs::status(root_ / "www/conf/database.ini").permissions(), fs::perms::owner_read | fs::perms::owner_write);
}

TEST(SiteControlledFileTest, NeitherASymlinkNorAFifoIsRead) {
  TempDir dir;
  std::ofstream(dir.path() / "real") << "content";
  fs::create_symlink(dir.path() / "real", dir.path() / "link");
  ASSERT_EQ(::mkfifo((dir.path() / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(*ReadSiteControlledFile((dir.path() / "real").string(), 100), "content");
  EXPECT_FALSE(ReadSiteControlledFile((dir.path() / "link").string(), 100).ok());
  EXPECT_FALSE(ReadSiteControlledFile((dir.path() / "fifo").string(), 100).ok()) << "and without blocking";
  EXPECT_FALSE(ReadSiteControlledFile((dir.path() / "real").string(), 3).ok()) << "over the limit";
}

}  // namespace
}  // namespace webvps::phpserver_init
