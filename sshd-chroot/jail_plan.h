// What a jail holds, as data. Every jail: /var/www, a root-owned link to the site's files (www/
// beside it), so that paths are the ones the site's container uses and the login starts there.
// A shell user's jail also: the tools (hard links into the store), their directories and
// symlinks, a passwd and group with root and that user only, the five device nodes a shell
// needs, a sticky /tmp. Everything is root's and read-only to the user, who writes only in the
// site's own files beside it (and /tmp). Pure: the builder applies a plan, the validator checks
// one, the tests check both.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "sshd-chroot/accounts.h"
#include "sshd-chroot/tools.h"

namespace webvps::sshd_chroot {

struct JailEntry {
  enum class Kind { kDirectory, kLink, kSymlink, kDevice, kFile };
  Kind kind = Kind::kDirectory;
  std::string path;    ///< relative to the jail root: "usr/bin/git"
  mode_t mode = 0755;
  uid_t owner = 0;
  std::string source;  ///< kLink: the path inside the store; kSymlink: the target; kFile: the content
  unsigned major = 0, minor = 0;  ///< kDevice
  bool operator==(const JailEntry&) const = default;
};

struct JailPlan {
  std::vector<JailEntry> entries;  ///< sorted by path: parents before children
  std::set<std::string> top_level;  ///< the names at the jail root the plan manages ("bin", "etc", "usr", ...)
};

/// What a jail takes from the container besides the tools.
struct JailExtras {
  std::string resolv_conf;  ///< the container's, so that git can resolve names
};

/// The jail of an SFTP-only user: the /var/www link alone.
JailPlan PlanSftpJail();

/// The jail of a shell user with `tools` (the store's entries).
JailPlan PlanShellJail(const SiteUser& user, const std::vector<ToolEntry>& tools, const JailExtras& extras);

/// Every way `plan` breaks the jail rules, one line each; empty when it keeps them.
std::vector<std::string> ValidateJailPlan(const JailPlan& plan, const SiteUser& user);

/// The device nodes a jail may hold: null, zero, random, urandom, tty.
struct DeviceNode {
  const char* name;
  unsigned major, minor;
};
inline constexpr DeviceNode kJailDevices[] = {{"null", 1, 3}, {"zero", 1, 5}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

}  // namespace webvps::sshd_chroot
