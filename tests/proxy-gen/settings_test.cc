#include "proxy-gen/settings.h"

#include <gtest/gtest.h>

#include <set>

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
