#include "proxy-gen/routing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

#include "names.h"

namespace webvps::proxy_gen {
namespace {

ContainerInfo Backend(const std::string& name, std::map<std::string, std::string> env, const std::string& ip = "172.20.0.2",
                      const std::string& network = "proxy") {
  ContainerInfo info;
  info.id = "id-" + name;
  info.name = name;
  info.running = true;
  info.env = std::move(env);
  info.networks = {{network, ip, ""}};
  return info;
}

RoutingOptions Options() {
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  return options;
}

TEST(RoutingTest, OneHostOneBackend) {
  auto model = BuildRoutingModel({Backend("shop", {{"VIRTUAL_HOST", "Shop.Example.org, www.shop.example.org"}})}, Options());
  ASSERT_EQ(model.hosts.size(), 2u);
  const VirtualHost& host = model.hosts.at("shop.example.org");
  ASSERT_EQ(host.locations.size(), 1u);
  const Location& location = host.locations.at("/");
  EXPECT_EQ(location.proto, "http");
  ASSERT_EQ(location.backends.size(), 1u);
  EXPECT_EQ(location.backends[0], (proxy_gen::Backend{"shop", "172.20.0.2", 80, true}));
  EXPECT_TRUE(model.rejections.empty());
}

TEST(RoutingTest, PortFromVirtualPortElseTheOnlyExposedPortElse80) {
  auto exposed = Backend("a", {{"VIRTUAL_HOST", "a.test"}});
  exposed.exposed_tcp_ports = {8080};
  auto two_exposed = Backend("b", {{"VIRTUAL_HOST", "b.test"}});
  two_exposed.exposed_tcp_ports = {3000, 8080};
  auto explicit_port = Backend("c", {{"VIRTUAL_HOST", "c.test"}, {"VIRTUAL_PORT", "3000"}});
  explicit_port.exposed_tcp_ports = {8080};
  auto model = BuildRoutingModel({exposed, two_exposed, explicit_port}, Options());
  EXPECT_EQ(model.hosts.at("a.test").locations.at("/").backends[0].port, 8080);
  EXPECT_EQ(model.hosts.at("b.test").locations.at("/").backends[0].port, 80);
  EXPECT_EQ(model.hosts.at("c.test").locations.at("/").backends[0].port, 3000);
}

TEST(RoutingTest, LabelsWinOverEnvironment) {
  auto container = Backend("a", {{"VIRTUAL_HOST", "env.test"}, {"VIRTUAL_PROTO", "https"}});
  container.labels = {{"webvps.proxy.virtual_host", "label.test"}, {"webvps.proxy.VIRTUAL_PROTO", "grpc"}};
  auto model = BuildRoutingModel({container}, Options());
  ASSERT_EQ(model.hosts.size(), 1u);
  EXPECT_EQ(model.hosts.at("label.test").locations.at("/").proto, "grpc");
}

TEST(RoutingTest, SeveralContainersOfOneHostFormOneUpstreamAndConflictsAreDecidedByName) {
  auto b = Backend("b-web", {{"VIRTUAL_HOST", "x.test"}, {"HTTPS_METHOD", "noredirect"}}, "172.20.0.3");
  auto a = Backend("a-web", {{"VIRTUAL_HOST", "x.test"}, {"HTTPS_METHOD", "nohttp"}}, "172.20.0.9");
  for (auto order : {std::vector<ContainerInfo>{a, b}, std::vector<ContainerInfo>{b, a}}) {
    auto model = BuildRoutingModel(order, Options());
    const VirtualHost& host = model.hosts.at("x.test");
    EXPECT_EQ(host.https_method, "nohttp");  // a-web sorts first
    EXPECT_EQ(host.containers, (std::vector<std::string>{"a-web", "b-web"}));
    const auto& backends = host.locations.at("/").backends;
    ASSERT_EQ(backends.size(), 2u);
    EXPECT_EQ(backends[0].address, "172.20.0.3");
    ASSERT_EQ(model.conflicts.size(), 1u);
    EXPECT_EQ(model.conflicts[0], "x.test: HTTPS_METHOD \"noredirect\" of b-web ignored; \"nohttp\" of a-web applies");
  }
}

TEST(RoutingTest, PathsMakeSeparateLocations) {
  auto api = Backend("api", {{"VIRTUAL_HOST", "x.test"}, {"VIRTUAL_PATH", "/api/"}, {"VIRTUAL_DEST", "/"}});
  auto web = Backend("web", {{"VIRTUAL_HOST", "x.test"}});
  auto model = BuildRoutingModel({api, web}, Options());
  const auto& locations = model.hosts.at("x.test").locations;
  ASSERT_EQ(locations.size(), 2u);
  EXPECT_EQ(locations.at("/api/").dest, "/");
  EXPECT_NE(locations.at("/api/").upstream, locations.at("/").upstream);
}

TEST(RoutingTest, HealthDecidesTraffic) {
  auto starting = Backend("a", {{"VIRTUAL_HOST", "x.test"}});
  starting.health = "starting";
  auto unhealthy = Backend("b", {{"VIRTUAL_HOST", "x.test"}}, "172.20.0.3");
  unhealthy.health = "unhealthy";
  auto healthy = Backend("c", {{"VIRTUAL_HOST", "x.test"}}, "172.20.0.4");
  healthy.health = "healthy";
  auto none = Backend("d", {{"VIRTUAL_HOST", "x.test"}}, "172.20.0.5");
  // By default a starting container is routed at once (nginx's connection tells whether it
  // answers); only Docker's `unhealthy` takes one out.
  auto model = BuildRoutingModel({starting, unhealthy, healthy, none}, Options());
  const auto& backends = model.hosts.at("x.test").locations.at("/").backends;
  ASSERT_EQ(backends.size(), 4u);
  EXPECT_TRUE(backends[0].ready);
  EXPECT_FALSE(backends[1].ready);
  EXPECT_TRUE(backends[2].ready);
  EXPECT_TRUE(backends[3].ready);
  // proxy.require_healthy: a starting one waits for Docker's `healthy`.
  RoutingOptions wait_healthy = Options();
  wait_healthy.require_healthy = true;
  auto waiting = BuildRoutingModel({starting, unhealthy, healthy, none}, wait_healthy);
  const auto& waited = waiting.hosts.at("x.test").locations.at("/").backends;
  EXPECT_FALSE(waited[0].ready);
  EXPECT_FALSE(waited[1].ready);
  EXPECT_TRUE(waited[2].ready);
  EXPECT_TRUE(waited[3].ready);
}

TEST(RoutingTest, AcmeChallengesFromTheProxyUnlessAContainerOrTheProxySaysNo) {
  auto yes = Backend("a", {{"VIRTUAL_HOST", "x.test"}});
  auto no = Backend("b", {{"VIRTUAL_HOST", "y.test"}, {"ACME_HTTP_CHALLENGE_LOCATION", "false"}}, "172.20.0.3");
  auto bad = Backend("c", {{"VIRTUAL_HOST", "z.test"}, {"ACME_HTTP_CHALLENGE_LOCATION", "legacy;"}}, "172.20.0.4");
  auto model = BuildRoutingModel({yes, no, bad}, Options());
  EXPECT_TRUE(model.hosts.at("x.test").acme_challenge);
  EXPECT_FALSE(model.hosts.at("y.test").acme_challenge);
  ASSERT_EQ(model.rejections.size(), 1u);
  EXPECT_EQ(model.rejections[0].setting, "ACME_HTTP_CHALLENGE_LOCATION");
  EXPECT_EQ(model.rejections[0].reason, "\"legacy;\": expected true or false");
  RoutingOptions off = Options();
  off.acme_challenge = false;
  EXPECT_FALSE(BuildRoutingModel({yes}, off).hosts.at("x.test").acme_challenge);
  // Two containers of one host that disagree: the first by name decides, the other is listed.
  auto other = Backend("d", {{"VIRTUAL_HOST", "x.test"}, {"ACME_HTTP_CHALLENGE_LOCATION", "false"}}, "172.20.0.5");
  auto both = BuildRoutingModel({yes, other}, Options());
  EXPECT_TRUE(both.hosts.at("x.test").acme_challenge);
  ASSERT_EQ(both.conflicts.size(), 1u);
  EXPECT_NE(both.conflicts[0].find("ACME_HTTP_CHALLENGE_LOCATION \"false\" of d ignored"), std::string::npos) << both.conflicts[0];
}

TEST(RoutingTest, NginxProxySettingsWebvpsDoesNotReadAreNamedNotSilentlyDropped) {
  auto container = Backend("multi", {{"VIRTUAL_HOST", "x.test"}, {"SERVER_TOKENS", "on"}, {"PATH", "/bin"}});
  container.labels = {{"com.github.nginx-proxy.nginx-proxy.http2.enable", "false"},
                      {"com.github.nginx-proxy.nginx-proxy.other", "x"}, {"org.example", "y"}};
  ContainerInfo view = RoutingView(container);
  EXPECT_FALSE(view.env.contains("PATH"));
  EXPECT_FALSE(view.labels.contains("org.example"));
  auto model = BuildRoutingModel({view}, Options());
  ASSERT_TRUE(model.hosts.contains("x.test")) << "still served";
  EXPECT_EQ(model.unsupported, (std::vector<std::string>{"multi: SERVER_TOKENS",
                                                         "multi: label com.github.nginx-proxy.nginx-proxy.http2.enable"}));
  // Its value never reaches the config.
  EXPECT_TRUE(model.rejections.empty());
}

TEST(RoutingTest, NewNginxProxySettingsAreCheckedLikeEveryOther) {
  auto bad = [](std::map<std::string, std::string> env, std::map<std::string, std::string> labels, const std::string& setting) {
    auto container = Backend("c", env);
    container.env["VIRTUAL_HOST"] = "x.test";
    container.labels = std::move(labels);
    auto model = BuildRoutingModel({container}, Options());
    EXPECT_TRUE(model.hosts.empty()) << setting;
    ASSERT_EQ(model.rejections.size(), 1u) << setting;
    EXPECT_EQ(model.rejections[0].setting, setting);
  };
  const std::string prefix = "com.github.nginx-proxy.nginx-proxy.";
  bad({{"ENABLE_HTTP_ON_MISSING_CERT", "yes"}}, {}, "ENABLE_HTTP_ON_MISSING_CERT");
  bad({{"NON_GET_REDIRECT", "309"}}, {}, "NON_GET_REDIRECT");
  bad({}, {{prefix + "trust-default-cert", "1"}}, "label trust-default-cert");
  bad({}, {{prefix + "keepalive", "0"}}, "label keepalive");
  bad({}, {{prefix + "keepalive", "16; evil"}}, "label keepalive");
  for (const char* balance : {"least_conn; server 10.0.0.1", "hash $remote_addr; }", "include /etc/passwd;", "hash x", "random three",
                              "hash $a consistent extra", "ip_hash;;", ""}) {
    bad({}, {{prefix + "loadbalance", balance}}, "label loadbalance");
  }
  std::string directive;
  for (const char* good : {"least_conn", "least_conn;", "ip_hash;", "random", "random two least_conn;", "hash $remote_addr$request_uri consistent;"}) {
    EXPECT_FALSE(LoadbalanceProblem(good, &directive)) << good;
    EXPECT_TRUE(directive.ends_with(';') && !directive.ends_with(";;")) << directive;
  }
}

TEST(RoutingTest, VirtualHostMultiportsRoutesHostsAndPathsToPortsOfOneContainer) {
  auto container = Backend("multi", {{"VIRTUAL_HOST", "ignored.test"}, {"VIRTUAL_PORT", "8000"},
                                     {"VIRTUAL_HOST_MULTIPORTS",
                                      "www.example.org:\n"
                                      "service.example.org:\n"
                                      "  \"/\":\n"
                                      "    port: 8080\n"
                                      "  \"/sub\":\n"
                                      "    port: 9000\n"
                                      "    dest: /receiver\n"}});
  auto model = BuildRoutingModel({container}, Options());
  ASSERT_TRUE(model.rejections.empty()) << model.rejections[0].reason;
  EXPECT_FALSE(model.hosts.contains("ignored.test")) << "MULTIPORTS replaces VIRTUAL_HOST";
  EXPECT_EQ(model.hosts.at("www.example.org").locations.at("/").backends.at(0).port, 8000) << "no port: the default one";
  const auto& service = model.hosts.at("service.example.org");
  EXPECT_EQ(service.containers, std::vector<std::string>{"multi"});
  EXPECT_EQ(service.locations.at("/").backends.at(0).port, 8080);
  EXPECT_EQ(service.locations.at("/sub").backends.at(0).port, 9000);
  EXPECT_EQ(service.locations.at("/sub").dest, "/receiver");
  // JSON is YAML too.
  container.env["VIRTUAL_HOST_MULTIPORTS"] = R"({"api.example.org": {"/v1/": {"port": 7000}}})";
  model = BuildRoutingModel({container}, Options());
  EXPECT_EQ(model.hosts.at("api.example.org").locations.at("/v1/").backends.at(0).port, 7000);
}

TEST(RoutingTest, ABadVirtualHostMultiportsNamesTheEntryAndLeavesTheContainerOut) {
  for (auto [value, says] : {std::pair{"[a, b]", "expected a map of host names"},
                             {"{bad", "not YAML or JSON"},
                             {"x.test;evil:", "host \"x.test;evil\""},
                             {"x.test: {\"/a;b\": }", "path \"/a;b\""},
                             {"x.test: {\"/\": {port: 70000}}", "port \"70000\""},
                             {"x.test: {\"/\": {port: 80, weight: 2}}", "only port and dest are read"},
                             {"x.test: {\"/\": {dest: \"/a b\"}}", "dest \"/a b\""},
                             {"x.test: [1]", "expected a map of paths"},
                             {"{}", "no host name"}}) {
    auto container = Backend("c", {{"VIRTUAL_HOST_MULTIPORTS", value}});
    auto model = BuildRoutingModel({container}, Options());
    EXPECT_TRUE(model.hosts.empty()) << value;
    ASSERT_EQ(model.rejections.size(), 1u) << value;
    EXPECT_EQ(model.rejections[0].setting, "VIRTUAL_HOST_MULTIPORTS");
    EXPECT_NE(model.rejections[0].reason.find(says), std::string::npos) << value << ": " << model.rejections[0].reason;
  }
  std::string many;
  for (int i = 0; i < 101; ++i) many += "h" + std::to_string(i) + ".test:\n";
  EXPECT_FALSE(ParseMultiports(many).ok());
}

TEST(RoutingTest, HostNetworkedContainersAreRefusedAndIpv6IsPreferredWhenAsked) {
  auto host = Backend("hostnet", {{"VIRTUAL_HOST", "h.test"}});
  host.network_mode = "host";
  auto model = BuildRoutingModel({host}, Options());
  EXPECT_TRUE(model.hosts.empty());
  ASSERT_EQ(model.rejections.size(), 1u);
  EXPECT_EQ(model.rejections[0].setting, "network_mode");
  auto dual = Backend("dual", {{"VIRTUAL_HOST", "d.test"}});
  dual.networks = {{"proxy", "172.20.0.7", "fd00::7"}};
  RoutingOptions options = Options();
  EXPECT_EQ(BuildRoutingModel({dual}, options).hosts.at("d.test").locations.at("/").backends[0].address, "172.20.0.7");
  options.prefer_ipv6 = true;
  EXPECT_EQ(BuildRoutingModel({dual}, options).hosts.at("d.test").locations.at("/").backends[0].address, "[fd00::7]");
}

TEST(RoutingTest, AddressFromTheFirstSharedNetworkByName) {
  auto container = Backend("a", {{"VIRTUAL_HOST", "x.test"}});
  container.networks = {{"a_private", "10.0.0.2", ""}, {"ingress", "10.255.0.2", ""}, {"proxy", "172.20.0.7", ""},
                        {"zz_proxy2", "172.30.0.7", ""}};
  RoutingOptions options;
  options.proxy_networks = {"proxy", "zz_proxy2", "ingress"};
  auto model = BuildRoutingModel({container}, options);
  EXPECT_EQ(model.hosts.at("x.test").locations.at("/").backends[0].address, "172.20.0.7");
  auto lonely = Backend("lonely", {{"VIRTUAL_HOST", "y.test"}}, "10.1.0.2", "elsewhere");
  auto elsewhere = BuildRoutingModel({lonely}, Options());
  EXPECT_TRUE(elsewhere.hosts.empty());
  EXPECT_TRUE(elsewhere.rejections.empty()) << "another proxy's container is not a bad value";
  EXPECT_EQ(elsewhere.unreachable, std::vector<std::string>{"lonely"});
  auto v6 = Backend("v6", {{"VIRTUAL_HOST", "z.test"}});
  v6.networks = {{"proxy", "", "fd00::5"}};
  EXPECT_EQ(BuildRoutingModel({v6}, Options()).hosts.at("z.test").locations.at("/").backends[0].address, "[fd00::5]");
}

TEST(RoutingTest, WildcardAndRegexHosts) {
  auto model = BuildRoutingModel({Backend("a", {{"VIRTUAL_HOST", "*.example.org,example.*,~^www\\.(?<name>.+)\\.test$"}})},
                                 Options());
  EXPECT_TRUE(model.rejections.empty()) << model.rejections[0].reason;
  EXPECT_TRUE(model.hosts.contains("*.example.org"));
  EXPECT_TRUE(model.hosts.contains("example.*"));
  EXPECT_TRUE(model.hosts.contains("~^www\\.(?<name>.+)\\.test$"));
}

TEST(RoutingTest, StoppedAndExcludedContainersAreLeftOut) {
  auto stopped = Backend("a", {{"VIRTUAL_HOST", "a.test"}});
  stopped.running = false;
  auto excluded = Backend("b", {{"VIRTUAL_HOST", "b.test"}});
  RoutingOptions options = Options();
  options.excluded = {"id-b"};
  EXPECT_TRUE(BuildRoutingModel({stopped, excluded}, options).hosts.empty());
}

TEST(RoutingTest, SameInputInAnyOrderGivesTheSameModel) {
  std::vector<ContainerInfo> containers = {Backend("c", {{"VIRTUAL_HOST", "x.test"}}, "172.20.0.5"),
                                           Backend("a", {{"VIRTUAL_HOST", "x.test,y.test"}}, "172.20.0.3"),
                                           Backend("b", {{"VIRTUAL_HOST", "bad host"}}),
                                           Backend("d", {{"VIRTUAL_HOST", "y.test"}, {"VIRTUAL_PATH", "/d"}}, "172.20.0.4")};
  auto reference = BuildRoutingModel(containers, Options());
  std::sort(containers.begin(), containers.end(), [](const auto& l, const auto& r) { return l.name < r.name; });
  do {
    EXPECT_EQ(BuildRoutingModel(containers, Options()), reference);
  } while (std::next_permutation(containers.begin(), containers.end(),
                                 [](const auto& l, const auto& r) { return l.name < r.name; }));
}

struct Hostile {
  const char* setting;
  std::string value;
};

class HostileValueTest : public ::testing::TestWithParam<Hostile> {};

// Every one of these is left out with a rejection naming the container and the setting, and the
// well-behaved neighbour keeps its route.
TEST_P(HostileValueTest, IsRejectedAndTheOthersAreServed) {
  const Hostile& hostile = GetParam();
  std::map<std::string, std::string> env = {{"VIRTUAL_HOST", "evil.test"}};
  env[hostile.setting] = hostile.value;
  auto model = BuildRoutingModel({Backend("evil", env, "172.20.0.66"), Backend("good", {{"VIRTUAL_HOST", "good.test"}})}, Options());
  ASSERT_EQ(model.rejections.size(), 1u) << hostile.setting << "=" << hostile.value;
  EXPECT_EQ(model.rejections[0].container, "evil");
  EXPECT_EQ(model.rejections[0].setting, hostile.setting);
  EXPECT_FALSE(model.hosts.contains("evil.test"));
  EXPECT_TRUE(model.hosts.contains("good.test"));
}

INSTANTIATE_TEST_SUITE_P(
    Values, HostileValueTest,
    ::testing::Values(
        Hostile{"VIRTUAL_HOST", "a.test; return 200"}, Hostile{"VIRTUAL_HOST", "a.test;"}, Hostile{"VIRTUAL_HOST", "a.test{"},
        Hostile{"VIRTUAL_HOST", "a.test}"}, Hostile{"VIRTUAL_HOST", "a.test\nserver { }"}, Hostile{"VIRTUAL_HOST", "a .test"},
        Hostile{"VIRTUAL_HOST", "\"a.test\""}, Hostile{"VIRTUAL_HOST", "'a.test'"}, Hostile{"VIRTUAL_HOST", "a.test#"},
        Hostile{"VIRTUAL_HOST", "$host"}, Hostile{"VIRTUAL_HOST", std::string(64, 'a') + ".test"},
        Hostile{"VIRTUAL_HOST", std::string(300, 'a')}, Hostile{"VIRTUAL_HOST", "bücher.test"},
        Hostile{"VIRTUAL_HOST", "a*.test"}, Hostile{"VIRTUAL_HOST", "*.*.test"}, Hostile{"VIRTUAL_HOST", "a..test"},
        Hostile{"VIRTUAL_HOST", "~^a;b$"}, Hostile{"VIRTUAL_HOST", "~^a b$"}, Hostile{"VIRTUAL_HOST", "~^a{2}$"},
        Hostile{"VIRTUAL_HOST", "~"}, Hostile{"VIRTUAL_HOST", "a.test\r"}, Hostile{"VIRTUAL_HOST", ","},
        Hostile{"VIRTUAL_PORT", "80; include /etc/passwd"}, Hostile{"VIRTUAL_PORT", "0"}, Hostile{"VIRTUAL_PORT", "65536"},
        Hostile{"VIRTUAL_PORT", "-1"}, Hostile{"VIRTUAL_PORT", "8o"}, Hostile{"VIRTUAL_PROTO", "http;"},
        Hostile{"VIRTUAL_PROTO", "ftp"}, Hostile{"VIRTUAL_PROTO", "HTTP"}, Hostile{"VIRTUAL_PATH", "api"},
        Hostile{"VIRTUAL_PATH", "/api { return 200; }"}, Hostile{"VIRTUAL_PATH", "/a b"}, Hostile{"VIRTUAL_PATH", "/$uri"},
        Hostile{"VIRTUAL_PATH", "/a;"}, Hostile{"VIRTUAL_PATH", "/../etc"}, Hostile{"VIRTUAL_PATH", "/a\nb"},
        Hostile{"VIRTUAL_DEST", "/x;"}, Hostile{"VIRTUAL_DEST", "http://evil"}, Hostile{"HTTPS_METHOD", "redirect;"},
        Hostile{"HSTS", "max-age=1\"; add_header X y"}, Hostile{"HSTS", "max-age=1}"}, Hostile{"HSTS", "1 year"},
        Hostile{"CERT_NAME", "../../etc/ssl/private/key"}, Hostile{"CERT_NAME", "a;b"}, Hostile{"CERT_NAME", ".hidden"},
        Hostile{"CERT_NAME", "a b"}, Hostile{"NETWORK_ACCESS", "internal;"}, Hostile{"VIRTUAL_HOST", "a.test\x01"},
        // Found by fuzz/proxy_render_fuzz.cc: the backslash escaped the renderer's ';'.
        Hostile{"VIRTUAL_HOST", "~^a\\"}, Hostile{"VIRTUAL_HOST", "~^a\\\\\\"},
        // A deliberate difference from nginx-proxy (docs/proxy-gen.md): no bracketed IPv6 literal.
        Hostile{"VIRTUAL_HOST", "[2001:db8::1]"}),
    // Stable names (the setting and the index): ctest finds the tests by name.
    [](const ::testing::TestParamInfo<Hostile>& param) { return std::string(param.param.setting) + "_" + std::to_string(param.index); });

void PrintTo(const Hostile& hostile, std::ostream* out) { *out << hostile.setting << "=" << QuoteForMessage(hostile.value); }

TEST(UpstreamNameTest, SafeAndStable) {
  EXPECT_EQ(UpstreamName("shop.example.org", "/"), UpstreamName("shop.example.org", "/"));
  EXPECT_NE(UpstreamName("shop.example.org", "/"), UpstreamName("shop.example.org", "/api"));
  std::string name = UpstreamName("~^(?<x>.+)$", "/");
  EXPECT_TRUE(std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
      << name;
  EXPECT_TRUE(name.starts_with("up_"));
}

TEST(RoutingTest, TheRoutingViewKeepsOnlyWhatRoutingReads) {
  auto container = Backend("a", {{"VIRTUAL_HOST", "x.test"}, {"VIRTUAL_PORT", "8080"}, {"PATH", "/usr/bin"},
                                 {"DB_PASSWORD", "secret"}, {"HSTS", "off"}});
  container.labels = {{"webvps.proxy.virtual_path", "/api/"}, {"webvps.proxy.role", "nginx"},
                      {"com.docker.compose.project", "shop"}};
  ContainerInfo view = RoutingView(container);
  EXPECT_EQ(view.env, (std::map<std::string, std::string>{{"HSTS", "off"}, {"VIRTUAL_HOST", "x.test"}, {"VIRTUAL_PORT", "8080"}}));
  EXPECT_EQ(view.labels, (std::map<std::string, std::string>{{"webvps.proxy.role", "nginx"}, {"webvps.proxy.virtual_path", "/api/"}}));
  EXPECT_EQ(BuildRoutingModel({view}, Options()), BuildRoutingModel({container}, Options())) << "the same routing";
}

}  // namespace
}  // namespace webvps::proxy_gen
