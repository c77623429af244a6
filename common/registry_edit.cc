#include "registry_edit.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "config.h"

namespace webvps {
namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size() - 1;
    lines.emplace_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  if (!lines.empty() && lines.back().back() != '\n') lines.back() += '\n';
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line;
  return out;
}

bool IsTopLevelKey(const std::string& line) {
  return !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '-' && line[0] != '\n';
}

bool IsBlankOrComment(const std::string& line) {
  size_t first = line.find_first_not_of(" \t\n");
  return first == std::string::npos || line[first] == '#';
}

// The lines of the top-level `sites:` key: [key line, first line after its value).
struct SitesRegion {
  size_t key = 0;
  size_t end = 0;
};

std::optional<SitesRegion> FindSites(const std::vector<std::string>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].starts_with("sites:")) continue;
    SitesRegion region{i, lines.size()};
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (IsTopLevelKey(lines[j])) {
        region.end = j;
        break;
      }
    }
    return region;
  }
  return std::nullopt;
}

std::string Quoted(const std::string& value) {
  // Values reaching here passed the registry's grammars; quoting still keeps YAML from reading
  // one as something else ("yes", "1e5").
  return "\"" + value + "\"";
}

std::string RenderSiteBlock(const Site& site, const RegistryDefaults& defaults, size_t indent) {
  std::string dash(indent, ' ');
  std::string in(indent + 2, ' ');
  std::string out = dash + "- name: " + site.name + "\n";
  out += in + "id: " + std::to_string(site.id) + "\n";
  out += in + "host: " + site.host + "\n";
  if (!site.aliases.empty()) {
    out += in + "aliases: [";
    for (size_t i = 0; i < site.aliases.size(); ++i) out += (i ? ", " : "") + site.aliases[i];
    out += "]\n";
  }
  out += in + "email: " + site.email + "\n";
  if (!(site.mail == defaults.mail) || !site.mail_sender.empty() || !site.mail_senders.empty()) {
    out += in + "mail: {limit: " + std::to_string(site.mail.limit) + ", window: " + std::to_string(site.mail.window.count()) + "s";
    if (!site.mail_sender.empty()) out += ", sender: " + site.mail_sender;
    if (!site.mail_senders.empty()) out += ", senders: [" + JoinList(site.mail_senders) + "]";
    out += "}\n";
  }
  out += in + "ssh:\n" + in + "  access: " + std::string(SshAccessName(site.ssh.access)) + "\n";
  if (!site.ssh.password_hash.empty()) out += in + "  password_hash: " + Quoted(site.ssh.password_hash) + "\n";
  if (!site.ssh.keys.empty()) {
    out += in + "  keys:\n";
    for (const auto& key : site.ssh.keys) out += in + "    - " + Quoted(key) + "\n";
  }
  return out;
}

// Checks a text edit against the registry it must give; the fallback writes `expected` anew.
Result<RegistryEdit> Verify(const std::optional<std::string>& edited, const std::string& source, const Registry& expected) {
  if (edited) {
    auto after = ParseRegistry(*edited, source);
    if (after.ok() && *after == expected) return RegistryEdit{*edited, std::move(*after), false};
  }
  std::string text = RenderRegistry(expected);
  auto after = ParseRegistry(text, source);
  if (!after.ok()) return after.error();
  return RegistryEdit{text, std::move(*after), true};
}

// Runs `edit` on the lines, catching what yaml-cpp throws: nullopt means "rewrite instead".
std::optional<std::string> TryEdit(std::string_view text, const std::function<bool(const YAML::Node&, std::vector<std::string>&)>& edit) {
  std::vector<std::string> lines = Lines(text);
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!edit(root, lines)) return std::nullopt;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return Join(lines);
}

}  // namespace

Result<RegistryEdit> AddSiteEntry(std::string_view text, const std::string& source, const Site& site) {
  auto before = ParseRegistry(text, source);
  if (!before.ok()) return before.error();
  Registry expected = *before;
  expected.sites.push_back(site);
  // The result must be a valid registry on its own (unique names, ids, hosts).
  std::string candidate_text = RenderRegistry(expected);
  if (auto valid = ParseRegistry(candidate_text, source); !valid.ok()) {
    return Error("site " + site.name + " cannot be added:\n" + valid.error().message());
  } else {
    expected = std::move(*valid);
  }
  auto edited = TryEdit(text, [&](const YAML::Node& root, std::vector<std::string>& lines) {
    auto region = FindSites(lines);
    if (!region) {
      if (!lines.empty() && !lines.back().ends_with("\n")) lines.back() += "\n";
      lines.push_back("sites:\n" + RenderSiteBlock(site, before->defaults, 2));
      return true;
    }
    const YAML::Node sites = root["sites"];
    if (sites && sites.IsSequence() && sites.size() > 0) {
      if (sites.Style() == YAML::EmitterStyle::Flow) return false;
      size_t column = static_cast<size_t>(sites[0].Mark().column);
      size_t indent = column >= 2 ? column - 2 : 0;
      size_t last = region->key;
      for (size_t i = region->key + 1; i < region->end; ++i) {
        if (!IsBlankOrComment(lines[i])) last = i;
      }
      lines.insert(lines.begin() + static_cast<long>(last) + 1, RenderSiteBlock(site, before->defaults, indent));
      return true;
    }
    // `sites: []` or `sites:` with nothing: the key line becomes `sites:` and the entry follows.
    std::string& key = lines[region->key];
    size_t comment = key.find('#');
    key = "sites:" + (comment == std::string::npos ? std::string("\n") : "  " + key.substr(comment));
    lines.insert(lines.begin() + static_cast<long>(region->key) + 1, RenderSiteBlock(site, before->defaults, 2));
    return true;
  });
  return Verify(edited, source, expected);
}

