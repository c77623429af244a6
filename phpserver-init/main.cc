// phpserver-init: PID 1 of a site's Apache+PHP container.
#include <spdlog/spdlog.h>

#include "program.h"
#include "settings.h"

namespace {

using namespace webvps;

class PhpserverInit final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { settings_ = phpserver_init::ReadSettings(config); }

  int Run(const ProgramContext& context) override {
    spdlog::info("starting: services {}, site {}", settings_.services, settings_.site_dir);
    spdlog::warn("service supervision is not implemented in this version; serving status only");
    Metrics metrics;
    return ServeStatusUntilStopped(context, metrics, [] { return HealthReport{}; });
  }

 private:
  phpserver_init::Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "phpserver-init",
      .summary = "PID 1 of a site container: starts and supervises Apache and cron, reloads Apache on a flag file.",
      .synopsis = "phpserver-init [OPTIONS]",
      .env_prefix = "WEBVPS_INIT_",
      .default_config_path = "/etc/webvps/phpserver-init.yaml",
      .extra_options = {},
      .details = "Keys: services, site_dir, status.address, log.level, log.format.\n",
  };
  PhpserverInit program;
  return RunProgram(spec, argc, argv, program);
}
