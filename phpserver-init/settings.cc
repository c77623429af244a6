#include "settings.h"

namespace webvps::phpserver_init {

Settings ReadSettings(ConfigReader& config) {
  Settings settings;
  settings.services = config.String("services", settings.services);
  settings.site_dir = config.String("site_dir", settings.site_dir);
  settings.prepare_site = config.Boolean("prepare_site", settings.prepare_site);
  settings.drop_privileges = config.Boolean("drop_privileges", settings.drop_privileges);
  if (!settings.site_dir.starts_with("/")) config.Reject("site_dir", "expected an absolute path");
  return settings;
}

}  // namespace webvps::phpserver_init
