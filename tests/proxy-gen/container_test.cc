#include "proxy-gen/container.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace webvps::proxy_gen {
namespace {

// Trimmed from a real `GET /v1.41/containers/{id}/json` of Engine 20.10.
const char* kInspect = R"({
  "Id": "4fa6e0f0c678",
  "Name": "/shop-phpserver-1",
  "State": {"Status": "running", "Running": true, "Paused": false, "Health": {"Status": "starting"}},
  "HostConfig": {"NetworkMode": "shop_default"},
  "Config": {
    "Env": ["VIRTUAL_HOST=shop.example.org", "PATH=/usr/bin", "EMPTY=", "=bad", "NOEQUALS"],
    "Labels": {"com.docker.compose.project": "shop", "webvps.proxy.virtual_port": "8080"},
    "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}, "53/udp": {}}
  },
  "NetworkSettings": {
    "IPAddress": "",
    "Networks": {
      "webvps_proxy": {"IPAddress": "172.20.0.5", "GlobalIPv6Address": ""},
      "shop_default": {"IPAddress": "172.21.0.2", "GlobalIPv6Address": "fd00::2"}
    }
  }
})";

TEST(ContainerInspectTest, ReadsWhatRoutingNeeds) {
  auto info = ParseContainerInspect(kInspect);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->id, "4fa6e0f0c678");
  EXPECT_EQ(info->name, "shop-phpserver-1");
  EXPECT_TRUE(info->running);
  EXPECT_EQ(info->health, "starting");
  EXPECT_EQ(info->env.at("VIRTUAL_HOST"), "shop.example.org");
  EXPECT_EQ(info->env.at("EMPTY"), "");
  EXPECT_FALSE(info->env.contains("NOEQUALS"));
  EXPECT_EQ(info->labels.at("webvps.proxy.virtual_port"), "8080");
  EXPECT_EQ(info->exposed_tcp_ports, (std::vector<int>{443, 8080}));
  ASSERT_EQ(info->networks.size(), 2u);
  EXPECT_EQ(info->networks[0], (NetworkEndpoint{"shop_default", "172.21.0.2", "fd00::2"}));
  EXPECT_EQ(info->networks[1].network, "webvps_proxy");
  EXPECT_EQ(info->network_mode, "shop_default");
}

TEST(ContainerInspectTest, ToleratesMissingParts) {
  auto info = ParseContainerInspect(R"({"Id":"abc","Name":"/x","Config":{"Env":null,"Labels":null},"State":{"Running":true,"Paused":true}})");
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->running);  // paused containers get no traffic
  EXPECT_TRUE(info->env.empty());
  EXPECT_FALSE(ParseContainerInspect("[]").ok());
  EXPECT_FALSE(ParseContainerInspect(R"({"Name":"/x"})").ok());
}

TEST(ContainerInspectTest, FieldsOfTheWrongTypeReadAsMissing) {
  // Found by fuzz/proxy_docker_fuzz.cc: a non-boolean State.Running threw nlohmann::json::type_error
  // out of the event handler, and proxy-gen (PID 1 of the proxy) ended.
  for (const char* state : {R"({"Running":"yes"})", R"({"Running":1,"Paused":"no"})", R"({"Running":true,"Paused":null})",
                            R"({"Running":[true],"Health":{"Status":5}})"}) {
    auto info = ParseContainerInspect(std::string(R"({"Id":"abc","Name":"/x","State":)") + state + "}");
    ASSERT_TRUE(info.ok()) << state;
    EXPECT_EQ(info->running, std::string(state) == R"({"Running":true,"Paused":null})") << state;
    EXPECT_EQ(info->health, "") << state;
  }
}

