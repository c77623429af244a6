#include "sshd-chroot/accounts.h"

#include <gtest/gtest.h>

namespace webvps::sshd_chroot {
namespace {

const AccountFiles kBase = {"root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n",
                            "root:x:0:\nnogroup:x:65534:\n", "root:*:19000:0:99999:7:::\n"};

Registry SampleRegistry() {
  auto registry = ParseRegistry(
      "admin_email: admin@hoster.example\n"
      "defaults: {ssh: {access: sftp}}\n"
      "sites:\n"
      "  - {name: shop, id: 1, host: shop.example, email: a@shop.example,\n"
      "     ssh: {password_hash: \"$y$j9T$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDEF\"}}\n"
      "  - {name: blog, id: 2, host: blog.example, email: a@blog.example,\n"
      "     ssh: {access: shell, keys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlogKeyBlogKeyBlogKeyBlogKeyBlogKey x@y\"]}}\n"
      "  - {name: quiet, id: 3, host: quiet.example, email: a@quiet.example, ssh: {access: none}}\n",
      "webvps.yaml");
  EXPECT_TRUE(registry.ok()) << registry.error().message();
  return *registry;
}

TEST(AccountsTest, OneLoginPerSiteWithAccessNamedAfterTheSite) {
  std::vector<SiteUser> users = UsersOf(SampleRegistry());
  ASSERT_EQ(users.size(), 2u) << "ssh.access none gets no login";
  EXPECT_EQ(users[0].name, "shop");
  EXPECT_EQ(users[0].uid, 10001);
  EXPECT_EQ(users[0].access, SshAccess::kSftp);
  EXPECT_EQ(users[1].access, SshAccess::kShell);
  EXPECT_EQ(users[1].keys.size(), 1u);
}

TEST(AccountsTest, AccountFilesKeepTheImagesEntriesAndNeverHoldAClearPassword) {
  AccountsPlan plan = PlanAccounts(kBase, UsersOf(SampleRegistry()));
  EXPECT_TRUE(plan.problems.empty());
  EXPECT_EQ(plan.files.passwd, kBase.passwd +
                                   "shop:x:10001:10001:webvps site shop:/var/www:/usr/sbin/nologin\n"
                                   "blog:x:10002:10002:webvps site blog:/var/www:/bin/bash\n");
  EXPECT_EQ(plan.files.group, kBase.group + "shop:x:10001:\nblog:x:10002:\nwebvps-sftp:x:9990:shop\nwebvps-shell:x:9991:blog\n");
  EXPECT_EQ(plan.files.shadow, kBase.shadow +
                                   "shop:$y$j9T$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDEF:::::::\n"
                                   "blog:*:::::::\n")
      << "no password: '*' (keys still work), never '!' (which locks keys too)";
}

TEST(AccountsTest, ASiteNamedLikeAnAccountOfTheImageGetsNoLogin) {
  std::vector<SiteUser> users = {{"sshd", 10005, SshAccess::kSftp, "", {}}, {"ok", 10006, SshAccess::kSftp, "", {}},
                                 {"clash", 100, SshAccess::kSftp, "", {}}};
  AccountsPlan plan = PlanAccounts(kBase, users);
  ASSERT_EQ(plan.users.size(), 1u);
  EXPECT_EQ(plan.users[0].name, "ok");
  ASSERT_EQ(plan.problems.size(), 2u);
  EXPECT_EQ(plan.problems[0], "sshd: the name is an account of the sshd image itself; this site gets no login");
  EXPECT_EQ(plan.problems[1], "clash: uid 100 is an account of the sshd image itself; this site gets no login");
  EXPECT_EQ(plan.files.passwd.find("sshd:x:10005"), std::string::npos);
}

TEST(AccountsTest, TheJailsPasswdAndGroupHoldRootAndTheUserOnly) {
  SiteUser blog{"blog", 10002, SshAccess::kShell, "", {}};
  EXPECT_EQ(JailPasswd(blog), "root:x:0:0:root:/root:/usr/sbin/nologin\nblog:x:10002:10002:webvps site blog:/var/www:/bin/bash\n");
  EXPECT_EQ(JailGroup(blog), "root:x:0:\nblog:x:10002:\nwebvps-shell:x:9991:blog\n");
}

TEST(AccountsTest, ChangesAreDescribedOneLineEach) {
  std::vector<SiteUser> before = {{"shop", 10001, SshAccess::kSftp, "", {"k1"}}, {"old", 10009, SshAccess::kSftp, "", {}},
                                  {"same", 10010, SshAccess::kSftp, "", {}}};
  std::vector<SiteUser> after = {{"shop", 10001, SshAccess::kShell, "$y$x", {"k1", "k2"}}, {"new", 10011, SshAccess::kSftp, "", {}},
                                 {"same", 10010, SshAccess::kSftp, "", {}}};
  EXPECT_EQ(DescribeChanges(before, after),
            (std::vector<std::string>{"shop: sftp -> shell, password set, keys 1 -> 2", "new: added (sftp, 0 keys)", "old: removed"}));
}

}  // namespace
}  // namespace webvps::sshd_chroot
