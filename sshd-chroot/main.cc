// sshd-chroot: runs the shared SSH/SFTP server with one jailed login per site. With a command
// (list, passwd SITE, upgrade, check) it works on the running one instead.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <iostream>

#include "atomic_file.h"
#include "control_socket.h"
#include "names.h"
#include "program.h"
#include "registry.h"
#include "password.h"
#include "registry_edit.h"
#include "sshd-chroot/settings.h"
#include "sshd-chroot/sshd_service.h"

namespace {

using namespace webvps;
using namespace webvps::sshd_chroot;

class SshdChroot final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { settings_ = ReadSettings(config); }

  std::vector<std::string> Check() override { return CheckRegistryFile(settings_.registry); }

  int Run(const ProgramContext& context) override {
    if (!context.command_line.arguments.empty()) return RunCommand(context.command_line.arguments);
    boost::asio::io_context io;
    Metrics metrics;
    SshdService service(io, settings_, metrics);
    if (Status started = service.Start(); !started.ok()) {
      spdlog::critical("cannot start: {}", started.error().message());
      return 1;
    }
    StatusServer status(metrics, [&service] { return service.Health(); });
    int code = RunServiceLoop(io, context.common, status, [&service](int) { service.Stop(); });
    spdlog::info("stopped");
    return code != 0 ? code : service.exit_code();
  }

 private:
  int RunCommand(const std::vector<std::string>& arguments) {
    const std::string& command = arguments[0];
    if (command == "passwd") {
      if (arguments.size() != 2) return Usage("usage: sshd-chroot passwd SITE");
      return SetPassword(arguments[1]);
    }
    if (command != "list" && command != "upgrade" && command != "check") {
      return Usage("unknown command " + QuoteForMessage(command) + " (list, passwd SITE, upgrade, check)");
    }
    if (arguments.size() != 1) return Usage("usage: sshd-chroot " + command);
    auto reply = SendControlRequest(settings_.control_socket(), command, "sshd-chroot");
    if (!reply.ok()) {
      std::cerr << "sshd-chroot: " << reply.error().message() << "\n";
      return 1;
    }
    (reply->ok ? std::cout : std::cerr) << reply->text;
    return reply->ok ? 0 : 1;
  }

  static int Usage(const std::string& text) {
    std::cerr << "sshd-chroot: " << text << "\n";
    return 2;
  }

  // A new password for a site: shown once, only its hash kept, in the registry. The running
  // sshd-chroot sees the registry change and updates the login within a moment.
  int SetPassword(const std::string& site) {
    if (!IsValidSiteName(site)) return Usage(QuoteForMessage(site) + " is not a site name");
    auto text = ReadFile(settings_.registry);
    if (!text.ok()) return Fail(text.error().message());
    std::string password = GeneratePassword(SystemRandom());
    auto hash = HashPassword(password);
    if (!hash.ok()) return Fail(hash.error().message());
    auto edit = SetPasswordHash(*text, settings_.registry, site, *hash);
    if (!edit.ok()) return Fail(edit.error().message());
    struct stat info {};
    mode_t mode = ::stat(settings_.registry.c_str(), &info) == 0 ? info.st_mode & 07777 : 0644;
    if (auto written = WriteFileAtomically(settings_.registry, edit->text, {.mode = mode}); !written.ok()) {
      return Fail(written.error().message());
    }
    if (::stat(settings_.registry.c_str(), &info) == 0) (void)::chown(settings_.registry.c_str(), info.st_uid, info.st_gid);
    if (edit->rewritten) {
      std::cerr << "sshd-chroot: the registry's entry for " << site
                << " is a one-line {...} map, so the registry was written anew: its comments are gone\n";
    }
    std::cout << "New password for " << site << ": " << password << "\n"
              << "It is shown only this once: " << settings_.registry << " keeps only its hash.\n";
    return 0;
  }

  static int Fail(const std::string& text) {
    std::cerr << "sshd-chroot: " << text << "\n";
    return 1;
  }

  Settings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "sshd-chroot",
      .summary = "Runs the shared SSH/SFTP server with one jailed login per site of the registry.",
      .synopsis = "sshd-chroot [OPTIONS] [list | passwd SITE | upgrade | check]",
      .env_prefix = "WEBVPS_SSHD_CHROOT_",
      .default_config_path = "/etc/webvps/sshd-chroot.yaml",
      .extra_options = {},
      .details =
          "Commands (to the running sshd-chroot, e.g. through docker exec):\n"
          "  list          the logins: site, uid, access, password, keys, problems\n"
          "  passwd SITE   a new strong password for the site, printed once; only its hash goes to the registry\n"
          "  upgrade       refresh the shell jails' tools after an image update\n"
          "  check         the registry, the host keys, sshd's config and every jail on disk\n"
          "Keys: registry, sites_dir, jail_subdir, tool_store, tools_profile, host_keys_dir, base_accounts_dir,\n"
          "accounts_dir, authorized_keys_dir, sshd_config, sshd_binary, data_dir, port, password_authentication,\n"
          "max_startups, login_grace_time, rescan_interval, stop_timeout, status.address, log.level, log.format.\n",
  };
  SshdChroot program;
  return RunProgram(spec, argc, argv, program);
}
