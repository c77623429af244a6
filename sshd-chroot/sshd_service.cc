#include "sshd_service.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "atomic_file.h"
#include "names.h"
#include "process.h"
#include "sshd-chroot/authorized_keys.h"
#include "sshd-chroot/jail_plan.h"
#include "sshd-chroot/sshd_config.h"
#include "sshd-chroot/tool_store.h"

namespace webvps::sshd_chroot {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr off_t kMaxKeyFileBytes = 256 * 1024;
constexpr uint32_t kKeyDirEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB |
                                   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
const char* const kHostKeyTypes[][2] = {{"ed25519", ""}, {"ecdsa", "256"}, {"rsa", "3072"}};

double Millis(SteadyClock::duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

}  // namespace

SshdService::SshdService(boost::asio::io_context& io, Settings settings, Metrics& metrics)
    : io_(io),
      settings_(std::move(settings)),
      metrics_(metrics),
      layout_{settings_.sites_dir, settings_.jail_subdir, settings_.files_subdir},
      inotify_(io),
      control_(io, [this](const std::string& request) { return HandleControl(request); }),
      runner_(io,
              {ServiceSpec{.name = "sshd",
                           .command = {settings_.sshd_binary, "-D", "-e", "-f", settings_.sshd_config},
                           .stop_signal = SIGTERM,
                           .reload_signal = SIGHUP,
                           .main = true}},
              settings_.stop_timeout, metrics, "webvps_sshd",
              ServiceRunner::Hooks{.changed = [this] { sshd_running_ = runner_.PidOf("sshd").has_value(); },
                                   .finished =
                                       [this](int code) {
                                         exit_code_ = code;
                                         if (!stopping_) spdlog::critical("sshd cannot be kept running; stopping");
                                         stopping_ = true;
                                         io_.stop();
                                       }}),
      soon_timer_(io),
      rescan_timer_(io) {
  metrics_.DescribeGauge("webvps_sshd_users", "Site logins, by access (sftp, shell).");
  metrics_.DescribeCounter("webvps_sshd_applies_total", "Registry applies (accounts, keys and jails brought in step), by cause.");
  metrics_.DescribeGauge("webvps_sshd_apply_seconds", "Duration of the last apply.");
  metrics_.DescribeCounter("webvps_sshd_registry_errors_total", "Registry loads refused (the last good one stayed).");
  metrics_.DescribeGauge("webvps_sshd_sites_without_login", "Sites of the registry that get no login (files missing, name taken).");
  metrics_.DescribeGauge("webvps_sshd_jail_tool_files", "Files in the jails' tool store.");
}

HealthReport SshdService::Health() const {
  if (!sshd_running_) return {false, "sshd is not running"};
  return {};
}

Status SshdService::LoadBaseAccounts() {
  for (auto [name, target] : {std::pair{"passwd", &base_.passwd}, {"group", &base_.group}, {"shadow", &base_.shadow}}) {
    auto text = ReadFile(settings_.base_accounts_dir + "/" + name);
    if (!text.ok()) return text.error().Wrap("the image's own accounts");
    *target = std::move(*text);
  }
  return {};
}

Status SshdService::EnsureHostKeys() {
  std::error_code error;
  fs::create_directories(settings_.host_keys_dir, error);
  if (error) return Error("create " + settings_.host_keys_dir + ": " + error.message());
  ::chmod(settings_.host_keys_dir.c_str(), 0700);
  for (const auto& [type, bits] : kHostKeyTypes) {
    std::string path = settings_.host_keys_dir + "/ssh_host_" + type + "_key";
    host_keys_.push_back(path);
    if (fs::exists(path)) continue;
    std::vector<std::string> argv = {"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "webvps sshd", "-f", path};
    if (*bits) argv.insert(argv.begin() + 4, {"-b", bits});
    auto run = RunAndCapture({.argv = argv});
    if (!run.ok()) return run.error().Wrap("ssh-keygen");
    if (!run->status.Succeeded()) return Error("ssh-keygen -t " + std::string(type) + ": " + run->output);
    spdlog::info("host key {} created: it stays in {} across re-creations of the container", type, settings_.host_keys_dir);
  }
  return {};
}

Status SshdService::PrepareTools(bool upgrade, std::string* summary) {
  auto text = ReadFile(settings_.tools_profile);
  if (!text.ok()) return text.error().Wrap("jail tools profile");
  auto profile = ParseToolProfile(*text, settings_.tools_profile);
  if (!profile.ok()) return profile.error();
  auto begin = SteadyClock::now();
  ToolSet tools = CollectTools(*profile, "/");
  for (const auto& problem : tools.problems) spdlog::warn("jail tools: {}", problem);
  std::string version = ManifestVersion(ToolManifest(tools.entries));
  auto built = EnsureToolStore(settings_.tool_store, version, tools, "/");
  if (!built.ok()) return built.error().Wrap("jail tool store");
  UniqueFd store(::open((settings_.tool_store + "/" + version).c_str(), kDirectoryNoFollow));
  if (!store) return Error::FromErrno("open " + settings_.tool_store + "/" + version);
  struct stat store_info {}, sites_info {};
  if (::fstat(store.get(), &store_info) == 0 && ::stat(settings_.sites_dir.c_str(), &sites_info) == 0 &&
      store_info.st_dev != sites_info.st_dev) {
    spdlog::warn("the tool store {} is not on the file system of {}: every shell jail gets copies, not hard links",
                 settings_.tool_store, settings_.sites_dir);
  }
  size_t files = 0;
  uint64_t bytes = 0;
  for (const auto& entry : tools.entries) {
    if (entry.kind == ToolEntry::Kind::kFile) {
      ++files;
      bytes += entry.size;
    }
  }
  std::string line = "jail tools " + version + ": " + std::to_string(files) + " files, " + std::to_string(bytes / (1024 * 1024)) +
                     " MB, " + (*built ? "copied to the store" : "already in the store") + " (" +
                     std::to_string(static_cast<int>(Millis(SteadyClock::now() - begin))) + " ms)";
  if (upgrade && version == tools_version_) line = "jail tools " + version + ": unchanged";
  spdlog::info("{}", line);
  if (summary) *summary = line;
  metrics_.Set("webvps_sshd_jail_tool_files", static_cast<double>(files));
  tools_ = std::move(tools);
  tools_version_ = version;
  store_ = std::move(store);
  return {};
}

Status SshdService::Start() {
  std::error_code error;
  for (const auto& dir : {settings_.data_dir, settings_.authorized_keys_dir, std::string("/run/sshd")}) {
    fs::create_directories(dir, error);
    if (error) return Error("create " + dir + ": " + error.message());
  }
  if (Status status = LoadBaseAccounts(); !status.ok()) return status;
  if (Status status = EnsureHostKeys(); !status.ok()) return status;
  if (auto resolv = ReadFile("/etc/resolv.conf"); resolv.ok()) resolv_conf_ = *resolv;
  if (Status status = PrepareTools(false, nullptr); !status.ok()) return status;
  // A shell user could otherwise hard-link a root-owned tool into the site's files, where the
  // site's container sees it: the kernel's protected_hardlinks refuses links to others' files.
  if (auto value = ReadFile("/proc/sys/fs/protected_hardlinks"); !value.ok() || !value->starts_with("1")) {
    shells_allowed_ = false;
    spdlog::error("fs.protected_hardlinks is not 1 on this host: shells are refused (SFTP only) until it is "
                  "(sysctl -w fs.protected_hardlinks=1; Debian's default)");
  }

  SshdConfigOptions options;
  options.port = settings_.port;
  options.host_keys = host_keys_;
  options.authorized_keys_dir = settings_.authorized_keys_dir;
  options.chroot_pattern = settings_.sites_dir + "/%u/" + settings_.jail_subdir;
  options.max_startups = settings_.max_startups;
  options.login_grace_time = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(settings_.login_grace_time).count());
  options.password_authentication = settings_.password_authentication;
  if (Status status = WriteIfChanged(settings_.sshd_config, RenderSshdConfig(options), 0644); !status.ok()) return status;
  auto test = RunAndCapture({.argv = {settings_.sshd_binary, "-t", "-f", settings_.sshd_config}});
  if (!test.ok()) return test.error().Wrap("sshd -t");
  if (!test->status.Succeeded()) return Error("sshd refuses the generated " + settings_.sshd_config + ": " + test->output);

  LoadRegistry("start");
  PruneToolStore(settings_.tool_store, tools_version_);
  std::string registry_dir = fs::path(settings_.registry).parent_path().string();
  if (!inotify_.status().ok()) return inotify_.status().error();
  if (auto watch = inotify_.Watch(registry_dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR); watch.ok()) {
    registry_watch_ = *watch;
  } else {
    spdlog::warn("cannot watch {} ({}): registry changes are seen every {} s", registry_dir, watch.error().message(),
                 settings_.rescan_interval.count() / 1000);
  }
  inotify_.Start([this](const InotifyEvent& event) { OnInotify(event); });
  if (Status status = control_.Start(settings_.control_socket()); !status.ok()) return status;
  runner_.Start();
  ArmRescan();
  spdlog::info("serving SFTP/SSH on port {} for the sites of {}", settings_.port, settings_.registry);
  return {};
}

void SshdService::Stop() {
  if (stopping_) return;
  stopping_ = true;
  inotify_.Stop();
  control_.Stop();
  soon_timer_.cancel();
  rescan_timer_.cancel();
  if (!runner_.finished()) runner_.Stop();  // its finished hook stops the loop
  else io_.stop();
}

void SshdService::LoadRegistry(const char* why) {
  auto registry = webvps::LoadRegistry(settings_.registry);
  if (!registry.ok()) {
    metrics_.Add("webvps_sshd_registry_errors_total");
    if (registry.error().message() != registry_error_) {
      spdlog::error("registry: {}\n{}", registry_ ? "refused; the last good one stays in force" : "refused; no site has a login",
                    registry.error().message());
    }
    registry_error_ = registry.error().message();
    return;
  }
  if (!registry_error_.empty()) spdlog::info("registry {} is valid again", settings_.registry);
  registry_error_.clear();
  registry_ = std::move(*registry);
  Apply(why);
}

std::vector<std::string> SshdService::ReadSiteKeys(const std::string& site, int files, SiteState& state) {
  std::string shown = layout_.FilesDir(site) + "/.ssh/authorized_keys";
  int ssh = ::openat(files, ".ssh", kDirectoryNoFollow);
  if (ssh < 0 && errno == ENOENT && ::mkdirat(files, ".ssh", 0700) == 0) {
    ssh = ::openat(files, ".ssh", kDirectoryNoFollow);
    const Site* entry = registry_ ? registry_->FindSite(site) : nullptr;
    if (ssh >= 0 && entry) (void)::fchown(ssh, static_cast<uid_t>(entry->uid()), static_cast<gid_t>(entry->uid()));
  }
  if (ssh < 0) {
    if (state.watch >= 0) inotify_.Unwatch(state.watch);
    state.watch = -1;
    return {};
  }
  UniqueFd dir(ssh);
  struct stat now {}, before {};
  bool same = state.keys_dir && ::fstat(state.keys_dir.get(), &before) == 0 && ::fstat(dir.get(), &now) == 0 &&
              now.st_ino == before.st_ino && now.st_dev == before.st_dev;
  if (!same || state.watch < 0) {
    if (state.watch >= 0) inotify_.Unwatch(state.watch);
    state.keys_dir = std::move(dir);
    // Watched through the descriptor: exactly this directory, whatever links are planted.
    auto watch = inotify_.Watch("/proc/self/fd/" + std::to_string(state.keys_dir.get()), kKeyDirEvents);
    state.watch = watch.ok() ? *watch : -1;
  }
  int fd = ::openat(state.keys_dir.get(), "authorized_keys", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  std::vector<std::string> problems;
  if (fd < 0) {
    // A symlink is never followed: root would read whatever it points to.
    if (errno == ELOOP) problems.push_back(shown + ": a symbolic link; ignored");
    if (problems != state.key_problems) {
      for (const auto& problem : problems) spdlog::warn("site {}: key refused: {}", site, problem);
    }
    state.key_problems = std::move(problems);
    return {};
  }
  UniqueFd file(fd);
  struct stat info {};
  std::string text;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    problems.push_back(shown + ": not a regular file; ignored");
  } else if (info.st_size > kMaxKeyFileBytes) {
    problems.push_back(shown + ": larger than 256 KB; ignored");
  } else {
    char buffer[8192];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  }
  KeyFile keys = ParseAuthorizedKeys(text, shown);
  problems.insert(problems.end(), keys.problems.begin(), keys.problems.end());
  if (problems != state.key_problems) {
    for (const auto& problem : problems) spdlog::warn("site {}: key refused: {}", site, problem);
  }
  state.key_problems = std::move(problems);
  return keys.keys;
}

Status SshdService::WriteIfChanged(const std::string& path, const std::string& content, mode_t mode) {
  auto known = written_.find(path);
  if (known != written_.end() && known->second == content && fs::exists(path)) return {};
  if (known == written_.end()) {
    if (auto current = ReadFile(path); current.ok() && *current == content) {
      written_[path] = content;
      return {};
    }
  }
  auto written = WriteFileAtomically(path, content, {.mode = mode, .durable = false});
  if (!written.ok()) return written.error();
  written_[path] = content;
  return {};
}

void SshdService::Apply(const char* why) {
  auto begin = SteadyClock::now();
  std::vector<SiteUser> wanted = registry_ ? UsersOf(*registry_) : std::vector<SiteUser>{};
  std::vector<SiteUser> ready;
  int without_login = 0;
  for (SiteUser user : wanted) {
    SiteState& state = sites_[user.name];
    std::vector<std::string> fixed;
    auto jail = SecureJailRoot(layout_, user.name, &fixed);
    for (const auto& change : fixed) spdlog::info("site {}: {}", user.name, change);
    if (!jail.ok()) {
      ++without_login;
      if (state.jail_problem != jail.error().message()) spdlog::warn("site {}: no login yet: {}", user.name, jail.error().message());
      state.jail_problem = jail.error().message();
      continue;
    }
    if (!state.old_jail_removed) {
      // Before 0.2 a shell jail's tools were in the site's files; they go, the site's files stay.
      if (auto old = RemoveOldJailFromFiles(jail->files.get()); !old.ok()) {
        spdlog::warn("site {}: the old shell jail in its files could not be removed: {}", user.name, old.error().message());
      } else {
        if (old->removed > 0) spdlog::info("site {}: removed the old shell jail from its files ({} entries)", user.name, old->removed);
        if (old->kept > 0) spdlog::info("site {}: kept {} of the webmaster's own entries in its old tmp/", user.name, old->kept);
        state.old_jail_removed = true;
      }
    }
    user.keys = MergeKeys(user.keys, ReadSiteKeys(user.name, jail->files.get(), state));
    std::string problem;
    if (user.access == SshAccess::kShell && !shells_allowed_) {
      problem = "shell refused, SFTP only: the host's fs.protected_hardlinks is off";
      user.access = SshAccess::kSftp;
    }
    bool shell = user.access == SshAccess::kShell;
    JailPlan plan = shell ? PlanShellJail(user, tools_.entries, {resolv_conf_}) : PlanSftpJail();
    std::vector<std::string> invalid = ValidateJailPlan(plan, user);
    auto built = invalid.empty() ? BuildJail(jail->root.get(), store_.get(), plan)
                                 : Result<JailBuildStats>(Error("the jail plan breaks the rules: " + invalid.front()));
    if (!built.ok() && shell) {
      problem = "shell refused, SFTP only: " + built.error().message();
      user.access = SshAccess::kSftp;
      built = BuildJail(jail->root.get(), store_.get(), PlanSftpJail());
    }
    if (!built.ok()) {
      problem += (problem.empty() ? "" : "; ") + std::string("jail: ") + built.error().message();
    } else {
      if (built->created + built->replaced + built->removed > 0) {
        spdlog::info("site {}: {} jail: {} entries created, {} replaced, {} removed{}", user.name, SshAccessName(user.access),
                     built->created, built->replaced, built->removed,
                     built->kept > 0 ? ", " + std::to_string(built->kept) + " of the webmaster's kept" : "");
      }
      for (const auto& warning : built->warnings) problem += (problem.empty() ? "" : "; ") + warning;
    }
    if (problem != state.jail_problem && !problem.empty()) spdlog::warn("site {}: {}", user.name, problem);
    state.jail_problem = problem;
    ready.push_back(std::move(user));
  }

  AccountsPlan plan = PlanAccounts(base_, ready);
  without_login += static_cast<int>(plan.problems.size());
  for (const auto& problem : plan.problems) {
    std::string name = problem.substr(0, problem.find(':'));
    if (sites_[name].jail_problem != problem) spdlog::warn("site {}", problem);
    sites_[name].jail_problem = problem;
  }
  for (const auto& [name, content, mode] : {std::tuple{"passwd", plan.files.passwd, 0644}, {"group", plan.files.group, 0644},
                                             {"shadow", plan.files.shadow, 0600}}) {
    if (Status status = WriteIfChanged(settings_.accounts_dir + "/" + name, content, static_cast<mode_t>(mode)); !status.ok()) {
      spdlog::error("{}; logins stay as they were", status.error().message());
      return;
    }
  }
  std::set<std::string> names;
  for (const auto& user : plan.users) {
    names.insert(user.name);
    std::string path = settings_.authorized_keys_dir + "/" + user.name;
    if (Status status = WriteIfChanged(path, RenderAuthorizedKeys(user.name, user.keys), 0644); !status.ok()) {
      spdlog::error("site {}: {}", user.name, status.error().message());
    }
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(settings_.authorized_keys_dir, error)) {
    std::string name = entry.path().filename().string();
    if (!names.contains(name)) {
      fs::remove(entry.path(), error);
      written_.erase(entry.path().string());
    }
  }

  // Sites that lost their login: their sessions end and their shell jail goes; files stay.
  for (const auto& old : users_) {
    if (names.contains(old.name)) continue;
    EndSessions(old.uid, old.name, "its login is gone");
    UniqueFd root(::open("/", kDirectoryNoFollow));
    if (auto jail = OpenBelow(root.get(), layout_.JailRoot(old.name), layout_.JailRoot(old.name)); jail.ok()) {
      if (auto removed = RemoveJail(jail->get()); !removed.ok()) {
        spdlog::warn("site {}: its jail could not be removed: {}", old.name, removed.error().message());
      }
    }
  }
  // A shell taken away ends the shell sessions at once (its tools are gone from the jail).
  for (const auto& old : users_) {
    auto now = std::find_if(plan.users.begin(), plan.users.end(), [&](const SiteUser& user) { return user.name == old.name; });
    if (now != plan.users.end() && old.access == SshAccess::kShell && now->access != SshAccess::kShell) {
      EndSessions(old.uid, old.name, "its shell is gone");
    }
  }
  for (auto it = sites_.begin(); it != sites_.end();) {
    bool wanted_site = std::any_of(wanted.begin(), wanted.end(), [&](const SiteUser& user) { return user.name == it->first; });
    if (wanted_site) {
      ++it;
      continue;
    }
    if (it->second.watch >= 0) inotify_.Unwatch(it->second.watch);
    it = sites_.erase(it);
  }

  std::vector<std::string> changes = DescribeChanges(users_, plan.users);
  for (const auto& change : changes) spdlog::info("login {}", change);
  users_ = std::move(plan.users);
  int shell = 0;
  for (const auto& user : users_) shell += user.access == SshAccess::kShell;
  metrics_.Set("webvps_sshd_users", {{"access", "sftp"}}, static_cast<double>(users_.size()) - shell);
  metrics_.Set("webvps_sshd_users", {{"access", "shell"}}, shell);
  metrics_.Set("webvps_sshd_sites_without_login", without_login);
  metrics_.Add("webvps_sshd_applies_total", {{"cause", why}});
  double took = Millis(SteadyClock::now() - begin);
  metrics_.Set("webvps_sshd_apply_seconds", took / 1000);
  if (!changes.empty()) {
    spdlog::info("registry applied ({}): {} logins ({} with a shell) in {:.0f} ms", why, users_.size(), shell, took);
  }
}

void SshdService::EndSessions(int uid, const std::string& site, const char* why) {
  int ended = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (!line.starts_with("Uid:")) continue;
      if (std::stoi(line.substr(4)) == uid && ::kill(std::stoi(pid), SIGKILL) == 0) ++ended;
      break;
    }
  }
  if (ended > 0) spdlog::info("site {}: {}: ended {} processes of its sessions", site, why, ended);
}

