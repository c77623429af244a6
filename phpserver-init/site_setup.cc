#include "site_setup.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "atomic_file.h"
#include "process.h"
#include "safe_dir.h"

namespace webvps::phpserver_init {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxLogEntries = 1000;

// Root here has no CAP_DAC_OVERRIDE: a directory it hands to the site is then out of its read
// reach. So it opens them as paths (O_PATH: enough to stat and chown, never to read), and
// chowns through the descriptor.
constexpr int kPathNoFollow = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

Status ChownFd(int fd, uid_t uid, gid_t gid, const std::string& shown) {
  if (::fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0) return Error::FromErrno("chown " + shown);
  return Status::Ok();
}

// A directory `name` below `parent` (root's), owned by uid:gid: made so when it is new, an
// existing one handed to uid:gid; never through a symlink (an error when something else is there).
Status OwnedDirectoryBelow(int parent, const std::string& name, const std::string& shown, uid_t uid, gid_t gid, mode_t mode) {
  if (::mkdirat(parent, name.c_str(), mode) == 0) {
    // The mode first, while it is still root's: afterwards root would need CAP_FOWNER.
    if (::fchmodat(parent, name.c_str(), mode, AT_SYMLINK_NOFOLLOW) != 0 && errno != ENOTSUP &&
        ::fchmodat(parent, name.c_str(), mode, 0) != 0) {
      return Error::FromErrno("chmod " + shown);
    }
  } else if (errno != EEXIST) {
    return Error::FromErrno("create " + shown);
  }
  UniqueFd dir(::openat(parent, name.c_str(), kPathNoFollow));
  if (!dir) {
    if (errno == ELOOP || errno == ENOTDIR) return Error(shown + " is a symlink or not a directory: left alone");
    return Error::FromErrno("open " + shown);
  }
  struct stat info {};
  if (::fstat(dir.get(), &info) != 0) return Error::FromErrno("stat " + shown);
  if (info.st_uid != uid || info.st_gid != gid) return ChownFd(dir.get(), uid, gid, shown);
  return Status::Ok();
}

Status RemapWwwData(const SiteEnvironment& site, const SitePaths& paths) {
  for (bool is_passwd : {true, false}) {
    const std::string& file = is_passwd ? paths.passwd : paths.group;
    auto text = ReadFile(file);
    if (!text.ok()) return text.error();
    auto remapped = RemapAccount(*text, "www-data", site.worker_uid, is_passwd);
    if (!remapped.ok()) return remapped.error().Wrap("remap www-data in " + file);
    if (*remapped != *text) {
      auto written = WriteFileAtomically(file, *remapped, {.mode = 0644});
      if (!written.ok()) return written.error();
    }
  }
  spdlog::info("www-data is uid and gid {}", site.worker_uid);
  return Status::Ok();
}

// The container's own directories (Apache's run, lock and log directories...) become the
// site's: Apache's parent runs as that uid.
Status HandContainerDirectories(const SiteEnvironment& site, const SitePaths& paths) {
  uid_t uid = static_cast<uid_t>(site.worker_uid);
  for (const auto& dir : paths.container_dirs) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) return Error("create " + dir + ": " + error.message());
    UniqueFd fd(::open(dir.c_str(), kPathNoFollow));
    if (!fd) return Error::FromErrno("open " + dir);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return Error::FromErrno("stat " + dir);
    // A restart of this container finds them the site's already (and root can no longer chmod).
    if (dir == paths.php_sessions && (info.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0 && info.st_uid != uid) {
      return Error::FromErrno("chmod " + dir);
    }
    if (info.st_uid == uid && info.st_gid == uid) continue;
    if (Status status = ChownFd(fd.get(), uid, uid, dir); !status.ok()) return status;
  }
  return Status::Ok();
}

Status PreparePhp(const SiteEnvironment& site, const SitePaths& paths) {
  for (const auto& dir : paths.php_conf_dirs) {
    if (!fs::is_directory(dir)) continue;
    auto written = WriteFileAtomically(dir + "/90-webvps.ini", RenderPhpIni(site, paths.php_sessions), {.mode = 0644});
    if (!written.ok()) return written.error();
  }
  return Status::Ok();
}

