#include "site_mail_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "atomic_file.h"

namespace webvps::mailer {
namespace {

Result<UniqueFd> OpenOrCreateChild(int parent, const char* name, const struct stat& owner, const std::string& shown) {
  int fd = ::openat(parent, name, kDirectoryNoFollow);
  if (fd < 0 && errno == ENOENT) {
    if (::mkdirat(parent, name, 0750) != 0 && errno != EEXIST) return Error::FromErrno("create " + shown);
    fd = ::openat(parent, name, kDirectoryNoFollow);
    if (fd >= 0 && ::fchown(fd, owner.st_uid, owner.st_gid) != 0 && errno != EPERM) {
      ::close(fd);
      return Error::FromErrno("chown " + shown);
    }
  }
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) return Error("open " + shown + ": a symlink or not a directory");
    return Error::FromErrno("open " + shown);
  }
  return UniqueFd(fd);
}

Status WriteSmallFile(int dir, const std::string& name, const std::string& content) {
  int fd = ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return Error::FromErrno("create " + name);
  Status written = WriteAll(fd, content, name);
  ::close(fd);
  return written;
}

}  // namespace

Result<SiteMailDir> SiteMailDir::Open(const std::string& sites_root, const std::string& relative) {
  UniqueFd root(::open(sites_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::FromErrno("open " + sites_root);
  std::string shown = sites_root + "/" + relative;
  auto mail = OpenBelow(root.get(), relative, shown);
  if (!mail.ok()) return mail.error();
  struct stat mail_stat {};
  if (::fstat(mail->get(), &mail_stat) != 0) return Error::FromErrno("stat " + shown);
  SiteMailDir dir;
  int queue = ::openat(mail->get(), "queue", kDirectoryNoFollow);
  if (queue < 0) {
    if (errno == ELOOP || errno == ENOTDIR) return Error("open " + shown + "/queue: a symlink or not a directory");
    return Error::FromErrno("open " + shown + "/queue");
  }
  dir.queue_ = UniqueFd(queue);
  auto sent = OpenOrCreateChild(mail->get(), "sent", mail_stat, shown + "/sent");
  if (!sent.ok()) return sent.error();
  auto failed = OpenOrCreateChild(mail->get(), "failed", mail_stat, shown + "/failed");
  if (!failed.ok()) return failed.error();
  struct stat queue_stat {};
  ::fstat(dir.queue_.get(), &queue_stat);
  dir.device_ = queue_stat.st_dev;
  dir.inode_ = queue_stat.st_ino;
  dir.mail_ = std::move(*mail);
  dir.mail_stat_ = mail_stat;
  dir.sent_ = std::move(*sent);
  dir.failed_ = std::move(*failed);
  return dir;
}

Result<std::vector<SiteMailDir::Entry>> SiteMailDir::ListQueue() const {
  int fd = ::openat(queue_.get(), ".", kDirectoryNoFollow);
  if (fd < 0) return Error::FromErrno("open queue");
  DIR* listing = ::fdopendir(fd);
  if (!listing) {
    ::close(fd);
    return Error::FromErrno("list queue");
  }
  std::vector<Entry> names;
  while (dirent* entry = ::readdir(listing)) {
    if (entry->d_name[0] == '.') continue;
    struct stat info {};
    std::chrono::system_clock::time_point modified{};
    if (::fstatat(fd, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0) {
      modified = std::chrono::system_clock::time_point(std::chrono::seconds(info.st_mtim.tv_sec));
    }
    names.push_back({entry->d_name, modified});
  }
  ::closedir(listing);
  return names;
}

SiteMailDir::ReadResult SiteMailDir::ReadQueueHead(const std::string& name, size_t head_bytes, int64_t max_bytes) const {
  ReadResult result;
  // O_NONBLOCK: a FIFO planted in the queue must not block the mailer.
  int fd = ::openat(queue_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int error = errno;
    result.missing = error == ENOENT;
    result.permanent = error == ELOOP;
    result.problem = error == ELOOP ? "a symlink, not a queued message" : std::string("open: ") + std::strerror(error);
    return result;
  }
  result.file = UniqueFd(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    result.problem = std::string("stat: ") + std::strerror(errno);
    return result;
  }
  result.modified = std::chrono::system_clock::time_point(std::chrono::seconds(info.st_mtim.tv_sec));
  result.inode = info.st_ino;
  result.size = static_cast<uint64_t>(info.st_size);
  if (!S_ISREG(info.st_mode)) {
    result.permanent = true;
    result.problem = "not a regular file";
    return result;
  }
  if (info.st_size > max_bytes) {
    result.permanent = true;
    result.problem = "larger than the size limit (" + std::to_string(info.st_size) + " > " + std::to_string(max_bytes) + " bytes)";
    return result;
  }
  result.head.resize(std::min<size_t>(head_bytes, static_cast<size_t>(info.st_size)));
  size_t done = 0;
  while (done < result.head.size()) {
    ssize_t got = ::pread(fd, result.head.data() + done, result.head.size() - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  result.head.resize(done);
  result.ok = true;
  return result;
}

Status SiteMailDir::Reopen(UniqueFd& dir, const char* name) {
  auto child = OpenOrCreateChild(mail_.get(), name, mail_stat_, name);
  if (!child.ok()) return child.error();
  dir = std::move(*child);
  return {};
}

Status SiteMailDir::MoveToSent(const std::string& name) {
  if (::renameat(queue_.get(), name.c_str(), sent_.get(), name.c_str()) != 0) {
    // sent/ removed under the mailer's feet (an admin's clean-up): made again, then once more.
    if (errno != ENOENT || !Reopen(sent_, "sent").ok() || ::renameat(queue_.get(), name.c_str(), sent_.get(), name.c_str()) != 0) {
      return Error::FromErrno("move " + name + " to sent/");
    }
  }
  ::utimensat(sent_.get(), name.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
  return {};
}

Status SiteMailDir::MoveToFailed(const std::string& name, const std::string& reason) {
  // The reason first: a crash in between leaves a stray reason, never a failed file without one.
  Status written = WriteSmallFile(failed_.get(), name + ".reason", reason + "\n");
  if (!written.ok() && (written.error().message().find("No such file") != std::string::npos) && Reopen(failed_, "failed").ok()) {
    written = WriteSmallFile(failed_.get(), name + ".reason", reason + "\n");
  }
  if (!written.ok()) return written.error().Wrap("failed/");
  if (::renameat(queue_.get(), name.c_str(), failed_.get(), name.c_str()) != 0) {
    return Error::FromErrno("move " + name + " to failed/");
  }
  return {};
}

namespace {

// Calls visit(name, info) for each entry of `dir` not starting with '.', as lstat(2) sees it
// (entries gone meanwhile are skipped). Nothing when the directory cannot be opened.
template <typename Visit>
void ForEachEntry(int dir, Visit visit) {
  int fd = ::openat(dir, ".", kDirectoryNoFollow);
  if (fd < 0) return;
  DIR* listing = ::fdopendir(fd);
  if (!listing) {
    ::close(fd);
    return;
  }
  while (dirent* entry = ::readdir(listing)) {
    struct stat info {};
    if (entry->d_name[0] == '.' || ::fstatat(fd, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    visit(entry->d_name, info);
  }
  ::closedir(listing);
}

int CleanDirectory(int dir, std::chrono::seconds max_age) {
  auto cutoff = std::chrono::system_clock::now() - max_age;
  int removed = 0;
  ForEachEntry(dir, [&](const char* name, const struct stat& info) {
    if (S_ISDIR(info.st_mode)) return;
    if (std::chrono::system_clock::time_point(std::chrono::seconds(info.st_mtim.tv_sec)) < cutoff && ::unlinkat(dir, name, 0) == 0) {
      ++removed;
    }
  });
  return removed;
}

}  // namespace

int SiteMailDir::CleanSent(std::chrono::seconds max_age) const { return CleanDirectory(sent_.get(), max_age); }

int SiteMailDir::CleanFailed(std::chrono::seconds max_age) const { return CleanDirectory(failed_.get(), max_age); }

uint64_t SiteMailDir::FailedBytes() const {
  uint64_t bytes = 0;
  ForEachEntry(failed_.get(), [&](const char*, const struct stat& info) {
    if (S_ISREG(info.st_mode)) bytes += static_cast<uint64_t>(info.st_size);
  });
  return bytes;
}

int SiteMailDir::TrimFailed(uint64_t max_bytes) const {
  struct Mail {
    struct timespec modified;
    std::string name;
    uint64_t bytes;
  };
  std::vector<Mail> mails;
  uint64_t total = 0;
  ForEachEntry(failed_.get(), [&](const char* entry, const struct stat& info) {
    if (S_ISDIR(info.st_mode)) return;
    total += static_cast<uint64_t>(info.st_size);
    std::string name = entry;
    if (name.ends_with(".reason")) return;  // goes with its mail
    mails.push_back({info.st_mtim, name, static_cast<uint64_t>(info.st_size)});
  });
  std::sort(mails.begin(), mails.end(), [](const Mail& a, const Mail& b) {
    return a.modified.tv_sec != b.modified.tv_sec ? a.modified.tv_sec < b.modified.tv_sec : a.name < b.name;
  });
  const int fd = failed_.get();
  int removed = 0;
  for (const auto& mail : mails) {
    if (total <= max_bytes) break;
    if (::unlinkat(fd, mail.name.c_str(), 0) != 0) continue;
    total -= std::min(total, mail.bytes);
    struct stat reason {};
    std::string reason_name = mail.name + ".reason";
    if (::fstatat(fd, reason_name.c_str(), &reason, AT_SYMLINK_NOFOLLOW) == 0 && ::unlinkat(fd, reason_name.c_str(), 0) == 0) {
      total -= std::min(total, static_cast<uint64_t>(reason.st_size));
    }
    ++removed;
  }
  return removed;
}

}  // namespace webvps::mailer
