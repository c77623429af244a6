#include "render.h"

#include <openssl/evp.h>

#include <filesystem>
#include <sstream>

namespace webvps::proxy_gen {
namespace {

std::string Listen(const RenderOptions& options, int port, std::string flags) {
  if (options.proxy_protocol) flags += " proxy_protocol";  // ENABLE_PROXY_PROTOCOL: on every listener
  std::string out = "    listen " + std::to_string(port) + flags + ";\n";
  if (options.ipv6) out += "    listen [::]:" + std::to_string(port) + flags + ";\n";
  return out;
}

constexpr const char* kUpstreamKeepaliveTimeout = "4s";

bool IsExactHost(const std::string& host) { return host.front() != '~' && host.find('*') == std::string::npos; }

// An include of a file in vhost.d: nginx reads `*` in an include as a glob, so a wildcard
// host's file (`*.example.org`) is escaped to match itself only.
std::string IncludeOf(const std::string& dir, const std::string& name) {
  std::string out = "include " + dir + "/";
  for (char c : name) {
    if (c == '*') out += '\\';
    out += c;
  }
  return out + ";";
}

// vhost.d/<name><suffix> when it is there, else vhost.d/<fallback> when that is, else nothing.
std::string FirstInclude(const ProxyFiles& files, const RenderOptions& options, std::initializer_list<std::string> names) {
  for (const auto& name : names) {
    if (!name.empty() && files.vhost_d.contains(name)) return IncludeOf(options.vhost_dir, name);
  }
  return "";
}

void RenderUpstream(std::ostringstream& out, const Location& location) {
  out << "upstream " << location.upstream << " {\n";
  // Checked word by word where it was read (LoadbalanceProblem).
  if (!location.loadbalance.empty()) out << "    " << location.loadbalance << "  # label loadbalance\n";
  int servers = 0;
  for (const auto& backend : location.backends) {
    if (!backend.ready) {
      out << "    # " << backend.container << ": unhealthy, no traffic\n";
      continue;
    }
    // A backend whose port refuses (still starting, or gone) is skipped for a second and the
    // request goes to the next one; with a single server nginx answers 502, shown as the 503 page.
    out << "    # " << backend.container << "\n    server " << backend.address << ":" << backend.port
        << " max_fails=1 fail_timeout=1s;\n";
    ++servers;
  }
  // An upstream without any server is an nginx error; a server marked down is valid.
  if (servers == 0) out << "    server 127.0.0.1 down;\n";
  // Connections to the backends are kept and reused, closed by nginx before Apache's
  // KeepAliveTimeout (5 s) would close them under a request.
  if (location.keepalive > 0) {
    out << "    keepalive " << location.keepalive << ";\n    keepalive_timeout " << kUpstreamKeepaliveTimeout << ";\n";
  }
  out << "}\n\n";
}

void RenderLocation(std::ostringstream& out, const VirtualHost& host, const Location& location, const ProxyFiles& files,
                    const RenderOptions& options) {
  // nginx-proxy's files: per path <host>_<sha1(path)>..., else per host, else the defaults.
  const std::string name = HostFileName(host.host);
  const std::string per_path = name + "_" + Sha1Hex(location.path);
  // A `_location_override` file replaces the whole location block (it writes its own).
  std::string override_include =
      FirstInclude(files, options, {per_path + "_location_override", location.path == "/" ? name + "_location_override" : ""});
  if (!override_include.empty()) {
    out << "    " << override_include << "  # replaces the location " << location.path << "\n";
    return;
  }
  out << "    location " << location.path << " {\n";
  if (location.network_access == "internal") {
    // Checked where they were read (ParseNetworkSubnets): addresses with a prefix length only.
    for (const auto& subnet : options.internal_deny) out << "        deny " << subnet << ";  # a proxy network: other sites\n";
    out << "        include " << options.network_internal << ";\n";
  }
  const std::string target = location.upstream + location.dest;
  if (location.proto == "uwsgi") {
    out << "        include uwsgi_params;\n        uwsgi_pass " << target << ";\n";
  } else if (location.proto == "fastcgi") {
    out << "        include fastcgi_params;\n        fastcgi_pass " << target << ";\n";
  } else if (location.proto == "grpc" || location.proto == "grpcs") {
    out << "        grpc_pass " << location.proto << "://" << target << ";\n";
  } else {
    out << "        proxy_pass " << location.proto << "://" << target << ";\n";
  }
  for (const auto& file : {per_path, name}) {
    if (!files.htpasswd.contains(file)) continue;
    // The realm names the host as written; a regex host's has no quote or backslash (its grammar).
    out << "        auth_basic \"Restricted " << host.host << (file == per_path ? location.path : "") << "\";\n"
        << "        auth_basic_user_file " << options.htpasswd_dir << "/" << file << ";\n";
    break;
  }
  std::string include = FirstInclude(files, options, {per_path + "_location", name + "_location", "default_location"});
  if (!include.empty()) out << "        " << include << "\n";
  out << "    }\n";
}

// ACME HTTP-01 challenges are answered from the proxy's own directory (nginx-proxy's
// ACME_HTTP_CHALLENGE_LOCATION): also for hosts without a certificate yet, which need one most.
void RenderAcmeChallenge(std::ostringstream& out, const RenderOptions& options) {
  out << "    location ^~ /.well-known/acme-challenge/ {\n        auth_basic off;\n        root " << options.acme_root
      << ";\n        try_files $uri =404;\n    }\n";
}

// What nginx answers when it has no answer of a backend's: webvps's 503 page, or the admin's
// 50x.html (nginx-proxy's custom error pages) under a path of the proxy's own, so that no
// site's /50x.html is taken from it. A backend's own error is passed on as it is.
void RenderErrorPages(std::ostringstream& out, const RenderOptions& options) {
  if (options.error_pages.empty()) {
    out << "    include " << options.unavailable_page << ";  # the 503 page while no backend answers\n";
    return;
  }
  out << "    error_page 500 503 504 /.webvps/50x.html;  # the admin's error page\n"
         "    error_page 502 =503 /.webvps/50x.html;  # no backend answers\n"
         "    location = /.webvps/50x.html {\n        internal;\n        alias "
      << options.error_pages << "/50x.html;\n        add_header Cache-Control no-store always;\n    }\n";
}

void RenderServerBody(std::ostringstream& out, const VirtualHost& host, const ProxyFiles& files, const RenderOptions& options,
                      bool http) {
  RenderErrorPages(out, options);
  if (http && host.acme_challenge) RenderAcmeChallenge(out, options);
  std::string include = FirstInclude(files, options, {HostFileName(host.host), "default"});
  if (!include.empty()) out << "    " << include << "\n";
  for (const auto& [path, location] : host.locations) RenderLocation(out, host, location, files, options);
  // A host whose containers all have a VIRTUAL_PATH: nothing else of it exists (DEFAULT_ROOT,
  // 404 by default), never the proxy's own web root.
  if (!host.locations.contains("/") && options.default_root != "none") {
    out << "    location / {\n        return " << options.default_root << ";\n    }\n";
  }
}

// X-Forwarded-Proto, -For and -Port that a client sends are its own claims: believed only from
// the trusted proxies in front (proxy.trusted_proxies), otherwise the proxy's own view.
void RenderForwardedHeaders(std::ostringstream& out, const RenderOptions& options) {
  // The port the client reached the proxy on (EXTERNAL_HTTP_PORT, EXTERNAL_HTTPS_PORT), which
  // is not nginx's own where Docker publishes another.
  auto client_port = [&](const std::string& variable) {
    return "map $scheme " + variable + " {\n    default " + std::to_string(options.external_http_port) + ";\n    https " +
           std::to_string(options.external_https_port) + ";\n}\n";
  };
  if (options.trusted_proxies.empty()) {
    out << "# No proxy in front is trusted (proxy.trusted_proxies): a client's X-Forwarded-* are not passed on.\n"
           "map $scheme $proxy_x_forwarded_proto {\n    default $scheme;\n}\n"
           "map $host $proxy_x_forwarded_host {\n    default $host;\n}\n"
           "map $remote_addr $proxy_x_forwarded_for {\n    default $remote_addr;\n}\n"
        << client_port("$proxy_x_forwarded_port") << "\n";
    return;
  }
  out << "# X-Forwarded-* are believed from these proxies in front only (proxy.trusted_proxies).\n"
         "geo $webvps_trusted_proxy {\n    default 0;\n";
  // Checked where they were read (IsSubnet): addresses with a prefix length only.
  for (const auto& subnet : options.trusted_proxies) out << "    " << subnet << " 1;\n";
  out << "}\n"
         "map \"$webvps_trusted_proxy:$http_x_forwarded_proto\" $proxy_x_forwarded_proto {\n"
         "    default $scheme;\n    \"~^1:(?<webvps_forwarded_proto>https?)$\" $webvps_forwarded_proto;\n}\n"
         "map \"$webvps_trusted_proxy:$http_x_forwarded_host\" $proxy_x_forwarded_host {\n"
         "    default $host;\n    \"~^1:(?<webvps_forwarded_host>[a-zA-Z0-9.:\\[\\]-]+)$\" $webvps_forwarded_host;\n}\n"
         "map $webvps_trusted_proxy $proxy_x_forwarded_for {\n"
         "    default $remote_addr;\n    1 $proxy_add_x_forwarded_for;\n}\n"
      << client_port("$webvps_client_port")
      << "map \"$webvps_trusted_proxy:$http_x_forwarded_port\" $proxy_x_forwarded_port {\n"
         "    default $webvps_client_port;\n    \"~^1:(?<webvps_forwarded_port>[0-9]{1,5})$\" $webvps_forwarded_port;\n}\n\n";
}

constexpr const char* kProxySettings =
    "proxy_http_version 1.1;\n"
    "proxy_set_header Host $http_host;\n"
    "proxy_set_header Upgrade $http_upgrade;\n"
    "proxy_set_header Connection $proxy_connection;\n"
    "proxy_set_header X-Real-IP $remote_addr;\n"
    "proxy_set_header X-Forwarded-For $proxy_x_forwarded_for;\n"
    "proxy_set_header X-Forwarded-Proto $proxy_x_forwarded_proto;\n"
    "proxy_set_header X-Forwarded-Port $proxy_x_forwarded_port;\n"
    "proxy_set_header X-Forwarded-Host $proxy_x_forwarded_host;\n"
    "proxy_set_header X-Forwarded-Ssl $proxy_x_forwarded_ssl;\n"
    "proxy_set_header Proxy \"\";\n\n"
    "# Responses are read from the backend at its speed and sent at the client's: a slow client\n"
    "# does not hold an Apache worker. In memory only (256 KB a request, no temporary file:\n"
    "# /var/lib/nginx is a tmpfs); a response that streams says X-Accel-Buffering: no.\n"
    "proxy_buffering on;\n"
    "proxy_buffer_size 16k;\n"
    "proxy_buffers 16 16k;\n"
    "proxy_busy_buffers_size 32k;\n"
    "proxy_max_temp_file_size 0;\n"
    "proxy_connect_timeout 5s;\n"
    "proxy_send_timeout 60s;\n"
    "proxy_read_timeout 60s;\n\n";

}  // namespace

ProxyFiles ScanProxyFiles(const std::string& certs_dir, const std::string& vhost_dir, const std::string& htpasswd_dir) {
  namespace fs = std::filesystem;
  auto names = [](const std::string& dir) {
    std::set<std::string> out;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      if (entry.is_regular_file(error)) out.insert(entry.path().filename().string());
    }
    return out;
  };
  ProxyFiles files;
  std::set<std::string> certs = names(certs_dir);
  files.client_ca = certs.contains("ca.crt") && !certs.contains("ca.key");
  files.client_crl = certs.contains("ca.crl.pem");
  for (const auto& name : certs) {
    for (auto [suffix, set] : {std::pair{std::string_view(".ca.crt"), &files.client_cas}, {std::string_view(".crl.pem"), &files.crls}}) {
      if (name.ends_with(suffix)) {
        std::string base = name.substr(0, name.size() - suffix.size());
        if (!CertNameProblem(base)) set->insert(base);
      }
    }
    if (!name.ends_with(".crt")) continue;
    std::string base = name.substr(0, name.size() - 4);
    if (!CertNameProblem(base) && certs.contains(base + ".key")) files.certs.insert(base);
  }
  // <host>[_<sha1(path)>][_location | _location_override], default, default_location; <host> is
  // an exact or wildcard host, or the 40 hex digits of a regex host's SHA-1 (HostFileName).
  auto host_part = [](std::string name, bool per_path) -> std::optional<std::string> {
    size_t underscore = name.rfind('_');
    if (per_path && underscore != std::string::npos && name.size() - underscore - 1 == 40 &&
        name.find_first_not_of("0123456789abcdef", underscore + 1) == std::string::npos) {
      name.resize(underscore);
    }
    if (name.empty() || name.front() == '~' || name == "default" || HostEntryProblem(name)) return std::nullopt;
    return name;
  };
  for (const auto& name : names(vhost_dir)) {
    std::string base = name;
    bool location = false;
    for (std::string_view suffix : {"_location_override", "_location"}) {
      if (base.ends_with(suffix)) {
        base.resize(base.size() - suffix.size());
        location = true;
        break;
      }
    }
    if (name == "default" || name == "default_location" || host_part(base, location)) files.vhost_d.insert(name);
  }
  for (const auto& name : names(htpasswd_dir)) {
    if (host_part(name, true)) files.htpasswd.insert(name);
  }
  return files;
}

