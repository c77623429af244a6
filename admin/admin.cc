#include "admin.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "admin/site_env.h"
#include "admin/site_files.h"
#include "atomic_file.h"
#include "config.h"
#include "names.h"
#include "registry_edit.h"
#include "remove_tree.h"
#include "safe_dir.h"

namespace webvps::admin {
namespace {

std::string Lines(const std::vector<std::string>& items, const std::string& prefix) {
  std::string out;
  for (const auto& item : items) out += prefix + item + "\n";
  return out;
}

}  // namespace

Admin::Admin(AdminPaths paths, std::string today) : paths_(std::move(paths)), today_(std::move(today)) {}

Result<Registry> Admin::LoadRegistry(std::string* text) const {
  auto content = ReadFile(paths_.registry());
  if (!content.ok()) return content.error().Wrap("the registry (run `make up` or `scripts/stack.sh up` first)");
  auto registry = ParseRegistry(*content, paths_.registry());
  if (!registry.ok()) return registry.error();
  if (text) *text = std::move(*content);
  return registry;
}

Status Admin::WriteRegistry(const std::string& text) {
  auto written = WriteFileAtomically(paths_.registry(), text, {.mode = 0600});
  if (!written.ok()) return written.error();
  return {};
}

Result<SiteIds> Admin::LoadIds(const Registry& registry) {
  SiteIds ids;
  if (auto text = ReadFile(paths_.ids()); text.ok()) {
    auto parsed = ParseSiteIds(*text, paths_.ids());
    if (!parsed.ok()) return parsed.error();
    ids = std::move(*parsed);
  }
  // Whatever the record does not know yet (a host from before it, a record lost): the
  // registry's ids, and the uid owning each site directory's files.
  std::vector<std::pair<std::string, int>> found;
  UniqueFd sites(::open(paths_.sites().c_str(), kDirectoryNoFollow));
  if (DIR* stream = sites ? ::fdopendir(::fcntl(sites.get(), F_DUPFD_CLOEXEC, 0)) : nullptr) {
    while (dirent* entry = ::readdir(stream)) {
      std::string name = entry->d_name;
      if (!IsValidSiteName(name)) continue;
      struct stat info {};
      if (::fstatat(sites.get(), (name + "/volumes/www").c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_uid > kSiteUidBase) {
        found.emplace_back(name, static_cast<int>(info.st_uid));
      } else if (::fstatat(sites.get(), (name + "/volumes/www/html").c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
                 info.st_uid > kSiteUidBase) {
        found.emplace_back(name, static_cast<int>(info.st_uid));
      }
    }
    ::closedir(stream);
  }
  if (AdoptIds(ids, registry, found, today_) > 0) {
    if (Status saved = SaveIds(ids); !saved.ok()) return saved.error();
  }
  return ids;
}

Status Admin::SaveIds(const SiteIds& ids) {
  auto written = WriteFileAtomically(paths_.ids(), RenderSiteIds(ids), {.mode = 0600});
  if (!written.ok()) return written.error();
  return {};
}

Result<std::vector<std::string>> Admin::PrepareDirectories(const Site& site, bool lamp, const HostContext& host) {
  UniqueFd sites(::open(paths_.sites().c_str(), kDirectoryNoFollow));
  if (!sites) return Error::FromErrno("open " + paths_.sites());
  auto changes = PrepareSiteDirectories(sites.get(), site.name, {.uid = site.uid(), .lamp = lamp});
  if (!changes.ok()) return changes.error();
  UniqueFd dir(::openat(sites.get(), site.name.c_str(), kDirectoryNoFollow));
  if (!dir) return Error::FromErrno("open " + site.name);
  std::string existing;
  if (auto old = ReadFileAt(dir.get(), "site.env", 64 * 1024, site.name + "/site.env"); old.ok()) existing = *old;
  SiteEnvValues values{&site, host.root + "/webvps/" + site.name, lamp, host.proxy_network};
  std::string env = UpdateSiteEnv(existing, values);
  if (env != existing) {
    if (Status written = WriteRootFile(dir.get(), "site.env", env, 0600, 0, site.name + "/site.env"); !written.ok()) {
      return written.error();
    }
  }
  return changes;
}

Result<std::string> Admin::Init(const std::string& admin_email) {
  if (auto problem = EmailProblem(admin_email)) return Error("admin e-mail " + QuoteForMessage(admin_email) + ": " + *problem);
  if (::mkdir(paths_.sites().c_str(), 0755) != 0 && errno != EEXIST) return Error::FromErrno("create " + paths_.sites());
  struct stat info {};
  if (::lstat(paths_.registry().c_str(), &info) == 0) return std::string();
  std::string text = "# The site registry (docs/registry.md); scripts/site.sh adds and removes sites.\n"
                     "admin_email: " + admin_email + "\nsites: []\n";
  if (auto parsed = ParseRegistry(text, paths_.registry()); !parsed.ok()) return parsed.error();
  if (Status written = WriteRegistry(text); !written.ok()) return written.error();
  return "created " + paths_.registry() + "\n";
}

Result<std::string> Admin::AddSite(const AddSiteRequest& request, const HostContext& host) {
  std::vector<std::string> problems;
  if (!IsValidSiteName(request.name)) {
    problems.push_back(QuoteForMessage(request.name) +
                       " is not a site name: a lower-case letter, then up to 31 lower-case letters, digits or '-'");
  }
  std::string host_name = LowerCase(request.host);
  if (auto problem = HostNameProblem(host_name)) problems.push_back("--host " + QuoteForMessage(request.host) + ": " + *problem);
  std::vector<std::string> aliases;
  for (const auto& alias : request.aliases) {
    std::string lower = LowerCase(alias);
    if (auto problem = HostNameProblem(lower)) problems.push_back("--alias " + QuoteForMessage(alias) + ": " + *problem);
    else if (lower != host_name) aliases.push_back(lower);
  }
  std::string email = request.email.empty() ? "webmaster@" + host_name : request.email;
  if (auto problem = EmailProblem(email)) problems.push_back("--email " + QuoteForMessage(email) + ": " + *problem);
  if (!problems.empty()) return Error(JoinList(problems, "\n"));

  std::string text;
  auto registry = LoadRegistry(&text);
  if (!registry.ok()) return registry.error();
  if (registry->FindSite(request.name)) return Error("site " + request.name + " is already in " + paths_.registry());
  auto ids = LoadIds(*registry);
  if (!ids.ok()) return ids.error();
  auto id = AllocateSiteId(*ids, *registry, request.name, request.id);
  if (!id.ok()) return id.error().Wrap("site " + request.name);

  Site site;
  site.name = request.name;
  site.id = *id;
  site.host = host_name;
  site.aliases = aliases;
  site.email = email;
  site.mail = registry->defaults.mail;
  site.ssh.access = request.ssh;
  auto edit = AddSiteEntry(text, paths_.registry(), site);
  if (!edit.ok()) return edit.error();
  const Site& added = *edit->registry.FindSite(site.name);
  auto changes = PrepareDirectories(added, request.lamp, host);
  if (!changes.ok()) return changes.error().Wrap("site " + site.name + ": its directories (the registry is unchanged)");
  if (!ids->IdOf(site.name) || *ids->IdOf(site.name) != site.id) {
    ids->entries.push_back({site.id, site.name, today_});
    if (Status saved = SaveIds(*ids); !saved.ok()) return saved.error();
  }
  if (Status written = WriteRegistry(edit->text); !written.ok()) return written.error();
  std::string out = Lines(*changes, "  ");
  if (edit->rewritten) out += "  the registry's layout needed a rewrite: its comments are gone\n";
  return out + "site " + site.name + " registered: id " + std::to_string(site.id) + ", uid " + std::to_string(site.uid()) +
         ", http://" + site.host + ", files in " + host.root + "/webvps/" + site.name + "/volumes/www\n";
}

Result<std::string> Admin::RemoveSite(const std::string& name, bool purge) {
  if (!IsValidSiteName(name)) return Error(QuoteForMessage(name) + " is not a site name");
  std::string text;
  auto registry = LoadRegistry(&text);
  if (!registry.ok()) return registry.error();
  std::string out;
  if (registry->FindSite(name)) {
    if (auto ids = LoadIds(*registry); !ids.ok()) return ids.error();  // records its id before it leaves the registry
    auto edit = RemoveSiteEntry(text, paths_.registry(), name);
    if (!edit.ok()) return edit.error();
    if (Status written = WriteRegistry(edit->text); !written.ok()) return written.error();
    out += "site " + name + " taken out of the registry (its id stays recorded: never handed to another site)\n";
  } else if (!purge) {
    return Error("no site " + name + " in " + paths_.registry());
  }
  if (!purge) return out + "its files are kept in " + paths_.sites() + "/" + name + " (--purge deletes them)\n";
  UniqueFd sites(::open(paths_.sites().c_str(), kDirectoryNoFollow));
  if (!sites) return Error::FromErrno("open " + paths_.sites());
  auto removed = RemoveTree(sites.get(), name, paths_.sites());
  if (!removed.ok()) return removed.error().Wrap("purge site " + name);
  return out + "its files are deleted (" + std::to_string(removed->removed) + " entries)\n";
}

Result<std::string> Admin::SetSshAccess(const std::string& name, SshAccess access) {
  std::string text;
  auto registry = LoadRegistry(&text);
  if (!registry.ok()) return registry.error();
  auto edit = webvps::SetSshAccess(text, paths_.registry(), name, access);
  if (!edit.ok()) return edit.error();
  if (Status written = WriteRegistry(edit->text); !written.ok()) return written.error();
  return "site " + name + ": ssh access " + std::string(SshAccessName(access)) + "\n";
}

Result<std::string> Admin::PrepareSite(const std::string& name, const HostContext& host) {
  auto registry = LoadRegistry(nullptr);
  if (!registry.ok()) return registry.error();
  const Site* site = registry->FindSite(name);
  if (!site) return Error("no site " + name + " in " + paths_.registry());
  if (auto ids = LoadIds(*registry); !ids.ok()) return ids.error();
  bool lamp = false;
  UniqueFd sites(::open(paths_.sites().c_str(), kDirectoryNoFollow));
  if (!sites) return Error::FromErrno("open " + paths_.sites());
  if (UniqueFd dir(::openat(sites.get(), name.c_str(), kDirectoryNoFollow)); dir) {
    if (auto env = ReadFileAt(dir.get(), "site.env", 64 * 1024, name + "/site.env"); env.ok()) {
      auto values = ParseSiteEnv(*env, name + "/site.env");
      if (!values.ok()) return values.error();
      lamp = (*values)["SITE_LAMP"] == "1";
    }
  }
  auto changes = PrepareDirectories(*site, lamp, host);
  if (!changes.ok()) return changes.error().Wrap("site " + name);
  return Lines(*changes, "  ");
}

Result<std::string> Admin::ListSites(bool json) {
  auto registry = LoadRegistry(nullptr);
  if (!registry.ok()) return registry.error();
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& site : registry->sites) {
      list.push_back({{"name", site.name}, {"id", site.id}, {"uid", site.uid()}, {"host", site.host}, {"aliases", site.aliases},
                      {"email", site.email}, {"ssh", std::string(SshAccessName(site.ssh.access))}});
    }
    return list.dump(2) + "\n";
  }
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-20s %-6s %-6s %-32s %s\n", "SITE", "UID", "SSH", "HOST", "ALIASES");
  out += line;
  for (const auto& site : registry->sites) {
    std::snprintf(line, sizeof line, "%-20s %-6d %-6s %-32s %s\n", site.name.c_str(), site.uid(),
                  std::string(SshAccessName(site.ssh.access)).c_str(), site.host.c_str(), JoinList(site.aliases, ",").c_str());
    out += line;
  }
  return out;
}

Result<std::string> Admin::SiteNames() {
  auto registry = LoadRegistry(nullptr);
  if (!registry.ok()) return registry.error();
  std::string out;
  for (const auto& site : registry->sites) out += site.name + "\n";
  return out;
}

Result<std::string> Admin::CheckRegistry() {
  auto registry = LoadRegistry(nullptr);
  if (!registry.ok()) return registry.error();
  return "ok: " + paths_.registry() + ", " + std::to_string(registry->sites.size()) + " sites\n";
}

}  // namespace webvps::admin