// Log files an older image's root Apache created in logs/ would stop Apache, now the site's
// uid, from writing: they are handed to the site. Only root-owned regular files with one link,
// reached without following anything, one level deep.
void HandBackRootLogs(int logs, uid_t uid, const std::string& shown, ContainerPrepared& prepared) {
  DIR* stream = ::fdopendir(::fcntl(logs, F_DUPFD_CLOEXEC, 0));
  if (stream == nullptr) return;
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(stream)) {
    if (names.size() >= kMaxLogEntries) break;
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(stream);
  int handed = 0;
  for (const auto& name : names) {
    UniqueFd file(::openat(logs, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat info {};
    if (!file || ::fstat(file.get(), &info) != 0) continue;
    if (!S_ISREG(info.st_mode) || info.st_uid != 0 || info.st_nlink != 1) continue;
    if (::fchownat(file.get(), "", uid, uid, AT_EMPTY_PATH) == 0) ++handed;
  }
  if (handed > 0) prepared.notes.push_back("handed " + std::to_string(handed) + " root-owned log files in " + shown + " to the site");
}

// The site's files are the site's: the mount's root is handed to its uid (a fresh volume is
// root's), and root-owned log files an older image left are handed back. The site phase makes
// the rest as the site's uid.
Status PrepareFilesRoot(const SiteEnvironment& site, const SitePaths& paths, ContainerPrepared& prepared) {
  uid_t uid = static_cast<uid_t>(site.worker_uid);
  if (::mkdir(paths.site_dir.c_str(), 0755) != 0 && errno != EEXIST) return Error::FromErrno("create " + paths.site_dir);
  UniqueFd www(::open(paths.site_dir.c_str(), kPathNoFollow));
  if (!www) return Error::FromErrno("open " + paths.site_dir);
  struct stat info {};
  if (::fstat(www.get(), &info) != 0) return Error::FromErrno("stat " + paths.site_dir);
  if (info.st_uid != uid || info.st_gid != uid) {
    if (Status status = ChownFd(www.get(), uid, uid, paths.site_dir); !status.ok()) return status;
    prepared.notes.push_back(paths.site_dir + " was uid " + std::to_string(info.st_uid) + "'s: now the site's");
  }
  // Listing logs/ needs read access, which root keeps only while the site leaves it readable.
  UniqueFd logs(::openat(www.get(), "logs", kDirectoryNoFollow));
  if (logs) HandBackRootLogs(logs.get(), uid, paths.site_dir + "/logs", prepared);
  return Status::Ok();
}

// nullmailer only queues here: /var/spool/nullmailer is a link to the site's mail volume, and
// no nullmailer-send runs. The queue is the site's uid's (no set-uid program runs under
// no_new_privs, and the site's quota then covers its mail); the mailer reads it as hostile input.
Status PrepareMail(const SiteEnvironment& site, const SitePaths& paths) {
  uid_t uid = static_cast<uid_t>(site.worker_uid);
  if (::mkdir(paths.mail_dir.c_str(), 0755) != 0 && errno != EEXIST) return Error::FromErrno("create " + paths.mail_dir);
  UniqueFd mail(::open(paths.mail_dir.c_str(), kDirectoryNoFollow));
  if (!mail) return Error::FromErrno("open " + paths.mail_dir);
  for (const char* sub : {"queue", "tmp"}) {
    // An older image made them the mail user's; the site's uid queues now.
    if (Status status = OwnedDirectoryBelow(mail.get(), sub, paths.mail_dir + "/" + sub, uid, uid, 0750); !status.ok()) {
      return status;
    }
  }
  std::string trigger = paths.mail_dir + "/trigger";
  if (::mkfifoat(mail.get(), "trigger", 0600) != 0 && errno != EEXIST) return Error::FromErrno("mkfifo " + trigger);
  struct stat info {};
  if (::fstatat(mail.get(), "trigger", &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(info.st_mode) && info.st_uid != uid &&
      ::fchownat(mail.get(), "trigger", uid, uid, AT_SYMLINK_NOFOLLOW) != 0) {
    return Error::FromErrno("chown " + trigger);
  }
  if (fs::is_directory(paths.nullmailer_dir)) {
    std::string domain = site.host.empty() ? "localhost" : site.host;
    for (const auto& [name, content] : {std::pair<std::string, std::string>{"me", domain + "\n"},
                                        {"defaultdomain", domain + "\n"},
                                        {"defaulthost", domain + "\n"},
                                        {"remotes", ""}}) {
      auto written = WriteFileAtomically(paths.nullmailer_dir + "/" + name, content, {.mode = 0644});
      if (!written.ok()) return written.error();
    }
  }
  return Status::Ok();
}

std::optional<std::string> PrepareVhostAndCertificate(const SiteEnvironment& site, const SitePaths& paths) {
  if (site.host.empty()) return std::nullopt;
  bool has_vhost = false;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(paths.vhost_dir(), error)) {
    has_vhost = has_vhost || entry.path().extension() == ".vhost";
  }
  if (error) return "list " + paths.vhost_dir() + ": " + error.message();
  std::string base = paths.site_dir + "/conf/certificates/" + site.host;
  if (!fs::exists(base + ".crt") || !fs::exists(base + ".key")) {
    auto run = RunAndCapture({.argv = SelfSignedCertificateCommand(site, base + ".key", base + ".crt")}, 64 * 1024,
                             std::chrono::seconds(30));
    if (!run.ok()) return "make a self-signed certificate: " + run.error().message();
    if (!run->status.Succeeded()) return "make a self-signed certificate: openssl " + run->status.ToString() + ": " + run->output;
    ::chmod((base + ".key").c_str(), 0600);
    spdlog::info("made a self-signed certificate for {} (+{} aliases)", site.host, site.aliases.size());
  }
  if (!has_vhost) {
    std::string path = paths.vhost_dir() + "/" + site.host + ".vhost";
    if (Status status = WriteSiteFile(path, RenderDefaultVhost(site, paths.site_dir, base)); !status.ok()) return status.ToString();
    spdlog::info("wrote the default vhost {}", path);
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> ReadSiteControlledFile(const std::string& path, size_t limit) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) return Error::FromErrno("open " + path);
  struct stat info;
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) || static_cast<size_t>(info.st_size) > limit) {
    return Error(path + ": not a regular file of at most " + std::to_string(limit) + " bytes");
  }
  std::string content(static_cast<size_t>(info.st_size), '\0');
  ssize_t got = ::read(fd.get(), content.data(), content.size());
  if (got < 0) return Error::FromErrno("read " + path);
  content.resize(static_cast<size_t>(got));
  return content;
}

