// What proxy-gen reads from the Docker Engine: container inspect and list JSON, network inspect,
// the chunked event stream. Whatever they hold, proxy-gen does not end (it is PID 1 of the
// proxy), and a container it routes renders to a config of the shape it writes, read the way
// nginx reads it (tests/proxy-gen/nginx_tokens.h).
#include "fuzz/proxy_fuzz.h"
#include "proxy-gen/container.h"
#include "proxy-gen/docker_events.h"

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
  RoutingModel model = BuildRoutingModel({RoutingView(*container), fuzz::GoodNeighbour()}, RoutingOptions{});
  ProxyFiles files;
  files.certs = {"default"};
  files.vhost_d = {"default", "default_location"};
  fuzz::CheckRendered(model, files, RenderOptions{});
  return 0;
}
