#include "sshd-chroot/sshd_config.h"

#include <gtest/gtest.h>

namespace webvps::sshd_chroot {
namespace {

bool Has(const std::string& config, const std::string& line) { return config.find("\n" + line + "\n") != std::string::npos; }

TEST(SshdConfigTest, EveryLoginIsJailedAndNothingIsForwarded) {
  SshdConfigOptions options;
  options.host_keys = {"/etc/ssh/keys/ssh_host_ed25519_key"};
  std::string config = RenderSshdConfig(options);
  for (const char* line : {"Port 22", "HostKey /etc/ssh/keys/ssh_host_ed25519_key", "PermitRootLogin no",
                           "AllowGroups webvps-sftp webvps-shell", "AuthorizedKeysFile /etc/ssh/authorized_keys/%u",
                           "UsePAM no", "AllowTcpForwarding no", "AllowStreamLocalForwarding no", "AllowAgentForwarding no",
                           "X11Forwarding no", "PermitTunnel no", "PermitUserEnvironment no", "MaxStartups 10:30:100",
                           "LoginGraceTime 30", "Match Group webvps-sftp", "    ChrootDirectory /home/%u/volumes/www",
                           "    ForceCommand internal-sftp -u 022", "Match Group webvps-shell"}) {
    EXPECT_TRUE(Has(config, line)) << line << "\n" << config;
  }
  // Both Match blocks jail: the shell group's block has its ChrootDirectory too.
  size_t shell = config.find("Match Group webvps-shell");
  EXPECT_NE(config.find("ChrootDirectory /home/%u/volumes/www", shell), std::string::npos);
}

TEST(SshdConfigTest, SettingsReachTheFile) {
  SshdConfigOptions options;
  options.port = 2222;
  options.password_authentication = false;
  options.chroot_pattern = "/srv/sites/%u/files";
  options.login_grace_time = 20;
  std::string config = RenderSshdConfig(options);
  EXPECT_TRUE(Has(config, "Port 2222"));
  EXPECT_TRUE(Has(config, "PasswordAuthentication no"));
  EXPECT_TRUE(Has(config, "    ChrootDirectory /srv/sites/%u/files"));
  EXPECT_TRUE(Has(config, "LoginGraceTime 20"));
  EXPECT_EQ(RenderSshdConfig(options), config) << "deterministic";
}

}  // namespace
}  // namespace webvps::sshd_chroot
