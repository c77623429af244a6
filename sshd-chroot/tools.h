// The tools of shell jails: a profile (YAML, baked into the image) names programs, whole
// directories, single files and extra libraries; the collector turns it into the exact list of
// files, symlinks and directories a jail needs, libraries found from the ELF headers, symlink
// chains kept (Debian's merged /usr: /bin -> usr/bin), setuid and setgid bits dropped. The
// store keeps one read-only copy of them next to the jails, so that jails hard-link to it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::sshd_chroot {

struct ToolProfile {
  std::vector<std::string> programs;   ///< absolute paths; their libraries come with them
  std::vector<std::string> trees;      ///< directories taken whole (git-core, php's modules, terminfo)
  std::vector<std::string> files;      ///< single files (CA certificates)
  std::vector<std::string> libraries;  ///< sonames the loader opens at run time (NSS modules)
  std::vector<std::string> exclude;    ///< parts of the trees left out (zoneinfo's right/: every jail pays per entry)
};

/// Parses the profile; errors name the source, line and key.
Result<ToolProfile> ParseToolProfile(std::string_view yaml, const std::string& source);

struct ToolEntry {
  enum class Kind { kDirectory, kFile, kSymlink };
  Kind kind = Kind::kFile;
  std::string path;    ///< absolute, as inside the jail
  std::string target;  ///< kSymlink: the link's text
  mode_t mode = 0755;  ///< permission bits, setuid/setgid/sticky and group/world write removed
  uint64_t size = 0;   ///< kFile
  int64_t mtime = 0;   ///< kFile, seconds
  bool operator==(const ToolEntry&) const = default;
};

struct ToolSet {
  std::vector<ToolEntry> entries;     ///< sorted by path; parents before children
  std::vector<std::string> problems;  ///< what the profile names but the image lacks
};

/// Collects the profile's files from the file system under `root` ("/" in the image; a test
/// tree in tests). Paths are as seen from `root`.
ToolSet CollectTools(const ToolProfile& profile, const std::string& root);

/// A text listing the entries (kind, path, mode, size, mtime, target), whose hash names a store
/// version: the same tools give the same version, an image update another.
std::string ToolManifest(const std::vector<ToolEntry>& entries);
std::string ManifestVersion(const std::string& manifest);

}  // namespace webvps::sshd_chroot
