#include "proxy-gen/render.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/temp_dir.h"
#include "proxy-gen/nginx_tokens.h"

namespace webvps::proxy_gen {
namespace {

ContainerInfo Container(const std::string& name, std::map<std::string, std::string> env, const std::string& ip) {
  ContainerInfo info;
  info.id = "id-" + name;
  info.name = name;
  info.running = true;
  info.env = std::move(env);
  info.networks = {{"proxy", ip, ""}};
  return info;
}

RoutingModel SampleModel() {
  auto unhealthy = Container("grpc-svc", {{"VIRTUAL_HOST", "grpc.example.org"}, {"VIRTUAL_PROTO", "grpc"}, {"VIRTUAL_PORT", "50051"}},
                            "172.20.0.9");
  unhealthy.health = "unhealthy";
  std::vector<ContainerInfo> containers = {
      Container("shop-web-1", {{"VIRTUAL_HOST", "shop.example.org"}}, "172.20.0.2"),
      Container("shop-web-2", {{"VIRTUAL_HOST", "shop.example.org"}}, "172.20.0.3"),
      Container("shop-api", {{"VIRTUAL_HOST", "shop.example.org"}, {"VIRTUAL_PATH", "/api/"}, {"VIRTUAL_DEST", "/"},
                             {"VIRTUAL_PORT", "8080"}, {"NETWORK_ACCESS", "internal"}},
                "172.20.0.4"),
      Container("blog", {{"VIRTUAL_HOST", "blog.shop.example.org"}, {"HSTS", "off"}}, "172.20.0.5"),
      Container("wild", {{"VIRTUAL_HOST", "*.example.net"}, {"HTTPS_METHOD", "noredirect"}}, "172.20.0.6"),
      Container("plain", {{"VIRTUAL_HOST", "plain.example.com"}, {"HTTPS_METHOD", "nohttps"}}, "172.20.0.7"),
      unhealthy,
  };
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  return BuildRoutingModel(containers, options);
}

ProxyFiles SampleFiles() {
  ProxyFiles files;
  files.certs = {"shop.example.org", "plain.example.com"};
  files.vhost_d = {"shop.example.org", "shop.example.org_location"};
  files.htpasswd = {"blog.shop.example.org"};
  return files;
}

std::string ReadGolden(const std::string& name) {
  std::ifstream file(std::string(WEBVPS_GOLDEN_DIR) + "/" + name);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

RenderOptions SampleOptions() {
  RenderOptions options;
  options.internal_deny = {"172.20.0.0/16"};
  return options;
}

TEST(RenderTest, MatchesTheGoldenConfig) {
  std::string rendered = RenderNginxConfig(SampleModel(), SampleFiles(), SampleOptions());
  if (std::getenv("WEBVPS_UPDATE_GOLDEN")) {
    std::ofstream(std::string(WEBVPS_GOLDEN_DIR) + "/sample.conf") << rendered;
  }
  EXPECT_EQ(rendered, ReadGolden("sample.conf"))
      << "if the change is intended: WEBVPS_UPDATE_GOLDEN=1 build/tests/proxy_gen_test, then review the diff";
}

std::set<std::string> HostsOf(const RoutingModel& model) {
  std::set<std::string> hosts;
  for (const auto& [name, host] : model.hosts) hosts.insert(name);
  return hosts;
}

TEST(RenderTest, TheGoldenConfigHasOnlyTheDirectivesProxyGenWrites) {
  RoutingModel model = SampleModel();
  auto problem = testing::RenderedShapeProblem(RenderNginxConfig(model, SampleFiles(), SampleOptions()), HostsOf(model));
  EXPECT_FALSE(problem) << *problem;
}

TEST(RenderTest, TheNginxOracleSeesAnEscapedSemicolon) {
  // A model routing would now refuse (a regex ending in a backslash), rendered anyway: read as
  // nginx reads it, the server_name runs on into the next line's listen.
  RoutingModel model = SampleModel();
  VirtualHost host = model.hosts.at("plain.example.com");
  host.host = "~^a\\";
  model.hosts.emplace(host.host, host);
  auto problem = testing::RenderedShapeProblem(RenderNginxConfig(model, SampleFiles(), SampleOptions()), HostsOf(model));
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "server_name is not one of the hosts: ~^a\\; | listen | 80");
}

TEST(RenderTest, RegularExpressionHostsStayOneWord) {
  std::vector<ContainerInfo> containers;
  for (const char* regex : {"~^(?<sub>\\w+)\\.example\\.org$", "~^a\\\\$", "~a\\\\", "~^[a-z]+\\d?(x|y)*$", "~^a$"}) {
    containers.push_back(Container("c" + std::to_string(containers.size()), {{"VIRTUAL_HOST", regex}}, "172.20.0.2"));
  }
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  RoutingModel model = BuildRoutingModel(containers, options);
  ASSERT_EQ(model.hosts.size(), 5u) << (model.rejections.empty() ? "" : model.rejections[0].reason);
  auto problem = testing::RenderedShapeProblem(RenderNginxConfig(model, SampleFiles(), SampleOptions()), HostsOf(model));
  EXPECT_FALSE(problem) << *problem;
}

TEST(RenderTest, IdenticalStateGivesIdenticalBytes) {
  EXPECT_EQ(RenderNginxConfig(SampleModel(), SampleFiles(), RenderOptions{}),
            RenderNginxConfig(SampleModel(), SampleFiles(), RenderOptions{}));
}

TEST(RenderTest, EmptyModelIsOnlyTheCatchAll) {
  std::string config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, RenderOptions{});
  EXPECT_NE(config.find("return 503;"), std::string::npos);
  EXPECT_NE(config.find("ssl_reject_handshake on;"), std::string::npos);
  EXPECT_EQ(config.find("\nupstream "), std::string::npos);
  // An admin's conf.d file may claim default_server: proxy-gen's catch-alls never do.
  EXPECT_EQ(config.find("default_server"), std::string::npos);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(RenderTest, UpstreamsKeepTheirConnectionsAndSkipARefusingBackend) {
  std::string config = RenderNginxConfig(SampleModel(), SampleFiles(), SampleOptions());
  size_t upstreams = Count(config, "\nupstream ");
  ASSERT_EQ(upstreams, 6u);
  EXPECT_EQ(Count(config, "    keepalive 16;\n    keepalive_timeout 4s;\n}"), upstreams);
  EXPECT_NE(config.find("server 172.20.0.2:80 max_fails=1 fail_timeout=1s;"), std::string::npos);
  // No "Connection: close" to a backend, except what the client's Upgrade asks for.
  EXPECT_NE(config.find("map $http_upgrade $proxy_connection {\n    default upgrade;\n    '' '';\n}"), std::string::npos);
  EXPECT_EQ(config.find("close"), std::string::npos);
  EXPECT_NE(config.find("proxy_http_version 1.1;"), std::string::npos);
}

TEST(RenderTest, EveryServerThatProxiesShowsTheUnavailablePage) {
  std::string config = RenderNginxConfig(SampleModel(), SampleFiles(), SampleOptions());
  // Proxying servers: *.example.net, blog (https), grpc, plain, shop (https); the redirects do not proxy.
  EXPECT_EQ(Count(config, "    include /etc/nginx/webvps-unavailable.conf;"), 5u);
  EXPECT_EQ(Count(config, "    include /etc/nginx/webvps-unavailable.conf;"), Count(config, "    location / {\n        ") -
                                                                                   Count(config, "location / {\n        return 301"));
}

TEST(RenderTest, EveryHttpServerAnswersAcmeChallengesUnlessTheHostSaysNo) {
  RoutingModel model = SampleModel();
  std::string config = RenderNginxConfig(model, SampleFiles(), SampleOptions());
  // Five HTTP servers (two of them redirects), none of the two on HTTPS.
  EXPECT_EQ(Count(config, "    location ^~ /.well-known/acme-challenge/ {"), 5u);
  VirtualHost& plain = model.hosts.at("plain.example.com");
  plain.acme_challenge = false;
  model.hosts.at("shop.example.org").acme_challenge = false;
  config = RenderNginxConfig(model, SampleFiles(), SampleOptions());
  EXPECT_EQ(Count(config, "    location ^~ /.well-known/acme-challenge/ {"), 3u);
}

TEST(RenderTest, AHostWithPathsOnlyAnswers404ElsewhereNeverTheProxysWebRoot) {
  auto api = Container("api", {{"VIRTUAL_HOST", "api.example.org"}, {"VIRTUAL_PATH", "/v1/"}}, "172.20.0.9");
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  std::string config = RenderNginxConfig(BuildRoutingModel({api}, options), ProxyFiles{}, SampleOptions());
  EXPECT_NE(config.find("    location /v1/ {\n        proxy_pass http://"), std::string::npos);
  EXPECT_NE(config.find("    location / {\n        return 404;\n    }\n}"), std::string::npos);
  // With a container at / as well, / is that container's.
  auto root = Container("root", {{"VIRTUAL_HOST", "api.example.org"}}, "172.20.0.10");
  config = RenderNginxConfig(BuildRoutingModel({api, root}, options), ProxyFiles{}, SampleOptions());
  EXPECT_EQ(config.find("return 404;"), std::string::npos);
}

TEST(RenderTest, ForwardedHeadersOfClientsAreBelievedOnlyFromTrustedProxies) {
  std::string untrusted = RenderNginxConfig(SampleModel(), SampleFiles(), SampleOptions());
  EXPECT_EQ(untrusted.find("$http_x_forwarded"), std::string::npos) << "a client's own X-Forwarded-* never reach a site";
  EXPECT_EQ(untrusted.find("$proxy_add_x_forwarded_for"), std::string::npos);
  EXPECT_NE(untrusted.find("map $scheme $proxy_x_forwarded_proto {\n    default $scheme;\n}"), std::string::npos);

  RenderOptions options = SampleOptions();
  options.trusted_proxies = {"192.0.2.0/24", "2001:db8::/32"};
  RoutingModel model = SampleModel();
  std::string trusted = RenderNginxConfig(model, SampleFiles(), options);
  EXPECT_NE(trusted.find("geo $webvps_trusted_proxy {\n    default 0;\n    192.0.2.0/24 1;\n    2001:db8::/32 1;\n}"),
            std::string::npos);
  EXPECT_NE(trusted.find("\"~^1:(?<webvps_forwarded_proto>https?)$\" $webvps_forwarded_proto;"), std::string::npos);
  EXPECT_NE(trusted.find("    default $remote_addr;\n    1 $proxy_add_x_forwarded_for;"), std::string::npos);
  EXPECT_NE(trusted.find("map \"$webvps_trusted_proxy:$http_x_forwarded_host\" $proxy_x_forwarded_host {"), std::string::npos);
  for (const auto* config : {&untrusted, &trusted}) {
    EXPECT_NE(config->find("proxy_set_header X-Forwarded-Host $proxy_x_forwarded_host;"), std::string::npos);
    EXPECT_NE(config->find("proxy_set_header X-Forwarded-Ssl $proxy_x_forwarded_ssl;"), std::string::npos);
    EXPECT_NE(config->find("map $proxy_x_forwarded_proto $proxy_x_forwarded_ssl {\n    default off;\n    https on;\n}"),
              std::string::npos);
  }
  auto problem = testing::RenderedShapeProblem(trusted, HostsOf(model));
  EXPECT_FALSE(problem) << *problem;
}

TEST(RenderTest, AnUpstreamWithoutReadyBackendIsStillValid) {
  std::string config = RenderNginxConfig(SampleModel(), SampleFiles(), RenderOptions{});
  size_t grpc = config.find("# grpc.example.org");
  ASSERT_NE(grpc, std::string::npos);
  EXPECT_NE(config.find("server 127.0.0.1 down;", grpc), std::string::npos);
}

TEST(RenderTest, DefaultHostTakesOverTheCatchAllOnHttp) {
  RenderOptions options;
  options.default_host = "plain.example.com";
  std::string config = RenderNginxConfig(SampleModel(), SampleFiles(), options);
  EXPECT_EQ(config.find("return 503;"), std::string::npos);
  EXPECT_NE(config.find("server_name plain.example.com;\n    listen 80 default_server;"), std::string::npos);
  options.default_host = "unknown.example.com";
  EXPECT_NE(RenderNginxConfig(SampleModel(), SampleFiles(), options).find("return 503;"), std::string::npos);
}

TEST(RenderTest, Ipv6ListensWhenAskedTo) {
  RenderOptions options;
  options.ipv6 = true;
  EXPECT_NE(RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options).find("listen [::]:80;"), std::string::npos);
}

TEST(RenderTest, PerPathWildcardAndRegexHostsGetTheirFilesAsNginxProxyNamesThem) {
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  std::vector<ContainerInfo> containers = {
      Container("root", {{"VIRTUAL_HOST", "app.test"}}, "172.20.0.2"),
      Container("api", {{"VIRTUAL_HOST", "app.test"}, {"VIRTUAL_PATH", "/api/"}}, "172.20.0.3"),
      Container("wild", {{"VIRTUAL_HOST", "*.wild.test"}}, "172.20.0.4"),
      Container("regex", {{"VIRTUAL_HOST", "~^re[0-9]+\\.test$"}}, "172.20.0.5"),
  };
  RoutingModel model = BuildRoutingModel(containers, options);
  const std::string api = "app.test_" + Sha1Hex("/api/");
  const std::string regex = Sha1Hex("~^re[0-9]+\\.test$");
  ProxyFiles files;
  files.vhost_d = {api + "_location", "app.test_location", "*.wild.test", "*.wild.test_location", regex, regex + "_location"};
  files.htpasswd = {api, "*.wild.test"};
  std::string config = RenderNginxConfig(model, files, SampleOptions());
  // The per-path files win for /api/; / has the host's.
  EXPECT_NE(config.find("    location /api/ {\n        proxy_pass http://up_app_test_"), std::string::npos);
  EXPECT_NE(config.find("        auth_basic \"Restricted app.test/api/\";\n        auth_basic_user_file /etc/nginx/htpasswd/" + api +
                        ";\n        include /etc/nginx/vhost.d/" + api + "_location;\n"),
            std::string::npos);
  EXPECT_NE(config.find("        include /etc/nginx/vhost.d/app.test_location;\n"), std::string::npos);
  EXPECT_EQ(Count(config, "auth_basic_user_file /etc/nginx/htpasswd/app.test;"), 0u);
  // A wildcard host's files by its name, the `*` escaped so that nginx's include globs nothing else.
  EXPECT_NE(config.find("    include /etc/nginx/vhost.d/\\*.wild.test;\n"), std::string::npos);
  EXPECT_NE(config.find("        include /etc/nginx/vhost.d/\\*.wild.test_location;\n"), std::string::npos);
  EXPECT_NE(config.find("        auth_basic_user_file /etc/nginx/htpasswd/*.wild.test;\n"), std::string::npos);
  // A regex host's by the SHA-1 of the expression.
  EXPECT_NE(config.find("    include /etc/nginx/vhost.d/" + regex + ";\n"), std::string::npos);
  EXPECT_NE(config.find("        include /etc/nginx/vhost.d/" + regex + "_location;\n"), std::string::npos);
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");  // FIPS 180's test vector
}

TEST(RenderTest, ALocationOverrideFileReplacesTheWholeLocation) {
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  std::vector<ContainerInfo> containers = {
      Container("root", {{"VIRTUAL_HOST", "app.test"}}, "172.20.0.2"),
      Container("api", {{"VIRTUAL_HOST", "app.test"}, {"VIRTUAL_PATH", "/api/"}}, "172.20.0.3"),
  };
  ProxyFiles files;
  files.vhost_d = {"app.test_location_override", "app.test_" + Sha1Hex("/api/") + "_location_override", "app.test_location"};
  std::string config = RenderNginxConfig(BuildRoutingModel(containers, options), files, SampleOptions());
  EXPECT_EQ(config.find("    location / {"), std::string::npos);
  EXPECT_EQ(config.find("    location /api/ {"), std::string::npos);
  EXPECT_NE(config.find("    include /etc/nginx/vhost.d/app.test_location_override;  # replaces the location /\n"), std::string::npos);
  EXPECT_NE(config.find("    include /etc/nginx/vhost.d/app.test_" + Sha1Hex("/api/") + "_location_override;"), std::string::npos);
  // The host-wide override is for / only: /api/ without its own override keeps its block.
  files.vhost_d.erase("app.test_" + Sha1Hex("/api/") + "_location_override");
  config = RenderNginxConfig(BuildRoutingModel(containers, options), files, SampleOptions());
  EXPECT_NE(config.find("    location /api/ {"), std::string::npos);
  EXPECT_EQ(config.find("    location / {"), std::string::npos);
}

TEST(RenderTest, DefaultRootSaysWhatSlashAnswersOnAHostWithPathsOnly) {
  auto api = Container("api", {{"VIRTUAL_HOST", "api.example.org"}, {"VIRTUAL_PATH", "/v1/"}}, "172.20.0.9");
  RoutingOptions routing;
  routing.proxy_networks = {"proxy"};
  RenderOptions options = SampleOptions();
  options.default_root = "301 https://www.example.org/";
  std::string config = RenderNginxConfig(BuildRoutingModel({api}, routing), ProxyFiles{}, options);
  EXPECT_NE(config.find("    location / {\n        return 301 https://www.example.org/;\n    }\n}"), std::string::npos);
  options.default_root = "none";
  config = RenderNginxConfig(BuildRoutingModel({api}, routing), ProxyFiles{}, options);
  EXPECT_EQ(config.find("    location / {"), std::string::npos);
  EXPECT_FALSE(DefaultRootProblem("404"));
  EXPECT_FALSE(DefaultRootProblem("none"));
  EXPECT_FALSE(DefaultRootProblem("302 /elsewhere"));
  for (const char* bad : {"", "40", "4040", "600", "404 https://x.test/", "301 x.test", "301 https://x.test/;", "301 https://$host/",
                          "301 https://x.test/ extra", "abc"}) {
    EXPECT_TRUE(DefaultRootProblem(bad)) << bad;
  }
  EXPECT_FALSE(DefaultRootProblem("301"));  // a code alone is a valid return
}

TEST(RenderTest, RedirectsKeepTheExternalPortAndTheMethodOfPostsWhenAsked) {
  RoutingOptions routing;
  routing.proxy_networks = {"proxy"};
  auto shop = Container("shop", {{"VIRTUAL_HOST", "shop.example.org"}, {"NON_GET_REDIRECT", "308"}}, "172.20.0.2");
  RenderOptions options = SampleOptions();
  options.external_https_port = 8443;
  std::string config = RenderNginxConfig(BuildRoutingModel({shop}, routing), SampleFiles(), options);
  EXPECT_NE(config.find("        if ($request_method !~ ^(GET|HEAD)) {\n            return 308 https://$host:8443$request_uri;\n        }\n"
                        "        return 301 https://$host:8443$request_uri;\n"),
            std::string::npos);
  shop.env.erase("NON_GET_REDIRECT");
  config = RenderNginxConfig(BuildRoutingModel({shop}, routing), SampleFiles(), SampleOptions());
  EXPECT_NE(config.find("    location / {\n        return 301 https://$host$request_uri;\n    }\n"), std::string::npos);
  EXPECT_EQ(config.find("$request_method"), std::string::npos);
}

TEST(RenderTest, NohttpWithoutACertificateServesHttpUnlessToldNot) {
  RoutingOptions routing;
  routing.proxy_networks = {"proxy"};
  auto app = Container("app", {{"VIRTUAL_HOST", "app.test"}, {"HTTPS_METHOD", "nohttp"}}, "172.20.0.2");
  std::string config = RenderNginxConfig(BuildRoutingModel({app}, routing), ProxyFiles{}, SampleOptions());
  EXPECT_NE(config.find("server {\n    server_name app.test;\n    listen 80;\n"), std::string::npos);
  app.env["ENABLE_HTTP_ON_MISSING_CERT"] = "false";
  config = RenderNginxConfig(BuildRoutingModel({app}, routing), ProxyFiles{}, SampleOptions());
  EXPECT_EQ(config.find("server_name app.test;"), std::string::npos) << "left to the catch-all until its certificate is there";
  ProxyFiles files;
  files.certs = {"app.test"};
  config = RenderNginxConfig(BuildRoutingModel({app}, routing), files, SampleOptions());
  EXPECT_EQ(Count(config, "server_name app.test;"), 1u) << "HTTPS only";
}

TEST(RenderTest, TheCatchAllAnswersAcmeChallengesForUnknownHostsOnlyWhenAsked) {
  RenderOptions options = SampleOptions();
  std::string config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options);
  EXPECT_EQ(config.find("acme-challenge"), std::string::npos);
  options.acme_unknown_hosts = true;
  config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options);
  EXPECT_NE(config.find("    server_name _;\n    location ^~ /.well-known/acme-challenge/ {"), std::string::npos);
  EXPECT_NE(config.find("    location / {\n        return 503;\n    }\n}"), std::string::npos);
}

