#include "control.h"

#include "names.h"

namespace webvps::mailer {

Result<std::string> ControlRequestFor(const std::vector<std::string>& arguments) {
  if (arguments.empty()) return Error("no command");
  const std::string& command = arguments[0];
  if (command == "status") {
    if (arguments.size() != 1) return Error("usage: mailer status");
    return std::string("status");
  }
  if (command == "hold" || command == "resume") {
    if (arguments.size() != 2) return Error("usage: mailer " + command + " SITE");
    if (!IsValidSiteName(arguments[1])) return Error(QuoteForMessage(arguments[1]) + " is not a site name");
    return command + " " + arguments[1];
  }
  return Error("unknown command " + QuoteForMessage(command) + " (status, hold SITE, resume SITE)");
}

}  // namespace webvps::mailer
