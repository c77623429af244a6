// Jails on disk. The path to a site's files is made root's all the way (OpenSSH's rule for
// ChrootDirectory); a shell jail is built from its plan with hard links into the tool store,
// pruned of what the plan no longer holds, torn down when the site loses its shell, and checked
// by `sshd-chroot check`. Nothing here follows a symlink: every step goes through directory
// descriptors opened with O_NOFOLLOW, so a link the site planted cannot redirect root's work.
#pragma once

#include <string>
#include <vector>

#include "result.h"
#include "safe_dir.h"
#include "sshd-chroot/jail_plan.h"

namespace webvps::sshd_chroot {

/// Where the jails are: <sites_dir>/<site>/<jail_subdir> is a site's jail root (its files).
struct JailLayout {
  std::string sites_dir = "/home";
  std::string jail_subdir = "volumes/www";
  std::string JailRoot(const std::string& site) const { return sites_dir + "/" + site + "/" + jail_subdir; }
};

/// Opens a site's jail root after making every component of its path owned by root and not
/// writable by group or others (the site's files below it are not touched). A missing or
/// symlinked component is an error: the site's files are not there yet, or not safe to use.
/// `changes` receives a line per fixed component.
Result<UniqueFd> SecureJailRoot(const JailLayout& layout, const std::string& site, std::vector<std::string>* changes);

struct JailBuildStats {
  int created = 0;
  int replaced = 0;
  int unchanged = 0;
  int removed = 0;
  std::vector<std::string> warnings;  ///< not fatal (device nodes refused by the file system)
};

/// Builds or updates the shell jail at `jail` (its root's descriptor) from `plan`, linking
/// files from the store version directory `store`. Refused, with nothing changed, when a name
/// the plan manages (bin, etc, usr, ...) is the site's own; a site-owned `tmp` is used as it is.
/// `owner` owns what the jail adds: root, but for tests, which run as themselves.
Result<JailBuildStats> BuildShellJail(int jail, int store, const JailPlan& plan, uid_t site_uid, uid_t owner = 0);

/// Removes what a shell jail added at the jail root (bin, etc, usr, dev, tmp, ... owned by
/// `owner`); the site's own files are never touched. Returns how many top-level entries went.
Result<int> RemoveShellJail(int jail, uid_t owner = 0);

/// What is wrong on disk with a site's jail: its path, and for a shell jail every planned entry
/// (type, owner, mode, the same file as the store's) and any set-id file in the managed
/// directories. Nothing is changed.
std::vector<std::string> InspectJail(const JailLayout& layout, const std::string& site, const JailPlan* plan, int store);

}  // namespace webvps::sshd_chroot