TEST(RenderTest, KeepaliveAndLoadbalanceLabelsShapeTheUpstream) {
  RoutingOptions routing;
  routing.proxy_networks = {"proxy"};
  auto app = Container("app", {{"VIRTUAL_HOST", "app.test"}}, "172.20.0.2");
  app.labels = {{"com.github.nginx-proxy.nginx-proxy.keepalive", "disabled"},
                {"com.github.nginx-proxy.nginx-proxy.loadbalance", "hash $remote_addr consistent;"}};
  std::string config = RenderNginxConfig(BuildRoutingModel({app}, routing), ProxyFiles{}, SampleOptions());
  EXPECT_NE(config.find(" {\n    hash $remote_addr consistent;  # label loadbalance\n"), std::string::npos);
  EXPECT_EQ(config.find("keepalive "), std::string::npos);
  app.labels = {{"com.github.nginx-proxy.nginx-proxy.keepalive", "64"}};
  config = RenderNginxConfig(BuildRoutingModel({app}, routing), ProxyFiles{}, SampleOptions());
  EXPECT_NE(config.find("    keepalive 64;\n"), std::string::npos);
}

TEST(RenderTest, AnAdminsErrorPageReplacesTheUnavailablePageEverywhere) {
  RenderOptions options = SampleOptions();
  options.error_pages = "/usr/share/nginx/html/errors";
  RoutingModel model = SampleModel();
  std::string config = RenderNginxConfig(model, SampleFiles(), options);
  EXPECT_EQ(config.find("webvps-unavailable.conf"), std::string::npos);
  // The five proxying servers and the catch-all, whose 503 goes through a location so that the
  // error page's own request is not answered by the server's `return` again.
  EXPECT_EQ(Count(config, "    error_page 502 =503 /.webvps/50x.html;  # no backend answers\n"), 6u);
  EXPECT_EQ(Count(config, "    location = /.webvps/50x.html {\n        internal;\n        alias /usr/share/nginx/html/errors/50x.html;\n"),
            6u);
  EXPECT_NE(config.find("    server_name _;\n    error_page 500 503 504 /.webvps/50x.html;"), std::string::npos);
  EXPECT_NE(config.find("    }\n    location / {\n        return 503;\n    }\n}"), std::string::npos);
  EXPECT_EQ(config.find("\n    return 503;"), std::string::npos);
  auto problem = testing::RenderedShapeProblem(config, HostsOf(model));
  EXPECT_FALSE(problem) << *problem;
}

