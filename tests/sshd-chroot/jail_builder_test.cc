#include "sshd-chroot/jail_builder.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"

namespace webvps::sshd_chroot {
namespace {

namespace fs = std::filesystem;

// Jails built as the test's own user: the builder's `owner` stands for root.
class JailBuilderTest : public testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(jail_dir_.path() / "www/html");
    fs::create_directories(jail_dir_.path() / "home/mail");
    MakeStore({{"usr/bin/bash", "bash v1"}, {"usr/lib/libc.so.6", "libc"}, {"usr/bin/old-tool", "old"}});
  }

  void MakeStore(const std::vector<std::pair<std::string, std::string>>& files) {
    fs::remove_all(store_dir_.path() / "v");
    tools_.clear();
    tools_.push_back({ToolEntry::Kind::kSymlink, "/bin", "usr/bin", 0777, 0, 0});
    for (const char* dir : {"/usr", "/usr/bin", "/usr/lib"}) {
      fs::create_directories(store_dir_.path() / "v" / (dir + 1));
      tools_.push_back({ToolEntry::Kind::kDirectory, dir, "", 0755, 0, 0});
    }
    for (const auto& [path, content] : files) {
      std::ofstream(store_dir_.path() / "v" / path) << content;
      tools_.push_back({ToolEntry::Kind::kFile, "/" + path, "", 0755, content.size(), 0});
    }
    std::sort(tools_.begin(), tools_.end(), [](const ToolEntry& a, const ToolEntry& b) { return a.path < b.path; });
    store_ = UniqueFd(::open((store_dir_.path() / "v").c_str(), O_RDONLY | O_DIRECTORY));
    jail_ = UniqueFd(::open(jail_dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
  }

  Result<JailBuildStats> Build() {
    return BuildJail(jail_.get(), store_.get(), PlanShellJail(user_, tools_, {"nameserver 10.0.0.1\n"}), ::getuid());
  }

  struct stat Stat(const std::string& path) {
    struct stat info {};
    EXPECT_EQ(::lstat((jail_dir_.path() / path).c_str(), &info), 0) << path;
    return info;
  }

  size_t Entries(const fs::path& dir) { return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }

  static constexpr uid_t kSiteUid = 10002;
  SiteUser user_{"blog", static_cast<int>(kSiteUid), SshAccess::kShell, "", {}};
  TempDir jail_dir_, store_dir_;
  std::vector<ToolEntry> tools_;
  UniqueFd store_, jail_;
};

TEST_F(JailBuilderTest, ToolsAreHardLinksIntoTheStoreBesideTheSitesFiles) {
  auto stats = Build();
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_GT(stats->created, 10);
  struct stat store_bash {};
  ASSERT_EQ(::stat((store_dir_.path() / "v/usr/bin/bash").c_str(), &store_bash), 0);
  EXPECT_EQ(Stat("usr/bin/bash").st_ino, store_bash.st_ino) << "a hard link: no copy, no disk";
  EXPECT_EQ(fs::read_symlink(jail_dir_.path() / "bin"), "usr/bin");
  EXPECT_EQ(fs::read_symlink(jail_dir_.path() / "var/www"), "../www") << "the login's home, as in the site's container";
  EXPECT_EQ(Stat("tmp").st_mode & 07777, 01777u);
  EXPECT_EQ(Stat("usr").st_mode & 07777, 0755u);
  std::ifstream passwd(jail_dir_.path() / "etc/passwd");
  std::string text((std::istreambuf_iterator<char>(passwd)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, JailPasswd(user_));
  if (::getuid() == 0) {
    EXPECT_TRUE(S_ISCHR(Stat("dev/null").st_mode));
    EXPECT_EQ(Stat("dev/null").st_mode & 07777, 0666u);
  } else {
    EXPECT_FALSE(stats->warnings.empty()) << "mknod needs CAP_MKNOD: said, not fatal";
  }
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "www/html")) << "the site's files stay";
  EXPECT_EQ(Entries(jail_dir_.path() / "www"), 1u) << "nothing of the jail goes into the site's files";

  auto again = Build();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->replaced, 0);
  EXPECT_EQ(again->removed, 0);
}

TEST_F(JailBuilderTest, AnSftpJailHoldsTheHomeLinkOnly) {
  auto stats = BuildJail(jail_.get(), store_.get(), PlanSftpJail(), ::getuid());
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(fs::read_symlink(jail_dir_.path() / "var/www"), "../www");
  EXPECT_EQ(Entries(jail_dir_.path()), 3u) << "www, home, var";
}

