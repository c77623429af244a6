// Every value a site's container gives proxy-gen (VIRTUAL_HOST and the rest, as environment or
// webvps.proxy.* labels; the input is lines of KEY=VALUE, a label when KEY has a dot), through
// routing and rendering: the config nginx reads holds only the directives proxy-gen writes, each
// server_name one of the hosts routed, and the neighbour keeps its route.
#include "fuzz/fuzz.h"
#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"
#include "tests/proxy-gen/nginx_tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  using namespace webvps::proxy_gen;
  ContainerInfo hostile;
  hostile.id = "abcd";
  hostile.name = "hostile";
  hostile.running = true;
  hostile.networks = {{"proxy", "172.20.0.3", "fd00::3"}};
  std::string_view text = fuzz::Text(data, size);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    std::string key(line.substr(0, equals)), value(line.substr(equals + 1));
    if (key.find('.') != std::string::npos) hostile.labels[key] = value;
    else hostile.env[key] = value;
  }
  ContainerInfo good;
  good.id = "0123";
  good.name = "good";
  good.running = true;
  good.env = {{"VIRTUAL_HOST", "good.test"}};
  good.networks = {{"proxy", "172.20.0.2", ""}};
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  RoutingModel model = BuildRoutingModel({RoutingView(hostile), good}, options);
  std::set<std::string> hosts;
  for (const auto& [name, host] : model.hosts) hosts.insert(name);
  if (!hosts.contains("good.test")) fuzz::Finding("the well-behaved container lost its route");
  ProxyFiles files;
  files.certs = {"default", "good.test"};
  files.vhost_d = {"default", "default_location"};
  files.htpasswd = {"good.test"};
  RenderOptions render;
  render.internal_deny = {"172.20.0.0/16"};
  std::string config = RenderNginxConfig(model, files, render);
  if (auto problem = testing::RenderedShapeProblem(config, hosts)) fuzz::Finding(*problem + "\n" + config);
  return 0;
}