TEST(RenderTest, TheProxyProtocolIsOnEveryListenerAndBelievedFromTrustedProxiesOnly) {
  RenderOptions options = SampleOptions();
  options.ipv6 = true;
  options.proxy_protocol = true;
  options.trusted_proxies = {"10.0.0.0/8"};
  RoutingModel model = SampleModel();
  std::string config = RenderNginxConfig(model, SampleFiles(), options);
  // Every listen line ends in proxy_protocol; the one other such line is real_ip_header's.
  EXPECT_EQ(Count(config, "    listen "), Count(config, " proxy_protocol;\n") - 1);
  EXPECT_NE(config.find("    listen 443 ssl http2 proxy_protocol;\n    listen [::]:443 ssl http2 proxy_protocol;\n"), std::string::npos);
  EXPECT_NE(config.find("real_ip_header proxy_protocol;\nset_real_ip_from 10.0.0.0/8;\n"), std::string::npos);
  auto problem = testing::RenderedShapeProblem(config, HostsOf(model));
  EXPECT_FALSE(problem) << *problem;
  options.proxy_protocol = false;
  config = RenderNginxConfig(model, SampleFiles(), options);
  EXPECT_EQ(config.find("proxy_protocol"), std::string::npos);
  EXPECT_EQ(config.find("real_ip"), std::string::npos);
}

