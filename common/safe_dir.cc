#include "safe_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace webvps {

const int kDirectoryNoFollow = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<UniqueFd> OpenBelow(int parent, const std::string& relative, const std::string& shown) {
  UniqueFd current(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
  if (!current) return Error::FromErrno("open " + shown);
  size_t start = 0;
  while (start < relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string component = relative.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") return Error("open " + shown + ": '..' is not allowed");
    int next = ::openat(current.get(), component.c_str(), kDirectoryNoFollow);
    if (next < 0) {
      if (errno == ELOOP || errno == ENOTDIR) return Error("open " + shown + ": " + component + " is a symlink or not a directory");
      return Error::FromErrno("open " + shown);
    }
    current = UniqueFd(next);
  }
  return current;
}

}  // namespace webvps
