// The init's start-up, in two phases with a wall between them.
//
// As root, PrepareContainer does only what needs root and reads nothing the site writes: www-data
// remapped to the site's uid, the container's own directories (Apache's run, lock and log
// directories, PHP's sessions, the last-good copy of the vhosts) handed to that uid, PHP's and
// nullmailer's settings from the environment, the site's files' root (the mount) and its mail
// queue handed to the site (through directory descriptors, never through a symlink), and log
// files an older root-run Apache left handed back. Then the init drops to the site's uid for
// good (privileges.h).
//
// As the site's uid, PrepareSiteFiles makes in the site's own files what a site needs: html/
// (with the placeholder page when new), logs/, cgi-bin/, conf/apache2/ with a default vhost, a
// self-signed certificate, the database credentials where older PHP code reads them. A problem
// there is the site's own and never stops the container: it is returned, logged, and the site
// is served in safe mode if its configuration does not pass.
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
  /// Container directories the site's uid must own once the init has dropped to it.
  std::vector<std::string> container_dirs = {"/run/apache2", "/var/lock/apache2", "/var/log/apache2", "/var/cache/apache2",
                                             "/var/lib/webvps", "/var/lib/php/sessions"};
  std::string php_sessions = "/var/lib/php/sessions";
  std::string secrets_dir = "/run/secrets";  ///< database.ini of a lamp site, mounted read-only

  std::string conf_dir() const { return site_dir + "/conf"; }
  std::string vhost_dir() const { return site_dir + "/conf/apache2"; }
  std::string reload_error_file() const { return site_dir + "/conf/apache2.reload.error"; }
  std::string crontab() const { return site_dir + "/conf/crontab"; }
  std::string crontab_error_file() const { return site_dir + "/conf/crontab.error"; }
};

/// What the root phase found, for the log.
struct ContainerPrepared {
  std::vector<std::string> notes;  ///< lines for the log (the files' root handed to the site...)
};

/// The root phase (see above). An error means the container cannot run (its image or mounts are
/// wrong), not that the site wrote something odd.
Result<ContainerPrepared> PrepareContainer(const SiteEnvironment& site, const SitePaths& paths);

/// The site phase, as the site's uid (see above): the problems found, one line each.
std::vector<std::string> PrepareSiteFiles(const SiteEnvironment& site, const SitePaths& paths, const ContainerPrepared& prepared);

/// Reads a file the site controls: a regular file (never through a symlink, never a FIFO) of at
/// most `limit` bytes.
Result<std::string> ReadSiteControlledFile(const std::string& path, size_t limit);

/// Writes a file the webmaster reads (a reload or crontab error) as the process's own uid: no
/// symlink followed, replaced atomically.
Status WriteSiteFile(const std::string& path, const std::string& content);

}  // namespace webvps::phpserver_init
