// proxy-gen: keeps nginx's reverse-proxy config in step with the running sites.
#include <spdlog/spdlog.h>

#include "program.h"
#include "settings.h"

namespace {

using namespace webvps;

class ProxyGen final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override {
    settings_ = proxy_gen::ReadSettings(config, ProcessEnvironment()("DOCKER_HOST").value_or(""));
  }

  int Run(const ProgramContext& context) override {
    spdlog::info("starting: docker {}, nginx config {}", settings_.docker_host, settings_.nginx_config);
    spdlog::warn("routing from Docker events is not implemented in this version; serving status only");
    Metrics metrics;
    return ServeStatusUntilStopped(context, metrics, [] { return HealthReport{}; });
  }

 private:
  proxy_gen::Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "proxy-gen",
      .summary = "Keeps an nginx reverse-proxy configuration in step with the running site containers.",
      .synopsis = "proxy-gen [OPTIONS]",
      .env_prefix = "WEBVPS_PROXY_GEN_",
      .default_config_path = "/etc/webvps/proxy-gen.yaml",
      .extra_options = {},
      .details = "Keys: docker.host, nginx.config, nginx.certs, nginx.vhost_dir, nginx.htpasswd_dir,\n"
                 "status.address, log.level, log.format.\n",
  };
  ProxyGen program;
  return RunProgram(spec, argc, argv, program);
}
