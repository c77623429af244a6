// proxy-gen's configuration: where Docker and nginx are, where generated files go, how it
// reloads nginx, and the proxy-wide defaults that nginx-proxy reads from its environment.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "config.h"
#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"

namespace webvps::proxy_gen {

/// How nginx is run and reloaded.
enum class NginxMode {
  kSupervise,  ///< proxy-gen starts nginx in its own container, supervises it and reloads it by signal
  kContainer,  ///< nginx runs in another container, reloaded through the Docker API (split mode)
};

struct Settings {
  std::string docker_host = "unix:///var/run/docker.sock";  ///< docker.host, or DOCKER_HOST
  std::chrono::milliseconds docker_timeout{5000};         ///< docker.timeout: one API request
  std::chrono::milliseconds ping_interval{30'000};        ///< docker.ping_interval: ping when idle this long
  std::chrono::milliseconds resync_interval{600'000};     ///< docker.resync_interval: full safety resync
  std::chrono::milliseconds reconnect_max{30'000};        ///< docker.reconnect_max: backoff ceiling

  std::string own_container;  ///< proxy.container: proxy-gen's container (name or id); empty: found itself
  std::string default_host;   ///< proxy.default_host, or DEFAULT_HOST
  std::string https_method = "redirect";  ///< proxy.https_method, or HTTPS_METHOD
  std::string hsts = "max-age=31536000";  ///< proxy.hsts, or HSTS
  int http_port = 80;                     ///< proxy.http_port, or HTTP_PORT
  int https_port = 443;                   ///< proxy.https_port, or HTTPS_PORT
  bool ipv6 = false;                      ///< proxy.ipv6, or ENABLE_IPV6
  bool prefer_ipv6 = false;               ///< proxy.prefer_ipv6, or PREFER_IPV6_NETWORK: backends by IPv6 where they have it
  bool require_healthy = false;           ///< proxy.require_healthy: no traffic before Docker says healthy
  std::vector<std::string> trusted_proxies;  ///< proxy.trusted_proxies: subnets whose X-Forwarded-* are believed
  bool acme_challenge = true;  ///< proxy.acme_challenge, or ACME_HTTP_CHALLENGE_LOCATION: the proxy serves ACME challenges
  bool acme_unknown_hosts = false;  ///< proxy.acme_unknown_hosts, or ACME_HTTP_CHALLENGE_ACCEPT_UNKNOWN_HOST
  std::string default_root = "404";  ///< proxy.default_root, or DEFAULT_ROOT: `/` of a host with paths only
  bool trust_default_cert = true;    ///< proxy.trust_default_cert, or TRUST_DEFAULT_CERT
  int external_https_port = 443;     ///< proxy.external_https_port, or EXTERNAL_HTTPS_PORT: in the HTTPS redirect
  int external_http_port = 80;       ///< proxy.external_http_port, or EXTERNAL_HTTP_PORT (default: proxy.http_port)
  bool proxy_protocol = false;       ///< proxy.proxy_protocol, or ENABLE_PROXY_PROTOCOL (needs proxy.trusted_proxies)
  std::string log_format;            ///< proxy.log_format, or LOG_FORMAT (LOG_JSON=true: nginx-proxy's JSON); empty: webvps's
  std::string log_escape = "default";  ///< proxy.log_format_escape, or LOG_FORMAT_ESCAPE: default | json | none
  bool access_log = true;            ///< proxy.access_log; DISABLE_ACCESS_LOGS=true turns it off
  std::vector<std::string> resolvers;  ///< proxy.resolvers, or RESOLVERS (space-separated)
  std::string proxy_conf = "/etc/nginx/proxy.conf";  ///< nginx.proxy_conf: included instead of the proxy settings when present
  std::string error_pages = "/usr/share/nginx/html/errors";  ///< nginx.error_pages: its 50x.html, when present

  NginxMode mode = NginxMode::kSupervise;  ///< nginx.mode: supervise | container
  std::string nginx_container;  ///< nginx.container: the nginx container in container mode (name or id);
                                ///< empty: the running container labelled webvps.proxy.role=nginx
  std::string nginx_binary = "nginx";                        ///< nginx.binary
  std::string main_config = "/etc/nginx/nginx.conf";         ///< nginx.main_config
  std::string nginx_config = "/etc/nginx/conf.d/default.conf";  ///< nginx.config: the generated file
  std::string certs_dir = "/etc/nginx/certs";                   ///< nginx.certs
  std::string vhost_dir = "/etc/nginx/vhost.d";                 ///< nginx.vhost_dir
  std::string htpasswd_dir = "/etc/nginx/htpasswd";             ///< nginx.htpasswd_dir
  std::string work_dir = "/var/lib/proxy-gen";                  ///< nginx.work_dir: candidates under test
  std::chrono::milliseconds stop_timeout{8000};                 ///< nginx.stop_timeout: graceful stop, then SIGKILL

  std::chrono::milliseconds debounce_quiet{50};      ///< debounce.quiet: apply after this long without events
  std::chrono::milliseconds debounce_max{1000};      ///< debounce.max: ... or at the latest this long after the first
};

/// The nginx-proxy variables proxy-gen honours on its own container, as fallbacks of its keys.
struct NginxProxyEnvironment {
  std::string docker_host, default_host, https_method, hsts, http_port, https_port, enable_ipv6;
  std::string trust_downstream_proxy;  ///< "true": X-Forwarded-* believed from any client
  std::string acme_http_challenge_location;  ///< "false": no proxy-served ACME challenges by default
  std::string acme_http_challenge_accept_unknown_host, default_root, trust_default_cert, external_https_port;
  std::string log_format, log_format_escape, log_json, disable_access_logs, resolvers, prefer_ipv6_network;
  std::string external_http_port, enable_proxy_protocol;
};
NginxProxyEnvironment ReadNginxProxyEnvironment(const EnvironmentLookup& environment);

/// Without DOCKER_HOST: the engine's socket where it is mounted, /var/run/docker.sock or, as in
/// nginx-proxy's examples, /tmp/docker.sock. Empty when DOCKER_HOST is set or neither is there.
std::string DefaultDockerHost(const NginxProxyEnvironment& environment, const std::function<bool(const std::string&)>& exists);

/// Reads proxy-gen's keys; problems go into `config`.
Settings ReadSettings(ConfigReader& config, const NginxProxyEnvironment& environment);

/// The routing and rendering options the settings give (without what proxy-gen learns at run
/// time: its networks and their subnets). render.proxy_conf and render.error_pages are the paths,
/// whether or not the files exist.
RoutingOptions RoutingOptionsFor(const Settings& settings);
RenderOptions RenderOptionsFor(const Settings& settings);

/// The label that marks the nginx container in container mode.
inline constexpr const char* kNginxRoleLabel = "webvps.proxy.role";

}  // namespace webvps::proxy_gen
