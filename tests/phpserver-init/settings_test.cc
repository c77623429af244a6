#include "phpserver-init/settings.h"

#include <gtest/gtest.h>

namespace webvps::phpserver_init {
namespace {

TEST(PhpserverInitSettingsTest, EnvironmentOverridesDefaults) {
  ConfigSource source;
  ConfigReader config(source, "WEBVPS_INIT_", [](const std::string& name) {
    return name == "WEBVPS_INIT_SITE_DIR" ? std::optional<std::string>("/srv/site") : std::nullopt;
  });
  Settings settings = ReadSettings(config);
  EXPECT_EQ(settings.site_dir, "/srv/site");
  EXPECT_EQ(settings.services, "/etc/webvps/services.yaml");
  EXPECT_TRUE(settings.drop_privileges) << "PID 1 becomes the site's uid unless told otherwise";
  EXPECT_TRUE(config.Finish().ok());
}

}  // namespace
}  // namespace webvps::phpserver_init
