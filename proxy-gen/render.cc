#include "render.h"

#include <filesystem>
#include <sstream>

namespace webvps::proxy_gen {
namespace {

std::string Listen(const RenderOptions& options, int port, const std::string& flags) {
  std::string out = "    listen " + std::to_string(port) + flags + ";\n";
  if (options.ipv6) out += "    listen [::]:" + std::to_string(port) + flags + ";\n";
  return out;
}

constexpr int kUpstreamKeepalive = 16;  // idle connections kept per upstream and nginx worker
constexpr const char* kUpstreamKeepaliveTimeout = "4s";

bool IsExactHost(const std::string& host) { return host.front() != '~' && host.find('*') == std::string::npos; }

void RenderUpstream(std::ostringstream& out, const Location& location) {
  out << "upstream " << location.upstream << " {\n";
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
  out << "    keepalive " << kUpstreamKeepalive << ";\n    keepalive_timeout " << kUpstreamKeepaliveTimeout << ";\n";
  out << "}\n\n";
}

void RenderLocation(std::ostringstream& out, const VirtualHost& host, const Location& location, const ProxyFiles& files,
                    const RenderOptions& options) {
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
  if (IsExactHost(host.host) && files.htpasswd.contains(host.host)) {
    out << "        auth_basic \"Restricted " << host.host << "\";\n"
        << "        auth_basic_user_file " << options.htpasswd_dir << "/" << host.host << ";\n";
  }
  if (IsExactHost(host.host) && files.vhost_d.contains(host.host + "_location")) {
    out << "        include " << options.vhost_dir << "/" << host.host << "_location;\n";
  } else if (files.vhost_d.contains("default_location")) {
    out << "        include " << options.vhost_dir << "/default_location;\n";
  }
  out << "    }\n";
}

// ACME HTTP-01 challenges are answered from the proxy's own directory (nginx-proxy's
// ACME_HTTP_CHALLENGE_LOCATION): also for hosts without a certificate yet, which need one most.
void RenderAcmeChallenge(std::ostringstream& out, const RenderOptions& options) {
  out << "    location ^~ /.well-known/acme-challenge/ {\n        auth_basic off;\n        root " << options.acme_root
      << ";\n        try_files $uri =404;\n    }\n";
}

void RenderServerBody(std::ostringstream& out, const VirtualHost& host, const ProxyFiles& files, const RenderOptions& options,
                      bool http) {
  out << "    include " << options.unavailable_page << ";  # the 503 page while no backend answers\n";
  if (http && host.acme_challenge) RenderAcmeChallenge(out, options);
  if (IsExactHost(host.host) && files.vhost_d.contains(host.host)) {
    out << "    include " << options.vhost_dir << "/" << host.host << ";\n";
  } else if (files.vhost_d.contains("default")) {
    out << "    include " << options.vhost_dir << "/default;\n";
  }
  for (const auto& [path, location] : host.locations) RenderLocation(out, host, location, files, options);
  // A host whose containers all have a VIRTUAL_PATH: nothing else of it exists (nginx-proxy's
  // DEFAULT_ROOT 404), never the proxy's own web root.
  if (!host.locations.contains("/")) out << "    location / {\n        return 404;\n    }\n";
}

// X-Forwarded-Proto, -For and -Port that a client sends are its own claims: believed only from
// the trusted proxies in front (proxy.trusted_proxies), otherwise the proxy's own view.
void RenderForwardedHeaders(std::ostringstream& out, const RenderOptions& options) {
  if (options.trusted_proxies.empty()) {
    out << "# No proxy in front is trusted (proxy.trusted_proxies): a client's X-Forwarded-* are not passed on.\n"
           "map $scheme $proxy_x_forwarded_proto {\n    default $scheme;\n}\n"
           "map $host $proxy_x_forwarded_host {\n    default $host;\n}\n"
           "map $remote_addr $proxy_x_forwarded_for {\n    default $remote_addr;\n}\n"
           "map $server_port $proxy_x_forwarded_port {\n    default $server_port;\n}\n\n";
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
         "map \"$webvps_trusted_proxy:$http_x_forwarded_port\" $proxy_x_forwarded_port {\n"
         "    default $server_port;\n    \"~^1:(?<webvps_forwarded_port>[0-9]{1,5})$\" $webvps_forwarded_port;\n}\n\n";
}

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
  for (const auto& name : certs) {
    if (!name.ends_with(".crt")) continue;
    std::string base = name.substr(0, name.size() - 4);
    if (!CertNameProblem(base) && certs.contains(base + ".key")) files.certs.insert(base);
  }
  for (const auto& name : names(vhost_dir)) {
    std::string host = name.ends_with("_location") ? name.substr(0, name.size() - 9) : name;
    if (host == "default" || !HostEntryProblem(host)) files.vhost_d.insert(name);
  }
  for (const auto& name : names(htpasswd_dir)) {
    if (!HostEntryProblem(name) && name.front() != '~') files.htpasswd.insert(name);
  }
  return files;
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
  return files.certs.contains("default") ? "default" : "";
}

std::string RenderNginxConfig(const RoutingModel& model, const ProxyFiles& files, const RenderOptions& options) {
  std::ostringstream out;
  out << "# Generated by proxy-gen: every change here is overwritten. Put per-host settings in\n"
         "# vhost.d/<host> and vhost.d/<host>_location instead.\n\n";
  RenderForwardedHeaders(out, options);
  out << "# X-Forwarded-Ssl, as nginx-proxy sends it: on when the client's scheme was https.\n"
         "map $proxy_x_forwarded_proto $proxy_x_forwarded_ssl {\n    default off;\n    https on;\n}\n\n"
         "# Upgrade (websockets) passes through; any other request keeps the upstream connection.\n"
         "map $http_upgrade $proxy_connection {\n    default upgrade;\n    '' '';\n}\n\n"
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
         "proxy_read_timeout 60s;\n\n"
         "gzip on;\n"
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
    out << "# Unknown hosts: 503.\nserver {\n" << Listen(options, options.http_port, "")
        << "    server_name _;\n    return 503;\n}\n\n";
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
    bool http = host.https_method != "nohttp" || !https;
    std::string default_flag = default_host_known && name == options.default_host ? " default_server" : "";
    if (http) {
      out << "server {\n    server_name " << name << ";\n" << Listen(options, options.http_port, default_flag);
      if (https && host.https_method == "redirect") {
        if (host.acme_challenge) RenderAcmeChallenge(out, options);
        out << "    location / {\n        return 301 https://$host$request_uri;\n    }\n";
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
