#include "settings.h"

#include <charconv>

#include "names.h"
#include "proxy-gen/container.h"
#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"

namespace webvps::proxy_gen {
namespace {

// An nginx-proxy variable as the fallback of an integer key: a bad value is the key's problem.
int64_t IntegerWithFallback(ConfigReader& config, const std::string& key, const std::string& variable,
                            const std::string& text, int64_t fallback) {
  if (!text.empty()) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 65535) {
      config.Reject(key, "environment variable " + variable + ": expected a port from 1 to 65535, got " + QuoteForMessage(text));
    } else {
      fallback = value;
    }
  }
  return config.Integer(key, fallback, 1, 65535);
}

}  // namespace

NginxProxyEnvironment ReadNginxProxyEnvironment(const EnvironmentLookup& environment) {
  auto get = [&](const char* name) { return environment(name).value_or(""); };
  return {get("DOCKER_HOST"), get("DEFAULT_HOST"), get("HTTPS_METHOD"),           get("HSTS"),
          get("HTTP_PORT"),   get("HTTPS_PORT"),   get("ENABLE_IPV6"),            get("TRUST_DOWNSTREAM_PROXY"),
          get("ACME_HTTP_CHALLENGE_LOCATION"), get("ACME_HTTP_CHALLENGE_ACCEPT_UNKNOWN_HOST"), get("DEFAULT_ROOT"),
          get("TRUST_DEFAULT_CERT"), get("EXTERNAL_HTTPS_PORT"), get("LOG_FORMAT"), get("LOG_FORMAT_ESCAPE"),
          get("LOG_JSON"), get("DISABLE_ACCESS_LOGS"), get("RESOLVERS"), get("PREFER_IPV6_NETWORK"),
          get("EXTERNAL_HTTP_PORT"), get("ENABLE_PROXY_PROTOCOL")};
}

std::string DefaultDockerHost(const NginxProxyEnvironment& environment, const std::function<bool(const std::string&)>& exists) {
  if (!environment.docker_host.empty()) return "";
  for (const char* path : {"/var/run/docker.sock", "/tmp/docker.sock"}) {
    if (exists(path)) return std::string("unix://") + path;
  }
  return "";
}

