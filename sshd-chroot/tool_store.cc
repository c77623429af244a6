#include "tool_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "atomic_file.h"
#include "safe_dir.h"

namespace webvps::sshd_chroot {
namespace fs = std::filesystem;
namespace {

Status CopyFile(const std::string& from, const std::string& to, mode_t mode) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return Error::FromErrno("read " + from);
  struct stat info {};
  if (::fstat(in.get(), &info) != 0) return Error::FromErrno("stat " + from);
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return Error::FromErrno("create " + to);
  for (off_t offset = 0; offset < info.st_size;) {
    ssize_t sent = ::sendfile(out.get(), in.get(), &offset, static_cast<size_t>(info.st_size - offset));
    if (sent < 0) return Error::FromErrno("copy " + from);
    if (sent == 0) break;
  }
  // Read-only to everyone: a hard link in a jail shares this very inode.
  if (::fchown(out.get(), 0, 0) != 0 || ::fchmod(out.get(), mode & 0555) != 0) return Error::FromErrno("chmod " + to);
  return {};
}

}  // namespace

Result<bool> EnsureToolStore(const std::string& store_root, const std::string& version, const ToolSet& tools,
                             const std::string& source_root) {
  std::string final_dir = store_root + "/" + version;
  struct stat info {};
  if (::lstat(final_dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return false;
  std::error_code error;
  fs::create_directories(store_root, error);
  if (error) return Error("create " + store_root + ": " + error.message());
  if (::chown(store_root.c_str(), 0, 0) != 0 || ::chmod(store_root.c_str(), 0755) != 0) {
    return Error::FromErrno("make " + store_root + " root's");
  }
  std::string building = store_root + "/." + version + ".building";
  fs::remove_all(building, error);
  if (::mkdir(building.c_str(), 0755) != 0) return Error::FromErrno("create " + building);
  std::string source = source_root == "/" ? "" : source_root;
  for (const auto& entry : tools.entries) {
    std::string target = building + entry.path;
    switch (entry.kind) {
      case ToolEntry::Kind::kDirectory:
        if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) return Error::FromErrno("create " + target);
        break;
      case ToolEntry::Kind::kSymlink:
        if (::symlink(entry.target.c_str(), target.c_str()) != 0) return Error::FromErrno("symlink " + target);
        break;
      case ToolEntry::Kind::kFile:
        if (Status copied = CopyFile(source + entry.path, target, entry.mode); !copied.ok()) return copied.error();
        break;
    }
  }
  if (auto manifest = WriteFileAtomically(building + "/.manifest", ToolManifest(tools.entries)); !manifest.ok()) {
    return manifest.error();
  }
  if (::rename(building.c_str(), final_dir.c_str()) != 0) return Error::FromErrno("rename " + building);
  return true;
}

int PruneToolStore(const std::string& store_root, const std::string& keep) {
  int removed = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(store_root, error)) {
    if (entry.path().filename() == keep) continue;
    fs::remove_all(entry.path(), error);
    if (!error) ++removed;
  }
  return removed;
}

}  // namespace webvps::sshd_chroot
