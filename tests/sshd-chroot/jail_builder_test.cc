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
    fs::create_directories(jail_dir_.path() / "html");
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
    return BuildShellJail(jail_.get(), store_.get(), PlanShellJail(user_, tools_, {"nameserver 10.0.0.1\n"}), kSiteUid, ::getuid());
  }

  struct stat Stat(const std::string& path) {
    struct stat info {};
    EXPECT_EQ(::lstat((jail_dir_.path() / path).c_str(), &info), 0) << path;
    return info;
  }

  static constexpr uid_t kSiteUid = 10002;
  SiteUser user_{"blog", static_cast<int>(kSiteUid), SshAccess::kShell, "", {}};
  TempDir jail_dir_, store_dir_;
  std::vector<ToolEntry> tools_;
  UniqueFd store_, jail_;
};

TEST_F(JailBuilderTest, ToolsAreHardLinksIntoTheStoreAndTheRestIsInPlace) {
  auto stats = Build();
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_GT(stats->created, 10);
  struct stat store_bash {};
  ASSERT_EQ(::stat((store_dir_.path() / "v/usr/bin/bash").c_str(), &store_bash), 0);
  EXPECT_EQ(Stat("usr/bin/bash").st_ino, store_bash.st_ino) << "a hard link: no copy, no disk";
  EXPECT_EQ(fs::read_symlink(jail_dir_.path() / "bin"), "usr/bin");
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
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "html")) << "the site's files stay";

  auto again = Build();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->replaced, 0);
  EXPECT_EQ(again->removed, 0);
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

TEST_F(JailBuilderTest, ANameTheSiteOwnsStopsTheBuildBeforeAnyChange) {
  fs::create_directories(jail_dir_.path() / "etc");
  // Here the builder's "root" is another uid, so the test's own etc/ is the site's.
  auto stats = BuildShellJail(jail_.get(), store_.get(), PlanShellJail(user_, tools_, {}), kSiteUid, ::getuid() + 1);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.error().message().find("etc at the top of the site's files belongs to uid"), std::string::npos);
  EXPECT_FALSE(fs::exists(jail_dir_.path() / "usr")) << "nothing was changed";
}

TEST_F(JailBuilderTest, ASymlinkPlantedWhereADirectoryGoesIsReplacedNotFollowed) {
  TempDir elsewhere;
  fs::create_symlink(elsewhere.path(), jail_dir_.path() / "usr");
  ASSERT_TRUE(Build().ok());
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(jail_dir_.path() / "usr"))) << "a real directory now";
  EXPECT_TRUE(fs::is_empty(elsewhere.path())) << "nothing written through the link";
}

TEST_F(JailBuilderTest, RemovingTheShellJailKeepsTheSitesFiles) {
  ASSERT_TRUE(Build().ok());
  auto removed = RemoveShellJail(jail_.get(), ::getuid());
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_EQ(*removed, 5) << "bin, dev, etc, tmp, usr";
  EXPECT_EQ(std::distance(fs::directory_iterator(jail_dir_.path()), fs::directory_iterator()), 1);
  EXPECT_TRUE(fs::exists(jail_dir_.path() / "html"));
  EXPECT_TRUE(fs::exists(store_dir_.path() / "v/usr/bin/bash")) << "the store's copies stay";
}

}  // namespace
}  // namespace webvps::sshd_chroot