void SshdService::ApplySoon(const char* why) {
  if (soon_pending_ || stopping_) return;
  soon_pending_ = true;
  // Editors save in several steps; a moment's wait reads the file once it is whole.
  soon_timer_.expires_after(std::chrono::milliseconds(100));
  soon_timer_.async_wait([this, why](boost::system::error_code error) {
    soon_pending_ = false;
    if (!error && !stopping_) LoadRegistry(why);
  });
}

void SshdService::OnInotify(const InotifyEvent& event) {
  if (event.overflowed()) return ApplySoon("rescan");
  if (event.watch == registry_watch_) {
    if (event.name == fs::path(settings_.registry).filename().string()) return ApplySoon("registry");
    if (IsValidSiteName(event.name)) return ApplySoon("new site directory");
    return;
  }
  for (auto& [site, state] : sites_) {
    if (state.watch != event.watch) continue;
    if (event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
      state.watch = -1;
      state.keys_dir = UniqueFd();
    }
    return ApplySoon("site keys");
  }
}

void SshdService::ArmRescan() {
  rescan_timer_.expires_after(settings_.rescan_interval);
  rescan_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    LoadRegistry("rescan");
    ArmRescan();
  });
}

std::string SshdService::ListTable() const {
  std::string out = "SITE                              UID    ACCESS  PASSWORD  KEYS  NOTE\n";
  char line[512];
  for (const auto& user : users_) {
    auto state = sites_.find(user.name);
    std::string note = state == sites_.end() ? "" : state->second.jail_problem;
    std::snprintf(line, sizeof line, "%-33s %-6d %-7s %-9s %-5zu %s\n", user.name.c_str(), user.uid,
                  std::string(SshAccessName(user.access)).c_str(), user.password_hash.empty() ? "no" : "yes", user.keys.size(),
                  note.c_str());
    out += line;
  }
  if (registry_) {
    for (const auto& site : registry_->sites) {
      bool listed = std::any_of(users_.begin(), users_.end(), [&](const SiteUser& user) { return user.name == site.name; });
      if (listed) continue;
      auto state = sites_.find(site.name);
      std::string note = site.ssh.access == SshAccess::kNone ? "ssh.access is none"
                         : state != sites_.end()             ? state->second.jail_problem
                                                             : "";
      std::snprintf(line, sizeof line, "%-33s %-6d %-7s %-9s %-5s %s\n", site.name.c_str(), site.uid(), "-", "-", "-", note.c_str());
      out += line;
    }
  }
  if (!registry_error_.empty()) out += "\nThe registry was refused; the last good one is in force:\n" + registry_error_ + "\n";
  return out;
}

