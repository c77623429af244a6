// The init's start-up, what the original did in shell: the site's layout, www-data remapped
// to the site's uid, the default vhost and certificate, PHP's settings, a queue-only
// nullmailer, crontabs that Debian's cron accepts, and the site's own crontab.
#pragma once

#include <string>
#include <vector>

#include "result.h"
#include "site_config.h"

namespace webvps::phpserver_init {

/// Where the start-up writes; tests point these into a temporary directory.
struct SitePaths {
  std::string site_dir = "/var/www";
  std::string mail_dir = "/home/mail";
  std::string passwd = "/etc/passwd";
  std::string group = "/etc/group";
  std::vector<std::string> php_conf_dirs = {"/etc/php/8.2/apache2/conf.d", "/etc/php/8.2/cli/conf.d"};
  std::string nullmailer_dir = "/etc/nullmailer";
  std::string system_crontab = "/etc/crontab";
  std::string cron_d = "/etc/cron.d";
  std::string cron_spool = "/var/spool/cron/crontabs";
  std::string crontab_user = "www-data";

  std::string conf_dir() const { return site_dir + "/conf"; }
  std::string vhost_dir() const { return site_dir + "/conf/apache2"; }
  std::string reload_error_file() const { return site_dir + "/conf/apache2.reload.error"; }
};

/// Every start-up step; a step that fails stops the start-up with its reason.
Status PrepareSite(const SiteEnvironment& site, const SitePaths& paths);

/// Installs conf/crontab as the site user's crontab, or removes it when the file is gone.
/// Returns a line saying what was done.
Result<std::string> InstallSiteCrontab(const SiteEnvironment& site, const SitePaths& paths);

/// Writes a file the webmaster reads (the reload error), owned by the site's uid.
Status WriteSiteFile(const SiteEnvironment& site, const std::string& path, const std::string& content);

}  // namespace webvps::phpserver_init
