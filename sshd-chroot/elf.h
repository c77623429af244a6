// What a program needs to run in a jail: its ELF interpreter and shared libraries, found from
// the ELF headers themselves (PT_INTERP, DT_NEEDED, DT_RUNPATH/DT_RPATH), transitively, the way
// the dynamic loader finds them, without running ldd. Pure: files are read through a function.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::sshd_chroot {

struct ElfInfo {
  std::string interpreter;          ///< PT_INTERP, empty for a static program or a library
  std::vector<std::string> needed;  ///< DT_NEEDED, in order
  std::vector<std::string> runpath; ///< DT_RUNPATH, else DT_RPATH, split at ':'
};

/// Parses a 64-bit little-endian ELF file (x86-64, arm64). Not ELF (a script): an error.
Result<ElfInfo> ParseElf(std::string_view bytes);

/// How the resolver sees files: the start of a file's bytes (nullopt when it cannot be read)
/// and whether a path exists.
struct ElfFiles {
  std::function<std::optional<std::string>(const std::string& path)> read;
  std::function<bool(const std::string& path)> exists;
};

struct Dependencies {
  std::set<std::string> files;       ///< interpreters and libraries, as found (paths may be symlinks)
  std::vector<std::string> missing;  ///< "<library> (needed by <file>)"
};

/// The libraries the `programs` need, transitively, searched in each file's runpath ($ORIGIN
/// expanded), then `library_dirs` in order. Programs that are not ELF add nothing.
Dependencies ResolveDependencies(const std::vector<std::string>& programs, const ElfFiles& files,
                                 const std::vector<std::string>& library_dirs);

/// The library directories of Debian's loader on this architecture, in its order.
std::vector<std::string> DebianLibraryDirs();

}  // namespace webvps::sshd_chroot