std::vector<std::string> SshdService::CheckAll() {
  std::vector<std::string> problems;
  if (!registry_error_.empty()) problems.push_back("registry: " + registry_error_);
  if (!registry_) problems.push_back("registry: never loaded");
  for (const auto& key : host_keys_) {
    if (!fs::exists(key)) problems.push_back("host key " + key + ": missing");
  }
  auto test = RunAndCapture({.argv = {settings_.sshd_binary, "-t", "-f", settings_.sshd_config}});
  if (!test.ok() || !test->status.Succeeded()) problems.push_back("sshd -t: " + (test.ok() ? test->output : test.error().message()));
  if (!sshd_running_) problems.push_back("sshd is not running");
  for (const auto& user : users_) {
    JailPlan plan = user.access == SshAccess::kShell ? PlanShellJail(user, tools_.entries, {resolv_conf_}) : PlanSftpJail();
    for (const auto& problem : InspectJail(layout_, user.name, plan, store_.get())) {
      problems.push_back("site " + user.name + ": " + problem);
    }
  }
  for (const auto& [site, state] : sites_) {
    if (!state.jail_problem.empty()) problems.push_back("site " + site + ": " + state.jail_problem);
  }
  return problems;
}

ControlReply SshdService::HandleControl(const std::string& request) {
  if (request == "list") return {true, ListTable()};
  if (request == "check") {
    std::vector<std::string> problems = CheckAll();
    if (problems.empty()) return {true, "ok: " + std::to_string(users_.size()) + " logins, their jails and sshd are as they should be\n"};
    std::string text;
    for (const auto& problem : problems) text += problem + "\n";
    return {false, text};
  }
  if (request == "upgrade") {
    std::string summary;
    std::string before = tools_version_;
    if (Status status = PrepareTools(true, &summary); !status.ok()) return {false, "upgrade: " + status.error().message() + "\n"};
    if (tools_version_ != before) {
      LoadRegistry("upgrade");  // every shell jail relinked to the new store, leftovers pruned
      int pruned = PruneToolStore(settings_.tool_store, tools_version_);
      summary += "; shell jails relinked; " + std::to_string(pruned) + " old store version(s) removed";
    }
    return {true, summary + "\n"};
  }
  return {false, "unknown request " + QuoteForMessage(request) + "\n"};
}

}  // namespace webvps::sshd_chroot