Status WriteSiteFile(const std::string& path, const std::string& content) {
  auto written = WriteFileAtomically(path, content, {.mode = 0644});
  if (!written.ok()) return written.error();
  return Status::Ok();
}

Result<ContainerPrepared> PrepareContainer(const SiteEnvironment& site, const SitePaths& paths) {
  ContainerPrepared prepared;
  if (Status status = RemapWwwData(site, paths); !status.ok()) return status.error();
  if (Status status = HandContainerDirectories(site, paths); !status.ok()) return status.error();
  if (Status status = PreparePhp(site, paths); !status.ok()) return status.error();
  if (Status status = PrepareFilesRoot(site, paths, prepared); !status.ok()) return status.error();
  if (Status status = PrepareMail(site, paths); !status.ok()) return status.error();
  return prepared;
}

std::vector<std::string> PrepareSiteFiles(const SiteEnvironment& site, const SitePaths& paths, const ContainerPrepared&) {
  std::vector<std::string> problems;
  bool html_created = false;
  for (const char* sub : {"/html", "/logs", "/cgi-bin", "/conf", "/conf/apache2", "/conf/certificates"}) {
    std::string path = paths.site_dir + sub;
    if (::mkdir(path.c_str(), 0755) == 0) {
      html_created = html_created || std::string(sub) == "/html";
    } else if (errno != EEXIST) {
      problems.push_back(Error::FromErrno("create " + path).message());
    }
  }
  if (html_created) {
    spdlog::info("new site: created {} with a placeholder page", paths.site_dir);
    if (Status status = WriteSiteFile(paths.site_dir + "/html/index.html", RenderPlaceholderPage(site)); !status.ok()) {
      problems.push_back(status.ToString());
    }
  }
  if (auto problem = PrepareVhostAndCertificate(site, paths)) problems.push_back(*problem);
  // Older PHP code reads the database credentials from conf/database.ini; the file that counts is
  // the root-owned one the admin tool keeps outside the site's files, mounted read-only.
  std::string secret = paths.secrets_dir + "/database.ini";
  if (fs::exists(secret)) {
    auto content = ReadSiteControlledFile(secret, 4096);
    std::string copy = paths.conf_dir() + "/database.ini";
    if (!content.ok()) {
      problems.push_back(content.error().message());
    } else if (auto current = ReadSiteControlledFile(copy, 4096); !current.ok() || *current != *content) {
      auto written = WriteFileAtomically(copy, *content, {.mode = 0600});
      if (!written.ok()) problems.push_back(written.error().message());
    }
  }
  return problems;
}

}  // namespace webvps::phpserver_init
