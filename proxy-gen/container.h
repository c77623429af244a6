// What proxy-gen knows of a container, from the Engine API's inspect (and list) answers.
// Parsing is pure; the fields used are present in API 1.41 (Engine 20.10) and in >= 1.52, and
// the deprecated top-level NetworkSettings.IPAddress is never read.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::proxy_gen {

struct NetworkEndpoint {
  std::string network;  ///< the network's name
  std::string ipv4;     ///< empty when none
  std::string ipv6;
  bool operator==(const NetworkEndpoint&) const = default;
};

struct ContainerInfo {
  std::string id;
  std::string name;  ///< without the leading '/'
  bool running = false;
  std::map<std::string, std::string> env;     ///< Config.Env, KEY=VALUE split at the first '='
  std::map<std::string, std::string> labels;  ///< Config.Labels
  std::vector<int> exposed_tcp_ports;         ///< Config.ExposedPorts "80/tcp", sorted
  std::string health;                         ///< "" (no HEALTHCHECK), "starting", "healthy", "unhealthy"
  std::string network_mode;                   ///< HostConfig.NetworkMode
  std::vector<NetworkEndpoint> networks;      ///< sorted by network name
  bool operator==(const ContainerInfo&) const = default;
};

/// Docker's grammars: an id is lowercase hex (64 from the Engine; a prefix of it is accepted),
/// a name [a-zA-Z0-9][a-zA-Z0-9_.-]*. What is not so is not a container proxy-gen acts on.
bool IsContainerId(std::string_view id);
bool IsContainerName(std::string_view name);
/// `text` when it is an address of `family` (AF_INET, AF_INET6), else "".
std::string IpAddressOrEmpty(const std::string& text, int family);

/// Parses GET /containers/{id}/json.
Result<ContainerInfo> ParseContainerInspect(std::string_view json);

/// The ids in GET /containers/json (running containers).
Result<std::vector<std::string>> ParseContainerList(std::string_view json);

/// The id of the container this process runs in, from /proc/self/mountinfo: Docker mounts the
/// container's own resolv.conf, hostname and hosts from /var/lib/docker/containers/<id>/. Empty
/// when not found (not in a Docker container, or an engine that lays files out otherwise).
std::string ContainerIdFromMountInfo(std::string_view mountinfo);

/// An IPv4 or IPv6 address with a prefix length ("10.0.0.0/8", "fd00::/8"): nothing else.
bool IsSubnet(std::string_view subnet);

/// The subnets of a network, from GET /networks/{id} (IPAM.Config[].Subnet); entries that are not
/// an IPv4 or IPv6 address with a prefix length are left out.
Result<std::vector<std::string>> ParseNetworkSubnets(std::string_view json);

/// Of the running containers labelled webvps.proxy.role=nginx, the one a split-mode proxy-gen
/// works with: the only one, or, when several stacks run on one host, the one of proxy-gen's own
/// compose project (`own_labels`: its own container's). Empty when it cannot tell.
std::string ChooseNginxContainer(const std::vector<ContainerInfo>& labelled, const std::map<std::string, std::string>& own_labels);

/// The API version a daemon speaks, from GET /version ("ApiVersion"), e.g. "1.41".
Result<std::string> ParseApiVersion(std::string_view json);

/// The version to use: the daemon's, capped at the newest this program knows (so paths stay
/// ones it understands), never below 1.24 (the oldest with the fields it reads).
Result<std::string> NegotiateApiVersion(const std::string& daemon_version);

}  // namespace webvps::proxy_gen
