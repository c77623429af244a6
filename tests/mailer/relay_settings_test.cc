#include "mailer/relay_settings.h"

#include <gtest/gtest.h>

#include "common/fake_environment.h"

namespace webvps::mailer {
namespace {

TEST(RelaySettingsTest, ParsesTheOriginalsVariable) {
  struct Case {
    const char* value;
    const char* host;
    int port;
    TlsMode tls;
    const char* user;
    const char* password;
  } cases[] = {
      {"smtp.example.org:587:mailer:secret:no:starttls", "smtp.example.org", 587, TlsMode::kStartTls, "mailer", "secret"},
      {"SMTP.Example.org:465:u:p:ssl:no", "smtp.example.org", 465, TlsMode::kTls, "u", "p"},
      {"relay:25:::no:no", "relay", 25, TlsMode::kNone, "", ""},
      {"relay:25:u:pa:ss:wo:rd:no:no", "relay", 25, TlsMode::kNone, "u", "pa:ss:wo:rd"},
      {"[2001:db8::1]:2525:u:p:no:starttls", "[2001:db8::1]", 2525, TlsMode::kStartTls, "u", "p"},
  };
  for (const auto& c : cases) {
    auto relay = ParseMailerSmtp(c.value);
    ASSERT_TRUE(relay.ok()) << c.value << ": " << relay.error().message();
    EXPECT_EQ(relay->host, c.host);
    EXPECT_EQ(relay->port, c.port);
    EXPECT_EQ(relay->tls, c.tls);
    EXPECT_EQ(relay->user, c.user);
    EXPECT_EQ(relay->password, c.password);
  }
}

TEST(RelaySettingsTest, RejectsBadValuesWithoutQuotingThePassword) {
  struct Case {
    const char* value;
    const char* expected;
  } cases[] = {
      {"relay:25:u:TopSecret", "expected host:port:user:password"},
      {"relay:0:u:TopSecret:no:no", "port \"0\""},
      {"relay:smtp:u:TopSecret:no:no", "port \"smtp\""},
      {"re lay:25:u:TopSecret:no:no", "host \"re lay\""},
      {"relay:25:u:TopSecret:yes:no", "second field from the end must be no or ssl"},
      {"relay:25:u:TopSecret:no:tls", "last field must be no or starttls"},
      // A field missing: part of a password with ':' lands where ssl goes. Still never shown.
      {"relay:25:u:Top:Secret:starttls", "second field from the end must be no or ssl"},
      {"relay:25:u:TopSecret:ssl:starttls", "not both"},
      {"relay:25:u::no:no", "both user and password"},
      {"[::1:25:u:TopSecret:no:no", "unclosed"},
  };
  for (const auto& c : cases) {
    auto relay = ParseMailerSmtp(c.value);
    ASSERT_FALSE(relay.ok()) << c.value;
    EXPECT_NE(relay.error().message().find(c.expected), std::string::npos) << relay.error().message();
    EXPECT_EQ(relay.error().message().find("TopSecret"), std::string::npos) << "never the password";
    EXPECT_EQ(relay.error().message().find("Secret"), std::string::npos) << "nor a part of it";
  }
}

TEST(RelaySettingsTest, DescribeNeverShowsThePassword) {
  auto relay = ParseMailerSmtp("smtp.example.org:587:mailer:TopSecret:no:starttls");
  ASSERT_TRUE(relay.ok());
  EXPECT_EQ(relay->Describe(), "smtp.example.org:587 (starttls, user mailer)");
  EXPECT_EQ(RelaySettings{}.Describe(), "no relay (local outbox)");
}

TEST(RelaySettingsTest, ReadsYamlWithAPasswordFileAndLetsMailerSmtpWin) {
  auto source = ConfigSource::FromText("smtp:\n  host: relay.example.org\n  port: 2525\n  tls: tls\n  user: m\n  password_file: /run/secrets/smtp\n", "mailer.yaml");
  ASSERT_TRUE(source.ok());
  auto read_file = [](const std::string& path) -> Result<std::string> {
    if (path == "/run/secrets/smtp") return std::string("FilePassword\n");
    return Error("open " + path + ": No such file or directory");
  };
  ConfigReader config(*source, "WEBVPS_MAILER_", FakeEnvironment({}));
  RelaySettings relay = ReadRelaySettings(config, std::nullopt, read_file);
  EXPECT_TRUE(config.Finish().ok()) << config.Finish().ToString();
  EXPECT_EQ(relay.Describe(), "relay.example.org:2525 (tls, user m)");
  EXPECT_EQ(relay.password, "FilePassword") << "the trailing newline of the file is not part of it";

  ConfigReader legacy(*source, "WEBVPS_MAILER_", FakeEnvironment({}));
  RelaySettings overridden = ReadRelaySettings(legacy, std::string("other.example:25:::no:no"), read_file);
  EXPECT_EQ(overridden.Describe(), "other.example:25 (none, no auth)");
}

TEST(RelaySettingsTest, ConfigProblemsAreNamed) {
  auto source = ConfigSource::FromText("smtp:\n  host: relay.example.org\n  user: m\n  password_file: /missing\n", "mailer.yaml");
  ASSERT_TRUE(source.ok());
  ConfigReader config(*source, "WEBVPS_MAILER_", FakeEnvironment({}));
  ReadRelaySettings(config, std::string("x:1:u:TopSecret:bad:no"),
                    [](const std::string& path) -> Result<std::string> { return Error("open " + path + ": No such file or directory"); });
  std::string problems = config.Finish().ToString();
  EXPECT_NE(problems.find("smtp.password_file: open /missing: No such file or directory"), std::string::npos) << problems;
  EXPECT_NE(problems.find("MAILER_SMTP: the second field from the end must be no or ssl"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("TopSecret"), std::string::npos);
}

}  // namespace
}  // namespace webvps::mailer
