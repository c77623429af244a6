#include "proxy-gen/settings.h"

#include <gtest/gtest.h>

#include "proxy-gen/render.h"

#include <set>
#include <tuple>

namespace webvps::proxy_gen {
namespace {

EnvironmentLookup NoEnvironment() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

Result<Settings> Read(const std::string& yaml, const NginxProxyEnvironment& environment = {}) {
  auto source = ConfigSource::FromText(yaml, "proxy-gen.yaml");
  if (!source.ok()) return source.error();
  ConfigReader config(*source, "WEBVPS_PROXY_GEN_", NoEnvironment());
  Settings settings = ReadSettings(config, environment);
  if (Status status = config.Finish(); !status.ok()) return status.error();
  return settings;
}

TEST(ProxyGenSettingsTest, DefaultsFollowNginxProxy) {
  auto settings = Read("");
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->docker_host, "unix:///var/run/docker.sock");
  EXPECT_EQ(settings->certs_dir, "/etc/nginx/certs");
  EXPECT_EQ(settings->nginx_config, "/etc/nginx/conf.d/default.conf");
  EXPECT_EQ(settings->mode, NginxMode::kSupervise);
  EXPECT_EQ(settings->https_method, "redirect");
  EXPECT_FALSE(settings->require_healthy);
  EXPECT_TRUE(settings->trusted_proxies.empty());
  EXPECT_EQ(settings->http_port, 80);
}

TEST(ProxyGenSettingsTest, NginxProxysLogDefaultRootAndResolverVariablesAreReadAndChecked) {
  NginxProxyEnvironment environment;
  environment.log_json = "true";
  environment.default_root = "418";
  environment.resolvers = "127.0.0.11 [2001:db8::53]:5353 valid=30s ipv6=off";
  environment.trust_default_cert = "false";
  environment.external_https_port = "8443";
  environment.acme_http_challenge_accept_unknown_host = "true";
  auto settings = Read("", environment);
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->log_format, kJsonLogFormat);
  EXPECT_EQ(settings->log_escape, "json");
  EXPECT_TRUE(settings->access_log);
  EXPECT_EQ(settings->default_root, "418");
  EXPECT_EQ(settings->resolvers, (std::vector<std::string>{"127.0.0.11", "[2001:db8::53]:5353", "valid=30s", "ipv6=off"}));
  EXPECT_FALSE(settings->trust_default_cert);
  EXPECT_EQ(settings->external_https_port, 8443);
  EXPECT_TRUE(settings->acme_unknown_hosts);
  // LOG_FORMAT wins over LOG_JSON; DISABLE_ACCESS_LOGS turns the log off.
  environment.log_format = "$host $status";
  environment.disable_access_logs = "true";
  settings = Read("", environment);
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->log_format, "$host $status");
  EXPECT_EQ(settings->log_escape, "default");
  EXPECT_FALSE(settings->access_log);
  for (auto [field, value, says] : {std::tuple{&NginxProxyEnvironment::log_format, "$host'; evil", "proxy.log_format"},
                                    {&NginxProxyEnvironment::default_root, "404; evil", "proxy.default_root"},
                                    {&NginxProxyEnvironment::resolvers, "8.8.8.8; evil", "proxy.resolvers"},
                                    {&NginxProxyEnvironment::resolvers, "dns.example", "proxy.resolvers"},
                                    {&NginxProxyEnvironment::resolvers, "300.1.1.1", "proxy.resolvers"},
                                    {&NginxProxyEnvironment::external_https_port, "0", "proxy.external_https_port"},
                                    {&NginxProxyEnvironment::log_format_escape, "html", "proxy.log_format_escape"}}) {
    NginxProxyEnvironment bad;
    bad.*field = value;
    auto refused = Read("", bad);
    ASSERT_FALSE(refused.ok()) << value;
    EXPECT_NE(refused.error().message().find(says), std::string::npos) << refused.error().message();
  }
}

