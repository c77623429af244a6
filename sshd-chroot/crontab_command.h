// The shell jail's crontab(1), for the site's conf/crontab that phpserver-init runs: -l shows it,
// -e edits it in $VISUAL or $EDITOR, -r removes it, FILE (or - for standard input) installs one.
// An edit is installed only when phpserver-init would read it (ParseCronTable); otherwise its
// problems are shown, line by line, and the file stays as it was. The webmaster's own program:
// it runs with their rights in their jail, so it can do nothing they could not do by hand.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "result.h"

namespace webvps::sshd_chroot {

/// Where the jail sees the site's crontab (the site's files are at /var/www, as in its container).
inline constexpr const char* kJailCrontab = "/var/www/conf/crontab";

struct CrontabCommand {
  enum class Action { kList, kEdit, kRemove, kInstall } action = Action::kList;
  std::string file;  ///< kInstall: the file to install, "-" for standard input
};

/// The command line after the program's name, as crontab(1) reads it; errors say what to type.
Result<CrontabCommand> ParseCrontabArguments(const std::vector<std::string>& arguments);

/// Why `text` cannot be installed: "conf/crontab:<line>: <problem>" lines, as the site's
/// container would put them in conf/crontab.error; nullopt when it can.
std::optional<std::string> CrontabProblems(std::string_view text);

/// The editor to run: $VISUAL, else $EDITOR, else vi (in every shell jail).
std::string CrontabEditor(const EnvironmentLookup& environment);

}  // namespace webvps::sshd_chroot
