// sshd's configuration, rendered from sshd-chroot's settings only: adding, changing or removing
// a site changes the account files and key files, never this file, so sshd is not reloaded for
// them. Every site login is jailed: `webvps-sftp` members get internal-sftp only, members of
// `webvps-shell` a shell in the jail's tools; no forwarding or tunnels for anyone.
#pragma once

#include <string>
#include <vector>

namespace webvps::sshd_chroot {

struct SshdConfigOptions {
  int port = 22;
  std::vector<std::string> host_keys;                  ///< private key paths
  std::string authorized_keys_dir = "/etc/ssh/authorized_keys";  ///< one root-owned file per login
  std::string chroot_pattern = "/home/%u/volumes/www";  ///< ChrootDirectory; %u is the login (the site)
  std::string max_startups = "10:30:100";              ///< unauthenticated connections: start dropping at 10
  int login_grace_time = 30;                           ///< seconds to authenticate
  int max_auth_tries = 4;
  bool password_authentication = true;
};

std::string RenderSshdConfig(const SshdConfigOptions& options);

}  // namespace webvps::sshd_chroot