TEST(RenderTest, XForwardedPortIsThePortTheClientReachedUnlessATrustedProxySaysOtherwise) {
  RenderOptions options = SampleOptions();
  options.external_http_port = 8080;
  options.external_https_port = 8443;
  std::string config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options);
  EXPECT_NE(config.find("map $scheme $proxy_x_forwarded_port {\n    default 8080;\n    https 8443;\n}\n"), std::string::npos);
  options.trusted_proxies = {"192.0.2.0/24"};
  config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options);
  EXPECT_NE(config.find("map $scheme $webvps_client_port {\n    default 8080;\n    https 8443;\n}\n"), std::string::npos);
  EXPECT_NE(config.find("$proxy_x_forwarded_port {\n    default $webvps_client_port;\n    \"~^1:"), std::string::npos);
}

TEST(CertificateChoiceTest, AHostThatDoesNotTrustTheDefaultCertificateHasNoHttps) {
  ProxyFiles files;
  files.certs = {"default"};
  VirtualHost host;
  host.host = "x.test";
  EXPECT_EQ(ChooseCertificate(host, files), "default");
  host.trust_default_cert = false;
  EXPECT_EQ(ChooseCertificate(host, files), "");
}

TEST(RenderTest, TheAccessLogResolversAndAnAdminsProxyConfAreWrittenAsConfigured) {
  RenderOptions options = SampleOptions();
  std::string config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options);
  EXPECT_NE(config.find("log_format vhost '$host $remote_addr"), std::string::npos);
  EXPECT_NE(config.find("access_log /dev/stdout vhost buffer=64k flush=1s;"), std::string::npos);
  EXPECT_NE(config.find("proxy_set_header X-Real-IP $remote_addr;"), std::string::npos);
  EXPECT_EQ(config.find("resolver"), std::string::npos);
  options.log_format = kJsonLogFormat;
  options.log_escape = "json";
  options.access_log = false;
  options.resolvers = {"127.0.0.11", "valid=30s"};
  options.proxy_conf = "/etc/nginx/proxy.conf";
  config = RenderNginxConfig(RoutingModel{}, ProxyFiles{}, options);
  EXPECT_NE(config.find(std::string("log_format vhost escape=json '") + kJsonLogFormat + "';"), std::string::npos);
  EXPECT_NE(config.find("access_log off;"), std::string::npos);
  EXPECT_NE(config.find("resolver 127.0.0.11 valid=30s;"), std::string::npos);
  EXPECT_NE(config.find("include /etc/nginx/proxy.conf;"), std::string::npos);
  EXPECT_EQ(config.find("proxy_set_header"), std::string::npos) << "the admin's file instead of webvps's proxy settings";
  EXPECT_FALSE(testing::RenderedShapeProblem(config, {})) << *testing::RenderedShapeProblem(config, {});
  EXPECT_FALSE(LogFormatProblem(kJsonLogFormat));
}

