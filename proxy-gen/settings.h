// proxy-gen's configuration: where Docker and nginx are, and where generated files go.
#pragma once

#include <string>

#include "config.h"

namespace webvps::proxy_gen {

struct Settings {
  std::string docker_host = "unix:///var/run/docker.sock";  ///< docker.host, or DOCKER_HOST
  std::string nginx_config = "/etc/nginx/conf.d/default.conf";  ///< nginx.config: the generated file
  std::string certs_dir = "/etc/nginx/certs";                   ///< nginx.certs
  std::string vhost_dir = "/etc/nginx/vhost.d";                 ///< nginx.vhost_dir
  std::string htpasswd_dir = "/etc/nginx/htpasswd";             ///< nginx.htpasswd_dir
};

/// Reads proxy-gen's keys; `docker_host_env` is $DOCKER_HOST when set (nginx-proxy honours it).
Settings ReadSettings(ConfigReader& config, const std::string& docker_host_env);

}  // namespace webvps::proxy_gen
