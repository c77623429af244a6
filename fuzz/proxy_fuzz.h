// What the two proxy-gen harnesses share: the well-behaved neighbour, and the check that a model
// renders to a config of proxy-gen's shape in which the neighbour keeps its route.
#pragma once

#include <set>
#include <string>

#include "fuzz/fuzz.h"
#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"
#include "tests/proxy-gen/nginx_tokens.h"

namespace webvps::fuzz {

inline proxy_gen::ContainerInfo GoodNeighbour() {
  proxy_gen::ContainerInfo good;
  good.id = "0123";
  good.name = "good";
  good.running = true;
  good.env = {{"VIRTUAL_HOST", "good.test"}};
  good.networks = {{"proxy", "172.20.0.2", ""}};
  return good;
}

inline void CheckRendered(const proxy_gen::RoutingModel& model, const proxy_gen::ProxyFiles& files,
                          const proxy_gen::RenderOptions& options) {
  std::set<std::string> hosts;
  for (const auto& [name, host] : model.hosts) hosts.insert(name);
  if (!hosts.contains("good.test")) Finding("the well-behaved container lost its route");
  std::string config = proxy_gen::RenderNginxConfig(model, files, options);
  if (auto problem = proxy_gen::testing::RenderedShapeProblem(config, hosts)) Finding(*problem + "\n" + config);
}

}  // namespace webvps::fuzz
