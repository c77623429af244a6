#include "sshd-chroot/crontab_command.h"

#include <gtest/gtest.h>

#include <map>

namespace webvps::sshd_chroot {
namespace {

TEST(CrontabCommandTest, ReadsTheCommandLineAsCrontabDoes) {
  EXPECT_EQ(ParseCrontabArguments({"-l"})->action, CrontabCommand::Action::kList);
  EXPECT_EQ(ParseCrontabArguments({"-e"})->action, CrontabCommand::Action::kEdit);
  EXPECT_EQ(ParseCrontabArguments({"-r"})->action, CrontabCommand::Action::kRemove);
  auto file = ParseCrontabArguments({"jobs.txt"});
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->action, CrontabCommand::Action::kInstall);
  EXPECT_EQ(file->file, "jobs.txt");
  EXPECT_EQ(ParseCrontabArguments({"-"})->file, "-");
  // Another user's crontab is no option in a jail; nor is an unknown flag or nothing at all.
  auto other = ParseCrontabArguments({"-u"});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("-u: a jail has one crontab"), std::string::npos);
  EXPECT_FALSE(ParseCrontabArguments({}).ok());
  EXPECT_FALSE(ParseCrontabArguments({"-l", "-e"}).ok());
  auto unknown = ParseCrontabArguments({"-x"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("-x: unknown option; usage: crontab"), std::string::npos);
}

TEST(CrontabCommandTest, AnEditIsInstalledOnlyWhenPhpserverInitWouldReadIt) {
  EXPECT_FALSE(CrontabProblems("MAILTO=\"\"\n*/5 * * * * php /var/www/html/cron.php\n@daily echo hi\n"));
  EXPECT_FALSE(CrontabProblems(""));
  auto problems = CrontabProblems("* * * * * ok\n61 * * * * php x.php\n@sometimes echo\n");
  ASSERT_TRUE(problems);
  EXPECT_NE(problems->find("conf/crontab:2: "), std::string::npos) << *problems;
  EXPECT_NE(problems->find("conf/crontab:3: unknown keyword \"@sometimes\""), std::string::npos) << *problems;
  EXPECT_EQ(problems->find("crontab:1:"), std::string::npos) << *problems;
}

TEST(CrontabCommandTest, TheEditorIsVisualElseEditorElseVi) {
  std::map<std::string, std::string> values;
  EnvironmentLookup environment = [&](const std::string& name) -> std::optional<std::string> {
    if (auto it = values.find(name); it != values.end()) return it->second;
    return std::nullopt;
  };
  EXPECT_EQ(CrontabEditor(environment), "vi");
  values["EDITOR"] = "nano -w";
  EXPECT_EQ(CrontabEditor(environment), "nano -w");
  values["VISUAL"] = "";
  EXPECT_EQ(CrontabEditor(environment), "nano -w");
  values["VISUAL"] = "vim";
  EXPECT_EQ(CrontabEditor(environment), "vim");
}

}  // namespace
}  // namespace webvps::sshd_chroot
