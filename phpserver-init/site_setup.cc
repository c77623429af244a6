#include "site_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "atomic_file.h"
#include "process.h"

namespace webvps::phpserver_init {
namespace fs = std::filesystem;
namespace {

// Creates `path` owned by uid:gid if it does not exist; an existing directory is left alone.
Status EnsureDirectory(const std::string& path, uid_t uid, gid_t gid, mode_t mode, bool* created = nullptr) {
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno != EEXIST) return Error::FromErrno("create directory " + path);
    struct stat info;
    if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return Error(path + ": exists and is not a directory");
    if (created) *created = false;
    return Status::Ok();
  }
  if (::lchown(path.c_str(), uid, gid) != 0) return Error::FromErrno("chown " + path);
  if (::chmod(path.c_str(), mode) != 0) return Error::FromErrno("chmod " + path);
  if (created) *created = true;
  return Status::Ok();
}

Status WriteOwned(const std::string& path, const std::string& content, mode_t mode, uid_t uid, gid_t gid) {
  auto written = WriteFileAtomically(path, content, {.mode = mode});
  if (!written.ok()) return written.error();
  if (::lchown(path.c_str(), uid, gid) != 0) return Error::FromErrno("chown " + path);
  return Status::Ok();
}

// Opens a file the site controls without following a symlink it may have planted.
Result<std::string> ReadSiteControlledFile(const std::string& path, size_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error::FromErrno("open " + path);
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || static_cast<size_t>(info.st_size) > limit) {
    ::close(fd);
    return Error(path + ": not a regular file of at most " + std::to_string(limit) + " bytes");
  }
  std::string content(static_cast<size_t>(info.st_size), '\0');
  ssize_t got = ::read(fd, content.data(), content.size());
  ::close(fd);
  if (got < 0) return Error::FromErrno("read " + path);
  content.resize(static_cast<size_t>(got));
  return content;
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

Status PrepareLayout(const SiteEnvironment& site, const SitePaths& paths) {
  uid_t uid = static_cast<uid_t>(site.worker_uid);
  if (Status status = EnsureDirectory(paths.site_dir, uid, uid, 0755); !status.ok()) return status;
  bool html_created = false;
  if (Status status = EnsureDirectory(paths.site_dir + "/html", uid, uid, 0755, &html_created); !status.ok()) return status;
  for (const char* sub : {"/logs", "/cgi-bin", "/conf", "/conf/apache2", "/conf/certificates"}) {
    if (Status status = EnsureDirectory(paths.site_dir + sub, uid, uid, 0755); !status.ok()) return status;
  }
  if (html_created) {
    if (Status status = WriteOwned(paths.site_dir + "/html/index.html", RenderPlaceholderPage(site), 0644, uid, uid); !status.ok()) return status;
    spdlog::info("new site: created {} with a placeholder page", paths.site_dir);
  }
  return Status::Ok();
}

Status PrepareVhostAndCertificate(const SiteEnvironment& site, const SitePaths& paths) {
  if (site.host.empty()) return Status::Ok();
  bool has_vhost = false;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(paths.vhost_dir(), error)) {
    has_vhost = has_vhost || entry.path().extension() == ".vhost";
  }
  if (error) return Error("list " + paths.vhost_dir() + ": " + error.message());
  uid_t uid = static_cast<uid_t>(site.worker_uid);
  std::string base = paths.site_dir + "/conf/certificates/" + site.host;
  if (!fs::exists(base + ".crt") || !fs::exists(base + ".key")) {
    auto run = RunAndCapture({.argv = SelfSignedCertificateCommand(site, base + ".key", base + ".crt")});
    if (!run.ok()) return run.error().Wrap("make a self-signed certificate");
    if (!run->status.Succeeded()) return Error("make a self-signed certificate: openssl " + run->status.ToString() + ": " + run->output);
    ::lchown((base + ".key").c_str(), uid, uid);
    ::chmod((base + ".key").c_str(), 0600);
    ::lchown((base + ".crt").c_str(), uid, uid);
    spdlog::info("made a self-signed certificate for {} (+{} aliases)", site.host, site.aliases.size());
  }
  if (!has_vhost) {
    std::string path = paths.vhost_dir() + "/" + site.host + ".vhost";
    if (Status status = WriteOwned(path, RenderDefaultVhost(site, paths.site_dir, base), 0644, uid, uid); !status.ok()) return status;
    spdlog::info("wrote the default vhost {}", path);
  }
  return Status::Ok();
}

Status PreparePhp(const SiteEnvironment& site, const SitePaths& paths) {
  for (const auto& dir : paths.php_conf_dirs) {
    if (!fs::is_directory(dir)) continue;
    auto written = WriteFileAtomically(dir + "/90-webvps.ini", RenderPhpIni(site), {.mode = 0644});
    if (!written.ok()) return written.error();
  }
  return Status::Ok();
}

