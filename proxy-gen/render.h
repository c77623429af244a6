// The nginx configuration for a routing model: pure and deterministic (sorted; the same model
// and files give the same bytes). A catch-all answers 503 on HTTP and refuses the TLS handshake
// for unknown hosts; per host an upstream per path and a server per port; certificates chosen as
// nginx-proxy does; vhost.d and htpasswd files included when present.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "proxy-gen/routing.h"

namespace webvps::proxy_gen {

/// The files next to the config, by name (only names that passed the grammars are rendered).
struct ProxyFiles {
  std::set<std::string> certs;     ///< base names with both <name>.crt and <name>.key
  std::set<std::string> vhost_d;   ///< file names in vhost.d
  std::set<std::string> htpasswd;  ///< file names in htpasswd
};

struct RenderOptions {
  std::string certs_dir = "/etc/nginx/certs";
  std::string vhost_dir = "/etc/nginx/vhost.d";
  std::string htpasswd_dir = "/etc/nginx/htpasswd";
  int http_port = 80;
  int https_port = 443;
  std::string default_host;  ///< DEFAULT_HOST: answers unknown hosts on HTTP instead of the 503
  bool ipv6 = false;         ///< also listen on [::] (only where the container has IPv6)
  /// NETWORK_ACCESS=internal: who counts as internal (nginx-proxy's file, replaceable)...
  std::string network_internal = "/etc/nginx/network_internal.conf";
  /// Included in every server block: the 503 page while none of the host's backends answers.
  std::string unavailable_page = "/etc/nginx/webvps-unavailable.conf";
  /// Where ACME HTTP-01 challenge files are served from (mounted by the ACME client).
  std::string acme_root = "/usr/share/nginx/html";
  /// ... never the subnets of the networks the proxy serves sites on: every site's container is
  /// there, and so is the gateway through which Docker's userland proxy brings any connection.
  std::vector<std::string> internal_deny;
  /// proxy.trusted_proxies: the proxies in front (subnets) whose X-Forwarded-* are believed.
  std::vector<std::string> trusted_proxies;
};

/// Reads the three directories (a missing one is empty). Only names that pass the grammars are
/// kept, so that no file name can bring a character into the config that a value could not.
ProxyFiles ScanProxyFiles(const std::string& certs_dir, const std::string& vhost_dir, const std::string& htpasswd_dir);

/// The certificate base name for a host: CERT_NAME, the host itself, its parent domain one
/// level up (a.b.com -> b.com), else "default"; empty when none of them exists.
std::string ChooseCertificate(const VirtualHost& host, const ProxyFiles& files);

std::string RenderNginxConfig(const RoutingModel& model, const ProxyFiles& files, const RenderOptions& options);

}  // namespace webvps::proxy_gen
