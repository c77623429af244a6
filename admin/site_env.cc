#include "site_env.h"

#include <set>

#include "config.h"

namespace webvps::admin {
namespace {

bool IsKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return key[0] < '0' || key[0] > '9';
}

}  // namespace

std::vector<std::pair<std::string, std::string>> DerivedSiteEnv(const SiteEnvValues& values) {
  const Site& site = *values.site;
  std::vector<std::string> hosts = {site.host};
  hosts.insert(hosts.end(), site.aliases.begin(), site.aliases.end());
  return {
      {"SITE_NAME", site.name},
      {"SITE_UID", std::to_string(site.uid())},
      {"SITE_HOST", site.host},
      {"SITE_ALIASES", JoinList(site.aliases, ",")},
      {"SITE_VIRTUAL_HOST", JoinList(hosts, ",")},
      {"SITE_EMAIL", site.email},
      {"SITE_DIR", values.site_dir},
      {"SITE_LAMP", values.lamp ? "1" : "0"},
      {"WEBVPS_PROXY_NETWORK", values.proxy_network},
  };
}

std::string UpdateSiteEnv(std::string_view existing, const SiteEnvValues& values) {
  auto derived = DerivedSiteEnv(values);
  std::set<std::string> owned;
  for (const auto& [key, value] : derived) owned.insert(key);
  std::string kept;
  for (std::string_view line : SplitLines(existing)) {
    size_t equals = line.find('=');
    if (equals != std::string_view::npos && owned.contains(std::string(line.substr(0, equals)))) continue;
    if (line.starts_with("# The site's compose variables")) continue;
    kept += std::string(line) + "\n";
  }
  std::string out = "# The site's compose variables (the webvps admin tool keeps the keys below; other lines are yours).\n";
  for (const auto& [key, value] : derived) out += key + "=" + value + "\n";
  return out + kept;
}

Result<std::map<std::string, std::string>> ParseSiteEnv(std::string_view text, const std::string& source) {
  std::map<std::string, std::string> values;
  int number = 0;
  for (std::string_view line : SplitLines(text)) {
    ++number;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    size_t equals = line.find('=');
    if (equals == std::string_view::npos || !IsKey(line.substr(0, equals))) {
      return Error(source + ":" + std::to_string(number) + ": expected KEY=VALUE");
    }
    values[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
  }
  return values;
}

}  // namespace webvps::admin