// nullmailer only queues here: /var/spool/nullmailer is a link to the site's mail volume, and
// no nullmailer-send runs, so nothing is ever sent from inside the container.
Status PrepareMail(const SiteEnvironment& site, const SitePaths& paths) {
  struct passwd* mail = ::getpwnam("mail");
  uid_t mail_uid = mail ? mail->pw_uid : 8;
  gid_t mail_gid = mail ? mail->pw_gid : 8;
  if (Status status = EnsureDirectory(paths.mail_dir, 0, 0, 0755); !status.ok()) return status;
  for (const char* sub : {"/queue", "/tmp"}) {
    std::string path = paths.mail_dir + sub;
    bool created = false;
    if (Status status = EnsureDirectory(path, mail_uid, mail_gid, 0750, &created); !status.ok()) return status;
    // An admin's script may have made them as root; nullmailer-queue runs as mail and must write.
    struct stat info {};
    if (!created && ::lstat(path.c_str(), &info) == 0 && (info.st_uid != mail_uid || info.st_gid != mail_gid)) {
      if (::lchown(path.c_str(), mail_uid, mail_gid) != 0) return Error::FromErrno("chown " + path);
      if (::chmod(path.c_str(), 0750) != 0) return Error::FromErrno("chmod " + path);
    }
  }
  std::string trigger = paths.mail_dir + "/trigger";
  if (::mkfifo(trigger.c_str(), 0600) == 0) {
    ::lchown(trigger.c_str(), mail_uid, mail_gid);
  } else if (errno != EEXIST) {
    return Error::FromErrno("mkfifo " + trigger);
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

// Debian's cron ignores crontabs with more than one hard link, which image layers produce:
// rewrite them as fresh files.
Status TouchCrontabs(const SitePaths& paths) {
  std::vector<std::string> files;
  if (fs::is_regular_file(paths.system_crontab)) files.push_back(paths.system_crontab);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(paths.cron_d, error)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  for (const auto& file : files) {
    struct stat info;
    if (::stat(file.c_str(), &info) != 0 || info.st_nlink <= 1) continue;
    auto content = ReadFile(file);
    if (!content.ok()) return content.error();
    auto written = WriteFileAtomically(file, *content, {.mode = info.st_mode & 07777});
    if (!written.ok()) return written.error();
  }
  return Status::Ok();
}

}  // namespace

Status WriteSiteFile(const SiteEnvironment& site, const std::string& path, const std::string& content) {
  return WriteOwned(path, content, 0644, static_cast<uid_t>(site.worker_uid), static_cast<gid_t>(site.worker_uid));
}

Result<std::string> InstallSiteCrontab(const SiteEnvironment& site, const SitePaths& paths) {
  std::string source = paths.conf_dir() + "/crontab";
  std::string target = paths.cron_spool + "/" + paths.crontab_user;
  if (!fs::exists(fs::symlink_status(source))) {
    if (::unlink(target.c_str()) == 0) return std::string("removed the site crontab (conf/crontab is gone)");
    return std::string("no site crontab");
  }
  auto content = ReadSiteControlledFile(source, 64 * 1024);
  if (!content.ok()) return content.error().Wrap("install conf/crontab");
  if (!content->empty() && content->back() != '\n') *content += '\n';  // cron ignores a last line without one
  struct group* crontab = ::getgrnam("crontab");
  gid_t gid = crontab ? crontab->gr_gid : 0;
  if (Status status = WriteOwned(target, *content, 0600, static_cast<uid_t>(site.worker_uid), gid); !status.ok()) {
    return status.error().Wrap("install conf/crontab");
  }
  return "installed conf/crontab for " + paths.crontab_user;
}

Status PrepareSite(const SiteEnvironment& site, const SitePaths& paths) {
  if (Status status = RemapWwwData(site, paths); !status.ok()) return status;
  if (Status status = PrepareLayout(site, paths); !status.ok()) return status;
  if (Status status = PrepareVhostAndCertificate(site, paths); !status.ok()) return status;
  if (Status status = PreparePhp(site, paths); !status.ok()) return status;
  if (Status status = PrepareMail(site, paths); !status.ok()) return status;
  if (Status status = TouchCrontabs(paths); !status.ok()) return status;
  auto crontab = InstallSiteCrontab(site, paths);
  if (!crontab.ok()) {
    spdlog::warn("{}", crontab.error().message());  // a bad crontab must not keep the site down
  } else {
    spdlog::info("{}", *crontab);
  }
  return Status::Ok();
}

}  // namespace webvps::phpserver_init
