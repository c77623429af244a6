// The record of every site id ever handed out (`webvps/.site-ids`), so that an id, and with it a
// uid, is never given to another site while files of that uid may remain: a removed site keeps
// its files unless purged, its mail may be queued, its backups kept. The next id is one above
// every id recorded or registered; a site added again under its old name gets its old id back.
// Pure: text in, text out; the admin tool reads and writes the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry.h"
#include "result.h"

namespace webvps::admin {

struct SiteIdEntry {
  int id = 0;
  std::string name;
  std::string since;  ///< when it was first handed out, "2026-12-01"
  bool operator==(const SiteIdEntry&) const = default;
};

struct SiteIds {
  std::vector<SiteIdEntry> entries;  ///< in the order handed out

  /// The id recorded for `name`, if any.
  std::optional<int> IdOf(std::string_view name) const;
  /// The name `id` was handed to, if any.
  std::optional<std::string> NameOf(int id) const;
  bool operator==(const SiteIds&) const = default;
};

/// One line per id: "<id> <name> <since>"; '#' starts a comment. Errors name the line.
Result<SiteIds> ParseSiteIds(std::string_view text, const std::string& source);
std::string RenderSiteIds(const SiteIds& ids);

/// Adds what `registry` and the site directories found on disk (`found`: name and uid of each)
/// hold and the record does not, for a host whose record is new or was lost. Returns how many.
int AdoptIds(SiteIds& ids, const Registry& registry, const std::vector<std::pair<std::string, int>>& found,
             const std::string& today);

/// The id for site `name`: `wanted` when given (a restore), if no other site holds or held it;
/// else the id recorded for that name, if no registered site holds it; else one above every id
/// recorded or registered. The error says why `wanted` cannot be had.
Result<int> AllocateSiteId(const SiteIds& ids, const Registry& registry, const std::string& name, std::optional<int> wanted);

}  // namespace webvps::admin
