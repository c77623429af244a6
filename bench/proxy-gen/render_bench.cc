// Render time of proxy-gen's pure core at N sites: the routing model built from N inspected
// containers (two host names each, half of them with a certificate) and the nginx config
// rendered from it, as proxy-gen does on every change. Prints one JSON line per N and writes
// each config (and the certificate names it uses) to the output directory, so that the
// benchmark can time `nginx -t` on exactly these bytes.
//   proxy_gen_render_bench OUTPUT_DIR N...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"

using namespace webvps::proxy_gen;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR N...\n", argv[0]);
    return 2;
  }
  std::string out_dir = argv[1];
  for (int arg = 2; arg < argc; ++arg) {
    int sites = std::stoi(argv[arg]);
    std::vector<ContainerInfo> containers;
    ProxyFiles files;
    for (int i = 0; i < sites; ++i) {
      ContainerInfo info;
      std::string host = "site" + std::to_string(i) + ".example.org";
      info.id = "c" + std::to_string(i);
      info.name = "site" + std::to_string(i) + "-phpserver-1";
      info.running = true;
      info.env = {{"VIRTUAL_HOST", host + ",www." + host}, {"WORKER_UID", std::to_string(10000 + i)}};
      info.exposed_tcp_ports = {80, 443};
      info.networks = {{"webvps_proxy", "10." + std::to_string(i / 62500 % 250) + "." + std::to_string(i / 250 % 250) + "." +
                                            std::to_string(i % 250 + 2),
                        ""}};
      containers.push_back(std::move(info));
      if (i % 2 == 0) files.certs.insert(host);
    }
    RoutingOptions options;
    options.proxy_networks = {"webvps_proxy"};
    int rounds = std::max(5, 20000 / std::max(sites, 1));
    std::vector<double> times;
    std::string config;
    for (int round = 0; round < rounds; ++round) {
      auto begin = std::chrono::steady_clock::now();
      RoutingModel model = BuildRoutingModel(containers, options);
      config = RenderNginxConfig(model, files, RenderOptions{});
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
    }
    std::sort(times.begin(), times.end());
    std::ofstream(out_dir + "/sites-" + std::to_string(sites) + ".conf") << config;
    std::ofstream certs(out_dir + "/certs-" + std::to_string(sites) + ".txt");
    for (const auto& cert : files.certs) certs << cert << "\n";
    std::printf("{\"sites\": %d, \"rounds\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"bytes\": %zu}\n", sites, rounds,
                times[times.size() / 2], times.front(), config.size());
  }
  return 0;
}
