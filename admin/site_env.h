// A site's `site.env`: the variables its compose project (compose/vps/) reads. The admin tool
// owns the keys it derives from the registry (SITE_NAME, SITE_UID, SITE_HOST, ...); every other
// line (an admin's SITE_MEMORY=1g, a comment) is kept as it is. Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "registry.h"
#include "result.h"

namespace webvps::admin {

struct SiteEnvValues {
  const Site* site = nullptr;
  std::string site_dir;       ///< the site's directory as the host sees it (compose runs there)
  bool lamp = false;
  std::string proxy_network;  ///< the network the proxy serves sites on
};

/// The keys the admin tool derives, in their order.
std::vector<std::pair<std::string, std::string>> DerivedSiteEnv(const SiteEnvValues& values);

/// `existing` (empty for a new site) with the derived keys set; the other lines kept.
std::string UpdateSiteEnv(std::string_view existing, const SiteEnvValues& values);

/// KEY=VALUE lines of a site.env (comments and blank lines skipped). Errors name the line.
Result<std::map<std::string, std::string>> ParseSiteEnv(std::string_view text, const std::string& source);

}  // namespace webvps::admin
