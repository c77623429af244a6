#include "sshd-chroot/jail_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace webvps::sshd_chroot {
namespace {

const SiteUser kBlog{"blog", 10002, SshAccess::kShell, "", {}};

std::vector<ToolEntry> SampleTools() {
  return {{ToolEntry::Kind::kSymlink, "/bin", "usr/bin", 0777, 0, 0},
          {ToolEntry::Kind::kDirectory, "/usr", "", 0755, 0, 0},
          {ToolEntry::Kind::kDirectory, "/usr/bin", "", 0755, 0, 0},
          {ToolEntry::Kind::kFile, "/usr/bin/bash", "", 0755, 1000, 1},
          {ToolEntry::Kind::kDirectory, "/usr/lib", "", 0755, 0, 0},
          {ToolEntry::Kind::kFile, "/usr/lib/libc.so.6", "", 0644, 2000, 1}};
}

const JailEntry* Find(const JailPlan& plan, const std::string& path) {
  auto it = std::find_if(plan.entries.begin(), plan.entries.end(), [&](const JailEntry& entry) { return entry.path == path; });
  return it == plan.entries.end() ? nullptr : &*it;
}

TEST(JailPlanTest, AShellJailHoldsTheToolsAndWhatAShellNeeds) {
  JailPlan plan = PlanShellJail(kBlog, SampleTools(), {"nameserver 127.0.0.11\n"});
  EXPECT_EQ(plan.top_level, (std::set<std::string>{"bin", "dev", "etc", "tmp", "usr", "var"}));
  EXPECT_EQ(Find(plan, "var/www")->kind, JailEntry::Kind::kSymlink);
  EXPECT_EQ(Find(plan, "var/www")->source, "../www") << "the site's files at the container's path";
  EXPECT_EQ(Find(plan, "usr/bin/bash")->kind, JailEntry::Kind::kLink);
  EXPECT_EQ(Find(plan, "usr/bin/bash")->source, "usr/bin/bash") << "linked from the store's copy";
  EXPECT_EQ(Find(plan, "bin")->source, "usr/bin");
  EXPECT_EQ(Find(plan, "tmp")->mode, 01777u);
  EXPECT_EQ(Find(plan, "etc/passwd")->source, JailPasswd(kBlog));
  EXPECT_EQ(Find(plan, "etc/resolv.conf")->source, "nameserver 127.0.0.11\n");
  for (const char* device : {"dev/null", "dev/zero", "dev/random", "dev/urandom", "dev/tty"}) {
    ASSERT_NE(Find(plan, device), nullptr) << device;
    EXPECT_EQ(Find(plan, device)->mode, 0666u);
  }
  EXPECT_EQ(Find(plan, "dev/null")->major, 1u);
  EXPECT_EQ(Find(plan, "dev/null")->minor, 3u);
  EXPECT_EQ(ValidateJailPlan(plan, kBlog), std::vector<std::string>{});
}

TEST(JailPlanTest, AnSftpJailHoldsTheHomeLinkAndNothingElse) {
  JailPlan plan = PlanSftpJail();
  EXPECT_EQ(plan.top_level, (std::set<std::string>{"var"}));
  ASSERT_EQ(plan.entries.size(), 2u);
  SiteUser sftp = kBlog;
  sftp.access = SshAccess::kSftp;
  EXPECT_EQ(ValidateJailPlan(plan, sftp), std::vector<std::string>{});
}

struct BrokenPlanCase {
  const char* name;
  void (*spoil)(JailPlan&);
  const char* expected;
};

const BrokenPlanCase kBrokenPlans[] = {
    {"UserOwnedDirectory", [](JailPlan& plan) { plan.entries[1].owner = 10002; }, "owned by uid 10002, not root"},
    {"GroupWritableDirectory", [](JailPlan& plan) { plan.entries[1].mode = 0775; }, "directory writable by group or others"},
    {"SetuidFile", [](JailPlan& plan) { plan.entries.back().mode = 04755; }, "set-user-ID or set-group-ID bit"},
    {"TmpWithoutStickyBit", [](JailPlan& plan) {
       for (auto& entry : plan.entries) if (entry.path == "tmp") entry.mode = 0777;
     }, "tmp: /tmp must be 1777"},
    {"ExtraDevice", [](JailPlan& plan) {
       plan.entries.push_back({JailEntry::Kind::kDevice, "dev/sda", 0666, 0, "", 8, 0});
     }, "dev/sda: device node not among"},
    {"DeviceWithOtherNumbers", [](JailPlan& plan) {
       for (auto& entry : plan.entries) if (entry.path == "dev/null") entry.minor = 1;  // /dev/mem
     }, "dev/null: device node not among"},
    {"PasswdListingAnotherCustomer", [](JailPlan& plan) {
       for (auto& entry : plan.entries) if (entry.path == "etc/passwd") entry.source += "shop:x:10001:10001::/:/bin/bash\n";
     }, "etc/passwd: lists shop, who is neither root nor blog"},
    {"GroupWithAnotherMember", [](JailPlan& plan) {
       for (auto& entry : plan.entries) if (entry.path == "etc/group") entry.source += "staff:x:50:blog,shop\n";
     }, "etc/group: lists staff"},
    {"EscapingPath", [](JailPlan& plan) {
       plan.entries.push_back({JailEntry::Kind::kFile, "etc/../../x", 0644, 0, "", 0, 0});
     }, "etc/../../x: '.' or '..' in the path"},
    {"AbsolutePath", [](JailPlan& plan) {
       plan.entries.push_back({JailEntry::Kind::kFile, "/etc/shadow", 0644, 0, "", 0, 0});
     }, "/etc/shadow: not a plain relative path"},
    {"OrphanEntry", [](JailPlan& plan) {
       plan.entries.push_back({JailEntry::Kind::kFile, "opt/x", 0644, 0, "", 0, 0});
     }, "opt/x: its directory is not in the plan before it"},
    {"HomeLinkElsewhere", [](JailPlan& plan) {
       for (auto& entry : plan.entries) if (entry.path == "var/www") entry.source = "/etc";
     }, "var/www: must be the link to ../www"},
    {"WorldWritableFile", [](JailPlan& plan) {
       for (auto& entry : plan.entries) if (entry.path == "etc/profile") entry.mode = 0666;
     }, "etc/profile: file writable by group or others"},
};

class JailPlanValidationTest : public testing::TestWithParam<BrokenPlanCase> {};

TEST_P(JailPlanValidationTest, RefusesABrokenPlan) {
  JailPlan plan = PlanShellJail(kBlog, SampleTools(), {});
  GetParam().spoil(plan);
  std::vector<std::string> problems = ValidateJailPlan(plan, kBlog);
  bool found = std::any_of(problems.begin(), problems.end(),
                           [&](const std::string& problem) { return problem.find(GetParam().expected) != std::string::npos; });
  EXPECT_TRUE(found) << "expected a problem containing \"" << GetParam().expected << "\"; got " << testing::PrintToString(problems);
}

INSTANTIATE_TEST_SUITE_P(Cases, JailPlanValidationTest, testing::ValuesIn(kBrokenPlans),
                         [](const testing::TestParamInfo<BrokenPlanCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace webvps::sshd_chroot
