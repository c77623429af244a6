// phpserver-init: PID 1 of a site's Apache+PHP container.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "atomic_file.h"
#include "init.h"
#include "program.h"
#include "services.h"
#include "phpserver-init/settings.h"
#include "privileges.h"
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
    ContainerPrepared prepared;
    if (!settings_.prepare_site) {
      spdlog::info("prepare_site is off: no site start-up");
    } else if (auto done = PrepareContainer(*site, paths); !done.ok()) {
      spdlog::critical("start-up: {}", done.error().message());
      return 1;
    } else {
      prepared = std::move(*done);
      for (const auto& note : prepared.notes) spdlog::info("start-up: {}", note);
    }
    if (settings_.drop_privileges && ::geteuid() == 0) {
      // Apache's parent runs as the site's uid and binds 80 and 443 itself.
      if (int lowest = UnprivilegedPortStart(); lowest > 80) {
        spdlog::critical("net.ipv4.ip_unprivileged_port_start is {}: Apache, as uid {}, cannot bind port 80. Run the container "
                         "with --sysctl net.ipv4.ip_unprivileged_port_start=0 (the site's compose file does; Docker 20.10 "
                         "and later set it by default)", lowest, site->worker_uid);
        return 2;
      }
      uid_t uid = static_cast<uid_t>(site->worker_uid);
      if (Status dropped = DropPrivileges(uid, uid); !dropped.ok()) {
        spdlog::critical("{}; refusing to run the site as root", dropped.error().message());
        return 1;
      }
      ::setenv("HOME", paths.site_dir.c_str(), 1);
    }
    spdlog::info("running as {}", DescribePrivileges());
    if (settings_.prepare_site) {
      for (const auto& problem : PrepareSiteFiles(*site, paths, prepared)) spdlog::warn("site files: {}", problem);
    }
    boost::asio::io_context io;
    Metrics metrics;
    InitOptions options;
    options.cron.host = site->host;
    options.cron.home = paths.site_dir;
    options.cron.log_file = paths.site_dir + "/logs/cron.log";
    Init init(io, std::move(*services), *site, paths, options, metrics);
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
      .summary = "PID 1 of a site container: prepares the container as root, then becomes the site's uid for good;\n"
                 "starts and supervises Apache, runs the site's conf/crontab, reaps zombies, forwards signals,\n"
                 "and reloads Apache when the site creates conf/apache2.reload.",
      .synopsis = "phpserver-init [OPTIONS]",
      .env_prefix = "WEBVPS_INIT_",
      .default_config_path = "/etc/webvps/phpserver-init.yaml",
      .extra_options = {},
      .details = "Keys: services (the services file), site_dir, prepare_site, drop_privileges, status.address,\n"
                 "log.level, log.format.\n"
                 "Container environment: WORKER_NAME, WORKER_UID, HOST_DOMAIN_NAME, HOST_DOMAIN_ALIAS,\n"
                 "SERVER_MAIL, PHP_TIME_ZONE, PHP_MEMORY_LIMIT, PHP_UPLOAD_MAX_FILESIZE, PHP_POST_MAX_SIZE.\n"
                 "Flags in <site_dir>/conf: apache2.reload (test, then graceful reload; errors go to\n"
                 "apache2.reload.error), apache2.restart (test, then full restart). SIGHUP = reload.\n"
                 "conf/crontab: crontab(5) for the site's user; errors go to conf/crontab.error.\n",
  };
  PhpserverInit program;
  return RunProgram(spec, argc, argv, program);
}
