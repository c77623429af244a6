#include "site_files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <regex>

#include "atomic_file.h"
#include "config.h"
#include "password.h"

namespace webvps::admin {
namespace {

struct DirSpec {
  uid_t uid;
  gid_t gid;
  mode_t mode;
};

// A directory `name` below `parent`: made with `spec` when missing; an existing one opened
// without following a link, and given `spec`'s owner and mode when `enforce`.
Result<UniqueFd> Directory(int parent, const std::string& name, const std::string& shown, DirSpec spec, bool enforce,
                           std::vector<std::string>& changes) {
  bool made = ::mkdirat(parent, name.c_str(), spec.mode) == 0;
  if (!made && errno != EEXIST) return Error::FromErrno("create " + shown);
  UniqueFd dir(::openat(parent, name.c_str(), kDirectoryNoFollow));
  if (!dir) {
    if (errno == ELOOP || errno == ENOTDIR) return Error(shown + " is a symlink or not a directory: refused");
    return Error::FromErrno("open " + shown);
  }
  struct stat info {};
  if (::fstat(dir.get(), &info) != 0) return Error::FromErrno("stat " + shown);
  if (made || enforce) {
    if ((info.st_mode & 07777) != spec.mode && ::fchmod(dir.get(), spec.mode) != 0) return Error::FromErrno("chmod " + shown);
    if ((info.st_uid != spec.uid || info.st_gid != spec.gid) && ::fchown(dir.get(), spec.uid, spec.gid) != 0) {
      return Error::FromErrno("chown " + shown);
    }
    if (!made && (info.st_uid != spec.uid || (info.st_mode & 07777) != spec.mode)) {
      char line[160];
      std::snprintf(line, sizeof line, ": uid %u mode %04o -> uid %u mode %04o", info.st_uid, info.st_mode & 07777, spec.uid,
                    spec.mode);
      changes.push_back(shown + line);
    }
  }
  if (made) changes.push_back("created " + shown);
  return dir;
}

std::string RandomPassword() {
  std::string password;
  for (int i = 0; i < 2; ++i) password += GeneratePassword(SystemRandom());
  return password.substr(0, 32);
}

std::map<std::string, std::string> IniValues(std::string_view text) {
  std::map<std::string, std::string> values;
  for (std::string_view view : SplitLines(text)) {
    std::string line(view);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == ';' || line[first] == '#') continue;
    size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    auto trim = [](std::string value) {
      size_t a = value.find_first_not_of(" \t\r");
      size_t b = value.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : value.substr(a, b - a + 1);
    };
    values[trim(line.substr(0, equals))] = trim(line.substr(equals + 1));
  }
  return values;
}

}  // namespace

Result<std::string> ReadFileAt(int dir, const std::string& name, size_t limit, const std::string& shown) {
  UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) {
    if (errno == ELOOP) return Error(shown + " is a symlink: refused");
    return Error::FromErrno("open " + shown);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) return Error(shown + " is not a regular file: refused");
  if (static_cast<size_t>(info.st_size) > limit) return Error(shown + " is larger than " + std::to_string(limit) + " bytes");
  std::string content(static_cast<size_t>(info.st_size), '\0');
  ssize_t got = ::read(fd.get(), content.data(), content.size());
  if (got < 0) return Error::FromErrno("read " + shown);
  content.resize(static_cast<size_t>(got));
  return content;
}

