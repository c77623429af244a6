// What a site container is told through its environment, validated, and the files derived
// from it: the default vhost, PHP's settings, www-data remapped to the site's uid, the
// self-signed certificate's openssl command. All pure: the init's start-up writes the files.
#pragma once

#include <string>
#include <vector>

#include "config.h"
#include "result.h"

namespace webvps::phpserver_init {

struct SiteEnvironment {
  std::string worker_name;           ///< WORKER_NAME: the site's name (logs only)
  int worker_uid = 33;               ///< WORKER_UID: www-data becomes this uid and gid
  std::string host;                  ///< HOST_DOMAIN_NAME; empty: no generated vhost
  std::vector<std::string> aliases;  ///< HOST_DOMAIN_ALIAS, comma-separated
  std::string server_mail;           ///< SERVER_MAIL: ServerAdmin
  std::string php_time_zone = "UTC";         ///< PHP_TIME_ZONE
  std::string php_memory_limit = "256M";     ///< PHP_MEMORY_LIMIT
  std::string php_upload_max_filesize = "64M";  ///< PHP_UPLOAD_MAX_FILESIZE
  std::string php_post_max_size = "64M";        ///< PHP_POST_MAX_SIZE
};

/// Reads and validates the variables; the error lists every bad one by name.
Result<SiteEnvironment> ReadSiteEnvironment(const EnvironmentLookup& environment);

/// The vhost written when the site has none: port 80 and, with `certificate_base` (path without
/// .crt/.key), port 443; ServerAlias lists every alias; no directory listing.
std::string RenderDefaultVhost(const SiteEnvironment& site, const std::string& site_dir,
                               const std::string& certificate_base);

/// PHP settings for conf.d (apache2 and cli). Sessions go to `sessions_dir`, owned by the site's
/// uid, and PHP collects them itself (Debian leaves that to a root cron job, which no longer runs).
std::string RenderPhpIni(const SiteEnvironment& site, const std::string& sessions_dir = "/var/lib/php/sessions");

/// /etc/passwd or /etc/group text with `user`'s uid (and, in passwd, gid) set to `id`.
Result<std::string> RemapAccount(const std::string& text, const std::string& user, int id, bool is_passwd);

/// The openssl command making a self-signed certificate whose subjectAltName lists the host
/// and every alias (the original put them in the subject).
std::vector<std::string> SelfSignedCertificateCommand(const SiteEnvironment& site, const std::string& key_path,
                                                      const std::string& certificate_path);

/// The placeholder page of a new site.
std::string RenderPlaceholderPage(const SiteEnvironment& site);

}  // namespace webvps::phpserver_init
