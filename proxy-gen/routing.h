// The routing model: from the running containers, which host names (and paths) go to which
// backend addresses, with nginx-proxy's settings. Every value that will reach the nginx config
// is checked here against a strict grammar; a container with a bad value is left out with a
// rejection naming the container, the setting and the reason, and the others are unaffected.
// Pure and deterministic: the same containers in any order give the same model.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proxy-gen/container.h"
#include "result.h"

namespace webvps::proxy_gen {

/// A setting of a container: the label `webvps.proxy.<name>` (any case) wins over the
/// environment variable `<NAME>`.
std::optional<std::string> SettingOf(const ContainerInfo& container, const std::string& name);

/// The container with only what routing reads: the settings' environment variables and labels
/// (and the proxy role label). proxy-gen keeps containers in this form: their other variables
/// (PATH, PHP_*, secrets) are neither needed nor worth holding in memory for a thousand sites.
ContainerInfo RoutingView(ContainerInfo container);

/// Why a value is not acceptable for `setting`, or nullopt. Kinds of VIRTUAL_HOST entries:
/// exact host, `*.domain`, `domain.*`, `~regex`.
std::optional<std::string> HostEntryProblem(std::string_view entry);
std::optional<std::string> PathProblem(std::string_view path);
std::optional<std::string> HstsProblem(std::string_view hsts);
std::optional<std::string> CertNameProblem(std::string_view name);
/// The `loadbalance` label: one of nginx's balancing directives, checked word by word; the
/// directive as it is written into the upstream goes to `directive`.
std::optional<std::string> LoadbalanceProblem(std::string_view text, std::string* directive = nullptr);

struct Backend {
  std::string container;  ///< container name
  std::string address;    ///< IPv4, or IPv6 in brackets
  int port = 80;
  bool ready = true;      ///< false while Docker says unhealthy (or, with require_healthy, not yet healthy)
  bool operator==(const Backend&) const = default;
};

struct Location {
  std::string path = "/";
  std::string proto = "http";           ///< http https uwsgi fastcgi grpc grpcs
  std::string dest;                     ///< VIRTUAL_DEST: appended to the upstream
  std::string network_access = "external";  ///< external | internal
  std::string upstream;                 ///< the upstream's name in the config
  std::vector<Backend> backends;        ///< sorted
  int keepalive = 16;                   ///< label keepalive: idle upstream connections kept per worker; 0: none
  std::string loadbalance;              ///< label loadbalance: one checked directive (LoadbalanceProblem), or empty
  bool operator==(const Location&) const = default;
};

struct VirtualHost {
  std::string host;                     ///< as written: exact, wildcard or ~regex
  std::string https_method = "redirect";  ///< redirect noredirect nohttp nohttps
  std::string hsts = "max-age=31536000";  ///< "off" or the header's value
  std::string cert_name;                ///< CERT_NAME, empty for the usual choice
  bool acme_challenge = true;           ///< ACME_HTTP_CHALLENGE_LOCATION: the proxy answers /.well-known/acme-challenge/ on HTTP
  bool trust_default_cert = true;       ///< TRUST_DEFAULT_CERT / label trust-default-cert: may use certs/default.crt
  bool http_on_missing_cert = true;     ///< ENABLE_HTTP_ON_MISSING_CERT: nohttp without a certificate still serves HTTP
  int non_get_redirect = 301;           ///< NON_GET_REDIRECT: the redirect to HTTPS of requests other than GET and HEAD
  std::string ssl_verify_client = "on";  ///< label ssl_verify_client: on | optional | optional_no_ca, where a client CA is there
  std::map<std::string, Location> locations;  ///< by path
  std::vector<std::string> containers;  ///< that asked for this host, sorted
  bool operator==(const VirtualHost&) const = default;
};

/// A container (or one of its values) left out, and why.
struct Rejection {
  std::string container;
  std::string setting;
  std::string reason;
  bool operator==(const Rejection&) const = default;
};

struct RoutingModel {
  std::map<std::string, VirtualHost> hosts;
  std::vector<Rejection> rejections;  ///< sorted
  std::vector<std::string> conflicts;  ///< settings that differed between containers of one host
  /// Containers that ask to be proxied but share no network with the proxy: another proxy's, or
  /// not connected yet. Not a bad value, so not a rejection; sorted.
  std::vector<std::string> unreachable;
  /// "container: SETTING" (or ": label NAME"): nginx-proxy settings a container sets that webvps
  /// does not read; the container is served without them. Sorted.
  std::vector<std::string> unsupported;
  bool operator==(const RoutingModel&) const = default;
};

struct RoutingOptions {
  std::set<std::string> proxy_networks;   ///< the proxy's own networks; empty: unknown, any network
  bool require_healthy = false;           ///< containers with a health check get traffic only once healthy
  std::string https_method = "redirect";  ///< proxy-wide default (HTTPS_METHOD of the proxy)
  std::string hsts = "max-age=31536000";
  bool acme_challenge = true;             ///< proxy-wide default of ACME_HTTP_CHALLENGE_LOCATION
  bool trust_default_cert = true;         ///< proxy-wide default of TRUST_DEFAULT_CERT
  bool prefer_ipv6 = false;               ///< PREFER_IPV6_NETWORK: a backend's IPv6 address where it has one
  std::set<std::string> excluded;         ///< container ids left out (nginx refused them)
};

/// One route of VIRTUAL_HOST_MULTIPORTS: a host, a path on it, the container's port for it (none:
/// the container's default port) and its VIRTUAL_DEST.
struct MultiportRoute {
  std::string host;
  std::string path = "/";
  std::optional<int> port;
  std::string dest;
  bool operator==(const MultiportRoute&) const = default;
};

/// nginx-proxy's VIRTUAL_HOST_MULTIPORTS, in YAML or JSON: a map of hosts, each null or a map of
/// paths, each null or a map with `port` and `dest`. Every host, path, port and dest goes
/// through the same grammar as VIRTUAL_HOST, VIRTUAL_PATH, VIRTUAL_PORT and VIRTUAL_DEST; the
/// error names the entry that is wrong. At most 100 hosts of 100 paths.
Result<std::vector<MultiportRoute>> ParseMultiports(std::string_view text);

/// Builds the model. Conflicts between containers of one host (or host and path) are decided
/// by the container whose name sorts first; the others' differing values are listed.
RoutingModel BuildRoutingModel(const std::vector<ContainerInfo>& containers, const RoutingOptions& options);

/// The upstream name of a host and path: readable where possible, always a safe identifier.
std::string UpstreamName(const std::string& host, const std::string& path);

}  // namespace webvps::proxy_gen