TEST(RenderTest, ClientCertificatesAreAskedForWhereTheirCaIsThere) {
  RoutingOptions routing;
  routing.proxy_networks = {"proxy"};
  auto strict = Container("strict", {{"VIRTUAL_HOST", "strict.test"}}, "172.20.0.2");
  auto loose = Container("loose", {{"VIRTUAL_HOST", "loose.test"}}, "172.20.0.3");
  loose.labels = {{"com.github.nginx-proxy.nginx-proxy.ssl_verify_client", "optional"}};
  auto open = Container("open", {{"VIRTUAL_HOST", "open.test"}}, "172.20.0.4");
  ProxyFiles files;
  files.certs = {"strict.test", "loose.test", "open.test"};
  files.client_cas = {"strict.test", "loose.test"};
  files.crls = {"strict.test"};
  RoutingModel model = BuildRoutingModel({strict, loose, open}, routing);
  std::string config = RenderNginxConfig(model, files, SampleOptions());
  EXPECT_NE(config.find("    ssl_client_certificate /etc/nginx/certs/strict.test.ca.crt;\n    ssl_verify_client on;\n"
                        "    ssl_crl /etc/nginx/certs/strict.test.crl.pem;\n"),
            std::string::npos);
  EXPECT_NE(config.find("    ssl_client_certificate /etc/nginx/certs/loose.test.ca.crt;\n    ssl_verify_client optional;\n"),
            std::string::npos);
  EXPECT_EQ(Count(config, "ssl_crl "), 1u) << "loose.test has no revocation list";
  EXPECT_EQ(Count(config, "ssl_verify_client"), 2u) << "open.test has no CA";
  files.client_ca = true;
  config = RenderNginxConfig(model, files, SampleOptions());
  EXPECT_NE(config.find("    ssl_client_certificate /etc/nginx/certs/ca.crt;"), std::string::npos) << "ca.crt: every other host";
  EXPECT_FALSE(testing::RenderedShapeProblem(config, HostsOf(model)));
}

