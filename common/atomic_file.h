// Replacing a file so that readers see the old content or the new, never a mix: write a
// temporary file next to it, fsync, rename over, fsync the directory. A bind-mounted file (one
// file mounted into a container) cannot be renamed over: rename fails with EBUSY, and then the
// content is written in place instead, the best that such a mount allows.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "result.h"

namespace webvps {

struct AtomicWriteOptions {
  mode_t mode = 0644;  ///< permissions of the new file
  /// fsync the file and its directory, so the new content survives a crash. Files that are
  /// derived again at every start (sshd-chroot's key files) skip it: a hundred of them at once
  /// would otherwise wait for the disk a hundred times.
  bool durable = true;
  /// The rename system call; tests swap it to simulate EBUSY.
  std::function<int(const char* from, const char* to)> rename = [](const char* from, const char* to) {
    return ::rename(from, to);
  };
};

/// How WriteFileAtomically replaced the file.
enum class WriteMethod { kRenamed, kInPlace };

/// Writes `content` to `path` atomically (see above). Errors name the step and the path.
Result<WriteMethod> WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                        const AtomicWriteOptions& options = {});

/// Writes all of `content` to `fd`, retrying short writes and EINTR; `what` names the file in
/// the error.
Status WriteAll(int fd, std::string_view content, const std::string& what);

/// Reads a whole file.
Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace webvps