Status WriteRootFile(int dir, const std::string& name, std::string_view content, mode_t mode, gid_t group,
                     const std::string& shown, uid_t root) {
  unsigned char random[6];
  SystemRandom()(random, sizeof random);
  std::string temporary = "." + name + ".";
  for (unsigned char byte : random) temporary += "0123456789abcdef"[byte % 16];
  UniqueFd fd(::openat(dir, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error::FromErrno("create " + shown);
  Status status = WriteAll(fd.get(), content, shown);
  if (status.ok() && ::fsync(fd.get()) != 0) status = Error::FromErrno("fsync " + shown);
  if (status.ok() && ::fchown(fd.get(), root, group) != 0) status = Error::FromErrno("chown " + shown);
  if (status.ok() && ::fchmod(fd.get(), mode) != 0) status = Error::FromErrno("chmod " + shown);
  if (status.ok() && ::renameat(dir, temporary.c_str(), dir, name.c_str()) != 0) status = Error::FromErrno("rename " + shown);
  if (!status.ok()) {
    ::unlinkat(dir, temporary.c_str(), 0);
    return status;
  }
  ::fsync(dir);
  return {};
}

std::string NewDatabaseIni(const std::string& site) {
  std::string db = site;
  for (char& c : db) {
    if (c == '-') c = '_';
  }
  return "; The site's database (webvps admin tool). PHP: parse_ini_file('/run/secrets/database.ini')\n"
         "host = db\n"
         "name = " + db + "\n"
         "user = " + db.substr(0, 32) + "\n"
         "password = " + RandomPassword() + "\n";
}

std::string DatabaseIniProblem(std::string_view text) {
  auto values = IniValues(text);
  static const std::regex kName("[a-z][a-z0-9_]{0,63}"), kUser("[a-z][a-z0-9_]{0,31}"), kPassword("[A-Za-z0-9]{16,128}");
  if (!std::regex_match(values["name"], kName)) return "name: expected [a-z][a-z0-9_]{0,63}";
  if (!std::regex_match(values["user"], kUser)) return "user: expected [a-z][a-z0-9_]{0,31}";
  if (!std::regex_match(values["password"], kPassword)) return "password: expected 16 to 128 letters and digits";
  return "";
}

Result<std::vector<std::string>> PrepareSiteDirectories(int sites_dir, const std::string& name, const SiteDirsOptions& options) {
  std::vector<std::string> changes;
  uid_t uid = static_cast<uid_t>(options.uid);
  const DirSpec root{options.root, options.root, 0755};
  auto site = Directory(sites_dir, name, name, root, true, changes);
  if (!site.ok()) return site.error();
  auto volumes = Directory(site->get(), "volumes", name + "/volumes", root, true, changes);
  if (!volumes.ok()) return volumes.error();

  // The site's files: its uid's. Those of an older layout were root's (the jail root was here).
  std::string www_shown = name + "/volumes/www";
  bool made = ::mkdirat(volumes->get(), "www", 0755) == 0;
  if (!made && errno != EEXIST) return Error::FromErrno("create " + www_shown);
  UniqueFd www(::openat(volumes->get(), "www", kDirectoryNoFollow));
  if (!www) return Error(www_shown + " is a symlink or not a directory: refused");
  struct stat info {};
  if (::fstat(www.get(), &info) != 0) return Error::FromErrno("stat " + www_shown);
  if (info.st_uid != options.root && info.st_uid != uid) {
    return Error(www_shown + " belongs to uid " + std::to_string(info.st_uid) + ", not to this site's uid " + std::to_string(uid) +
                 ": refusing to hand another uid's files to this site (move them away or give the site its old id)");
  }
  if (info.st_uid != uid || info.st_gid != uid) {
    if (::fchown(www.get(), uid, uid) != 0) return Error::FromErrno("chown " + www_shown);
    changes.push_back(made ? "created " + www_shown : www_shown + ": now the site's (it was root's)");
  }
  for (const auto& [sub, mode] : {std::pair<const char*, mode_t>{".ssh", 0700}, {"backup", 0755}}) {
    if (auto dir = Directory(www.get(), sub, www_shown + "/" + sub, {uid, uid, mode}, false, changes); !dir.ok()) {
      changes.push_back(dir.error().message() + " (left alone)");
    }
  }
  auto home = Directory(volumes->get(), "home", name + "/volumes/home", root, true, changes);
  if (!home.ok()) return home.error();
  auto mail = Directory(home->get(), "mail", name + "/volumes/home/mail", root, true, changes);
  if (!mail.ok()) return mail.error();
  auto secrets = Directory(site->get(), "secrets", name + "/secrets", {options.root, uid, 0750}, true, changes);
  if (!secrets.ok()) return secrets.error();

  if (options.lamp) {
    auto mysql = Directory(volumes->get(), "mysql", name + "/volumes/mysql", {uid, uid, 0700}, false, changes);
    if (!mysql.ok()) return mysql.error();
    struct stat secret {};
    if (::fstatat(secrets->get(), "database.ini", &secret, AT_SYMLINK_NOFOLLOW) != 0) {
      std::string content = NewDatabaseIni(name);
      // Credentials an older version kept in the site's files move out of the site's reach.
      if (auto conf = OpenBelow(www.get(), "conf", www_shown + "/conf"); conf.ok()) {
        struct stat old {};
        if (::fstatat(conf->get(), "database.ini", &old, AT_SYMLINK_NOFOLLOW) == 0) {
          auto text = ReadFileAt(conf->get(), "database.ini", 4096, www_shown + "/conf/database.ini");
          if (!text.ok()) return text.error();
          if (std::string problem = DatabaseIniProblem(*text); !problem.empty()) {
            return Error(www_shown + "/conf/database.ini: " + problem);
          }
          content = *text;
          changes.push_back("moved the database credentials from " + www_shown + "/conf/database.ini to " + name + "/secrets/");
        }
      }
      if (Status written = WriteRootFile(secrets->get(), "database.ini", content, 0440, uid, name + "/secrets/database.ini",
                                         options.root);
          !written.ok()) {
        return written.error();
      }
      if (changes.empty() || !changes.back().starts_with("moved")) changes.push_back("made the database credentials in " + name + "/secrets/");
    }
  }
  return changes;
}

}  // namespace webvps::admin