Settings ReadSettings(ConfigReader& config, const NginxProxyEnvironment& environment) {
  Settings settings;
  auto or_default = [](const std::string& value, const std::string& fallback) { return value.empty() ? fallback : value; };

  settings.docker_host = config.String("docker.host", or_default(environment.docker_host, settings.docker_host));
  if (!settings.docker_host.starts_with("unix://") || settings.docker_host.size() <= 7) {
    config.Reject("docker.host", "only unix:// sockets are supported, got \"" + settings.docker_host + "\"");
  }
  settings.docker_timeout = config.Duration("docker.timeout", settings.docker_timeout);
  settings.ping_interval = config.Duration("docker.ping_interval", settings.ping_interval);
  settings.resync_interval = config.Duration("docker.resync_interval", settings.resync_interval);
  settings.reconnect_max = config.Duration("docker.reconnect_max", settings.reconnect_max);
  for (auto [key, value] : {std::pair{"docker.timeout", settings.docker_timeout}, {"docker.ping_interval", settings.ping_interval},
                            {"docker.resync_interval", settings.resync_interval}, {"docker.reconnect_max", settings.reconnect_max}}) {
    if (value < std::chrono::milliseconds(100)) config.Reject(key, "expected at least 100ms");
  }

  settings.own_container = config.String("proxy.container", "");
  settings.default_host = LowerCase(config.String("proxy.default_host", environment.default_host));
  if (!settings.default_host.empty()) {
    if (auto problem = HostNameProblem(settings.default_host)) config.Reject("proxy.default_host", *problem);
  }
  settings.https_method = config.Choice("proxy.https_method", or_default(environment.https_method, settings.https_method),
                                        {"redirect", "noredirect", "nohttp", "nohttps"});
  settings.hsts = config.String("proxy.hsts", or_default(environment.hsts, settings.hsts));
  if (auto problem = HstsProblem(settings.hsts)) config.Reject("proxy.hsts", QuoteForMessage(settings.hsts) + ": " + *problem);
  settings.http_port = static_cast<int>(IntegerWithFallback(config, "proxy.http_port", "HTTP_PORT", environment.http_port, 80));
  settings.https_port = static_cast<int>(IntegerWithFallback(config, "proxy.https_port", "HTTPS_PORT", environment.https_port, 443));
  if (settings.http_port == settings.https_port) config.Reject("proxy.https_port", "must differ from proxy.http_port");
  settings.ipv6 = config.Boolean("proxy.ipv6", environment.enable_ipv6 == "true" || environment.enable_ipv6 == "1");
  settings.require_healthy = config.Boolean("proxy.require_healthy", settings.require_healthy);
  settings.prefer_ipv6 = config.Boolean("proxy.prefer_ipv6", environment.prefer_ipv6_network == "true");
  // nginx-proxy's TRUST_DOWNSTREAM_PROXY=true believes every client; its default (true) is not
  // webvps's: a client's own X-Forwarded-* are believed only from the proxies listed here.
  std::vector<std::string> everyone;
  if (environment.trust_downstream_proxy == "true") everyone = {"0.0.0.0/0", "::/0"};
  settings.trusted_proxies = config.List("proxy.trusted_proxies", everyone);
  settings.acme_challenge = config.Boolean("proxy.acme_challenge", environment.acme_http_challenge_location != "false");
  settings.acme_unknown_hosts = config.Boolean("proxy.acme_unknown_hosts", environment.acme_http_challenge_accept_unknown_host == "true");
  settings.trust_default_cert = config.Boolean("proxy.trust_default_cert", environment.trust_default_cert != "false");
  settings.default_root = config.String("proxy.default_root", or_default(environment.default_root, settings.default_root));
  if (auto problem = DefaultRootProblem(settings.default_root)) {
    config.Reject("proxy.default_root", QuoteForMessage(settings.default_root) + ": " + *problem);
  }
  settings.external_https_port = static_cast<int>(
      IntegerWithFallback(config, "proxy.external_https_port", "EXTERNAL_HTTPS_PORT", environment.external_https_port, 443));
  settings.external_http_port = static_cast<int>(IntegerWithFallback(config, "proxy.external_http_port", "EXTERNAL_HTTP_PORT",
                                                                     environment.external_http_port, settings.http_port));
  // A PROXY header says who the client is: believed only from the load balancers in front, so
  // that a client reaching the port itself cannot name any address it likes.
  settings.proxy_protocol = config.Boolean("proxy.proxy_protocol", environment.enable_proxy_protocol == "true");
  // The access log as nginx-proxy's variables set it: LOG_JSON for its JSON format, LOG_FORMAT
  // for one's own (which wins), DISABLE_ACCESS_LOGS for none.
  bool json = environment.log_json == "true";
  settings.log_format = config.String("proxy.log_format", or_default(environment.log_format, json ? kJsonLogFormat : ""));
  if (!settings.log_format.empty()) {
    if (auto problem = LogFormatProblem(settings.log_format)) config.Reject("proxy.log_format", *problem);
  }
  bool json_format = settings.log_format == kJsonLogFormat;
  std::string escape = or_default(environment.log_format_escape, json_format ? "json" : "default");
  if (escape != "default" && escape != "json" && escape != "none") {
    config.Reject("proxy.log_format_escape", "environment variable LOG_FORMAT_ESCAPE: expected default, json or none, got " + QuoteForMessage(escape));
    escape = "default";
  }
  settings.log_escape = config.Choice("proxy.log_format_escape", escape, {"default", "json", "none"});
  settings.access_log = config.Boolean("proxy.access_log", environment.disable_access_logs != "true");
  settings.resolvers = config.List("proxy.resolvers", SplitList(environment.resolvers, ' '));
  for (const auto& word : settings.resolvers) {
    if (auto problem = ResolverProblem(word)) config.Reject("proxy.resolvers", QuoteForMessage(word) + ": " + *problem);
  }
  for (const auto& subnet : settings.trusted_proxies) {
    if (!IsSubnet(subnet)) {
      config.Reject("proxy.trusted_proxies", QuoteForMessage(subnet) + ": expected an address with a prefix length, like 10.0.0.0/8");
    }
  }
  if (settings.proxy_protocol && settings.trusted_proxies.empty()) {
    config.Reject("proxy.proxy_protocol",
                  "needs proxy.trusted_proxies: the load balancers whose PROXY header is believed (their subnets)");
  }

  std::string mode = config.Choice("nginx.mode", "supervise", {"supervise", "container"});
  settings.mode = mode == "container" ? NginxMode::kContainer : NginxMode::kSupervise;
  settings.nginx_container = config.String("nginx.container", "");
  settings.nginx_binary = config.String("nginx.binary", settings.nginx_binary);
  settings.main_config = config.String("nginx.main_config", settings.main_config);
  settings.nginx_config = config.String("nginx.config", settings.nginx_config);
  settings.certs_dir = config.String("nginx.certs", settings.certs_dir);
  settings.vhost_dir = config.String("nginx.vhost_dir", settings.vhost_dir);
  settings.htpasswd_dir = config.String("nginx.htpasswd_dir", settings.htpasswd_dir);
  settings.work_dir = config.String("nginx.work_dir", settings.work_dir);
  settings.proxy_conf = config.String("nginx.proxy_conf", settings.proxy_conf);
  settings.error_pages = config.String("nginx.error_pages", settings.error_pages);
  settings.stop_timeout = config.Duration("nginx.stop_timeout", settings.stop_timeout);
  for (auto [key, value] : {std::pair{"nginx.main_config", settings.main_config}, {"nginx.config", settings.nginx_config},
                            {"nginx.certs", settings.certs_dir}, {"nginx.vhost_dir", settings.vhost_dir},
                            {"nginx.htpasswd_dir", settings.htpasswd_dir}, {"nginx.work_dir", settings.work_dir},
                            {"nginx.proxy_conf", settings.proxy_conf}, {"nginx.error_pages", settings.error_pages}}) {
    // These paths are written into the nginx config: the same rules as any other value there.
    if (!value.starts_with('/')) {
      config.Reject(key, "expected an absolute path");
    } else if (auto problem = PathProblem(value)) {
      config.Reject(key, QuoteForMessage(value) + ": " + *problem);
    }
  }

  settings.debounce_quiet = config.Duration("debounce.quiet", settings.debounce_quiet);
  settings.debounce_max = config.Duration("debounce.max", settings.debounce_max);
  if (settings.debounce_max < settings.debounce_quiet) config.Reject("debounce.max", "must not be shorter than debounce.quiet");
  return settings;
}