TEST(ProxyGenSettingsTest, TheRoutingAndRenderOptionsCarryTheSettings) {
  NginxProxyEnvironment environment;
  environment.log_json = "true";
  environment.trust_default_cert = "false";
  environment.default_root = "none";
  auto settings = Read("proxy:\n  resolvers: [127.0.0.11]\n  https_method: noredirect\n", environment);
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  RenderOptions render = RenderOptionsFor(*settings);
  EXPECT_EQ(render.log_escape, "json");
  EXPECT_EQ(render.default_root, "none");
  EXPECT_EQ(render.resolvers, std::vector<std::string>{"127.0.0.11"});
  EXPECT_EQ(render.proxy_conf, "/etc/nginx/proxy.conf");
  RoutingOptions routing = RoutingOptionsFor(*settings);
  EXPECT_FALSE(routing.trust_default_cert);
  EXPECT_EQ(routing.https_method, "noredirect");
}

TEST(ProxyGenSettingsTest, NginxProxysSocketPathIsFoundWithoutDockerHost) {
  auto only = [](std::set<std::string> present) {
    return [present](const std::string& path) { return present.contains(path); };
  };
  EXPECT_EQ(DefaultDockerHost({}, only({"/var/run/docker.sock", "/tmp/docker.sock"})), "unix:///var/run/docker.sock");
  EXPECT_EQ(DefaultDockerHost({}, only({"/tmp/docker.sock"})), "unix:///tmp/docker.sock");
  EXPECT_EQ(DefaultDockerHost({}, only({})), "");
  EXPECT_EQ(DefaultDockerHost({.docker_host = "unix:///run/relay.sock"}, only({"/tmp/docker.sock"})), "");
}

TEST(ProxyGenSettingsTest, NginxProxysTrustAndAcmeVariables) {
  auto trusting = Read("", {.trust_downstream_proxy = "true"});
  ASSERT_TRUE(trusting.ok()) << trusting.error().message();
  EXPECT_EQ(trusting->trusted_proxies, (std::vector<std::string>{"0.0.0.0/0", "::/0"}));
  EXPECT_TRUE(Read("", {.trust_downstream_proxy = "false"})->trusted_proxies.empty());
  EXPECT_TRUE(Read("")->acme_challenge);
  EXPECT_FALSE(Read("", {.acme_http_challenge_location = "false"})->acme_challenge);
  EXPECT_FALSE(Read("proxy:\n  acme_challenge: false\n")->acme_challenge);
}

