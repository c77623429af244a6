// sshd-chroot's configuration: the registry, where the sites' files, the tools, the host keys and
// the generated files are, and sshd's few knobs.
#pragma once

#include <chrono>
#include <string>

#include "config.h"

namespace webvps::sshd_chroot {

struct Settings {
  std::string registry = "/home/webvps.yaml";   ///< registry
  std::string sites_dir = "/home";              ///< sites_dir: <site>/<jail_subdir> is a site's jail
  std::string jail_subdir = "volumes";          ///< jail_subdir: the jail root, root's, below a site's directory
  std::string files_subdir = "www";             ///< files_subdir: the site's files, below the jail root
  std::string tool_store;                       ///< tool_store: default <sites_dir>/.sshd-chroot-tools
  std::string tools_profile = "/etc/webvps/jail-tools.yaml";  ///< tools_profile
  std::string host_keys_dir = "/etc/ssh/keys";  ///< host_keys_dir: a volume, so keys survive re-creation
  std::string base_accounts_dir = "/usr/share/webvps/sshd-accounts";  ///< base_accounts_dir: the image's passwd, group, shadow
  std::string accounts_dir = "/etc";            ///< accounts_dir: where passwd, group, shadow are written
  std::string authorized_keys_dir = "/etc/ssh/authorized_keys";  ///< authorized_keys_dir
  std::string sshd_config = "/etc/ssh/sshd_config";  ///< sshd_config: the generated file
  std::string sshd_binary = "/usr/sbin/sshd";   ///< sshd_binary
  std::string data_dir = "/run/sshd-chroot";    ///< data_dir: the control socket
  int port = 22;                                ///< port
  bool password_authentication = true;          ///< password_authentication
  std::string max_startups = "10:30:100";       ///< max_startups
  std::chrono::milliseconds login_grace_time{30'000};  ///< login_grace_time
  std::chrono::milliseconds rescan_interval{30'000};   ///< rescan_interval: sites' keys and new site directories
  std::chrono::milliseconds stop_timeout{8000};        ///< stop_timeout

  std::string control_socket() const { return data_dir + "/control.sock"; }
};

Settings ReadSettings(ConfigReader& config);

}  // namespace webvps::sshd_chroot
