#include "sshd-chroot/settings.h"

#include <gtest/gtest.h>

namespace webvps::sshd_chroot {
namespace {

TEST(SshdChrootSettingsTest, PathsMustBeAbsolute) {
  auto source = ConfigSource::FromText("jails_dir: jails\n", "sshd.yaml");
  ASSERT_TRUE(source.ok());
  ConfigReader config(*source, "WEBVPS_SSHD_CHROOT_", [](const std::string&) { return std::optional<std::string>(); });
  Settings settings = ReadSettings(config);
  EXPECT_EQ(settings.host_keys_dir, "/etc/ssh/keys");
  ASSERT_FALSE(config.Finish().ok());
  EXPECT_EQ(config.Finish().error().message(), "sshd.yaml:1: jails_dir: expected an absolute path");
}

}  // namespace
}  // namespace webvps::sshd_chroot
