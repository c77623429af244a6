// webvps: the admin tool. The one reader and writer of the site registry and of the record of
// site ids, and the one that makes sites' directories on the host; scripts/site.sh runs it in
// the webvps/admin image with the data root mounted at /data.
#include <chrono>
#include <ctime>
#include <iostream>

#include "admin/admin.h"
#include "config.h"
#include "names.h"
#include "program.h"

namespace {

using namespace webvps;
using namespace webvps::admin;

std::string Today() {
  std::time_t now = std::time(nullptr);
  std::tm utc {};
  ::gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

class AdminProgram final : public ProgramHooks {
 public:
  void Configure(ConfigReader& config) override { paths_.root = config.String("root", paths_.root); }

  std::vector<std::string> Check() override { return CheckRegistryFile(paths_.registry()); }

  int Run(const ProgramContext& context) override {
    const auto& line = context.command_line;
    const auto& args = line.arguments;
    paths_.root = line.Value("root", paths_.root);
    Admin admin(paths_, Today());
    HostContext host{line.Value("host-root", paths_.root), line.Value("proxy-network", "webvps-proxy")};
    auto usage = [](const std::string& text) {
      std::cerr << "webvps: " << text << "\n";
      return 2;
    };
    if (args.empty()) return usage("a command is needed (webvps --help)");
    Result<std::string> result = Error("");
    std::string command = args[0] + (args.size() > 1 ? " " + args[1] : "");
    if (args[0] == "init" && args.size() == 1) {
      result = admin.Init(line.Value("admin-email", "admin@localhost"));
    } else if (command == "registry check" && args.size() == 2) {
      result = admin.CheckRegistry();
    } else if (command == "site add" && args.size() == 3) {
      AddSiteRequest request;
      request.name = args[2];
      request.host = line.Value("host");
      request.aliases = SplitList(line.Value("alias"));
      request.email = line.Value("email");
      std::string ssh = line.Value("ssh", "sftp");
      if (ssh == "shell") request.ssh = SshAccess::kShell;
      else if (ssh == "none") request.ssh = SshAccess::kNone;
      else if (ssh != "sftp") return usage("--ssh must be sftp, shell or none");
      request.lamp = line.Has("lamp");
      if (line.Has("id")) {
        try {
          request.id = std::stoi(line.Value("id"));
        } catch (const std::exception&) {
          return usage("--id expects a number");
        }
      }
      if (request.host.empty()) return usage("site add needs --host");
      result = admin.AddSite(request, host);
    } else if (command == "site remove" && args.size() == 3) {
      result = admin.RemoveSite(args[2], line.Has("purge"));
    } else if (command == "site set" && args.size() == 3) {
      std::string ssh = line.Value("ssh");
      if (ssh != "sftp" && ssh != "shell" && ssh != "none") return usage("site set needs --ssh sftp|shell|none");
      result = admin.SetSshAccess(args[2], ssh == "shell" ? SshAccess::kShell : ssh == "none" ? SshAccess::kNone : SshAccess::kSftp);
    } else if (command == "site prepare" && args.size() == 3) {
      result = admin.PrepareSite(args[2], host);
    } else if (command == "site list" && args.size() == 2) {
      result = admin.ListSites(line.Has("json"));
    } else if (command == "site names" && args.size() == 2) {
      result = admin.SiteNames();
    } else {
      return usage("unknown command " + QuoteForMessage(JoinList(args, " ")) + " (webvps --help)");
    }
    if (!result.ok()) {
      std::cerr << "webvps: " << result.error().message() << "\n";
      return 1;
    }
    std::cout << *result;
    return 0;
  }

 private:
  AdminPaths paths_;
};

}  // namespace

int main(int argc, char** argv) {
  ProgramSpec spec{
      .name = "webvps",
      .summary = "The admin tool of a webvps host: the site registry, site ids and the sites' directories.",
      .synopsis = "webvps [OPTIONS] COMMAND",
      .env_prefix = "WEBVPS_ADMIN_",
      .default_config_path = "/etc/webvps/admin.yaml",
      .extra_options = {{"root", "DIR", "the data root (WEBVPS_ROOT), default /data"},
                        {"host", "HOST", "site add: the site's main host name"},
                        {"alias", "A,B", "site add: further host names"},
                        {"email", "ADDR", "site add: the customer's contact (default webmaster@HOST)"},
                        {"ssh", "ACCESS", "site add: sftp (default), shell or none"},
                        {"lamp", "", "site add: with a MariaDB database"},
                        {"id", "N", "site add: this id (a restore), if it was never another site's"},
                        {"purge", "", "site remove: delete the site's files too"},
                        {"json", "", "site list: as JSON"},
                        {"admin-email", "ADDR", "init: where alerts go"},
                        {"host-root", "DIR", "the data root as the host sees it (for site.env)"},
                        {"proxy-network", "NAME", "the proxy's network (for site.env)"}},
      .details = "Commands:\n"
                 "  init                 a registry with no sites, unless there is one\n"
                 "  site add NAME        register a site: id, directories, database credentials, site.env\n"
                 "  site remove NAME     take it out of the registry (--purge: and delete its files)\n"
                 "  site set NAME --ssh ACCESS   change its SSH access (sftp, shell, none)\n"
                 "  site prepare NAME    bring its directories and site.env in line (before a start)\n"
                 "  site list            the sites (--json)\n"
                 "  site names           their names, one per line\n"
                 "  registry check       the registry, every problem with its line\n"
                 "Keys: root (the data root, default /data).\n",
  };
  AdminProgram program;
  return RunProgram(spec, argc, argv, program);
}