TEST(ScanProxyFilesTest, KeepsOnlyUsableAndWellFormedNames) {
  TempDir dir;
  namespace fs = std::filesystem;
  for (const char* sub : {"certs", "vhost.d", "htpasswd"}) fs::create_directory(dir.path() / sub);
  for (const char* name : {"certs/shop.test.crt", "certs/shop.test.key", "certs/nokey.test.crt", "certs/default.crt",
                           "certs/default.key", "certs/bad;name.crt", "certs/bad;name.key", "vhost.d/shop.test",
                           "vhost.d/shop.test_location", "vhost.d/default", "vhost.d/x y", "htpasswd/shop.test",
                           "htpasswd/{evil}", "vhost.d/*.wild.test", "vhost.d/*.wild.test_location_override",
                           "vhost.d/shop.test_0123456789abcdef0123456789abcdef01234567_location",
                           "vhost.d/shop.test_0123456789abcdef0123456789abcdef01234567", "vhost.d/shop.test_nothex_location",
                           "vhost.d/~regex", "vhost.d/default_location_override",
                           "htpasswd/shop.test_0123456789abcdef0123456789abcdef01234567", "htpasswd/*.wild.test",
                           "certs/shop.test.ca.crt", "certs/ca.crt", "certs/shop.test.crl.pem", "certs/ev;il.ca.crt"}) {
    std::ofstream(dir.path() / name) << "x";
  }
  fs::create_directory(dir.path() / "vhost.d/adir.test");
  ProxyFiles files = ScanProxyFiles((dir.path() / "certs").string(), (dir.path() / "vhost.d").string(),
                                    (dir.path() / "htpasswd").string());
  EXPECT_EQ(files.certs, (std::set<std::string>{"default", "shop.test"}));
  EXPECT_EQ(files.client_cas, (std::set<std::string>{"shop.test"}));
  EXPECT_EQ(files.crls, (std::set<std::string>{"shop.test"}));
  EXPECT_TRUE(files.client_ca);
  EXPECT_FALSE(files.client_crl);
  // A path's hash only before _location(_override); hosts only by the host grammar (a regex by its SHA-1).
  EXPECT_EQ(files.vhost_d, (std::set<std::string>{"*.wild.test", "*.wild.test_location_override", "default", "shop.test",
                                                  "shop.test_0123456789abcdef0123456789abcdef01234567_location",
                                                  "shop.test_location"}));
  EXPECT_EQ(files.htpasswd,
            (std::set<std::string>{"*.wild.test", "shop.test", "shop.test_0123456789abcdef0123456789abcdef01234567"}));
  ProxyFiles none = ScanProxyFiles("/nonexistent/a", "/nonexistent/b", "/nonexistent/c");
  EXPECT_TRUE(none.certs.empty() && none.vhost_d.empty() && none.htpasswd.empty());
}

