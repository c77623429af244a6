#include "remove_tree.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "safe_dir.h"
#include "temp_dir.h"

namespace webvps {
namespace {

namespace fs = std::filesystem;

void Touch(const fs::path& path) { std::ofstream(path) << "x"; }

UniqueFd OpenDir(const fs::path& path) { return UniqueFd(::open(path.c_str(), kDirectoryNoFollow)); }

// A chain of `depth` directories named "d" below `top`, made one level at a time through
// descriptors (a path that long cannot be named in one system call).
void MakeChain(const fs::path& top, int depth) {
  ASSERT_EQ(::mkdir(top.c_str(), 0755), 0);
  UniqueFd current = OpenDir(top);
  for (int i = 0; i < depth; ++i) {
    ASSERT_EQ(::mkdirat(current.get(), "d", 0755), 0) << i;
    current = UniqueFd(::openat(current.get(), "d", kDirectoryNoFollow));
    ASSERT_TRUE(current) << i;
  }
  int fd = ::openat(current.get(), "leaf", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
}

TEST(RemoveTreeTest, RemovesATreeWithFilesDirectoriesAndLinks) {
  TempDir dir;
  fs::create_directories(dir.path() / "t/a/b");
  Touch(dir.path() / "t/a/b/file");
  Touch(dir.path() / "t/top");
  fs::create_symlink("a", dir.path() / "t/link");
  UniqueFd parent = OpenDir(dir.path());
  auto stats = RemoveTree(parent.get(), "t", "dir");
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->removed, 6u);
  EXPECT_EQ(stats->kept, 0u);
  EXPECT_EQ(stats->depth, 3u);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir.path() / "t")));
}

TEST(RemoveTreeTest, NeverFollowsASymlinkOutOfTheTree) {
  TempDir dir;
  fs::create_directories(dir.path() / "outside/keep");
  Touch(dir.path() / "outside/keep/precious");
  fs::create_directories(dir.path() / "t");
  fs::create_directory_symlink(dir.path() / "outside", dir.path() / "t/escape");
  fs::create_directory_symlink("../outside/keep", dir.path() / "t/relative");
  UniqueFd parent = OpenDir(dir.path());
  auto stats = RemoveTree(parent.get(), "t", "dir");
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_TRUE(fs::exists(dir.path() / "outside/keep/precious")) << "the links went, not what they point to";
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir.path() / "t")));
}

TEST(RemoveTreeTest, ASymlinkGivenAsTheNameIsRemovedNotFollowed) {
  TempDir dir;
  fs::create_directories(dir.path() / "outside");
  Touch(dir.path() / "outside/precious");
  fs::create_directory_symlink(dir.path() / "outside", dir.path() / "t");
  UniqueFd parent = OpenDir(dir.path());
  auto stats = RemoveTree(parent.get(), "t", "dir");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->removed, 1u);
  EXPECT_TRUE(fs::exists(dir.path() / "outside/precious"));
}

TEST(RemoveTreeTest, AHundredThousandLevelsAreRemovedWithoutRecursion) {
  TempDir dir;
  MakeChain(dir.path() / "deep", 100'000);
  UniqueFd parent = OpenDir(dir.path());
  auto stats = RemoveTree(parent.get(), "deep", "dir");
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  // Below 64 levels each directory is moved up into the top one before it is entered.
  EXPECT_LE(stats->depth, 65u);
  EXPECT_EQ(stats->removed, 100'002u);  // every level, the leaf file and the top
  EXPECT_FALSE(fs::exists(dir.path() / "deep"));
}

TEST(RemoveTreeTest, KeepsWhatAnotherUserOwnsAndTheDirectoriesHoldingIt) {
  TempDir dir;
  fs::create_directories(dir.path() / "t/a");
  Touch(dir.path() / "t/a/file");
  UniqueFd parent = OpenDir(dir.path());
  // Nothing here belongs to that uid: the whole tree stays, and is counted.
  auto stats = RemoveTree(parent.get(), "t", "dir", {.only_owner = ::getuid() + 1});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->removed, 0u);
  EXPECT_EQ(stats->kept, 1u);
  EXPECT_TRUE(fs::exists(dir.path() / "t/a/file"));
  auto mine = RemoveTree(parent.get(), "t", "dir", {.only_owner = ::getuid()});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->removed, 3u);
}

TEST(RemoveTreeTest, StopsAtItsBoundWithAnError) {
  TempDir dir;
  fs::create_directories(dir.path() / "t");
  for (int i = 0; i < 50; ++i) Touch(dir.path() / "t" / std::to_string(i));
  UniqueFd parent = OpenDir(dir.path());
  auto stats = RemoveTree(parent.get(), "t", "dir", {.max_entries = 20});
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.error().message().find("dir/t"), std::string::npos) << stats.error().message();
  EXPECT_TRUE(fs::exists(dir.path() / "t/0")) << "nothing is removed from a directory it refused to list";
}

TEST(RemoveTreeTest, AMissingNameIsNotAnErrorAndBadNamesAre) {
  TempDir dir;
  UniqueFd parent = OpenDir(dir.path());
  auto missing = RemoveTree(parent.get(), "nothing", "dir");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->removed, 0u);
  for (const char* bad : {"", ".", "..", "a/b"}) EXPECT_FALSE(RemoveTree(parent.get(), bad, "dir").ok()) << bad;
}

TEST(RemoveTreeTest, ADeepPathInAnErrorIsShortened) {
  TempDir dir;
  MakeChain(dir.path() / "deep", 50);
  UniqueFd parent = OpenDir(dir.path());
  // Bound hit deep down: the message names the first levels and the depth, not 50 components.
  auto stats = RemoveTree(parent.get(), "deep", "dir", {.max_entries = 30});
  ASSERT_FALSE(stats.ok());
  EXPECT_LT(stats.error().message().size(), 200u) << stats.error().message();
}

}  // namespace
}  // namespace webvps
