#include "sshd-chroot/tools.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"

namespace webvps::sshd_chroot {
namespace {

namespace fs = std::filesystem;

const ToolEntry* Find(const ToolSet& set, const std::string& path) {
  auto it = std::find_if(set.entries.begin(), set.entries.end(), [&](const ToolEntry& entry) { return entry.path == path; });
  return it == set.entries.end() ? nullptr : &*it;
}

void WriteFile(const fs::path& path, const std::string& content, mode_t mode) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << content;
  ::chmod(path.c_str(), mode);
}

TEST(ToolProfileTest, ParsesAndNamesBadEntries) {
  auto profile = ParseToolProfile("programs: [/bin/bash, /usr/bin/git]\ntrees: [/usr/lib/git-core]\nfiles: [/etc/x]\n"
                                  "libraries: [libnss_files.so.2]\n",
                                  "jail-tools.yaml");
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile->programs, (std::vector<std::string>{"/bin/bash", "/usr/bin/git"}));
  EXPECT_EQ(profile->libraries, std::vector<std::string>{"libnss_files.so.2"});
  EXPECT_EQ(ParseToolProfile("programs: [bash]\n", "p.yaml").error().message(), "p.yaml:1: programs: bash: expected an absolute path");
  EXPECT_EQ(ParseToolProfile("libraries: [/lib/x.so]\n", "p.yaml").error().message(),
            "p.yaml:1: libraries: /lib/x.so: expected a library's name, not a path");
  EXPECT_EQ(ParseToolProfile("programs: []\nbinaries: []\n", "p.yaml").error().message(), "p.yaml:2: binaries: unknown key");
}

TEST(CollectToolsTest, SymlinkChainsAreKeptAndSetIdBitsDropped) {
  // A tree like Debian's merged /usr: /bin -> usr/bin, vi -> /etc/alternatives/vi -> vim.tiny.
  TempDir root;
  WriteFile(root.path() / "usr/bin/vim.tiny", "#!/bin/sh\n", 04755);
  WriteFile(root.path() / "usr/bin/tool", "#!/bin/sh\n", 06775);
  fs::create_directories(root.path() / "etc/alternatives");
  fs::create_symlink("usr/bin", root.path() / "bin");
  fs::create_symlink("/usr/bin/vim.tiny", root.path() / "etc/alternatives/vi");
  fs::create_symlink("/etc/alternatives/vi", root.path() / "usr/bin/vi");
  WriteFile(root.path() / "usr/lib/git-core/git", "git\n", 0755);
  fs::create_symlink("git", root.path() / "usr/lib/git-core/git-add");
  ToolProfile profile;
  profile.programs = {"/bin/vi", "/usr/bin/tool", "/usr/bin/missing"};
  profile.trees = {"/usr/lib/git-core"};
  ToolSet set = CollectTools(profile, root.path().string());

  ASSERT_NE(Find(set, "/bin"), nullptr);
  EXPECT_EQ(Find(set, "/bin")->kind, ToolEntry::Kind::kSymlink);
  EXPECT_EQ(Find(set, "/bin")->target, "usr/bin");
  EXPECT_EQ(Find(set, "/usr/bin/vi")->target, "/etc/alternatives/vi");
  EXPECT_EQ(Find(set, "/etc/alternatives/vi")->target, "/usr/bin/vim.tiny");
  ASSERT_NE(Find(set, "/usr/bin/vim.tiny"), nullptr);
  EXPECT_EQ(Find(set, "/usr/bin/vim.tiny")->kind, ToolEntry::Kind::kFile);
  EXPECT_EQ(Find(set, "/usr/bin/vim.tiny")->mode, 0755u) << "setuid dropped";
  EXPECT_EQ(Find(set, "/usr/bin/tool")->mode, 0755u) << "setuid, setgid and group write dropped";
  EXPECT_EQ(Find(set, "/usr/lib/git-core/git-add")->target, "git");
  EXPECT_EQ(Find(set, "/usr/lib/git-core/git")->kind, ToolEntry::Kind::kFile);
  EXPECT_EQ(Find(set, "/usr")->kind, ToolEntry::Kind::kDirectory);
  EXPECT_EQ(set.problems, std::vector<std::string>{"/usr/bin/missing: not in the image"});
  // Parents come before their children.
  for (size_t i = 1; i < set.entries.size(); ++i) EXPECT_LT(set.entries[i - 1].path, set.entries[i].path);
}

TEST(CollectToolsTest, ExcludedPartsOfATreeStayOut) {
  // Debian's zoneinfo: right/ repeats every zone with leap seconds, which no jail needs.
  TempDir root;
  WriteFile(root.path() / "usr/share/zoneinfo/UTC", "TZif", 0644);
  WriteFile(root.path() / "usr/share/zoneinfo/Europe/Paris", "TZif", 0644);
  WriteFile(root.path() / "usr/share/zoneinfo/right/UTC", "TZif", 0644);
  WriteFile(root.path() / "usr/share/zoneinfo/posix/UTC", "TZif", 0644);
  auto profile = ParseToolProfile(
      "trees: [/usr/share/zoneinfo]\n"
      "exclude: [/usr/share/zoneinfo/right, /usr/share/zoneinfo/posix]\n",
      "jail-tools.yaml");
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  ToolSet set = CollectTools(*profile, root.path().string());
  EXPECT_NE(Find(set, "/usr/share/zoneinfo/UTC"), nullptr);
  EXPECT_NE(Find(set, "/usr/share/zoneinfo/Europe/Paris"), nullptr);
  EXPECT_EQ(Find(set, "/usr/share/zoneinfo/right"), nullptr);
  EXPECT_EQ(Find(set, "/usr/share/zoneinfo/right/UTC"), nullptr);
  EXPECT_EQ(Find(set, "/usr/share/zoneinfo/posix/UTC"), nullptr);
  EXPECT_TRUE(set.problems.empty());
  EXPECT_EQ(ParseToolProfile("exclude: [zoneinfo]\n", "p.yaml").error().message(),
            "p.yaml:1: exclude: zoneinfo: expected an absolute path");
}

TEST(CollectToolsTest, ARealProgramComesWithItsLibraries) {
  ToolProfile profile;
  profile.programs = {"/usr/bin/ls"};
  ToolSet set = CollectTools(profile, "/");
  EXPECT_TRUE(set.problems.empty()) << set.problems.front();
  bool libc = std::any_of(set.entries.begin(), set.entries.end(), [](const ToolEntry& entry) {
    return entry.kind == ToolEntry::Kind::kFile && entry.path.ends_with("/libc.so.6");
  });
  EXPECT_TRUE(libc);
}

TEST(ToolManifestTest, TheVersionFollowsTheTools) {
  std::vector<ToolEntry> entries = {{ToolEntry::Kind::kDirectory, "/usr", "", 0755, 0, 0},
                                    {ToolEntry::Kind::kFile, "/usr/git", "", 0755, 10, 100}};
  std::string manifest = ToolManifest(entries);
  EXPECT_EQ(manifest, "webvps jail tools 1\nd /usr 755\nf /usr/git 755 10 100\n");
  std::string version = ManifestVersion(manifest);
  EXPECT_EQ(version.size(), 16u);
  entries[1].mtime = 101;  // an image update
  EXPECT_NE(ManifestVersion(ToolManifest(entries)), version);
}

}  // namespace
}  // namespace webvps::sshd_chroot