TEST(ProxyGenSettingsTest, TheProxyProtocolNeedsTrustedProxiesAndExternalPortsFollowTheListeners) {
  auto refused = Read("", {.enable_proxy_protocol = "true"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("proxy.proxy_protocol: needs proxy.trusted_proxies"), std::string::npos)
      << refused.error().message();
  auto accepted = Read("proxy:\n  trusted_proxies: [10.0.0.0/8]\n", {.enable_proxy_protocol = "true"});
  ASSERT_TRUE(accepted.ok()) << accepted.error().message();
  EXPECT_TRUE(RenderOptionsFor(*accepted).proxy_protocol);
  EXPECT_FALSE(Read("")->proxy_protocol);

  // EXTERNAL_HTTP_PORT defaults to the port nginx listens on; EXTERNAL_HTTPS_PORT to 443 (nginx-proxy's).
  auto ports = Read("proxy:\n  http_port: 8080\n  https_port: 8443\n");
  ASSERT_TRUE(ports.ok()) << ports.error().message();
  EXPECT_EQ(ports->external_http_port, 8080);
  EXPECT_EQ(ports->external_https_port, 443);
  auto external = Read("", {.external_http_port = "8000"});
  ASSERT_TRUE(external.ok()) << external.error().message();
  EXPECT_EQ(RenderOptionsFor(*external).external_http_port, 8000);
  auto bad = Read("", {.external_http_port = "http"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("proxy.external_http_port"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("EXTERNAL_HTTP_PORT"), std::string::npos);

  // The error pages' directory is a path written into the config: the same rules as the others.
  EXPECT_EQ(RenderOptionsFor(*Read("")).error_pages, "/usr/share/nginx/html/errors");
  auto relative = Read("nginx:\n  error_pages: errors\n");
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.error().message().find("nginx.error_pages"), std::string::npos) << relative.error().message();
  EXPECT_FALSE(Read("nginx:\n  error_pages: \"/srv/errors; evil\"\n").ok());
}

TEST(ProxyGenSettingsTest, TrustedProxiesAreSubnetsOnly) {
  auto good = Read("proxy:\n  trusted_proxies: [10.0.0.0/8, \"fd00::/8\"]\n");
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_EQ(good->trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
  for (const char* bad : {"10.0.0.1", "10.0.0.0/33", "all", "10.0.0.0/8; include /etc/passwd"}) {
    auto refused = Read(std::string("proxy:\n  trusted_proxies: [\"") + bad + "\"]\n");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message().find("proxy.trusted_proxies"), std::string::npos) << refused.error().message();
    EXPECT_NE(refused.error().message().find("expected an address with a prefix length"), std::string::npos);
  }
}

TEST(ProxyGenSettingsTest, DockerHostFromTheEnvironmentAndRejectsTcp) {
  EXPECT_EQ(Read("", {.docker_host = "unix:///run/relay.sock"})->docker_host, "unix:///run/relay.sock");
  auto tcp = Read("", {.docker_host = "tcp://10.0.0.1:2375"});
  ASSERT_FALSE(tcp.ok());
  EXPECT_NE(tcp.error().message().find("only unix:// sockets"), std::string::npos);
}

TEST(ProxyGenSettingsTest, NginxProxyVariablesAreFallbacksOfTheKeys) {
  NginxProxyEnvironment environment{.default_host = "Shop.Example.org", .https_method = "noredirect", .hsts = "off",
                                    .http_port = "8080", .https_port = "8443", .enable_ipv6 = "true"};
  auto settings = Read("", environment);
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->default_host, "shop.example.org");
  EXPECT_EQ(settings->https_method, "noredirect");
  EXPECT_EQ(settings->hsts, "off");
  EXPECT_EQ(settings->http_port, 8080);
  EXPECT_EQ(settings->https_port, 8443);
  EXPECT_TRUE(settings->ipv6);
  // The key wins over the variable.
  EXPECT_EQ(Read("proxy:\n  http_port: 81\n", environment)->http_port, 81);
}

TEST(ProxyGenSettingsTest, BadValuesNameTheKey) {
  struct Case {
    std::string yaml;
    NginxProxyEnvironment environment;
    std::string expected;
  };
  const Case cases[] = {
      {"", {.http_port = "eighty"}, "proxy.http_port: environment variable HTTP_PORT: expected a port from 1 to 65535"},
      {"proxy:\n  default_host: \"bad host\"\n", {}, "proxy.default_host"},
      {"proxy:\n  hsts: \"max-age=1\\\"; evil\"\n", {}, "proxy.hsts"},
      {"nginx:\n  mode: both\n", {}, "nginx.mode: expected one of supervise, container"},
      {"nginx:\n  config: conf.d/x.conf\n", {}, "nginx.config: expected an absolute path"},
      {"nginx:\n  certs: \"/etc/nginx/certs;evil\"\n", {}, "nginx.certs"},
      {"debounce:\n  quiet: 2s\n  max: 1s\n", {}, "debounce.max: must not be shorter than debounce.quiet"},
      {"proxy:\n  http_port: 8080\n  https_port: 8080\n", {}, "proxy.https_port: must differ"},
  };
  for (const auto& c : cases) {
    auto settings = Read(c.yaml, c.environment);
    ASSERT_FALSE(settings.ok()) << c.yaml;
    EXPECT_NE(settings.error().message().find(c.expected), std::string::npos) << settings.error().message();
  }
}

}  // namespace
}  // namespace webvps::proxy_gen
