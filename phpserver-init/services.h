// The services phpserver-init starts and supervises, read from a small YAML file baked into
// the image (/etc/webvps/services.yaml). docs/phpserver-init.md describes the format.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"
#include "supervisor.h"

namespace webvps::phpserver_init {

/// Parses the services file; errors name the source, line and key ("services.yaml:4: services[0].restart: ...").
Result<std::vector<ServiceSpec>> ParseServices(std::string_view text, const std::string& source);

}  // namespace webvps::phpserver_init