Result<RegistryEdit> RemoveSiteEntry(std::string_view text, const std::string& source, const std::string& name) {
  auto before = ParseRegistry(text, source);
  if (!before.ok()) return before.error();
  if (!before->FindSite(name)) return Error("no site " + name + " in " + source);
  Registry expected = *before;
  std::erase_if(expected.sites, [&](const Site& site) { return site.name == name; });
  auto edited = TryEdit(text, [&](const YAML::Node& root, std::vector<std::string>& lines) {
    auto region = FindSites(lines);
    const YAML::Node sites = root["sites"];
    if (!region || !sites.IsSequence() || sites.Style() == YAML::EmitterStyle::Flow) return false;
    for (size_t i = 0; i < sites.size(); ++i) {
      if (!sites[i].IsMap() || sites[i].Style() == YAML::EmitterStyle::Flow) continue;
      if (!sites[i]["name"] || sites[i]["name"].Scalar() != name) continue;
      size_t start = static_cast<size_t>(sites[i].Mark().line);
      size_t end = i + 1 < sites.size() ? static_cast<size_t>(sites[i + 1].Mark().line) : region->end;
      if (i + 1 == sites.size()) {
        // Keep the comments and blank lines that lead into the next top-level key.
        while (end > start + 1 && IsBlankOrComment(lines[end - 1])) --end;
      }
      if (start <= region->key || end > lines.size() || start >= end) return false;
      lines.erase(lines.begin() + static_cast<long>(start), lines.begin() + static_cast<long>(end));
      if (sites.size() == 1) {
        std::string& key = lines[region->key];
        size_t comment = key.find('#');
        key = "sites: []" + (comment == std::string::npos ? std::string("\n") : "  " + key.substr(comment));
      }
      return true;
    }
    return false;
  });
  return Verify(edited, source, expected);
}

namespace {

// Sets `key` of a site's `ssh:` map to `value` (as written): the existing line replaced, or a
// line added under `ssh:` (or an `ssh:` block added after the site's name).
Result<RegistryEdit> SetSshKey(std::string_view text, const std::string& source, const std::string& site, const std::string& key,
                               const std::string& value, const Registry& expected) {
  auto edited = TryEdit(text, [&](const YAML::Node& root, std::vector<std::string>& lines) {
    for (const auto& node : root["sites"]) {
      if (!node["name"] || node["name"].Scalar() != site) continue;
      if (node.Style() == YAML::EmitterStyle::Flow) return false;
      std::string indent(node.Mark().column, ' ');
      if (const YAML::Node ssh = node["ssh"]) {
        if (ssh.Style() == YAML::EmitterStyle::Flow || !ssh.IsMap()) return false;
        if (const YAML::Node old = ssh[key]) {
          std::string& line = lines[static_cast<size_t>(old.Mark().line)];
          size_t at = line.find(key + ":");
          if (at == std::string::npos) return false;
          size_t comment = line.find(" #", at);
          std::string trailing = comment == std::string::npos || line.find('"', at) != std::string::npos ? "\n" : line.substr(comment);
          line = line.substr(0, at) + key + ": " + value + trailing;
        } else {
          auto at = lines.begin() + ssh.Mark().line;
          lines.insert(at, std::string(ssh.Mark().column, ' ') + key + ": " + value + "\n");
        }
      } else {
        auto at = lines.begin() + node["name"].Mark().line + 1;
        lines.insert(at, indent + "ssh:\n" + indent + "  " + key + ": " + value + "\n");
      }
      return true;
    }
    return false;
  });
  return Verify(edited, source, expected);
}

}  // namespace

Result<RegistryEdit> SetPasswordHash(std::string_view text, const std::string& source, const std::string& site,
                                     const std::string& hash) {
  auto before = ParseRegistry(text, source);
  if (!before.ok()) return before.error();
  if (!before->FindSite(site)) return Error("no site " + site + " in " + source);
  Registry expected = *before;
  for (auto& entry : expected.sites) {
    if (entry.name == site) entry.ssh.password_hash = hash;
  }
  return SetSshKey(text, source, site, "password_hash", Quoted(hash), expected);
}

Result<RegistryEdit> SetSshAccess(std::string_view text, const std::string& source, const std::string& site, SshAccess access) {
  auto before = ParseRegistry(text, source);
  if (!before.ok()) return before.error();
  if (!before->FindSite(site)) return Error("no site " + site + " in " + source);
  Registry expected = *before;
  for (auto& entry : expected.sites) {
    if (entry.name == site) entry.ssh.access = access;
  }
  return SetSshKey(text, source, site, "access", std::string(SshAccessName(access)), expected);
}

}  // namespace webvps
