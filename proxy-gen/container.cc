#include "container.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "names.h"
#include "proxy-gen/json_fields.h"

namespace webvps::proxy_gen {
namespace {

using Json = nlohmann::json;

bool ParseVersion(const std::string& text, int& major, int& minor) {
  size_t dot = text.find('.');
  if (dot == std::string::npos) return false;
  auto [end1, error1] = std::from_chars(text.data(), text.data() + dot, major);
  auto [end2, error2] = std::from_chars(text.data() + dot + 1, text.data() + text.size(), minor);
  return error1 == std::errc() && error2 == std::errc() && end1 == text.data() + dot && end2 == text.data() + text.size();
}

}  // namespace

bool IsContainerId(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsContainerName(std::string_view name) {
  // Docker's: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (one character is enough for names made elsewhere).
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 255 && alnum(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string IpAddressOrEmpty(const std::string& text, int family) {
  unsigned char buffer[16];
  if (text.empty() || text.size() > 45 || ::inet_pton(family, text.c_str(), buffer) != 1) return "";
  return text;
}

Result<ContainerInfo> ParseContainerInspect(std::string_view text) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Error("inspect: not a JSON object");
  ContainerInfo info;
  info.id = StringAt(json, "Id");
  if (info.id.empty()) return Error("inspect: no Id");
  info.name = StringAt(json, "Name");
  if (info.name.starts_with('/')) info.name.erase(0, 1);
  // Both end up in nginx's config (as comments) and in log lines: Docker's own grammar only.
  if (!IsContainerId(info.id)) return Error("inspect: Id " + QuoteForMessage(info.id) + " is not a container id");
  if (!IsContainerName(info.name)) return Error("inspect: Name " + QuoteForMessage(info.name) + " is not a container name");
  if (const Json* state = ObjectAt(json, "State")) {
    info.running = BoolAt(*state, "Running", false) && !BoolAt(*state, "Paused", false);
    if (const Json* health = ObjectAt(*state, "Health")) info.health = StringAt(*health, "Status");
  }
  if (const Json* config = ObjectAt(json, "Config")) {
    if (auto env = config->find("Env"); env != config->end() && env->is_array()) {
      for (const auto& entry : *env) {
        if (!entry.is_string()) continue;
        std::string line = entry.get<std::string>();
        size_t equals = line.find('=');
        if (equals == std::string::npos || equals == 0) continue;
        info.env[line.substr(0, equals)] = line.substr(equals + 1);
      }
    }
    if (const Json* labels = ObjectAt(*config, "Labels")) {
      for (const auto& [key, value] : labels->items()) {
        if (value.is_string()) info.labels[key] = value.get<std::string>();
      }
    }
    if (const Json* ports = ObjectAt(*config, "ExposedPorts")) {
      for (const auto& [key, value] : ports->items()) {
        if (!key.ends_with("/tcp")) continue;
        int port = 0;
        auto [end, error] = std::from_chars(key.data(), key.data() + key.size() - 4, port);
        if (error == std::errc() && end == key.data() + key.size() - 4 && port > 0 && port < 65536) {
          info.exposed_tcp_ports.push_back(port);
        }
      }
      std::sort(info.exposed_tcp_ports.begin(), info.exposed_tcp_ports.end());
    }
  }
  if (const Json* host_config = ObjectAt(json, "HostConfig")) info.network_mode = StringAt(*host_config, "NetworkMode");
  if (const Json* settings = ObjectAt(json, "NetworkSettings")) {
    if (const Json* networks = ObjectAt(*settings, "Networks")) {
      for (const auto& [name, endpoint] : networks->items()) {
        // Rendered into nginx's config as the upstream's address: an address, or nothing.
        info.networks.push_back({name, IpAddressOrEmpty(StringAt(endpoint, "IPAddress"), AF_INET),
                                 IpAddressOrEmpty(StringAt(endpoint, "GlobalIPv6Address"), AF_INET6)});
      }
      std::sort(info.networks.begin(), info.networks.end(),
                [](const NetworkEndpoint& a, const NetworkEndpoint& b) { return a.network < b.network; });
    }
  }
  return info;
}

Result<std::vector<std::string>> ParseContainerList(std::string_view text) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_array()) return Error("container list: not a JSON array");
  std::vector<std::string> ids;
  for (const auto& entry : json) {
    std::string id = StringAt(entry, "Id");
    if (IsContainerId(id)) ids.push_back(id);  // each goes into a request path
  }
  return ids;
}

std::string ContainerIdFromMountInfo(std::string_view mountinfo) {
  constexpr std::string_view kMarker = "/containers/";
  constexpr size_t kIdLength = 64;
  for (size_t at = mountinfo.find(kMarker); at != std::string_view::npos; at = mountinfo.find(kMarker, at + 1)) {
    std::string_view rest = mountinfo.substr(at + kMarker.size());
    if (rest.size() <= kIdLength || rest[kIdLength] != '/') continue;
    std::string_view id = rest.substr(0, kIdLength);
    if (IsContainerId(id)) return std::string(id);
  }
  return "";
}

bool IsSubnet(std::string_view subnet) {
  size_t slash = subnet.find('/');
  if (slash == std::string_view::npos || slash + 1 >= subnet.size() || subnet.size() > 64) return false;
  std::string address(subnet.substr(0, slash));
  std::string_view prefix = subnet.substr(slash + 1);
  if (prefix.find_first_not_of("0123456789") != std::string_view::npos || prefix.size() > 3) return false;
  unsigned char buffer[16];
  bool v4 = ::inet_pton(AF_INET, address.c_str(), buffer) == 1;
  bool v6 = !v4 && ::inet_pton(AF_INET6, address.c_str(), buffer) == 1;
  int bits = std::stoi(std::string(prefix));
  return (v4 && bits <= 32) || (v6 && bits <= 128);
}

Result<std::vector<std::string>> ParseNetworkSubnets(std::string_view text) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Error("network inspect: not a JSON object");
  std::vector<std::string> subnets;
  const Json* ipam = ObjectAt(json, "IPAM");
  if (ipam == nullptr) return subnets;
  auto config = ipam->find("Config");
  if (config == ipam->end() || !config->is_array()) return subnets;
  for (const auto& entry : *config) {
    std::string subnet = StringAt(entry, "Subnet");
    if (IsSubnet(subnet)) subnets.push_back(subnet);
  }
  return subnets;
}

