#include "mailer/settings.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

TEST(MailerSettingsTest, QueuePatternNeedsOneSiteWildcard) {
  auto source = ConfigSource::FromText("queues: /home/mail/queue\n", "mailer.yaml");
  ASSERT_TRUE(source.ok());
  ConfigReader config(*source, "WEBVPS_MAILER_", [](const std::string&) { return std::optional<std::string>(); });
  ReadSettings(config);
  ASSERT_FALSE(config.Finish().ok());
  EXPECT_EQ(config.Finish().error().message(),
            "mailer.yaml:1: queues: must hold exactly one '*', standing for the site name");
}

TEST(MailerSettingsTest, Defaults) {
  ConfigSource source;
  ConfigReader config(source, "WEBVPS_MAILER_", [](const std::string&) { return std::optional<std::string>(); });
  Settings settings = ReadSettings(config);
  EXPECT_EQ(settings.registry, "/home/webvps.yaml");
  EXPECT_EQ(settings.queue_glob, "/home/*/volumes/home/mail/queue");
  EXPECT_TRUE(config.Finish().ok());
}

}  // namespace
}  // namespace webvps::mailer