std::string Sha1Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string HostFileName(const std::string& host) { return host.front() == '~' ? Sha1Hex(host) : host; }

const char* const kJsonLogFormat =
    "{\"time_local\":\"$time_iso8601\",\"client_ip\":\"$remote_addr\",\"remote_user\":\"$remote_user\","
    "\"request\":\"$request\",\"status\":\"$status\",\"body_bytes_sent\":\"$body_bytes_sent\","
    "\"request_time\":\"$request_time\",\"upstream_response_time\":\"$upstream_response_time\","
    "\"upstream_addr\":\"$upstream_addr\",\"http_referrer\":\"$http_referer\",\"http_user_agent\":\"$http_user_agent\","
    "\"request_id\":\"$request_id\",\"vhost\":\"$host\"}";

std::optional<std::string> LogFormatProblem(std::string_view format) {
  if (format.empty()) return "empty";
  if (format.size() > 2048) return "longer than 2048 characters";
  for (char c : format) {
    if (c < 0x20 || c >= 0x7f) return "only printable ASCII characters";
    if (c == '\'' || c == '\\') return "no single quote or backslash (the format is written between single quotes)";
  }
  return std::nullopt;
}

std::optional<std::string> ResolverProblem(std::string_view word) {
  auto digits = [](std::string_view text, size_t max) {
    return !text.empty() && text.size() <= max && text.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (word.starts_with("valid=")) {
    std::string_view time = word.substr(6);
    if (!time.empty() && (time.back() == 's' || time.back() == 'm' || time.back() == 'h')) time.remove_suffix(1);
    return digits(time, 6) ? std::nullopt : std::optional<std::string>("valid= takes a time like 30s");
  }
  if (word == "ipv6=on" || word == "ipv6=off") return std::nullopt;
  std::string_view address = word;
  if (address.starts_with('[')) {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close == 1) return "an IPv6 address goes in brackets: [2001:db8::53]";
    std::string_view inside = address.substr(1, close - 1);
    if (inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) return "not an IPv6 address";
    address = address.substr(close + 1);
    if (address.empty()) return std::nullopt;
    if (address.front() != ':' || !digits(address.substr(1), 5)) return "expected :port after the address";
    return std::nullopt;
  }
  size_t colon = address.find(':');
  std::string_view host = address.substr(0, colon);
  if (colon != std::string_view::npos && !digits(address.substr(colon + 1), 5)) return "expected :port after the address";
  int parts = 0;
  for (size_t start = 0; start <= host.size(); ++parts) {
    size_t dot = host.find('.', start);
    std::string_view part = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!digits(part, 3) || std::stoi(std::string(part)) > 255) return "expected an IPv4 address, [IPv6], valid=TIME or ipv6=on|off";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts != 3) return "expected an IPv4 address, [IPv6], valid=TIME or ipv6=on|off";
  return std::nullopt;
}

