// The logins sshd-chroot keeps, derived from the site registry: one per site whose ssh.access
// is not `none`, named after the site, uid and gid 10000+id, jailed in the site's files. Pure:
// the registry in, the container's account files and each jail's own passwd and group out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "registry.h"

namespace webvps::sshd_chroot {

/// Groups that decide how sshd treats a login (see sshd_config.h): no site uid or system gid.
inline constexpr int kSftpGid = 9990;
inline constexpr int kShellGid = 9991;
inline constexpr const char* kSftpGroup = "webvps-sftp";
inline constexpr const char* kShellGroup = "webvps-shell";
/// Where a login starts, in every jail: the site's files, at the path the site's container uses.
inline constexpr const char* kJailHome = "/var/www";

struct SiteUser {
  std::string name;                 ///< the site's name: login and directory
  int uid = 0;                      ///< and gid
  SshAccess access = SshAccess::kSftp;  ///< kSftp or kShell (kNone has no login)
  std::string password_hash;        ///< crypt(3); empty: keys only
  std::vector<std::string> keys;    ///< OpenSSH public keys: the registry's, then the site's own file's
  bool operator==(const SiteUser&) const = default;
};

/// The users of `registry`, in its order, with the registry's keys.
std::vector<SiteUser> UsersOf(const Registry& registry);

/// One line per difference, for the log: "shop: added (sftp, password, 1 key)",
/// "blog: sftp -> shell", "old: removed", "shop: keys 1 -> 2".
std::vector<std::string> DescribeChanges(const std::vector<SiteUser>& before, const std::vector<SiteUser>& after);

/// passwd, group and shadow, as files.
struct AccountFiles {
  std::string passwd;
  std::string group;
  std::string shadow;
};

struct AccountsPlan {
  AccountFiles files;
  std::vector<SiteUser> users;        ///< the users that got an account
  std::vector<std::string> problems;  ///< users left out, and why
};

/// The container's account files: the image's own entries (`base`) unchanged, then one entry
/// per user. A user whose name or uid is already an account of the image ("root", "sshd") is
/// left out with a problem, never merged.
AccountsPlan PlanAccounts(const AccountFiles& base, const std::vector<SiteUser>& users);

/// The passwd and group inside a shell user's jail: root and that user, nobody else.
std::string JailPasswd(const SiteUser& user);
std::string JailGroup(const SiteUser& user);

}  // namespace webvps::sshd_chroot
