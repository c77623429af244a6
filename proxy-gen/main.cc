// proxy-gen: keeps nginx's reverse-proxy config in step with the running sites.
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "program.h"
#include "proxy-gen/proxy_service.h"
#include "proxy-gen/settings.h"

namespace {

using namespace webvps;
using namespace webvps::proxy_gen;

class ProxyGen final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override {
    NginxProxyEnvironment environment = ReadNginxProxyEnvironment(ProcessEnvironment());
    std::string socket = DefaultDockerHost(environment, [](const std::string& path) {
      struct stat st {};
      return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
    });
    if (!socket.empty()) environment.docker_host = socket;
    settings_ = ReadSettings(config, environment);
  }

  int Run(const ProgramContext& context) override {
    boost::asio::io_context io;
    Metrics metrics;
    ProxyService service(io, settings_, metrics);
    if (Status started = service.Start(); !started.ok()) {
      spdlog::critical("cannot start: {}", started.error().message());
      return 1;
    }
    StatusServer status(metrics, [&service] { return service.Health(); });
    status.AddRoute("/vhosts", [&service] { return service.VhostsJson(); });
    int code = RunServiceLoop(io, context.common, status, [&service](int) { service.Stop(); });
    spdlog::info("stopped");
    return code != 0 ? code : service.exit_code();
  }

 private:
  Settings settings_;
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
      .details =
          "Containers ask to be proxied with nginx-proxy's variables (or labels webvps.proxy.<name>, which win):\n"
          "VIRTUAL_HOST, VIRTUAL_PORT, VIRTUAL_PROTO, VIRTUAL_PATH, VIRTUAL_DEST, HTTPS_METHOD, HSTS, CERT_NAME,\n"
          "NETWORK_ACCESS, ACME_HTTP_CHALLENGE_LOCATION, ENABLE_HTTP_ON_MISSING_CERT, NON_GET_REDIRECT; labels\n"
          "com.github.nginx-proxy.nginx-proxy.{keepalive,loadbalance,trust-default-cert}. On proxy-gen's own\n"
          "container: DOCKER_HOST, DEFAULT_HOST, HTTPS_METHOD, HSTS, HTTP_PORT, HTTPS_PORT, ENABLE_IPV6,\n"
          "TRUST_DOWNSTREAM_PROXY, ACME_HTTP_CHALLENGE_LOCATION, ACME_HTTP_CHALLENGE_ACCEPT_UNKNOWN_HOST, DEFAULT_ROOT,\n"
          "TRUST_DEFAULT_CERT, EXTERNAL_HTTP_PORT, EXTERNAL_HTTPS_PORT, LOG_FORMAT, LOG_FORMAT_ESCAPE, LOG_JSON,\n"
          "DISABLE_ACCESS_LOGS, RESOLVERS, PREFER_IPV6_NETWORK, ENABLE_PROXY_PROTOCOL (fallbacks of the keys below).\n"
          "See docs/proxy-gen.md.\n"
          "Keys: docker.host, docker.timeout, docker.ping_interval, docker.resync_interval, docker.reconnect_max,\n"
          "proxy.container, proxy.default_host, proxy.https_method, proxy.hsts, proxy.http_port, proxy.https_port,\n"
          "proxy.ipv6, proxy.require_healthy, proxy.trusted_proxies, proxy.acme_challenge, proxy.acme_unknown_hosts,\n"
          "proxy.default_root, proxy.trust_default_cert, proxy.external_http_port, proxy.external_https_port,\n"
          "proxy.proxy_protocol, proxy.log_format, proxy.log_format_escape, proxy.access_log, proxy.resolvers,\n"
          "proxy.prefer_ipv6, nginx.proxy_conf, nginx.error_pages,\n"
          "nginx.mode (supervise|container), nginx.container, nginx.binary,\n"
          "nginx.main_config, nginx.config, nginx.certs, nginx.vhost_dir, nginx.htpasswd_dir, nginx.work_dir,\n"
          "nginx.stop_timeout, debounce.quiet, debounce.max, status.address, log.level, log.format.\n"
          "Status endpoint: /healthz, /metrics, /vhosts (the routing model as JSON).\n",
  };
  ProxyGen program;
  return RunProgram(spec, argc, argv, program);
}
