#include "sshd-chroot/settings.h"

#include <gtest/gtest.h>

namespace webvps::sshd_chroot {
namespace {

Result<Settings> Read(const std::string& yaml) {
  auto source = ConfigSource::FromText(yaml, "sshd.yaml");
  if (!source.ok()) return source.error();
  ConfigReader config(*source, "WEBVPS_SSHD_CHROOT_", [](const std::string&) { return std::optional<std::string>(); });
  Settings settings = ReadSettings(config);
  if (Status status = config.Finish(); !status.ok()) return status.error();
  return settings;
}

TEST(SshdChrootSettingsTest, Defaults) {
  auto settings = Read("");
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->host_keys_dir, "/etc/ssh/keys");
  EXPECT_EQ(settings->tool_store, "/home/.sshd-chroot-tools") << "next to the jails: hard links need one file system";
  EXPECT_EQ(settings->control_socket(), "/run/sshd-chroot/control.sock");
  EXPECT_EQ(Read("sites_dir: /srv/sites\n")->tool_store, "/srv/sites/.sshd-chroot-tools");
}

TEST(SshdChrootSettingsTest, PathsMustBeAbsoluteAndPlain) {
  EXPECT_EQ(Read("host_keys_dir: keys\n").error().message(), "sshd.yaml:1: host_keys_dir: expected an absolute path");
  EXPECT_NE(Read("sites_dir: \"/home/%u\"\n").error().message().find("'%'"), std::string::npos);
  EXPECT_NE(Read("jail_subdir: ../etc\n").error().message().find("jail_subdir: expected a relative path"), std::string::npos);
  EXPECT_NE(Read("max_startups: \"10 ; x\"\n").error().message().find("max_startups"), std::string::npos);
}

}  // namespace
}  // namespace webvps::sshd_chroot
