// What proxy-gen reads from the Docker Engine: container inspect and list JSON, network inspect,
// the chunked event stream. Whatever they hold, proxy-gen does not end (it is PID 1 of the
// proxy), and a container it routes renders to a config of the shape it writes, read the way
// nginx reads it (tests/proxy-gen/nginx_tokens.h).
#include "fuzz/fuzz.h"
#include "proxy-gen/container.h"
#include "proxy-gen/docker_events.h"
#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"
#include "tests/proxy-gen/nginx_tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  using namespace webvps::proxy_gen;
  auto [json, stream] = fuzz::SplitInput(fuzz::Text(data, size));
  (void)ParseContainerList(json);
  (void)ParseNetworkSubnets(json);
  (void)ParseDockerEvent(json);
  EventStreamDecoder decoder;
  for (size_t at = 0; at < stream.size(); at += 11) {
    auto output = decoder.Feed(stream.substr(at, 11));
    for (const auto& event : output.events) (void)NeedOf(event, "ffff");
    if (output.broken) break;
  }
  auto container = ParseContainerInspect(json);
  if (!container.ok()) return 0;
  ContainerInfo good;
  good.id = "0123";
  good.name = "good";
  good.running = true;
  good.env = {{"VIRTUAL_HOST", "good.test"}};
  good.networks = {{"proxy", "172.20.0.2", ""}};
  RoutingOptions options;
  RoutingModel model = BuildRoutingModel({RoutingView(*container), good}, options);
  std::set<std::string> hosts;
  for (const auto& [name, host] : model.hosts) hosts.insert(name);
  if (!hosts.contains("good.test")) fuzz::Finding("the well-behaved container lost its route");
  ProxyFiles files;
  files.certs = {"default"};
  files.vhost_d = {"default", "default_location"};
  std::string config = RenderNginxConfig(model, files, RenderOptions{});
  if (auto problem = testing::RenderedShapeProblem(config, hosts)) fuzz::Finding(*problem + "\n" + config);
  return 0;
}
