#include "proxy-gen/settings.h"

#include <gtest/gtest.h>

namespace webvps::proxy_gen {
namespace {

EnvironmentLookup NoEnvironment() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

TEST(ProxyGenSettingsTest, DefaultsFollowNginxProxy) {
  ConfigSource source;
  ConfigReader config(source, "WEBVPS_PROXY_GEN_", NoEnvironment());
  Settings settings = ReadSettings(config, "");
  EXPECT_EQ(settings.docker_host, "unix:///var/run/docker.sock");
  EXPECT_EQ(settings.certs_dir, "/etc/nginx/certs");
  EXPECT_TRUE(config.Finish().ok());
}

TEST(ProxyGenSettingsTest, DockerHostFromTheEnvironmentAndRejectsTcp) {
  ConfigSource source;
  ConfigReader config(source, "WEBVPS_PROXY_GEN_", NoEnvironment());
  EXPECT_EQ(ReadSettings(config, "unix:///run/relay.sock").docker_host, "unix:///run/relay.sock");
  ConfigReader tcp(source, "WEBVPS_PROXY_GEN_", NoEnvironment());
  ReadSettings(tcp, "tcp://10.0.0.1:2375");
  ASSERT_FALSE(tcp.Finish().ok());
  EXPECT_NE(tcp.Finish().error().message().find("only unix:// sockets"), std::string::npos);
}

}  // namespace
}  // namespace webvps::proxy_gen
