// The admin tool's commands: every read and edit of the site registry, the record of site ids,
// and the sites' directories on the host. scripts/site.sh runs them (in the webvps/admin image,
// with the data root mounted) and does only what needs Docker itself: starting and stopping the
// sites' compose projects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admin/site_ids.h"
#include "registry.h"
#include "result.h"

namespace webvps::admin {

/// Where things are, as the tool sees them (the data root is mounted at /data in its image).
struct AdminPaths {
  std::string root = "/data";
  std::string sites() const { return root + "/webvps"; }
  std::string registry() const { return sites() + "/webvps.yaml"; }
  std::string ids() const { return sites() + "/.site-ids"; }
};

/// What `site add` is asked.
struct AddSiteRequest {
  std::string name;
  std::string host;
  std::vector<std::string> aliases;
  std::string email;  ///< empty: webmaster@<host>
  SshAccess ssh = SshAccess::kSftp;
  bool lamp = false;
  std::optional<int> id;  ///< a restore asks for its old id
};

/// Where the stack runs, for site.env: the data root as the host sees it, the proxy's network.
struct HostContext {
  std::string root;           ///< WEBVPS_ROOT on the host
  std::string proxy_network;  ///< WEBVPS_PROXY_NETWORK
};

class Admin {
 public:
  Admin(AdminPaths paths, std::string today);

  /// A registry with `admin_email` and no sites, unless there is one already.
  Result<std::string> Init(const std::string& admin_email);
  /// Registers a site: checked, an id that was never another site's, its directories, its
  /// database credentials (lamp), its site.env; the registry is written last, so a refusal
  /// anywhere leaves it unchanged.
  Result<std::string> AddSite(const AddSiteRequest& request, const HostContext& host);
  /// Takes a site out of the registry (its id stays recorded); `purge` deletes its directory.
  Result<std::string> RemoveSite(const std::string& name, bool purge);
  /// Changes a site's SSH access (sftp, shell, none); sshd-chroot follows within a second.
  Result<std::string> SetSshAccess(const std::string& name, SshAccess access);
  /// Brings a registered site's directories and site.env in line (after an upgrade, before a start).
  Result<std::string> PrepareSite(const std::string& name, const HostContext& host);
  /// The sites, as a table or as JSON.
  Result<std::string> ListSites(bool json);
  /// The names, one per line (for scripts).
  Result<std::string> SiteNames();
  /// The registry checked: every problem, one per line.
  Result<std::string> CheckRegistry();

 private:
  Result<Registry> LoadRegistry(std::string* text) const;
  Status WriteRegistry(const std::string& text);
  Result<SiteIds> LoadIds(const Registry& registry);
  Status SaveIds(const SiteIds& ids);
  Result<std::vector<std::string>> PrepareDirectories(const Site& site, bool lamp, const HostContext& host);

  AdminPaths paths_;
  std::string today_;
};

}  // namespace webvps::admin
