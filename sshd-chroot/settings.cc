#include "settings.h"

namespace webvps::sshd_chroot {

Settings ReadSettings(ConfigReader& config) {
  Settings settings;
  settings.registry = config.String("registry", settings.registry);
  settings.sites_dir = config.String("sites_dir", settings.sites_dir);
  settings.host_keys_dir = config.String("host_keys_dir", settings.host_keys_dir);
  settings.jails_dir = config.String("jails_dir", settings.jails_dir);
  for (const char* key : {"sites_dir", "host_keys_dir", "jails_dir"}) {
    std::string value = config.String(key, "/");
    if (!value.starts_with("/")) config.Reject(key, "expected an absolute path");
  }
  return settings;
}

}  // namespace webvps::sshd_chroot
