// `mailer status`, `mailer hold SITE`, `mailer resume SITE` from `docker exec`: the command
// goes to the running mailer over its control socket (common/control_socket.h).
#pragma once

#include <string>
#include <vector>

#include "control_socket.h"
#include "result.h"

namespace webvps::mailer {

/// The request line for a command line's positional arguments, or an error for bad usage.
Result<std::string> ControlRequestFor(const std::vector<std::string>& arguments);

}  // namespace webvps::mailer
