// The nginx configuration for a routing model: pure and deterministic (sorted; the same model
// and files give the same bytes). A catch-all answers 503 on HTTP and refuses the TLS handshake
// for unknown hosts; per host an upstream per path and a server per port; certificates chosen as
// nginx-proxy does; vhost.d and htpasswd files included when present.
#pragma once

#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <vector>

#include "proxy-gen/routing.h"

namespace webvps::proxy_gen {

/// The files next to the config, by name (only names that passed the grammars are rendered).
struct ProxyFiles {
  std::set<std::string> certs;     ///< base names with both <name>.crt and <name>.key
  std::set<std::string> client_cas;  ///< hosts with <host>.ca.crt: the CA of their client certificates (mTLS)
  std::set<std::string> crls;        ///< hosts with <host>.crl.pem: its revocation list
  bool client_ca = false;            ///< ca.crt: the CA of client certificates for every other host
  bool client_crl = false;           ///< ca.crl.pem: its revocation list
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
  /// nginx-proxy's custom error pages: the directory holding the admin's 50x.html, answered for
  /// nginx's own 500, 502 (as 503), 503 and 504 instead of the 503 page; empty when there is none.
  std::string error_pages;
  /// Where ACME HTTP-01 challenge files are served from (mounted by the ACME client).
  std::string acme_root = "/usr/share/nginx/html";
  /// ACME_HTTP_CHALLENGE_ACCEPT_UNKNOWN_HOST: the catch-all answers challenges for any host too.
  bool acme_unknown_hosts = false;
  /// DEFAULT_ROOT: what `/` answers on a host whose containers all have a VIRTUAL_PATH: nginx's
  /// `return` arguments (checked by DefaultRootProblem), or "none" for no `/` location at all.
  std::string default_root = "404";
  /// EXTERNAL_HTTPS_PORT: the port clients reach HTTPS on, for the redirect (443: none written)
  /// and X-Forwarded-Port; EXTERNAL_HTTP_PORT: the one they reach HTTP on, for X-Forwarded-Port.
  int external_https_port = 443;
  int external_http_port = 80;
  /// ENABLE_PROXY_PROTOCOL: every listener expects a PROXY protocol header (a TCP load balancer
  /// in front), and the client's address in it is believed from the trusted proxies only.
  bool proxy_protocol = false;
  /// The access log (nginx-proxy's LOG_FORMAT, LOG_FORMAT_ESCAPE, LOG_JSON, DISABLE_ACCESS_LOGS):
  /// the `vhost` format's text (LogFormatProblem) or empty for webvps's own, its escaping
  /// (default | json | none), and whether requests are logged at all.
  std::string log_format;
  std::string log_escape = "default";
  bool access_log = true;
  /// RESOLVERS: nginx's `resolver` (ResolverProblem checks each word), or none.
  std::vector<std::string> resolvers;
  /// An admin's /etc/nginx/proxy.conf, included instead of the generated proxy settings (empty: none).
  std::string proxy_conf;

  /// ... never the subnets of the networks the proxy serves sites on: every site's container is
  /// there, and so is the gateway through which Docker's userland proxy brings any connection.
  std::vector<std::string> internal_deny;
  /// proxy.trusted_proxies: the proxies in front (subnets) whose X-Forwarded-* are believed.
  std::vector<std::string> trusted_proxies;
};

/// The name a host's vhost.d and htpasswd files go by, as nginx-proxy names them: the host as
/// written for exact and wildcard hosts (`*.example.org`), the SHA-1 (hex) of it for a regular
/// expression. Per-path files add `_<sha1(path)>`.
std::string HostFileName(const std::string& host);
std::string Sha1Hex(std::string_view text);

/// nginx-proxy's LOG_JSON format for the access log.
extern const char* const kJsonLogFormat;
/// Why a LOG_FORMAT value is not acceptable: it goes between single quotes, so none of them, no
/// backslash, nothing but printable ASCII.
std::optional<std::string> LogFormatProblem(std::string_view format);
/// Why a word of RESOLVERS is not acceptable: an IPv4 address or [IPv6] address (with an optional
/// :port), valid=<time> or ipv6=on|off.
std::optional<std::string> ResolverProblem(std::string_view word);

/// Why a DEFAULT_ROOT value is not acceptable: "none", a status code, or a 3xx code and a URL.
std::optional<std::string> DefaultRootProblem(std::string_view value);

/// Reads the three directories (a missing one is empty). Only names that pass the grammars are
/// kept, so that no file name can bring a character into the config that a value could not.
ProxyFiles ScanProxyFiles(const std::string& certs_dir, const std::string& vhost_dir, const std::string& htpasswd_dir);

/// The certificate base name for a host: CERT_NAME, the host itself, its parent domain one
/// level up (a.b.com -> b.com), else "default" (unless the host does not trust it:
/// TRUST_DEFAULT_CERT); empty when none of them exists.
std::string ChooseCertificate(const VirtualHost& host, const ProxyFiles& files);

std::string RenderNginxConfig(const RoutingModel& model, const ProxyFiles& files, const RenderOptions& options);

}  // namespace webvps::proxy_gen
