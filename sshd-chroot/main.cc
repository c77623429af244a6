// sshd-chroot: runs the shared SSH/SFTP server with one jailed login per site.
#include <spdlog/spdlog.h>

#include "program.h"
#include "registry.h"
#include "settings.h"

namespace {

using namespace webvps;

class SshdChroot final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { settings_ = sshd_chroot::ReadSettings(config); }

  std::vector<std::string> Check() override { return CheckRegistryFile(settings_.registry); }

  int Run(const ProgramContext& context) override {
    auto registry = LoadRegistry(settings_.registry);
    if (registry.ok()) {
      spdlog::info("registry {}: {} sites", settings_.registry, registry->sites.size());
    } else {
      spdlog::error("{}", registry.error().message());
    }
    spdlog::warn("jails and sshd supervision are not implemented in this version; serving status only");
    Metrics metrics;
    return ServeStatusUntilStopped(context, metrics, [] { return HealthReport{}; });
  }

 private:
  sshd_chroot::Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "sshd-chroot",
      .summary = "Runs the shared SSH/SFTP server with one jailed login per site of the registry.",
      .synopsis = "sshd-chroot [OPTIONS]",
      .env_prefix = "WEBVPS_SSHD_CHROOT_",
      .default_config_path = "/etc/webvps/sshd-chroot.yaml",
      .extra_options = {},
      .details = "Keys: registry, sites_dir, host_keys_dir, jails_dir, status.address, log.level, log.format.\n",
  };
  SshdChroot program;
  return RunProgram(spec, argc, argv, program);
}