TEST(ContainerInspectTest, NamesIdsAndAddressesFollowDockersGrammar) {
  // Found by fuzz/proxy_docker_fuzz.cc: an address and a name went into nginx's config as given.
  auto inspect = [](const std::string& id, const std::string& name, const std::string& ip, const std::string& ip6) {
    nlohmann::json json = {{"Id", id}, {"Name", name},
                           {"NetworkSettings", {{"Networks", {{"proxy", {{"IPAddress", ip}, {"GlobalIPv6Address", ip6}}}}}}}};
    return ParseContainerInspect(json.dump());
  };
  auto good = inspect("4fa6e0f0c678", "/shop_web-1.x", "172.20.0.2", "fd00::2");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->networks[0], (NetworkEndpoint{"proxy", "172.20.0.2", "fd00::2"}));
  auto quoted = inspect("4fa6e0f0c678", "/web", "172.20.0.2\"; include /etc/passwd; #", "fd00::2]:80; #");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->networks[0], (NetworkEndpoint{"proxy", "", ""})) << "not an address: no address";
  EXPECT_EQ(inspect("4fa6e0f0c678", "/web", "172.20.0.256", "::1")->networks[0].ipv4, "");
  EXPECT_EQ(inspect("abc", "/web\nserver {", "172.20.0.2", "").error().message(),
            "inspect: Name \"web\\x0aserver {\" is not a container name");
  EXPECT_FALSE(inspect("ABC", "/web", "", "").ok());
  EXPECT_FALSE(inspect("abc/../../v1.41/containers", "/web", "", "").ok());
  EXPECT_FALSE(inspect("abc", "/-web", "", "").ok());
  EXPECT_FALSE(inspect("abc", "", "", "").ok());
}

TEST(ContainerListTest, Ids) {
  auto ids = ParseContainerList(R"([{"Id":"a","Names":["/x"]},{"Id":"b"},{"Names":["/no-id"]},{"Id":"../x"},{"Id":7}])");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b"}));
}

TEST(ApiVersionTest, NegotiatesWithOldAndNewEngines) {
  EXPECT_EQ(*ParseApiVersion(R"({"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"})"), "1.41");
  EXPECT_EQ(*NegotiateApiVersion("1.41"), "1.41");
  EXPECT_EQ(*NegotiateApiVersion("1.52"), "1.52");
  EXPECT_EQ(*NegotiateApiVersion("1.53"), "1.52");
  EXPECT_EQ(NegotiateApiVersion("1.12").error().message(), "the daemon speaks API 1.12; proxy-gen needs at least 1.24");
  EXPECT_FALSE(NegotiateApiVersion("2.0").ok());
  EXPECT_FALSE(NegotiateApiVersion("garbage").ok());
  EXPECT_FALSE(ParseApiVersion("{}").ok());
}

TEST(OwnContainerTest, IdFromMountInfo) {
  const std::string id = "3f4e8a1c9b2d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
  std::string mountinfo =
      "1012 985 0:52 / / rw,relatime master:456 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC\n"
      "1020 1012 254:1 /var/lib/docker/containers/" + id + "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n"
      "1021 1012 254:1 /var/lib/docker/containers/" + id + "/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n";
  EXPECT_EQ(ContainerIdFromMountInfo(mountinfo), id);
  // The host's own mount table, or ids of the wrong shape: nothing.
  EXPECT_EQ(ContainerIdFromMountInfo("25 1 254:1 / / rw - ext4 /dev/vda rw\n"), "");
  EXPECT_EQ(ContainerIdFromMountInfo("1 1 0:1 /var/lib/docker/containers/abc/hostname /etc/hostname rw\n"), "");
  EXPECT_EQ(ContainerIdFromMountInfo("1 1 0:1 /x/containers/" + std::string(64, 'g') + "/hostname /etc/hostname\n"), "");
}

TEST(NginxContainerTest, SeveralStacksOnOneHostEachFindTheirOwnNginx) {
  auto nginx = [](const std::string& id, const std::string& project) {
    ContainerInfo info;
    info.id = id;
    if (!project.empty()) info.labels["com.docker.compose.project"] = project;
    return info;
  };
  std::map<std::string, std::string> mine = {{"com.docker.compose.project", "webvps"}};
  EXPECT_EQ(ChooseNginxContainer({nginx("a", "other")}, mine), "a") << "the only one";
  EXPECT_EQ(ChooseNginxContainer({nginx("a", "e2e-1"), nginx("b", "webvps")}, mine), "b");
  EXPECT_EQ(ChooseNginxContainer({nginx("a", "e2e-1"), nginx("b", "e2e-2")}, mine), "") << "none of mine: no guess";
  EXPECT_EQ(ChooseNginxContainer({nginx("a", "webvps"), nginx("b", "webvps")}, mine), "") << "two of mine: no guess";
  EXPECT_EQ(ChooseNginxContainer({nginx("a", "x"), nginx("b", "y")}, {}), "") << "outside compose";
  EXPECT_EQ(ChooseNginxContainer({}, mine), "");
}

}  // namespace
}  // namespace webvps::proxy_gen
