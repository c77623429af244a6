#include "sshd-chroot/elf.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace webvps::sshd_chroot {
namespace {

std::optional<std::string> ReadReal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

const ElfFiles kRealFiles{ReadReal, [](const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }};

bool HasFileNamed(const std::set<std::string>& files, const std::string& name) {
  return std::any_of(files.begin(), files.end(), [&](const std::string& file) { return file.ends_with("/" + name); });
}

TEST(ElfTest, ReadsTheHeadersOfARealProgram) {
  auto bytes = ReadReal("/usr/bin/ls");
  ASSERT_TRUE(bytes) << "/usr/bin/ls is part of every Debian";
  auto info = ParseElf(*bytes);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_TRUE(info->interpreter.starts_with("/lib")) << info->interpreter;
  EXPECT_NE(std::find(info->needed.begin(), info->needed.end(), "libc.so.6"), info->needed.end());
}

TEST(ElfTest, FindsLibrariesTransitivelyAsTheLoaderDoes) {
  // ls needs libselinux, which needs libpcre2: ldd's answer, from the headers alone.
  Dependencies dependencies = ResolveDependencies({"/usr/bin/ls"}, kRealFiles, DebianLibraryDirs());
  EXPECT_TRUE(dependencies.missing.empty());
  auto interpreter = ParseElf(*ReadReal("/usr/bin/ls"))->interpreter;
  EXPECT_TRUE(dependencies.files.contains(interpreter));
  for (const char* library : {"libc.so.6", "libselinux.so.1", "libpcre2-8.so.0"}) {
    EXPECT_TRUE(HasFileNamed(dependencies.files, library)) << library;
  }
}

TEST(ElfTest, AScriptOrGarbageIsNotElf) {
  EXPECT_FALSE(ParseElf("#!/bin/sh\necho hi\n").ok());
  std::string truncated = ReadReal("/usr/bin/ls")->substr(0, 70);
  EXPECT_FALSE(ParseElf(truncated).ok()) << "program headers cut off";
  Dependencies none = ResolveDependencies({"/usr/bin/ldd"}, kRealFiles, DebianLibraryDirs());  // a bash script
  EXPECT_TRUE(none.files.empty());
}

// A minimal ELF64 file: one PT_LOAD over everything, a PT_DYNAMIC with `needed` and a runpath,
// and a PT_INTERP when `interpreter` is set. Enough for the parser, nothing for a loader.
std::string FakeElf(const std::vector<std::string>& needed, const std::string& runpath, const std::string& interpreter = "") {
  std::string strtab(1, '\0');
  std::vector<uint64_t> needed_at;
  for (const auto& name : needed) {
    needed_at.push_back(strtab.size());
    strtab += name + '\0';
  }
  uint64_t runpath_at = strtab.size();
  strtab += runpath + '\0';
  uint64_t interp_at = 64 + 3 * 56;
  uint64_t strtab_at = interp_at + interpreter.size() + 1;
  uint64_t dynamic_at = (strtab_at + strtab.size() + 7) / 8 * 8;
  std::vector<std::pair<uint64_t, uint64_t>> dynamic;
  for (uint64_t at : needed_at) dynamic.push_back({1, at});
  if (!runpath.empty()) dynamic.push_back({29, runpath_at});
  dynamic.push_back({5, strtab_at});
  dynamic.push_back({10, strtab.size()});
  dynamic.push_back({0, 0});
  uint64_t total = dynamic_at + dynamic.size() * 16;
  std::string elf(total, '\0');
  auto put = [&](uint64_t at, auto value) { std::memcpy(elf.data() + at, &value, sizeof value); };
  elf.replace(0, 7, "\x7f" "ELF\x02\x01\x01");
  put(0x10, uint16_t{3});
  put(0x12, uint16_t{0x3e});
  put(0x20, uint64_t{64});
  put(0x34, uint16_t{64});
  put(0x36, uint16_t{56});
  put(0x38, static_cast<uint16_t>(interpreter.empty() ? 2 : 3));
  auto phdr = [&](int index, uint32_t type, uint64_t offset, uint64_t size) {
    uint64_t at = 64 + static_cast<uint64_t>(index) * 56;
    put(at, type);
    put(at + 8, offset);
    put(at + 16, offset);
    put(at + 32, size);
    put(at + 40, size);
  };
  phdr(0, 1, 0, total);
  phdr(1, 2, dynamic_at, dynamic.size() * 16);
  if (!interpreter.empty()) {
    phdr(2, 3, interp_at, interpreter.size() + 1);
    elf.replace(interp_at, interpreter.size(), interpreter);
  }
  elf.replace(strtab_at, strtab.size(), strtab);
  for (size_t i = 0; i < dynamic.size(); ++i) {
    put(dynamic_at + i * 16, dynamic[i].first);
    put(dynamic_at + i * 16 + 8, dynamic[i].second);
  }
  return elf;
}

TEST(ElfTest, RunpathWithOriginIsSearchedFirstAndMissingLibrariesAreReported) {
  std::map<std::string, std::string> disk = {
      {"/opt/app/bin/app", FakeElf({"libapp.so", "libc.so.6", "libgone.so"}, "$ORIGIN/../lib", "/lib64/ld.so")},
      {"/opt/app/bin/../lib/libapp.so", FakeElf({"libc.so.6"}, "")},
      {"/lib/libc.so.6", FakeElf({}, "")},
      {"/lib64/ld.so", FakeElf({}, "")},
      {"/usr/lib/libapp.so", FakeElf({}, "")},  // shadowed by the runpath
  };
  ElfFiles files{[&](const std::string& path) -> std::optional<std::string> {
                   auto it = disk.find(path);
                   return it == disk.end() ? std::nullopt : std::optional<std::string>(it->second);
                 },
                 [&](const std::string& path) { return disk.contains(path); }};
  auto info = ParseElf(disk["/opt/app/bin/app"]);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->interpreter, "/lib64/ld.so");
  EXPECT_EQ(info->needed, (std::vector<std::string>{"libapp.so", "libc.so.6", "libgone.so"}));
  EXPECT_EQ(info->runpath, std::vector<std::string>{"$ORIGIN/../lib"});
  Dependencies dependencies = ResolveDependencies({"/opt/app/bin/app"}, files, {"/lib", "/usr/lib"});
  EXPECT_EQ(dependencies.files, (std::set<std::string>{"/lib64/ld.so", "/opt/app/bin/../lib/libapp.so", "/lib/libc.so.6"}));
  EXPECT_EQ(dependencies.missing, std::vector<std::string>{"libgone.so (needed by /opt/app/bin/app)"});
}

