// The site registry: `webvps.yaml` at the root of the sites directory lists every site of the
// host. proxy-gen, sshd-chroot and mailer read it; docs/registry.md describes the format.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps {

/// Unix uids of sites are kSiteUidBase + id.
inline constexpr int kSiteUidBase = 10000;
/// Highest site id: keeps uids below 65534 (nobody).
inline constexpr int kMaxSiteId = 55533;

enum class SshAccess { kNone, kSftp, kShell };
std::string_view SshAccessName(SshAccess access);

/// A mail rate limit: more than `limit` mails within `window` pauses the site.
struct MailLimit {
  int limit = 200;
  std::chrono::seconds window{120};
  bool operator==(const MailLimit&) const = default;
};

struct SiteSsh {
  SshAccess access = SshAccess::kSftp;
  std::string password_hash;      ///< crypt(3) form ("$y$...", "$6$..."); empty: no password login
  std::vector<std::string> keys;  ///< OpenSSH public keys, one per entry, without options
  bool operator==(const SiteSsh&) const = default;
};

struct Site {
  std::string name;                  ///< [a-z][a-z0-9-]{0,31}: login, directory and compose project
  int id = 0;                        ///< 1..kMaxSiteId
  std::string host;                  ///< main host name, lower case
  std::vector<std::string> aliases;  ///< further host names, lower case
  std::string email;                 ///< the customer's contact
  MailLimit mail;                    ///< the site's own limit, else the registry default
  std::string mail_sender;           ///< mail.sender: the default sender (else webmaster@<host>)
  std::vector<std::string> mail_senders;  ///< mail.senders: further addresses, or "@domain"s, it may send as
  SiteSsh ssh;

  int uid() const { return kSiteUidBase + id; }
  bool operator==(const Site&) const = default;
};

struct RegistryDefaults {
  MailLimit mail;
  SshAccess ssh_access = SshAccess::kSftp;
  bool operator==(const RegistryDefaults&) const = default;
};

struct Registry {
  std::string admin_email;  ///< where alerts go; required
  RegistryDefaults defaults;
  std::vector<Site> sites;  ///< in file order

  const Site* FindSite(std::string_view name) const;
  bool operator==(const Registry&) const = default;
};

/// Parses and validates a registry. On failure the error lists every problem, one per line, as
/// "<source>:<line>: <key path>: <problem>", e.g. "webvps.yaml:9: sites[1].name: ...".
Result<Registry> ParseRegistry(std::string_view text, const std::string& source);

/// Reads and parses the registry file at `path`.
Result<Registry> LoadRegistry(const std::string& path);

/// The registry as YAML that ParseRegistry reads back to an equal Registry.
std::string RenderRegistry(const Registry& registry);

/// Why `hash` is not a crypt(3) hash webvps accepts, or nullopt when it is.
std::optional<std::string> PasswordHashProblem(std::string_view hash);
/// Why `key` is not a plain OpenSSH public key line, or nullopt when it is.
std::optional<std::string> PublicKeyProblem(std::string_view key);

}  // namespace webvps