TEST(CertificateChoiceTest, LikeNginxProxy) {
  ProxyFiles files;
  files.certs = {"example.org", "shop.example.org", "custom", "default"};
  auto host = [](std::string name, std::string cert = "") {
    VirtualHost h;
    h.host = std::move(name);
    h.cert_name = std::move(cert);
    return h;
  };
  EXPECT_EQ(ChooseCertificate(host("shop.example.org"), files), "shop.example.org");
  EXPECT_EQ(ChooseCertificate(host("blog.example.org"), files), "example.org");     // parent, one level
  EXPECT_EQ(ChooseCertificate(host("a.blog.example.org"), files), "default");       // not two levels
  EXPECT_EQ(ChooseCertificate(host("example.org"), files), "example.org");
  EXPECT_EQ(ChooseCertificate(host("x.test", "custom"), files), "custom");
  EXPECT_EQ(ChooseCertificate(host("x.test", "missing"), files), "");               // CERT_NAME asked, not there
  EXPECT_EQ(ChooseCertificate(host("*.example.org"), files), "example.org");  // a wildcard host: its domain's
  EXPECT_EQ(ChooseCertificate(host("*.other.test"), files), "default");
  files.certs.erase("default");
  EXPECT_EQ(ChooseCertificate(host("other.test"), files), "");
  EXPECT_EQ(ChooseCertificate(host("org"), ProxyFiles{}), "");
}

}  // namespace
}  // namespace webvps::proxy_gen