TEST_F(JailBuilderTest, AnUpgradeRelinksChangedToolsAndPrunesTheOnesGone) {
  ASSERT_TRUE(Build().ok());
  MakeStore({{"usr/bin/bash", "bash v2"}, {"usr/lib/libc.so.6", "libc"}});
  auto stats = Build();
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->replaced, 2) << "bash and libc: new store, new inodes";
  EXPECT_EQ(stats->removed, 1) << "old-tool is no longer in the tools";
  EXPECT_FALSE(fs::exists(jail_dir_.path() / "usr/bin/old-tool"));
  std::ifstream bash(jail_dir_.path() / "usr/bin/bash");
  std::string text((std::istreambuf_iterator<char>(bash)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "bash v2");
}

TEST_F(JailBuilderTest, ANameOfAnotherOwnerStopsTheBuildBeforeAnyChange) {
  fs::create_directories(jail_dir_.path() / "etc");
  // Here the builder's "root" is another uid, so the test's own etc/ is in the way.
  auto stats = BuildJail(jail_.get(), store_.get(), PlanShellJail(user_, tools_, {}), ::getuid() + 1);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.error().message().find("etc at the jail's root belongs to uid"), std::string::npos) << stats.error().message();
  EXPECT_FALSE(fs::exists(jail_dir_.path() / "usr")) << "nothing was changed";
}

TEST_F(JailBuilderTest, ASymlinkPlantedWhereADirectoryGoesIsReplacedNotFollowed) {
  TempDir elsewhere;
  fs::create_symlink(elsewhere.path(), jail_dir_.path() / "usr");
  ASSERT_TRUE(Build().ok());
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(jail_dir_.path() / "usr"))) << "a real directory now";
  EXPECT_TRUE(fs::is_empty(elsewhere.path())) << "nothing written through the link";
}

TEST_F(JailBuilderTest, ShellToSftpRemovesTheToolsAndKeepsTheSitesFiles) {
  ASSERT_TRUE(Build().ok());
  auto stats = BuildJail(jail_.get(), store_.get(), PlanSftpJail(), ::getuid());
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  for (const char* gone : {"bin", "usr", "etc", "dev", "tmp"}) EXPECT_FALSE(fs::exists(jail_dir_.path() / gone)) << gone;
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "var/www"));
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "www/html"));
  EXPECT_TRUE(fs::exists(store_dir_.path() / "v/usr/bin/bash")) << "the store's copies stay";
}

TEST_F(JailBuilderTest, RemovalNeverDeletesWhatTheBuilderDoesNotOwn) {
  // A jail whose managed entries hold files of another owner than the builder's (as the
  // webmaster's files in /tmp are not root's): only the builder's own entries go.
  fs::create_directories(jail_dir_.path() / "tmp/deep/er");
  std::ofstream(jail_dir_.path() / "tmp/deep/er/file") << "webmaster's";
  auto stats = RemoveJail(jail_.get(), ::getuid() + 1);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->removed, 0);
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "tmp/deep/er/file"));
  auto own = RemoveJail(jail_.get(), ::getuid());
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(fs::exists(jail_dir_.path() / "tmp"));
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "www/html")) << "www is not a name the jail manages";
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "home/mail"));
}

TEST_F(JailBuilderTest, TheOldJailInTheSitesFilesGoesAndOnlyThat) {
  // The layout before the jail root moved: the tools in the site's files, beside html/.
  UniqueFd files(::open((jail_dir_.path() / "www").c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_TRUE(BuildJail(files.get(), store_.get(), PlanShellJail(user_, tools_, {}), ::getuid()).ok());
  ASSERT_TRUE(fs::exists(jail_dir_.path() / "www/usr/bin/bash"));
  fs::create_directories(jail_dir_.path() / "www/var/mine");  // the site's own var/: not an old jail name
  auto stats = RemoveOldJailFromFiles(files.get(), ::getuid());
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_GT(stats->removed, 5);
  for (const char* gone : {"bin", "usr", "etc", "dev", "tmp"}) EXPECT_FALSE(fs::exists(jail_dir_.path() / "www" / gone)) << gone;
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "www/html"));
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "www/var/mine"));
}

}  // namespace
}  // namespace webvps::sshd_chroot
