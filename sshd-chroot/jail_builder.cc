#include "jail_builder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <map>

#include "atomic_file.h"
#include "config.h"
#include "remove_tree.h"

namespace webvps::sshd_chroot {
namespace {

// What a jail may hold at its root besides the site's own directories (www, home, mysql).
const std::set<std::string> kManagedNames = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "tmp", "var"};
// What a shell jail put into the site's files before the jail root moved to volumes/.
const std::set<std::string> kOldJailNames = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "tmp"};

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string NameOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool StatAt(int dir, const std::string& name, struct stat& info) {
  return ::fstatat(dir, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<std::string> ReadAt(int dir, const std::string& name) {
  int fd = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno("open " + name);
  UniqueFd file(fd);
  std::string content;
  char buffer[8192];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) content.append(buffer, static_cast<size_t>(n));
  return content;
}

std::vector<std::string> ListDirectory(int dir) {
  std::vector<std::string> names;
  DIR* stream = ::fdopendir(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
  if (stream == nullptr) return names;
  ::rewinddir(stream);
  while (dirent* entry = ::readdir(stream)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(stream);
  return names;
}

// Removes `name` below `dir`, root's entries only (`owner` stands for root in tests).
Status RemoveOwned(int dir, const std::string& name, const std::string& shown, uid_t owner, JailBuildStats& stats) {
  auto removed = RemoveTree(dir, name, shown, {.only_owner = owner});
  if (!removed.ok()) return removed.error();
  stats.removed += static_cast<int>(removed->removed);
  stats.kept += static_cast<int>(removed->kept);
  return {};
}

Result<JailBuildStats> RemoveNames(int jail, const std::set<std::string>& names, const std::set<std::string>& keep,
                                   const std::string& shown, uid_t owner) {
  JailBuildStats stats;
  for (const auto& name : names) {
    if (keep.contains(name)) continue;
    struct stat info {};
    if (!StatAt(jail, name, info) || info.st_uid != owner) continue;  // absent, or the site's own
    if (Status status = RemoveOwned(jail, name, shown, owner, stats); !status.ok()) return status.error();
  }
  return stats;
}

// Opens a site's jail path one component at a time from /, never through a symlink, showing
// each component to `visit` (which may fix it); returns the jail root's descriptor.
Result<UniqueFd> WalkJailPath(const JailLayout& layout, const std::string& site,
                              const std::function<Status(int fd, const struct stat& info, const std::string& shown)>& visit) {
  UniqueFd current(::open("/", kDirectoryNoFollow));
  if (!current) return Error::FromErrno("open /");
  std::string shown;
  for (const auto& component : SplitList(layout.JailRoot(site), '/')) {
    shown += "/" + component;
    int next = ::openat(current.get(), component.c_str(), kDirectoryNoFollow);
    if (next < 0) {
      if (errno == ENOENT) return Error(shown + " does not exist: the site's files are not there yet");
      if (errno == ELOOP || errno == ENOTDIR) return Error(shown + " is a symlink or not a directory");
      return Error::FromErrno("open " + shown);
    }
    current = UniqueFd(next);
    struct stat info {};
    if (::fstat(next, &info) != 0) return Error::FromErrno("stat " + shown);
    if (Status status = visit(next, info, shown); !status.ok()) return status.error();
  }
  return current;
}

class Builder {
 public:
  Builder(int jail, int store, uid_t owner) : jail_(jail), store_(store), owner_(owner) {}

  Result<JailBuildStats> Build(const JailPlan& plan) {
    // The managed names first: one that is not root's stops the build before any change.
    for (const auto& name : plan.top_level) {
      struct stat info {};
      if (!StatAt(jail_, name, info) || info.st_uid == owner_) continue;
      return Error(name + " at the jail's root belongs to uid " + std::to_string(info.st_uid) +
                   ", not root: it is in the way of the jail");
    }
    // What the jail managed and this plan does not hold goes (a shell's tools, once SFTP only).
    auto pruned = RemoveNames(jail_, kManagedNames, plan.top_level, "the jail", owner_);
    if (!pruned.ok()) return pruned.error();
    stats_.removed += pruned->removed;
    stats_.kept += pruned->kept;
    std::set<std::string> planned;
    for (const auto& entry : plan.entries) {
      planned.insert(entry.path);
      if (Status status = Apply(entry); !status.ok()) return status.error().Wrap(entry.path);
    }
    for (const auto& [path, fd] : directories_) {
      if (path == "tmp") continue;  // its content is the webmaster's
      if (Status status = Prune(path, fd.get(), planned); !status.ok()) return status.error();
    }
    return std::move(stats_);
  }

 private:
  int DirectoryFd(const std::string& path) {
    if (path.empty()) return jail_;
    auto it = directories_.find(path);
    return it == directories_.end() ? -1 : it->second.get();
  }

  // Makes room for a new entry at `name`: whatever root left there goes (a file where a
  // directory goes, a stale link), counted as replaced; else the entry is counted as created.
  Status MakeRoom(int parent, const std::string& name, bool exists, const struct stat& info) {
    if (!exists) {
      ++stats_.created;
      return {};
    }
    return Clear(parent, name, info);
  }

  // Removes what root left at `name`; anything of another owner is in the way.
  Status Clear(int parent, const std::string& name, const struct stat& info) {
    if (info.st_uid != owner_) return Error("belongs to uid " + std::to_string(info.st_uid) + ", not root");
    JailBuildStats cleared;
    if (Status status = RemoveOwned(parent, name, name, owner_, cleared); !status.ok()) return status;
    if (cleared.kept > 0) return Error("holds files of another owner; left in place");
    ++stats_.replaced;
    return {};
  }

  Status Apply(const JailEntry& entry) {
    int parent = DirectoryFd(ParentOf(entry.path));
    if (parent < 0) return Error("its directory could not be made");
    std::string name = NameOf(entry.path);
    struct stat info {};
    bool exists = StatAt(parent, name, info);
    switch (entry.kind) {
      case JailEntry::Kind::kDirectory: {
        if (exists && !S_ISDIR(info.st_mode)) {
          if (Status status = Clear(parent, name, info); !status.ok()) return status;
          exists = false;
        }
        if (!exists) {
          if (::mkdirat(parent, name.c_str(), 0700) != 0) return Error::FromErrno("mkdir");
          ++stats_.created;
        } else {
          ++stats_.unchanged;
        }
        int fd = ::openat(parent, name.c_str(), kDirectoryNoFollow);
        if (fd < 0) return Error::FromErrno("open");
        UniqueFd dir(fd);
        struct stat opened {};
        if (::fstat(fd, &opened) != 0) return Error::FromErrno("stat");
        if (opened.st_uid != owner_ && ::fchown(fd, owner_, static_cast<gid_t>(-1)) != 0) return Error::FromErrno("chown");
        if ((opened.st_mode & 07777) != entry.mode && ::fchmod(fd, entry.mode) != 0) return Error::FromErrno("chmod");
        directories_[entry.path] = std::move(dir);
        return {};
      }
      case JailEntry::Kind::kLink: {
        struct stat source {};
        if (::fstatat(store_, entry.source.c_str(), &source, AT_SYMLINK_NOFOLLOW) != 0) return Error::FromErrno("the store's copy");
        if (exists && info.st_ino == source.st_ino && info.st_dev == source.st_dev) {
          ++stats_.unchanged;
          return {};
        }
        if (Status room = MakeRoom(parent, name, exists, info); !room.ok()) return room;
        if (::linkat(store_, entry.source.c_str(), parent, name.c_str(), 0) == 0) return {};
        if (errno != EXDEV) return Error::FromErrno("link to the store");
        // The store on another file system than this jail: a copy (which costs the disk).
        auto content = ReadAt(store_, entry.source);
        if (!content.ok()) return content.error();
        return WriteFile(parent, name, *content, source.st_mode & 0755);
      }
      case JailEntry::Kind::kSymlink: {
        if (exists && S_ISLNK(info.st_mode)) {
          char target[4096];
          ssize_t length = ::readlinkat(parent, name.c_str(), target, sizeof target);
          if (length >= 0 && std::string(target, static_cast<size_t>(length)) == entry.source) {
            ++stats_.unchanged;
            return {};
          }
        }
        if (Status room = MakeRoom(parent, name, exists, info); !room.ok()) return room;
        if (::symlinkat(entry.source.c_str(), parent, name.c_str()) != 0) return Error::FromErrno("symlink");
        return {};
      }
      case JailEntry::Kind::kDevice: {
        dev_t device = makedev(entry.major, entry.minor);
        if (exists && S_ISCHR(info.st_mode) && info.st_rdev == device && info.st_uid == owner_ && (info.st_mode & 07777) == entry.mode) {
          ++stats_.unchanged;
          return {};
        }
        if (exists) {
          if (Status status = Clear(parent, name, info); !status.ok()) return status;
        }
        if (::mknodat(parent, name.c_str(), S_IFCHR | 0600, device) != 0) {
          stats_.warnings.push_back(entry.path + ": " + Error::FromErrno("mknod").message() +
                                    " (the container needs CAP_MKNOD and a file system without nodev)");
          return {};
        }
        if (!exists) ++stats_.created;
        if (::fchmodat(parent, name.c_str(), entry.mode, 0) != 0) return Error::FromErrno("chmod");
        return {};
      }
      case JailEntry::Kind::kFile: {
        if (exists && S_ISREG(info.st_mode) && info.st_uid == owner_ && (info.st_mode & 07777) == entry.mode) {
          auto content = ReadAt(parent, name);
          if (content.ok() && *content == entry.source) {
            ++stats_.unchanged;
            return {};
          }
        }
        if (exists && info.st_uid != owner_) return Error("belongs to uid " + std::to_string(info.st_uid) + ", not root");
        exists ? ++stats_.replaced : ++stats_.created;
        return WriteFile(parent, name, entry.source, entry.mode);
      }
    }
    return {};
  }

  // Writes a new file next to `name` and renames it over, so the jail never sees half a file.
  static Status WriteFile(int parent, const std::string& name, const std::string& content, mode_t mode) {
    std::string temporary = "." + name + ".sshd-chroot";
    ::unlinkat(parent, temporary.c_str(), 0);
    int fd = ::openat(parent, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Error::FromErrno("create");
    UniqueFd file(fd);
    if (Status written = WriteAll(fd, content, name); !written.ok()) return written;
    if (::fchmod(fd, mode) != 0) return Error::FromErrno("chmod");
    if (::renameat(parent, temporary.c_str(), parent, name.c_str()) != 0) return Error::FromErrno("rename");
    return {};
  }

  // Removes from a managed directory what the plan no longer holds (an upgrade's leftovers).
  Status Prune(const std::string& path, int dir, const std::set<std::string>& planned) {
    for (const auto& name : ListDirectory(dir)) {
      std::string child = path + "/" + name;
      if (planned.contains(child) || name.starts_with(".")) continue;
      if (Status status = RemoveOwned(dir, name, path, owner_, stats_); !status.ok()) return status;
    }
    return {};
  }

  int jail_;
  int store_;
  uid_t owner_;
  std::map<std::string, UniqueFd> directories_;
  JailBuildStats stats_;
};

}  // namespace

Result<JailDirs> SecureJailRoot(const JailLayout& layout, const std::string& site, std::vector<std::string>* changes) {
  auto root = WalkJailPath(layout, site, [&](int fd, const struct stat& info, const std::string& shown) -> Status {
    // OpenSSH's rule for ChrootDirectory: root's, and writable by root alone, all the way.
    if (info.st_uid != 0) {
      if (::fchown(fd, 0, static_cast<gid_t>(-1)) != 0) return Error::FromErrno("chown " + shown);
      if (changes) changes->push_back(shown + ": owner uid " + std::to_string(info.st_uid) + " -> root");
    }
    if (info.st_mode & 022) {
      if (::fchmod(fd, info.st_mode & 07755) != 0) return Error::FromErrno("chmod " + shown);
      if (changes) changes->push_back(shown + ": no longer writable by group or others");
    }
    return {};
  });
  if (!root.ok()) return root.error();
  UniqueFd files(::openat(root->get(), layout.files_subdir.c_str(), kDirectoryNoFollow));
  if (!files) {
    std::string shown = layout.FilesDir(site);
    if (errno == ENOENT) return Error(shown + " does not exist: the site's files are not there yet");
    if (errno == ELOOP || errno == ENOTDIR) return Error(shown + " is a symlink or not a directory");
    return Error::FromErrno("open " + shown);
  }
  return JailDirs{std::move(*root), std::move(files)};
}

Result<JailBuildStats> BuildJail(int jail, int store, const JailPlan& plan, uid_t owner) {
  return Builder(jail, store, owner).Build(plan);
}

Result<JailBuildStats> RemoveJail(int jail, uid_t owner) { return RemoveNames(jail, kManagedNames, {}, "the jail", owner); }

Result<JailBuildStats> RemoveOldJailFromFiles(int files, uid_t owner) {
  return RemoveNames(files, kOldJailNames, {}, "the site's files", owner);
}

std::vector<std::string> InspectJail(const JailLayout& layout, const std::string& site, const JailPlan& plan, int store) {
  std::vector<std::string> problems;
  std::string shown = layout.JailRoot(site);
  auto walked = WalkJailPath(layout, site, [&](int, const struct stat& info, const std::string& component) -> Status {
    if (info.st_uid != 0) problems.push_back(component + ": owned by uid " + std::to_string(info.st_uid) + ", not root");
    if (info.st_mode & 022) problems.push_back(component + ": writable by group or others");
    return {};
  });
  if (!walked.ok()) return {walked.error().message()};
  UniqueFd current = std::move(*walked);
  std::map<std::string, UniqueFd> directories;
  auto directory = [&](const std::string& dir) { return dir.empty() ? current.get() : directories.count(dir) ? directories[dir].get() : -1; };
  for (const auto& entry : plan.entries) {
    int parent = directory(ParentOf(entry.path));
    if (parent < 0) continue;
    struct stat info {};
    if (!StatAt(parent, NameOf(entry.path), info)) {
      problems.push_back(shown + "/" + entry.path + ": missing");
      continue;
    }
    std::string where = shown + "/" + entry.path + ": ";
    if (info.st_uid != 0) problems.push_back(where + "owned by uid " + std::to_string(info.st_uid) + ", not root");
    if (info.st_mode & 06000) problems.push_back(where + "set-user-ID or set-group-ID bit");
    switch (entry.kind) {
      case JailEntry::Kind::kDirectory: {
        if (!S_ISDIR(info.st_mode)) problems.push_back(where + "not a directory");
        else if ((info.st_mode & 07777) != entry.mode) problems.push_back(where + "mode is not the planned one");
        int fd = ::openat(parent, NameOf(entry.path).c_str(), kDirectoryNoFollow);
        if (fd >= 0) directories[entry.path] = UniqueFd(fd);
        break;
      }
      case JailEntry::Kind::kLink: {
        struct stat source {};
        if (::fstatat(store, entry.source.c_str(), &source, AT_SYMLINK_NOFOLLOW) == 0 &&
            (info.st_ino != source.st_ino || info.st_dev != source.st_dev)) {
          problems.push_back(where + "not the tool store's file (run sshd-chroot upgrade)");
        }
        break;
      }
      case JailEntry::Kind::kSymlink:
        if (!S_ISLNK(info.st_mode)) problems.push_back(where + "not a symlink");
        break;
      case JailEntry::Kind::kDevice:
        if (!S_ISCHR(info.st_mode) || info.st_rdev != makedev(entry.major, entry.minor)) problems.push_back(where + "not the planned device");
        break;
      case JailEntry::Kind::kFile:
        if (!S_ISREG(info.st_mode) || (info.st_mode & 022)) problems.push_back(where + "not a read-only regular file");
        break;
    }
  }
  return problems;
}

}  // namespace webvps::sshd_chroot
