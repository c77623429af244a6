// phpserver-init's configuration: the services file and the site directory.
#pragma once

#include <string>

#include "config.h"

namespace webvps::phpserver_init {

struct Settings {
  std::string services = "/etc/webvps/services.yaml";  ///< services: what to start and supervise
  std::string site_dir = "/var/www";                   ///< site_dir: html/, conf/, logs/
  bool prepare_site = true;  ///< prepare_site: the Apache+PHP site start-up; off in images that reuse the init
  /// drop_privileges: after the start-up's root steps, PID 1 (and so everything it starts)
  /// becomes WORKER_UID for good. Off only for images whose services need root to start.
  bool drop_privileges = true;
};

Settings ReadSettings(ConfigReader& config);

}  // namespace webvps::phpserver_init
