// The mailer's configuration: where the site registry and the site queues are.
#pragma once

#include <string>

#include "config.h"

namespace webvps::mailer {

struct Settings {
  std::string registry = "/home/webvps.yaml";                   ///< registry
  std::string queue_glob = "/home/*/volumes/home/mail/queue";   ///< queues: `*` is the site name
  std::string data_dir = "/var/lib/webvps-mailer";              ///< data_dir: pauses, retry schedule, outbox
};

Settings ReadSettings(ConfigReader& config);

}  // namespace webvps::mailer
