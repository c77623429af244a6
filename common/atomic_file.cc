#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

namespace webvps {
namespace {

Status SyncDirectory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno("open directory " + directory.string());
  int result = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (result != 0) return Error::FromErrno("fsync directory " + directory.string(), saved);
  return Status::Ok();
}

// The fallback for bind-mounted files: truncate and rewrite the file itself.
Status WriteInPlace(const std::filesystem::path& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno("open " + path.string() + " for an in-place write");
  Status status = WriteAll(fd, content, path.string());
  if (status.ok() && ::fsync(fd) != 0) status = Error::FromErrno("fsync " + path.string());
  ::close(fd);
  return status;
}

}  // namespace

Status WriteAll(int fd, std::string_view content, const std::string& what) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("write " + what);
    }
    content.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

Result<WriteMethod> WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                        const AtomicWriteOptions& options) {
  std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (directory / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return Error::FromErrno("create temporary file in " + directory.string());
  auto discard = [&](Error error) -> Result<WriteMethod> {
    ::unlink(temp.c_str());
    return error;
  };
  if (::fchmod(fd, options.mode) != 0) {
    int saved = errno;
    ::close(fd);
    return discard(Error::FromErrno("chmod " + temp, saved));
  }
  Status written = WriteAll(fd, content, temp);
  if (written.ok() && options.durable && ::fsync(fd) != 0) written = Error::FromErrno("fsync " + temp);
  ::close(fd);
  if (!written.ok()) return discard(written.error());

  WriteMethod method = WriteMethod::kRenamed;
  if (options.rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    if (saved != EBUSY) return discard(Error::FromErrno("rename " + temp + " to " + path.string(), saved));
    if (Status status = WriteInPlace(path, content); !status.ok()) return discard(status.error());
    ::unlink(temp.c_str());
    method = WriteMethod::kInPlace;
  }
  if (options.durable) {
    if (Status status = SyncDirectory(directory); !status.ok()) return status.error();
  }
  return method;
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno("open " + path.string());
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return Error::FromErrno("read " + path.string(), saved);
    }
    if (got == 0) break;
    content.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return content;
}

}  // namespace webvps
