#include "remove_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "safe_dir.h"

namespace webvps {
namespace {

// What identifies an entry, and where it lives: the mount's id where the kernel tells it
// (a bind mount of the same file system has the same st_dev), else the device.
struct Identity {
  bool ok = false;
  bool directory = false;
  uid_t owner = 0;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t mount = 0;
  bool has_mount = false;
};

Identity Identify(int dir, const char* name) {
  struct statx info {};
  Identity id;
  int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name[0] == '\0' ? AT_EMPTY_PATH : 0);
  if (::statx(dir, name, flags, STATX_TYPE | STATX_UID | STATX_INO | STATX_MNT_ID, &info) != 0) return id;
  id.ok = true;
  id.directory = S_ISDIR(info.stx_mode);
  id.owner = info.stx_uid;
  id.device = (static_cast<uint64_t>(info.stx_dev_major) << 32) | info.stx_dev_minor;
  id.inode = info.stx_ino;
  id.has_mount = (info.stx_mask & STATX_MNT_ID) != 0;
  id.mount = info.stx_mnt_id;
  return id;
}

bool SameFileSystem(const Identity& a, const Identity& b) {
  if (a.device != b.device) return false;
  return !(a.has_mount && b.has_mount) || a.mount == b.mount;
}

// The names in a directory; fails beyond `room` of them.
Result<std::vector<std::string>> ReadNames(int dir, uint64_t room, const std::string& shown) {
  DIR* stream = ::fdopendir(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
  if (stream == nullptr) return Error::FromErrno("list " + shown);
  ::rewinddir(stream);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(stream)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (names.size() >= room) {
      ::closedir(stream);
      return Error("list " + shown + ": more entries than the walk's bound allows");
    }
    names.emplace_back(name);
  }
  int saved = errno;
  ::closedir(stream);
  if (saved != 0) return Error::FromErrno("list " + shown, saved);
  return names;
}

struct Level {
  std::string name;  ///< below the level above
  Identity id;
  std::vector<std::string> pending;  ///< names still to look at
  bool keep = false;                 ///< something in it stays, so it stays
};

// Deeper than this, removing everything, a subdirectory is not entered where it is but moved up
// into the top directory first: each ".." (and each rename's ancestry check) costs the kernel a
// walk up to the mount's root when the tree is on a bind mount, as the sites' directory is, so a
// walk that stayed 100,000 levels deep would take minutes; this one stays within 64 levels.
constexpr size_t kHoistDepth = 64;

std::string PathOf(const std::string& shown, const std::vector<Level>& levels, size_t depth_shown = 3) {
  // A path 100,000 levels deep is not a useful message: its first levels and its depth.
  std::string path = shown;
  for (size_t i = 0; i < levels.size() && i < depth_shown; ++i) path += "/" + levels[i].name;
  if (levels.size() > depth_shown) path += "/... (" + std::to_string(levels.size()) + " levels)";
  return path;
}

}  // namespace

