#include "cron_table.h"

#include <gtest/gtest.h>

namespace webvps {
namespace {

// 2026-12-01 was a Tuesday.
CivilMinute At(int month, int day, int hour, int minute, int weekday, int year = 2026) {
  return {year, month, day, hour, minute, weekday};
}

CronTable Parse(std::string_view text) {
  auto table = ParseCronTable(text, "crontab");
  EXPECT_TRUE(table.ok()) << table.error().message();
  return table.ok() ? *table : CronTable{};
}

TEST(CronTableTest, ReadsJobsSettingsAndComments) {
  CronTable table = Parse(
      "# the site's jobs\n"
      "MAILTO=owner@example.org\n"
      "\n"
      "*/15 * * * * php /var/www/html/cron.php > /dev/null\n"
      "  PATH = \"/usr/local/bin:/usr/bin:/bin\"\n"
      "30 2 * * 1-5 /var/www/backup.sh\n");
  ASSERT_EQ(table.jobs.size(), 2u);
  EXPECT_EQ(table.jobs[0].line, 4);
  EXPECT_EQ(table.jobs[0].command, "php /var/www/html/cron.php > /dev/null");
  EXPECT_EQ(table.jobs[0].environment.size(), 1u) << "settings apply to the jobs after them";
  EXPECT_EQ(table.jobs[1].environment.size(), 2u);
  EXPECT_EQ(table.jobs[1].environment[1], (std::pair<std::string, std::string>{"PATH", "/usr/local/bin:/usr/bin:/bin"}));
  EXPECT_EQ(table.Variable("MAILTO"), "owner@example.org");
  EXPECT_EQ(table.Variable("NOTHING"), "");
}

TEST(CronTableTest, MatchesMinutesHoursAndSteps) {
  CronTable table = Parse("*/15 * * * * a\n30 2 * * * b\n0 9-17/4 * * * c\n5/20 * * * * d\n");
  auto due = [&](CivilMinute when) { return DueJobs(table, when); };
  EXPECT_EQ(due(At(12, 1, 10, 45, 2)), (std::vector<size_t>{0, 3})) << "5/20 is 5, 25, 45";
  EXPECT_EQ(due(At(12, 1, 2, 30, 2)), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(due(At(12, 1, 13, 0, 2)), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(due(At(12, 1, 11, 0, 2)), (std::vector<size_t>{0}));
  EXPECT_EQ(due(At(12, 1, 11, 25, 2)), (std::vector<size_t>{3}));
  EXPECT_TRUE(due(At(12, 1, 11, 26, 2)).empty());
}

TEST(CronTableTest, DayFieldsFollowCrontabFiveRules) {
  // Both restricted: either one matching is enough.
  CronTable either = Parse("0 0 1 * mon job\n");
  EXPECT_TRUE(either.jobs[0].Matches(At(12, 1, 0, 0, 2))) << "the 1st, a Tuesday";
  EXPECT_TRUE(either.jobs[0].Matches(At(12, 7, 0, 0, 1))) << "a Monday";
  EXPECT_FALSE(either.jobs[0].Matches(At(12, 8, 0, 0, 2)));
  // One restricted: that one decides.
  CronTable weekday = Parse("0 0 * * 0 job\n");
  EXPECT_TRUE(weekday.jobs[0].Matches(At(12, 6, 0, 0, 0)));
  EXPECT_FALSE(weekday.jobs[0].Matches(At(12, 7, 0, 0, 1)));
  CronTable seven = Parse("0 0 * * 7 job\n");
  EXPECT_TRUE(seven.jobs[0].Matches(At(12, 6, 0, 0, 0))) << "7 is Sunday too";
}

TEST(CronTableTest, NamesAndKeywords) {
  CronTable table = Parse("0 12 * Dec SUN a\n@daily b\n@hourly c\n@reboot d\n@monthly e\n@weekly f\n@yearly g\n");
  ASSERT_EQ(table.jobs.size(), 7u);
  EXPECT_TRUE(table.jobs[0].Matches(At(12, 6, 12, 0, 0)));
  EXPECT_FALSE(table.jobs[0].Matches(At(11, 29, 12, 0, 0)));
  EXPECT_TRUE(table.jobs[1].Matches(At(12, 1, 0, 0, 2)));
  EXPECT_FALSE(table.jobs[1].Matches(At(12, 1, 1, 0, 2)));
  EXPECT_TRUE(table.jobs[2].Matches(At(12, 1, 7, 0, 2)));
  EXPECT_TRUE(table.jobs[3].at_reboot);
  EXPECT_FALSE(table.jobs[3].Matches(At(1, 1, 0, 0, 4))) << "@reboot is never due by the clock";
  EXPECT_TRUE(table.jobs[4].Matches(At(1, 1, 0, 0, 4)));
  EXPECT_TRUE(table.jobs[5].Matches(At(12, 6, 0, 0, 0)));
  EXPECT_TRUE(table.jobs[6].Matches(At(1, 1, 0, 0, 4)));
  EXPECT_FALSE(table.jobs[6].Matches(At(2, 1, 0, 0, 0)));
}

TEST(CronTableTest, PercentEndsTheCommandAndStartsItsInput) {
  CronTable table = Parse("* * * * * mail -s hi owner%line one%line two\n* * * * * date +\\%Y-\\%m\n");
  EXPECT_EQ(table.jobs[0].command, "mail -s hi owner");
  EXPECT_EQ(table.jobs[0].input, "line one\nline two\n");
  EXPECT_EQ(table.jobs[1].command, "date +%Y-%m");
  EXPECT_EQ(table.jobs[1].input, "");
}

TEST(CronTableTest, EveryBadLineIsReportedWithItsNumber) {
  struct Case {
    const char* line;
    const char* expected;
  } cases[] = {
      {"60 * * * * x", "minute"},
      {"* 24 * * * x", "hour"},
      {"* * 0 * * x", "day of month"},
      {"* * * 13 * x", "month"},
      {"* * * * 8 x", "day of week"},
      {"* * * * *", "no command"},
      {"* * *", "five time fields"},
      {"5-1 * * * * x", "range"},
      {"*/0 * * * * x", "step"},
      {"*/61 * * * * x", "step"},
      {"@sometimes x", "unknown keyword"},
      {"* * * * * %only input", "no command"},
      {"1,,2 * * * * x", "minute"},
      {"-1 * * * * x", "minute"},
      {"* * * foo * x", "month"},
  };
  for (const auto& c : cases) {
    auto table = ParseCronTable(std::string("# ok\n") + c.line + "\n", "conf/crontab");
    ASSERT_FALSE(table.ok()) << c.line;
    EXPECT_NE(table.error().message().find("conf/crontab:2: "), std::string::npos) << table.error().message();
    EXPECT_NE(table.error().message().find(c.expected), std::string::npos) << c.line << ": " << table.error().message();
  }
  auto several = ParseCronTable("60 * * * * a\nok=1\n* 99 * * * b\n", "crontab");
  ASSERT_FALSE(several.ok());
  EXPECT_NE(several.error().message().find("crontab:1:"), std::string::npos);
  EXPECT_NE(several.error().message().find("crontab:3:"), std::string::npos);
}

TEST(CronTableTest, HostileInputIsBounded) {
  std::string many;
  for (size_t i = 0; i <= kMaxCronJobs; ++i) many += "* * * * * true\n";
  auto table = ParseCronTable(many, "crontab");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message().find("more than"), std::string::npos);
  auto long_line = ParseCronTable("* * * * * " + std::string(kMaxCronLine, 'x') + "\n", "crontab");
  EXPECT_FALSE(long_line.ok());
  auto nul = ParseCronTable(std::string("* * * * * a\0b\n", 14), "crontab");
  EXPECT_FALSE(nul.ok());
  auto crlf = ParseCronTable("0 0 * * * job\r\n", "crontab");
  ASSERT_TRUE(crlf.ok());
  EXPECT_EQ(crlf->jobs[0].command, "job") << "a CR from a Windows editor is not part of the command";
}

}  // namespace
}  // namespace webvps
