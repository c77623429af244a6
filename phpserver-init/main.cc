// phpserver-init: PID 1 of a site's Apache+PHP container.
#include <spdlog/spdlog.h>

#include "atomic_file.h"
#include "init.h"
#include "program.h"
#include "services.h"
#include "phpserver-init/settings.h"
#include "site_config.h"
#include "site_setup.h"
#include "status_server.h"

namespace {

using namespace webvps;
using namespace webvps::phpserver_init;

Result<std::vector<ServiceSpec>> LoadServices(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.error().Wrap("read services file");
  return ParseServices(*text, path);
}

class PhpserverInit final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { settings_ = ReadSettings(config); }

  std::vector<std::string> Check() override {
    std::vector<std::string> problems;
    if (auto services = LoadServices(settings_.services); !services.ok()) problems.push_back(services.error().message());
    if (auto site = ReadSiteEnvironment(ProcessEnvironment()); !site.ok()) problems.push_back(site.error().message());
    return problems;
  }

  int Run(const ProgramContext& context) override {
    auto site = ReadSiteEnvironment(ProcessEnvironment());
    if (!site.ok()) {
      spdlog::critical("bad container environment:\n{}", site.error().message());
      return 2;
    }
    auto services = LoadServices(settings_.services);
    if (!services.ok()) {
      spdlog::critical("{}", services.error().message());
      return 2;
    }
    spdlog::info("site {} (uid {}), host {}{}", site->worker_name.empty() ? "-" : site->worker_name, site->worker_uid,
                 site->host.empty() ? "-" : site->host, site->aliases.empty() ? "" : " +" + std::to_string(site->aliases.size()) + " aliases");
    SitePaths paths;
    paths.site_dir = settings_.site_dir;
    if (!settings_.prepare_site) {
      spdlog::info("prepare_site is off: no site start-up");
    } else if (Status status = PrepareSite(*site, paths); !status.ok()) {
      spdlog::critical("start-up: {}", status.ToString());
      return 1;
    }
    boost::asio::io_context io;
    Metrics metrics;
    Init init(io, std::move(*services), *site, paths, InitOptions{}, metrics);
    StatusServer status(metrics, [&init] {
      return init.Healthy() ? HealthReport{} : HealthReport{false, "the main service is not running"};
    });
    if (!context.common.status_address.empty()) {
      if (Status started = status.Start(context.common.status_address); !started.ok()) {
        spdlog::error("{}", started.ToString());  // the site matters more than its status page
      }
    }
    int code = init.Run();
    status.Stop();
    return code;
  }

 private:
  Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "phpserver-init",
      .summary = "PID 1 of a site container: starts and supervises Apache and cron, reaps zombies, forwards\n"
                 "signals, and reloads Apache when the site creates conf/apache2.reload.",
      .synopsis = "phpserver-init [OPTIONS]",
      .env_prefix = "WEBVPS_INIT_",
      .default_config_path = "/etc/webvps/phpserver-init.yaml",
      .extra_options = {},
      .details = "Keys: services (the services file), site_dir, prepare_site, status.address, log.level, log.format.\n"
                 "Container environment: WORKER_NAME, WORKER_UID, HOST_DOMAIN_NAME, HOST_DOMAIN_ALIAS,\n"
                 "SERVER_MAIL, PHP_TIME_ZONE, PHP_MEMORY_LIMIT, PHP_UPLOAD_MAX_FILESIZE, PHP_POST_MAX_SIZE.\n"
                 "Flags in <site_dir>/conf: apache2.reload (test, then graceful reload; errors go to\n"
                 "apache2.reload.error), apache2.restart (test, then full restart). SIGHUP = reload.\n",
  };
  PhpserverInit program;
  return RunProgram(spec, argc, argv, program);
}