Result<RemoveTreeStats> RemoveTree(int parent, const std::string& name, const std::string& shown,
                                   const RemoveTreeOptions& options) {
  RemoveTreeStats stats;
  auto owned = [&](const Identity& id) { return !options.only_owner || id.owner == *options.only_owner; };
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Error("remove " + shown + "/" + name + ": not a name in the directory");
  }
  Identity top = Identify(parent, name.c_str());
  if (!top.ok) {
    if (errno == ENOENT) return stats;
    return Error::FromErrno("stat " + shown + "/" + name);
  }
  if (!owned(top)) {
    stats.kept = 1;
    return stats;
  }
  if (!top.directory) {
    if (::unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) return Error::FromErrno("remove " + shown + "/" + name);
    stats.removed = 1;
    stats.depth = 1;
    return stats;
  }
  Identity parent_id = Identify(parent, "");
  if (parent_id.ok && !SameFileSystem(parent_id, top)) {
    stats.kept = 1;  // a mount point: never entered, never removed
    return stats;
  }

  UniqueFd current(::openat(parent, name.c_str(), kDirectoryNoFollow));
  if (!current) return Error::FromErrno("open " + shown + "/" + name);
  Identity opened = Identify(current.get(), "");
  if (!opened.ok || opened.inode != top.inode || !SameFileSystem(opened, top)) {
    return Error("remove " + shown + "/" + name + ": it changed while being opened");
  }
  UniqueFd top_dir(::fcntl(current.get(), F_DUPFD_CLOEXEC, 0));
  if (!top_dir) return Error::FromErrno("open " + shown + "/" + name);
  uint64_t hoisted = 0;
  uint64_t seen = 1;
  auto names = ReadNames(current.get(), options.max_entries, shown + "/" + name);
  if (!names.ok()) return names.error();
  seen += names->size();
  std::vector<Level> levels;
  levels.push_back({name, top, std::move(*names)});
  stats.depth = 1;

  uint64_t looks = 0;  // entries looked at, again when one changed under the walk
  while (!levels.empty()) {
    Level& level = levels.back();
    if (!level.pending.empty()) {
      if (++looks > 2 * options.max_entries) {
        return Error("remove " + shown + "/" + name + ": gave up: the tree keeps changing under the walk");
      }
      std::string entry = std::move(level.pending.back());
      level.pending.pop_back();
      Identity id = Identify(current.get(), entry.c_str());
      if (!id.ok) {
        if (errno == ENOENT) continue;
        return Error::FromErrno("stat " + PathOf(shown, levels) + "/" + entry);
      }
      if (!owned(id) || !SameFileSystem(id, top)) {
        ++stats.kept;
        level.keep = true;
        continue;
      }
      if (!id.directory) {
        if (::unlinkat(current.get(), entry.c_str(), 0) == 0) {
          ++stats.removed;
        } else if (errno != ENOENT) {
          return Error::FromErrno("remove " + PathOf(shown, levels) + "/" + entry);
        }
        continue;
      }
      if (!options.only_owner && levels.size() >= kHoistDepth) {
        // Moved (never followed: rename moves a symlink put there meanwhile, which is then
        // removed as one) into the top directory under a name of its own, and removed from there.
        std::string moved;
        bool done = false;
        for (int attempt = 0; attempt < 100 && !done; ++attempt) {
          moved = ".webvps-removing-" + std::to_string(++hoisted);
          done = ::renameat2(current.get(), entry.c_str(), top_dir.get(), moved.c_str(), RENAME_NOREPLACE) == 0;
          if (!done && errno != EEXIST) break;
        }
        if (done) {
          levels.front().pending.push_back(std::move(moved));
          continue;
        }
        if (errno == ENOENT) continue;
        // A mount point (EBUSY) or anything else: entered where it is, as above this depth.
      }
      int fd = ::openat(current.get(), entry.c_str(), kDirectoryNoFollow);
      if (fd < 0) {
        if (errno == ENOENT) continue;
        // Replaced by a symlink or a file since the stat: it is looked at again, as what it is now.
        if (errno == ELOOP || errno == ENOTDIR) {
          level.pending.push_back(std::move(entry));
          continue;
        }
        return Error::FromErrno("open " + PathOf(shown, levels) + "/" + entry);
      }
      UniqueFd child(fd);
      Identity child_id = Identify(fd, "");
      if (!child_id.ok || child_id.inode != id.inode || !SameFileSystem(child_id, top) || !owned(child_id)) {
        ++stats.kept;
        level.keep = true;
        continue;
      }
      if (seen >= options.max_entries) {
        return Error("remove " + shown + "/" + name + ": gave up after " + std::to_string(seen) +
                     " entries (the walk's bound); " + std::to_string(stats.removed) + " removed");
      }
      auto child_names = ReadNames(fd, options.max_entries - seen, PathOf(shown, levels) + "/" + entry);
      if (!child_names.ok()) return child_names.error();
      seen += child_names->size() + 1;
      levels.push_back({std::move(entry), child_id, std::move(*child_names)});
      stats.depth = std::max<uint64_t>(stats.depth, levels.size());
      current = std::move(child);
      continue;
    }
    // Everything below this level is done: climb, and remove it unless something stays.
    Level done = std::move(levels.back());
    levels.pop_back();
    UniqueFd above;
    int above_fd = parent;
    if (!levels.empty()) {
      above = UniqueFd(::openat(current.get(), "..", kDirectoryNoFollow));
      if (!above) return Error::FromErrno("open the parent of " + PathOf(shown, levels) + "/" + done.name);
      Identity above_id = Identify(above.get(), "");
      if (!above_id.ok || above_id.inode != levels.back().id.inode || !SameFileSystem(above_id, levels.back().id)) {
        return Error("remove " + PathOf(shown, levels) + "/" + done.name +
                     ": it was moved during the removal; stopped there (" + std::to_string(stats.removed) + " removed)");
      }
      above_fd = above.get();
    }
    if (done.keep) {
      if (!levels.empty()) levels.back().keep = true;
    } else if (::unlinkat(above_fd, done.name.c_str(), AT_REMOVEDIR) == 0) {
      ++stats.removed;
    } else if (errno == ENOTEMPTY || errno == EEXIST) {
      ++stats.kept;  // something was created in it meanwhile
      if (!levels.empty()) levels.back().keep = true;
    } else if (errno != ENOENT) {
      return Error::FromErrno("remove " + PathOf(shown, levels) + "/" + done.name);
    }
    if (!levels.empty()) current = std::move(above);
  }
  return stats;
}

}  // namespace webvps
