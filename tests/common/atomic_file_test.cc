#include "atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "temp_dir.h"

namespace webvps {
namespace {

std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFileTest, CreatesAndReplacesByRename) {
  TempDir dir;
  auto path = dir.path() / "default.conf";
  auto first = WriteFileAtomically(path, "first\n");
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(*first, WriteMethod::kRenamed);
  struct stat before;
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  auto second = WriteFileAtomically(path, "second\n", {.mode = 0600});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*ReadFile(path), "second\n");
  struct stat after;
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino) << "replaced by rename, not rewritten";
  EXPECT_EQ(after.st_mode & 07777, 0600u);
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"default.conf"}) << "no temporary file left behind";
}

TEST(AtomicFileTest, FallsBackToAnInPlaceWriteOnEbusy) {
  TempDir dir;
  auto path = dir.path() / "bind-mounted.conf";
  ASSERT_TRUE(WriteFileAtomically(path, "old content that is longer\n").ok());
  struct stat before;
  ASSERT_EQ(::stat(path.c_str(), &before), 0);

  AtomicWriteOptions options;
  int renames = 0;
  options.rename = [&](const char*, const char*) {
    ++renames;
    errno = EBUSY;  // what rename(2) says when the target is a bind mount
    return -1;
  };
  auto result = WriteFileAtomically(path, "new\n", options);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(renames, 1);
  EXPECT_EQ(*result, WriteMethod::kInPlace);
  EXPECT_EQ(*ReadFile(path), "new\n") << "truncated, not left with a tail of the old content";
  struct stat after;
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the same inode: what a bind mount needs";
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"bind-mounted.conf"}) << "the temporary file is removed";
}

TEST(AtomicFileTest, OtherRenameErrorsFailAndLeaveTheOldFile) {
  TempDir dir;
  auto path = dir.path() / "x.conf";
  ASSERT_TRUE(WriteFileAtomically(path, "old\n").ok());
  AtomicWriteOptions options;
  options.rename = [](const char*, const char*) {
    errno = EXDEV;
    return -1;
  };
  auto result = WriteFileAtomically(path, "new\n", options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("rename"), std::string::npos) << result.error().message();
  EXPECT_NE(result.error().message().find("Invalid cross-device link"), std::string::npos);
  EXPECT_EQ(*ReadFile(path), "old\n");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"x.conf"});
}

TEST(AtomicFileTest, FailsWithTheDirectoryNamedWhenItIsMissing) {
  auto result = WriteFileAtomically("/nonexistent-dir/x.conf", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), "create temporary file in /nonexistent-dir: No such file or directory");
}

TEST(AtomicFileTest, ReadFileNamesAMissingFile) {
  auto content = ReadFile("/nonexistent-dir/x");
  ASSERT_FALSE(content.ok());
  EXPECT_EQ(content.error().message(), "open /nonexistent-dir/x: No such file or directory");
}

}  // namespace
}  // namespace webvps
