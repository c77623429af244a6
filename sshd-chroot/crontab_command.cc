#include "crontab_command.h"

#include "cron_table.h"

namespace webvps::sshd_chroot {

Result<CrontabCommand> ParseCrontabArguments(const std::vector<std::string>& arguments) {
  const std::string usage = "usage: crontab -l | -e | -r | FILE | -  (the site's conf/crontab)";
  if (arguments.size() != 1) return Error(usage);
  const std::string& argument = arguments.front();
  if (argument == "-l") return CrontabCommand{CrontabCommand::Action::kList, ""};
  if (argument == "-e") return CrontabCommand{CrontabCommand::Action::kEdit, ""};
  if (argument == "-r") return CrontabCommand{CrontabCommand::Action::kRemove, ""};
  if (argument == "-u") return Error("-u: a jail has one crontab, its site's: crontab -l, -e or -r");
  if (argument == "-" || !argument.starts_with('-')) return CrontabCommand{CrontabCommand::Action::kInstall, argument};
  return Error(argument + ": unknown option; " + usage);
}

std::optional<std::string> CrontabProblems(std::string_view text) {
  auto table = ParseCronTable(text, "conf/crontab");
  if (table.ok()) return std::nullopt;
  return table.error().message();
}

std::string CrontabEditor(const EnvironmentLookup& environment) {
  for (const char* name : {"VISUAL", "EDITOR"}) {
    if (auto value = environment(name); value && !value->empty()) return *value;
  }
  return "vi";
}

}  // namespace webvps::sshd_chroot
