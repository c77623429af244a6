// Jails on disk. A site's jail root is <sites_dir>/<site>/<jail_subdir> (`volumes/`), root's all
// the way down as OpenSSH requires for ChrootDirectory. It holds the site's files (`www/`, the
// site's own, seen as /var/www through a root-owned link), its mail (`home/mail/`), and, for a
// shell, the tools, hard-linked into the tool store. No site container mounts the jail root or
// the store, only `www/` and `home/mail/` below it: the tools' inodes cannot be reached, let
// alone written, from any site's container. Nothing here follows a symlink: every step goes
// through directory descriptors opened with O_NOFOLLOW, and every removal is the iterative,
// owner-filtered walk of common/remove_tree.h, so nothing a webmaster owns is ever deleted.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "result.h"
#include "safe_dir.h"
#include "sshd-chroot/jail_plan.h"

namespace webvps::sshd_chroot {

/// Where the jails are.
struct JailLayout {
  std::string sites_dir = "/home";
  std::string jail_subdir = "volumes";  ///< below <sites_dir>/<site>: the jail root
  std::string files_subdir = "www";     ///< below the jail root: the site's files
  std::string JailRoot(const std::string& site) const { return sites_dir + "/" + site + "/" + jail_subdir; }
  std::string FilesDir(const std::string& site) const { return JailRoot(site) + "/" + files_subdir; }
};

/// A site's jail root and its files, opened.
struct JailDirs {
  UniqueFd root;   ///< the jail root (ChrootDirectory)
  UniqueFd files;  ///< the site's files below it
};

/// Opens a site's jail after making every component of the jail root's path owned by root and
/// not writable by group or others (nothing below it is touched). A missing or symlinked
/// component, or site files that are missing or a symlink, is an error: the site's files are
/// not there yet, or not safe to use. `changes` receives a line per fixed component.
Result<JailDirs> SecureJailRoot(const JailLayout& layout, const std::string& site, std::vector<std::string>* changes);

struct JailBuildStats {
  int created = 0;
  int replaced = 0;
  int unchanged = 0;
  int removed = 0;
  int kept = 0;                       ///< the webmaster's own entries left in managed places (/tmp)
  std::vector<std::string> warnings;  ///< not fatal (device nodes refused by the file system)
};

/// Brings the jail at `jail` (its root's descriptor) in line with `plan`, linking files from the
/// store version directory `store`: what the plan holds is made, and what the jail manages but
/// the plan does not hold (a shell's tools once it is SFTP only, an upgrade's leftovers) goes,
/// root's entries only. Refused, with nothing changed, when a name the plan manages belongs to
/// another uid. `owner` owns what the jail adds: root, but for tests, which run as themselves.
Result<JailBuildStats> BuildJail(int jail, int store, const JailPlan& plan, uid_t owner = 0);

/// Removes every entry a jail manages at `jail` (bin, etc, usr, dev, tmp, var, ...) that `owner`
/// owns, and, below them, only what `owner` owns: a webmaster's files in /tmp stay, with the
/// directories holding them. Returns the stats.
Result<JailBuildStats> RemoveJail(int jail, uid_t owner = 0);

/// Before the jail root moved from the site's files to `volumes/`, a shell jail's tools were in
/// the site's files: removes those root-owned entries from `files` (bin, etc, usr, lib*, dev,
/// tmp; root's entries only, so the webmaster's files in an old tmp/ stay).
Result<JailBuildStats> RemoveOldJailFromFiles(int files, uid_t owner = 0);

/// What is wrong on disk with a site's jail: its path, and every planned entry (type, owner,
/// mode, the same file as the store's) and any set-id file. Nothing is changed.
std::vector<std::string> InspectJail(const JailLayout& layout, const std::string& site, const JailPlan& plan, int store);

}  // namespace webvps::sshd_chroot
