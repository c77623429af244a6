#include "config.h"

#include <gtest/gtest.h>

#include <map>

#include "common/fake_environment.h"

namespace webvps {
namespace {

ConfigSource Parse(const char* text) {
  auto source = ConfigSource::FromText(text, "mailer.yaml");
  EXPECT_TRUE(source.ok()) << source.error().message();
  return source.ok() ? *source : ConfigSource();
}

TEST(ConfigTest, ReadsTypedValuesFromNestedMaps) {
  ConfigSource source = Parse("smtp:\n  host: relay.example\n  port: 587\n  tls: starttls\nworkers: 4\nretry: 90s\nenabled: yes\nqueues: [a, b]\n");
  ConfigReader config(source, "WEBVPS_MAILER_", FakeEnvironment({}));
  EXPECT_EQ(config.String("smtp.host", ""), "relay.example");
  EXPECT_EQ(config.Integer("smtp.port", 25, 1, 65535), 587);
  EXPECT_EQ(config.Choice("smtp.tls", "none", {"none", "starttls", "tls"}), "starttls");
  EXPECT_EQ(config.Integer("workers", 1, 1, 64), 4);
  EXPECT_EQ(config.Duration("retry", std::chrono::seconds(60)), std::chrono::seconds(90));
  EXPECT_TRUE(config.Boolean("enabled", false));
  EXPECT_EQ(config.List("queues", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config.String("absent", "fallback"), "fallback");
  EXPECT_TRUE(config.Finish().ok()) << config.Finish().ToString();
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  ConfigSource source = Parse("smtp:\n  port: 587\n");
  ConfigReader config(source, "WEBVPS_MAILER_", FakeEnvironment({{"WEBVPS_MAILER_SMTP_PORT", "2525"}, {"WEBVPS_MAILER_QUEUES", "x, y ,,z"}}));
  EXPECT_EQ(config.EnvironmentName("smtp.port"), "WEBVPS_MAILER_SMTP_PORT");
  EXPECT_EQ(config.EnvironmentName("nginx.vhost-dir"), "WEBVPS_MAILER_NGINX_VHOST_DIR");
  EXPECT_EQ(config.Integer("smtp.port", 25, 1, 65535), 2525);
  EXPECT_EQ(config.List("queues", {}), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(config.Finish().ok());
}

TEST(ConfigTest, ErrorsNameFileLineAndKey) {
  ConfigSource source = Parse("smtp:\n  host: relay\n  port: lots\n");
  ConfigReader config(source, "WEBVPS_MAILER_", FakeEnvironment({}));
  config.String("smtp.host", "");
  EXPECT_EQ(config.Integer("smtp.port", 25, 1, 65535), 25) << "a bad value falls back to the default";
  Status status = config.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "mailer.yaml:3: smtp.port: expected an integer from 1 to 65535, got \"lots\"");
}

TEST(ConfigTest, ErrorsFromTheEnvironmentNameTheVariable) {
  ConfigSource source;
  ConfigReader config(source, "WEBVPS_X_", FakeEnvironment({{"WEBVPS_X_ENABLED", "maybe"}}));
  config.Boolean("enabled", false);
  EXPECT_EQ(config.Finish().error().message(), "environment variable WEBVPS_X_ENABLED: enabled: expected true or false, got \"maybe\"");
}

TEST(ConfigTest, UnknownKeysAreErrors) {
  ConfigSource source = Parse("smtp:\n  host: a\n  prot: 25\n");
  ConfigReader config(source, "P_", FakeEnvironment({}));
  config.String("smtp.host", "");
  config.Integer("smtp.port", 25, 1, 65535);
  EXPECT_EQ(config.Finish().error().message(), "mailer.yaml:3: smtp.prot: unknown key");
}

TEST(ConfigTest, ReportsEveryProblem) {
  ConfigSource source = Parse("a: x\nb: y\nc: z\n");
  ConfigReader config(source, "P_", FakeEnvironment({}));
  config.Integer("a", 0, 0, 1);
  config.Duration("b", {});
  config.Choice("c", "one", {"one", "two"});
  config.Reject("d", "must be set when c is");
  std::string message = config.Finish().error().message();
  EXPECT_NE(message.find("mailer.yaml:1: a:"), std::string::npos) << message;
  EXPECT_NE(message.find("mailer.yaml:2: b: expected a duration"), std::string::npos) << message;
  EXPECT_NE(message.find("mailer.yaml:3: c: expected one of one, two, got \"z\""), std::string::npos) << message;
  EXPECT_NE(message.find("configuration: d: must be set when c is"), std::string::npos) << message;
}

TEST(ConfigTest, SyntaxErrorsNameTheLine) {
  auto source = ConfigSource::FromText("a: 1\nb: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(source.ok());
  EXPECT_TRUE(source.error().message().starts_with("bad.yaml:")) << source.error().message();
}

TEST(ConfigTest, DuplicateKeysAreErrors) {
  auto source = ConfigSource::FromText("a: 1\na: 2\n", "dup.yaml");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().message(), "dup.yaml:2: a: duplicate key");
}

TEST(ConfigTest, ATopLevelListIsAnError) {
  auto source = ConfigSource::FromText("- a\n- b\n", "list.yaml");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().message(), "list.yaml:1: the file must be a map of keys");
}

TEST(ConfigTest, AnEmptyFileIsAnEmptyConfig) {
  auto source = ConfigSource::FromText("", "empty.yaml");
  ASSERT_TRUE(source.ok());
  EXPECT_TRUE(source->Keys().empty());
}

TEST(ConfigTest, MissingFileIsNamed) {
  auto source = ConfigSource::FromFile("/nonexistent/x.yaml");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().message(), "read /nonexistent/x.yaml: No such file or directory");
}

TEST(ConfigTest, Durations) {
  struct Case {
    const char* text;
    long long millis;
  } cases[] = {{"250ms", 250}, {"90s", 90'000}, {"2m", 120'000}, {"1h", 3'600'000}, {"7d", 604'800'000}, {"120", 120'000}};
  for (const auto& c : cases) {
    auto duration = ParseDuration(c.text);
    ASSERT_TRUE(duration.ok()) << c.text;
    EXPECT_EQ(duration->count(), c.millis) << c.text;
  }
  for (const char* bad : {"", "s", "-5s", "5 s", "5w", "1.5s", "9999999999999s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ConfigTest, DurationsThatWouldOverflowAreErrors) {
  // Found by fuzz/config_fuzz.cc: 999999999999d is 8.6e19 ms, past int64_t.
  EXPECT_EQ(ParseDuration("999999999999d").error().message(), "a duration longer than 36500 days, got \"999999999999d\"");
  EXPECT_FALSE(ParseDuration("36501d").ok());
  EXPECT_FALSE(ParseDuration("999999999999h").ok());
  EXPECT_EQ(ParseDuration("36500d")->count(), 36'500LL * 86'400'000);
  EXPECT_EQ(ParseDuration("999999999999ms")->count(), 999'999'999'999LL);
}

}  // namespace
}  // namespace webvps

namespace webvps {
namespace {

TEST(ConfigTest, SplitLinesKeepsEmptyLinesForTheirNumbers) {
  EXPECT_EQ(SplitLines("a\n\nb\n"), (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_EQ(SplitLines("a\nb"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_TRUE(SplitLines("").empty());
  EXPECT_EQ(SplitLines("\n"), (std::vector<std::string_view>{""}));
  EXPECT_EQ(JoinList(std::vector<std::string>{"a", "b"}), "a, b");
  EXPECT_EQ(JoinList(std::vector<std::string>{}, "\n"), "");
}

TEST(ConfigTest, SplitListTrimsAndDropsEmptyItems) {
  EXPECT_EQ(SplitList("a, b ,,\tc, "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitList("x:y", ':'), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(SplitList("").empty());
}

}  // namespace
}  // namespace webvps
