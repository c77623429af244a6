#include "settings.h"

#include "names.h"

namespace webvps::sshd_chroot {

Settings ReadSettings(ConfigReader& config) {
  Settings settings;
  settings.registry = config.String("registry", settings.registry);
  settings.sites_dir = config.String("sites_dir", settings.sites_dir);
  settings.jail_subdir = config.String("jail_subdir", settings.jail_subdir);
  settings.files_subdir = config.String("files_subdir", settings.files_subdir);
  settings.tool_store = config.String("tool_store", settings.sites_dir + "/.sshd-chroot-tools");
  settings.tools_profile = config.String("tools_profile", settings.tools_profile);
  settings.host_keys_dir = config.String("host_keys_dir", settings.host_keys_dir);
  settings.base_accounts_dir = config.String("base_accounts_dir", settings.base_accounts_dir);
  settings.accounts_dir = config.String("accounts_dir", settings.accounts_dir);
  settings.authorized_keys_dir = config.String("authorized_keys_dir", settings.authorized_keys_dir);
  settings.sshd_config = config.String("sshd_config", settings.sshd_config);
  settings.sshd_binary = config.String("sshd_binary", settings.sshd_binary);
  settings.data_dir = config.String("data_dir", settings.data_dir);
  for (auto [key, value] : {std::pair{"registry", settings.registry}, {"sites_dir", settings.sites_dir},
                            {"tool_store", settings.tool_store}, {"tools_profile", settings.tools_profile},
                            {"host_keys_dir", settings.host_keys_dir}, {"base_accounts_dir", settings.base_accounts_dir},
                            {"accounts_dir", settings.accounts_dir}, {"authorized_keys_dir", settings.authorized_keys_dir},
                            {"sshd_config", settings.sshd_config}, {"data_dir", settings.data_dir}}) {
    // These paths go into sshd_config or name where root writes: no spaces, quotes or '%'.
    bool plain = value.find_first_of(" \t\n\"'%#") == std::string::npos;
    if (!value.starts_with('/')) config.Reject(key, "expected an absolute path");
    else if (!plain) config.Reject(key, QuoteForMessage(value) + ": spaces, quotes, '%' and '#' are not allowed");
  }
  if (settings.jail_subdir.empty() || settings.jail_subdir.starts_with('/') ||
      settings.jail_subdir.find("..") != std::string::npos ||
      settings.jail_subdir.find_first_of(" \t\n\"'%#") != std::string::npos) {
    config.Reject("jail_subdir", "expected a relative path below a site's directory, like volumes");
  }
  if (!IsValidSiteName(settings.files_subdir)) config.Reject("files_subdir", "expected one plain name below the jail root, like www");
  settings.port = static_cast<int>(config.Integer("port", settings.port, 1, 65535));
  settings.password_authentication = config.Boolean("password_authentication", settings.password_authentication);
  settings.max_startups = config.String("max_startups", settings.max_startups);
  if (settings.max_startups.empty() || settings.max_startups.find_first_not_of("0123456789:") != std::string::npos) {
    config.Reject("max_startups", "expected start:rate:full, like 10:30:100");
  }
  settings.login_grace_time = config.Duration("login_grace_time", settings.login_grace_time);
  if (settings.login_grace_time < std::chrono::seconds(1)) config.Reject("login_grace_time", "expected at least 1s");
  settings.rescan_interval = config.Duration("rescan_interval", settings.rescan_interval);
  if (settings.rescan_interval < std::chrono::seconds(1)) config.Reject("rescan_interval", "expected at least 1s");
  settings.stop_timeout = config.Duration("stop_timeout", settings.stop_timeout);
  return settings;
}

}  // namespace webvps::sshd_chroot
