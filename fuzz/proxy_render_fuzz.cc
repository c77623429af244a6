// Every value a site's container gives proxy-gen (VIRTUAL_HOST and the rest, as environment or
// webvps.proxy.* labels; the input is lines of KEY=VALUE, a label when KEY has a dot), through
// routing and rendering: the config nginx reads holds only the directives proxy-gen writes, each
// server_name one of the hosts routed, and the neighbour keeps its route.
#include "common/config.h"
#include "fuzz/proxy_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  using namespace webvps::proxy_gen;
  ContainerInfo hostile;
  hostile.id = "abcd";
  hostile.name = "hostile";
  hostile.running = true;
  hostile.networks = {{"proxy", "172.20.0.3", "fd00::3"}};
  for (std::string_view line : SplitLines(fuzz::Text(data, size))) {
    size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    std::string key(line.substr(0, equals)), value(line.substr(equals + 1));
    if (key.find('.') != std::string::npos) hostile.labels[key] = value;
    else hostile.env[key] = value;
  }
  RoutingOptions options;
  options.proxy_networks = {"proxy"};
  RoutingModel model = BuildRoutingModel({RoutingView(hostile), fuzz::GoodNeighbour()}, options);
  ProxyFiles files;
  files.certs = {"default", "good.test"};
  files.vhost_d = {"default", "default_location"};
  files.htpasswd = {"good.test"};
  RenderOptions render;
  render.internal_deny = {"172.20.0.0/16"};
  // The proxy's own options in their variants, since they shape every server block.
  render.error_pages = size % 2 ? "/usr/share/nginx/html/errors" : "";
  render.proxy_protocol = size % 3 == 0;
  if (render.proxy_protocol) render.trusted_proxies = {"10.0.0.0/8"};
  fuzz::CheckRendered(model, files, render);
  return 0;
}