std::optional<std::string> DefaultRootProblem(std::string_view value) {
  if (value == "none") return std::nullopt;
  auto digits = [](std::string_view text) { return text.find_first_not_of("0123456789") == std::string_view::npos; };
  std::string_view code = value.substr(0, value.find(' '));
  if (code.size() != 3 || !digits(code) || code[0] < '1' || code[0] > '5') {
    return "expected none, a status code (404), or a 3xx code and a URL (301 https://example.org/)";
  }
  if (code.size() == value.size()) return std::nullopt;
  if (code[0] != '3') return "only a redirect (3xx) takes a URL";
  std::string_view url = value.substr(4);
  if (!url.starts_with("http://") && !url.starts_with("https://") && !url.starts_with("/")) return "the URL must start with http://, https:// or /";
  // One nginx word: none of the characters that end a directive, quote, or refer to a variable.
  for (char c : url) {
    if (c <= 0x20 || c >= 0x7f || c == ';' || c == '{' || c == '}' || c == '"' || c == '\'' || c == '\\' || c == '$' || c == '#') {
      return "character not allowed in the URL";
    }
  }
  return std::nullopt;
}

std::string ChooseCertificate(const VirtualHost& host, const ProxyFiles& files) {
  if (!host.cert_name.empty()) return files.certs.contains(host.cert_name) ? host.cert_name : "";
  if (host.host.starts_with("*.")) {
    // *.example.org: the certificate of example.org (a wildcard one, as nginx-proxy picks it).
    std::string domain = host.host.substr(2);
    if (files.certs.contains(domain)) return domain;
  } else if (IsExactHost(host.host)) {
    if (files.certs.contains(host.host)) return host.host;
    size_t dot = host.host.find('.');
    if (dot != std::string::npos && host.host.find('.', dot + 1) != std::string::npos) {
      std::string parent = host.host.substr(dot + 1);
      if (files.certs.contains(parent)) return parent;
    }
  }
  return host.trust_default_cert && files.certs.contains("default") ? "default" : "";
}

