// Root working inside directories that users control (a site's mail spool, a site's files):
// every step goes through directory descriptors opened without following symlinks, so that a
// link a user planted cannot send root's reads, writes or deletions elsewhere.
#pragma once

#include <string>

#include "result.h"

namespace webvps {

/// A file descriptor that closes itself.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC: a directory, never through a symlink.
extern const int kDirectoryNoFollow;

/// Opens the directory `relative` below `parent` one component at a time, refusing symlinks
/// and ".." anywhere; `shown` names the path in errors.
Result<UniqueFd> OpenBelow(int parent, const std::string& relative, const std::string& shown);

}  // namespace webvps
