// sshd-chroot's configuration: the registry, where the sites' files and the host keys are.
#pragma once

#include <string>

#include "config.h"

namespace webvps::sshd_chroot {

struct Settings {
  std::string registry = "/home/webvps.yaml";   ///< registry
  std::string sites_dir = "/home";              ///< sites_dir: <site>/volumes/www is a site's files
  std::string host_keys_dir = "/etc/ssh/keys";  ///< host_keys_dir: a volume, so keys survive re-creation
  std::string jails_dir = "/jails";             ///< jails_dir: one chroot per site
};

Settings ReadSettings(ConfigReader& config);

}  // namespace webvps::sshd_chroot
