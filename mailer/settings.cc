#include "settings.h"

#include <algorithm>

namespace webvps::mailer {

Settings ReadSettings(ConfigReader& config) {
  Settings settings;
  settings.registry = config.String("registry", settings.registry);
  settings.queue_glob = config.String("queues", settings.queue_glob);
  if (std::count(settings.queue_glob.begin(), settings.queue_glob.end(), '*') != 1) {
    config.Reject("queues", "the pattern must hold exactly one '*', standing for the site name");
  }
  settings.data_dir = config.String("data_dir", settings.data_dir);
  return settings;
}

}  // namespace webvps::mailer
