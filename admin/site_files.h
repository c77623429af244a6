// A site's directories on the host, made and repaired by root without ever following a link the
// site could have planted: every directory is opened with O_NOFOLLOW below its parent's
// descriptor, from the sites directory down, and every file root writes (the database
// credentials) is created O_CREAT|O_EXCL|O_NOFOLLOW under a temporary name in a root-owned
// directory, then renamed into place.
//
//   <name>/                    root 0755   site.env (0600)
//   <name>/secrets/            root:uid 0750   database.ini (root:uid 0440), lamp sites
//   <name>/volumes/            root 0755   the jail root (sshd-chroot)
//   <name>/volumes/www/        uid  0755   the site's files (.ssh/ 0700, backup/)
//   <name>/volumes/home/mail/  root 0755   the site's mail (queue/ made by its container)
//   <name>/volumes/mysql/      uid  0700   lamp sites
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "result.h"
#include "safe_dir.h"

namespace webvps::admin {

struct SiteDirsOptions {
  int uid = 0;
  bool lamp = false;
  uid_t root = 0;  ///< who owns what root owns; tests, which run as themselves, give their uid
};

/// Makes (or brings in line) the layout above below `sites_dir`. Existing files are used:
/// the site's files of an older layout (root's) become the site's; the database credentials an
/// older version kept in conf/database.ini move to secrets/ (a symlink there is refused). Site
/// files that belong to another uid than the site's are refused: they are another tenant's.
/// Returns a line per change made.
Result<std::vector<std::string>> PrepareSiteDirectories(int sites_dir, const std::string& name, const SiteDirsOptions& options);

/// Writes `content` to `name` in the root-owned directory `dir`: a new file (O_EXCL|O_NOFOLLOW,
/// never through a link), owned by root and `group`, with `mode`, renamed over the old one.
Status WriteRootFile(int dir, const std::string& name, std::string_view content, mode_t mode, gid_t group,
                     const std::string& shown, uid_t root = 0);

/// Reads a regular file below `dir` without following a link, of at most `limit` bytes.
Result<std::string> ReadFileAt(int dir, const std::string& name, size_t limit, const std::string& shown);

/// The database credentials file (`; comment`, then host, name, user, password), for a site
/// named `site`, with a new random password.
std::string NewDatabaseIni(const std::string& site);
/// Checks a database.ini against the grammar webvps/mariadb accepts; the problem, or "".
std::string DatabaseIniProblem(std::string_view text);

}  // namespace webvps::admin
