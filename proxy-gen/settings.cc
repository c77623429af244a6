#include "settings.h"

namespace webvps::proxy_gen {

Settings ReadSettings(ConfigReader& config, const std::string& docker_host_env) {
  Settings settings;
  std::string fallback = docker_host_env.empty() ? settings.docker_host : docker_host_env;
  settings.docker_host = config.String("docker.host", fallback);
  if (!settings.docker_host.starts_with("unix://")) {
    config.Reject("docker.host", "only unix:// sockets are supported, got \"" + settings.docker_host + "\"");
  }
  settings.nginx_config = config.String("nginx.config", settings.nginx_config);
  settings.certs_dir = config.String("nginx.certs", settings.certs_dir);
  settings.vhost_dir = config.String("nginx.vhost_dir", settings.vhost_dir);
  settings.htpasswd_dir = config.String("nginx.htpasswd_dir", settings.htpasswd_dir);
  return settings;
}

}  // namespace webvps::proxy_gen