TEST(ElfTest, OutOfBoundsOffsetsAreErrorsNotCrashes) {
  std::string elf = FakeElf({"libx.so"}, "");
  uint64_t huge = ~0ull;
  std::memcpy(elf.data() + 0x20, &huge, sizeof huge);  // e_phoff far past the end
  EXPECT_FALSE(ParseElf(elf).ok());
  std::string bad_strtab = FakeElf({"libx.so"}, "");
  // DT_STRSZ larger than the file: the needed name must still be bounded.
  size_t strsz_at = bad_strtab.size() - 2 * 16 + 8;
  uint64_t big = 1 << 30;
  std::memcpy(bad_strtab.data() + strsz_at, &big, sizeof big);
  auto parsed = ParseElf(bad_strtab);
  ASSERT_TRUE(parsed.ok()) << "the name itself is within the file";
  EXPECT_EQ(parsed->needed, std::vector<std::string>{"libx.so"});
  std::string unterminated = FakeElf({"libx.so"}, "");
  unterminated.resize(unterminated.size() - 16);  // DT_NULL gone: the dynamic section runs past the end
  EXPECT_FALSE(ParseElf(unterminated).ok());
}

TEST(ElfTest, ARunpathWithoutAStringTableIsAnErrorNotACrash) {
  // Found by fuzz/elf_fuzz.cc: no DT_NEEDED, a DT_RUNPATH, and DT_STRTAB outside every PT_LOAD
  // made the reader dereference an empty std::optional.
  std::string elf = FakeElf({}, "/opt/lib");
  uint64_t nowhere = 1ull << 40;
  std::memcpy(elf.data() + elf.size() - 40, &nowhere, sizeof nowhere);  // DT_STRTAB, the second entry of four
  auto parsed = ParseElf(elf);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "ELF string table not in any loaded segment");
  std::string no_strings = FakeElf({}, "");  // neither: no string is read, nothing is wrong
  std::memcpy(no_strings.data() + no_strings.size() - 40, &nowhere, sizeof nowhere);
  EXPECT_TRUE(ParseElf(no_strings).ok());
}

}  // namespace
}  // namespace webvps::sshd_chroot