std::string ChooseNginxContainer(const std::vector<ContainerInfo>& labelled, const std::map<std::string, std::string>& own_labels) {
  if (labelled.size() == 1) return labelled.front().id;
  auto project = own_labels.find("com.docker.compose.project");
  if (project == own_labels.end()) return "";
  std::string chosen;
  for (const auto& container : labelled) {
    auto theirs = container.labels.find("com.docker.compose.project");
    if (theirs == container.labels.end() || theirs->second != project->second) continue;
    if (!chosen.empty()) return "";  // two in the same project: no guess
    chosen = container.id;
  }
  return chosen;
}

Result<std::string> ParseApiVersion(std::string_view text) {
  Json json = Json::parse(text, nullptr, false);
  std::string version = json.is_discarded() ? "" : StringAt(json, "ApiVersion");
  if (version.empty()) return Error("version: no ApiVersion in the daemon's answer");
  return version;
}

Result<std::string> NegotiateApiVersion(const std::string& daemon_version) {
  constexpr int kNewestMinor = 52;
  constexpr int kOldestMinor = 24;
  int major = 0, minor = 0;
  if (!ParseVersion(daemon_version, major, minor) || major != 1) {
    return Error("the daemon speaks API \"" + daemon_version + "\", which proxy-gen does not know");
  }
  if (minor < kOldestMinor) {
    return Error("the daemon speaks API 1." + std::to_string(minor) + "; proxy-gen needs at least 1." + std::to_string(kOldestMinor));
  }
  return "1." + std::to_string(std::min(minor, kNewestMinor));
}

}  // namespace webvps::proxy_gen