RoutingOptions RoutingOptionsFor(const Settings& settings) {
  RoutingOptions options;
  options.require_healthy = settings.require_healthy;
  options.https_method = settings.https_method;
  options.hsts = settings.hsts;
  options.acme_challenge = settings.acme_challenge;
  options.trust_default_cert = settings.trust_default_cert;
  options.prefer_ipv6 = settings.prefer_ipv6;
  return options;
}

RenderOptions RenderOptionsFor(const Settings& settings) {
  RenderOptions options;
  options.certs_dir = settings.certs_dir;
  options.vhost_dir = settings.vhost_dir;
  options.htpasswd_dir = settings.htpasswd_dir;
  options.http_port = settings.http_port;
  options.https_port = settings.https_port;
  options.default_host = settings.default_host;
  options.ipv6 = settings.ipv6;
  options.trusted_proxies = settings.trusted_proxies;
  options.acme_unknown_hosts = settings.acme_unknown_hosts;
  options.default_root = settings.default_root;
  options.external_https_port = settings.external_https_port;
  options.external_http_port = settings.external_http_port;
  options.proxy_protocol = settings.proxy_protocol;
  options.log_format = settings.log_format;
  options.log_escape = settings.log_escape;
  options.access_log = settings.access_log;
  options.resolvers = settings.resolvers;
  options.proxy_conf = settings.proxy_conf;
  options.error_pages = settings.error_pages;
  return options;
}

}  // namespace webvps::proxy_gen
