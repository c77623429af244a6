#include "site_ids.h"

#include <algorithm>
#include <charconv>

#include "config.h"
#include "names.h"

namespace webvps::admin {

std::optional<int> SiteIds::IdOf(std::string_view name) const {
  for (const auto& entry : entries) {
    if (entry.name == name) return entry.id;
  }
  return std::nullopt;
}

std::optional<std::string> SiteIds::NameOf(int id) const {
  for (const auto& entry : entries) {
    if (entry.id == id) return entry.name;
  }
  return std::nullopt;
}

Result<SiteIds> ParseSiteIds(std::string_view text, const std::string& source) {
  SiteIds ids;
  int number = 0;
  std::vector<std::string> problems;
  for (std::string_view line : SplitLines(text)) {
    ++number;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string> fields;
    for (size_t at = 0; at < line.size();) {
      size_t begin = line.find_first_not_of(" \t", at);
      if (begin == std::string_view::npos) break;
      size_t stop = line.find_first_of(" \t", begin);
      fields.emplace_back(line.substr(begin, stop == std::string_view::npos ? std::string_view::npos : stop - begin));
      at = stop == std::string_view::npos ? line.size() : stop;
    }
    if (fields.empty()) continue;
    auto problem = [&](const std::string& what) { problems.push_back(source + ":" + std::to_string(number) + ": " + what); };
    SiteIdEntry entry;
    auto [ptr, error] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), entry.id);
    if (fields.size() < 2 || error != std::errc() || ptr != fields[0].data() + fields[0].size() || entry.id < 1 ||
        entry.id > kMaxSiteId) {
      problem("expected \"<id> <site> [<since>]\" with an id from 1 to " + std::to_string(kMaxSiteId));
      continue;
    }
    entry.name = fields[1];
    if (!IsValidSiteName(entry.name)) {
      problem(QuoteForMessage(entry.name) + " is not a site name");
      continue;
    }
    if (fields.size() > 2) entry.since = fields[2];
    if (ids.NameOf(entry.id)) {
      problem("id " + std::to_string(entry.id) + " is recorded twice");
      continue;
    }
    ids.entries.push_back(std::move(entry));
  }
  if (!problems.empty()) return Error(JoinList(problems, "\n"));
  return ids;
}

std::string RenderSiteIds(const SiteIds& ids) {
  std::string out =
      "# Every site id ever handed out (webvps admin tool). An id here is never given to another\n"
      "# site: files of its uid (10000 + id) may remain. Do not edit by hand.\n";
  for (const auto& entry : ids.entries) {
    out += std::to_string(entry.id) + " " + entry.name + (entry.since.empty() ? "" : " " + entry.since) + "\n";
  }
  return out;
}

int AdoptIds(SiteIds& ids, const Registry& registry, const std::vector<std::pair<std::string, int>>& found,
             const std::string& today) {
  int added = 0;
  auto adopt = [&](const std::string& name, int id) {
    if (id < 1 || id > kMaxSiteId || ids.NameOf(id)) return;
    ids.entries.push_back({id, name, today});
    ++added;
  };
  for (const auto& site : registry.sites) adopt(site.name, site.id);
  for (const auto& [name, uid] : found) adopt(name, uid - kSiteUidBase);
  return added;
}

Result<int> AllocateSiteId(const SiteIds& ids, const Registry& registry, const std::string& name, std::optional<int> wanted) {
  auto registered_by = [&](int id) -> const Site* {
    for (const auto& site : registry.sites) {
      if (site.id == id) return &site;
    }
    return nullptr;
  };
  if (wanted) {
    if (*wanted < 1 || *wanted > kMaxSiteId) return Error("id " + std::to_string(*wanted) + " is not from 1 to " + std::to_string(kMaxSiteId));
    if (const Site* holder = registered_by(*wanted); holder && holder->name != name) {
      return Error("id " + std::to_string(*wanted) + " belongs to site " + holder->name);
    }
    if (auto holder = ids.NameOf(*wanted); holder && *holder != name) {
      return Error("id " + std::to_string(*wanted) + " was site " + *holder + "'s: files of uid " +
                   std::to_string(kSiteUidBase + *wanted) + " may remain");
    }
    return *wanted;
  }
  if (auto own = ids.IdOf(name); own && !registered_by(*own)) return *own;
  int highest = 0;
  for (const auto& entry : ids.entries) highest = std::max(highest, entry.id);
  for (const auto& site : registry.sites) highest = std::max(highest, site.id);
  if (highest >= kMaxSiteId) return Error("every site id up to " + std::to_string(kMaxSiteId) + " has been handed out");
  return highest + 1;
}

}  // namespace webvps::admin