std::string RenderNginxConfig(const RoutingModel& model, const ProxyFiles& files, const RenderOptions& options) {
  std::ostringstream out;
  out << "# Generated by proxy-gen: every change here is overwritten. Put per-host settings in\n"
         "# vhost.d/<host> and vhost.d/<host>_location instead.\n\n";
  if (options.proxy_protocol) {
    // The client's address is the one in the PROXY header, believed from the proxies in front
    // only (the settings refuse proxy_protocol without them); X-Forwarded-* are then judged by it.
    out << "# ENABLE_PROXY_PROTOCOL: the address in the PROXY header of a trusted proxy is the client's.\n"
           "real_ip_header proxy_protocol;\n";
    for (const auto& subnet : options.trusted_proxies) out << "set_real_ip_from " << subnet << ";\n";
    out << "\n";
  }
  RenderForwardedHeaders(out, options);
  out << "# X-Forwarded-Ssl, as nginx-proxy sends it: on when the client's scheme was https.\n"
         "map $proxy_x_forwarded_proto $proxy_x_forwarded_ssl {\n    default off;\n    https on;\n}\n\n"
         "# Upgrade (websockets) passes through; any other request keeps the upstream connection.\n"
         "map $http_upgrade $proxy_connection {\n    default upgrade;\n    '' '';\n}\n\n";
  // The access log: webvps's format, or the admin's (LOG_FORMAT; checked by LogFormatProblem), or JSON.
  std::string format = options.log_format.empty()
                           ? "$host $remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
                             "\"$http_referer\" \"$http_user_agent\" $request_time"
                           : options.log_format;
  out << "log_format vhost" << (options.log_escape == "default" ? "" : " escape=" + options.log_escape) << " '" << format << "';\n";
  // Buffered: one write per 64 KB or second, not one per request, to the container log.
  out << (options.access_log ? "access_log /dev/stdout vhost buffer=64k flush=1s;\n\n" : "access_log off;  # DISABLE_ACCESS_LOGS\n\n");
  if (!options.resolvers.empty()) {
    out << "resolver";  // each word checked by ResolverProblem
    for (const auto& word : options.resolvers) out << " " << word;
    out << ";\n\n";
  }
  if (!options.proxy_conf.empty()) {
    out << "# The admin's proxy settings, instead of webvps's.\ninclude " << options.proxy_conf << ";\n\n";
  } else {
    out << kProxySettings;
  }
  out << "gzip on;\n"
         "gzip_proxied any;\n"
         "gzip_vary on;\n"
         "gzip_comp_level 2;\n"
         "gzip_min_length 1024;\n"
         "gzip_types text/plain text/css text/xml text/javascript application/javascript application/json "
         "application/xml application/rss+xml application/atom+xml image/svg+xml;\n\n";
  const bool default_host_known = !options.default_host.empty() && model.hosts.contains(options.default_host);
  // The catch-alls are the first servers of this file, so nginx's default for their ports, but
  // without `default_server`: an admin's own file in conf.d that claims it (as nginx-proxy
  // allows) is not a "duplicate default server" that would make nginx refuse every config.
  if (!default_host_known) {
    out << "# Unknown hosts: 503.\nserver {\n" << Listen(options, options.http_port, "") << "    server_name _;\n";
    if (options.acme_unknown_hosts || !options.error_pages.empty()) {
      if (!options.error_pages.empty()) RenderErrorPages(out, options);
      // ACME_HTTP_CHALLENGE_ACCEPT_UNKNOWN_HOST: a certificate asked for a host not served yet.
      if (options.acme_unknown_hosts) RenderAcmeChallenge(out, options);
      out << "    location / {\n        return 503;\n    }\n}\n\n";
    } else {
      out << "    return 503;\n}\n\n";
    }
  }
  // Unknown hosts over HTTPS: no certificate at all, so no site's certificate leaks.
  out << "server {\n" << Listen(options, options.https_port, " ssl")
      << "    server_name _;\n    ssl_reject_handshake on;\n}\n\n";

  for (const auto& [name, host] : model.hosts) {
    out << "# " << name << " (" << host.containers.size() << (host.containers.size() == 1 ? " container" : " containers")
        << ")\n";
    for (const auto& [path, location] : host.locations) RenderUpstream(out, location);
    std::string cert = host.https_method == "nohttps" ? "" : ChooseCertificate(host, files);
    bool https = !cert.empty();
    // nohttp without a certificate: HTTP after all unless ENABLE_HTTP_ON_MISSING_CERT=false,
    // which leaves the host to the catch-all until its certificate is there.
    bool http = host.https_method != "nohttp" || (!https && host.http_on_missing_cert);
    std::string default_flag = default_host_known && name == options.default_host ? " default_server" : "";
    if (http) {
      out << "server {\n    server_name " << name << ";\n" << Listen(options, options.http_port, default_flag);
      if (https && host.https_method == "redirect") {
        if (host.acme_challenge) RenderAcmeChallenge(out, options);
        std::string target = "https://$host" +
                             (options.external_https_port == 443 ? "" : ":" + std::to_string(options.external_https_port)) +
                             "$request_uri";
        out << "    location / {\n";
        if (host.non_get_redirect != 301) {
          // NON_GET_REDIRECT: 307 or 308 keep the method and body of a POST through the redirect.
          out << "        if ($request_method !~ ^(GET|HEAD)) {\n            return " << host.non_get_redirect << " " << target
              << ";\n        }\n";
        }
        out << "        return 301 " << target << ";\n    }\n";
      } else {
        RenderServerBody(out, host, files, options, true);
      }
      out << "}\n\n";
    }
    if (https) {
      out << "server {\n    server_name " << name << ";\n" << Listen(options, options.https_port, " ssl http2")
          << "    ssl_certificate " << options.certs_dir << "/" << cert << ".crt;\n"
          << "    ssl_certificate_key " << options.certs_dir << "/" << cert << ".key;\n"
          << "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:SSL:10m;\n";
      // Client certificates (mTLS) where a CA for them is there: <host>.ca.crt, else ca.crt.
      bool own_ca = IsExactHost(name) && files.client_cas.contains(name);
      if (own_ca || files.client_ca) {
        out << "    ssl_client_certificate " << options.certs_dir << "/" << (own_ca ? name + ".ca.crt" : "ca.crt") << ";\n"
            << "    ssl_verify_client " << host.ssl_verify_client << ";\n";
        if (own_ca && files.crls.contains(name)) {
          out << "    ssl_crl " << options.certs_dir << "/" << name << ".crl.pem;\n";
        } else if (files.client_crl) {
          out << "    ssl_crl " << options.certs_dir << "/ca.crl.pem;\n";
        }
      }
      if (host.hsts != "off" && host.https_method != "noredirect") {
        out << "    add_header Strict-Transport-Security \"" << host.hsts << "\" always;\n";
      }
      RenderServerBody(out, host, files, options, false);
      out << "}\n\n";
    }
  }
  return out.str();
}

}  // namespace webvps::proxy_gen
