// phpserver-init's configuration: the services file and the site directory.
#pragma once

#include <string>

#include "config.h"

namespace webvps::phpserver_init {

struct Settings {
  std::string services = "/etc/webvps/services.yaml";  ///< services: what to start and supervise
  std::string site_dir = "/var/www";                   ///< site_dir: html/, conf/, logs/
  bool prepare_site = true;  ///< prepare_site: the Apache+PHP site start-up; off in images that reuse the init
};

Settings ReadSettings(ConfigReader& config);

}  // namespace webvps::phpserver_init
