#include "tools.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config.h"
#include "sshd-chroot/elf.h"

namespace webvps::sshd_chroot {
namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's ELOOP limit
constexpr size_t kMaxElfBytes = 256 * 1024 * 1024;  // no program of a jail is larger

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "" : path.substr(0, slash);
}

bool IsElf(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

class Collector {
 public:
  Collector(std::string root, const std::vector<std::string>& exclude)
      : root_(root == "/" ? "" : std::move(root)), exclude_(exclude.begin(), exclude.end()) {}

  // Adds `path` and every symlink on the way to it; returns where it really is, or "" when
  // it does not exist (a problem is recorded).
  std::string Add(const std::string& path, int links = 0) {
    std::string current;
    std::vector<std::string> parts = SplitList(path, '/');
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& part = parts[i];
      if (part == ".") continue;
      if (part == "..") {
        current = Parent(current);
        continue;
      }
      std::string candidate = current + "/" + part;
      struct stat info {};
      if (::lstat((root_ + candidate).c_str(), &info) != 0) {
        problems_.push_back(path + ": not in the image");
        return "";
      }
      if (S_ISLNK(info.st_mode)) {
        if (links >= kMaxSymlinks) {
          problems_.push_back(path + ": too many symbolic links");
          return "";
        }
        char target[4096];
        ssize_t length = ::readlink((root_ + candidate).c_str(), target, sizeof target - 1);
        if (length <= 0) {
          problems_.push_back(candidate + ": unreadable symbolic link");
          return "";
        }
        std::string text(target, static_cast<size_t>(length));
        entries_[candidate] = {ToolEntry::Kind::kSymlink, candidate, text, 0777, 0, 0};
        std::string rest;
        for (size_t j = i + 1; j < parts.size(); ++j) rest += "/" + parts[j];
        return Add((text.starts_with('/') ? text : current + "/" + text) + rest, links + 1);
      }
      mode_t mode = info.st_mode & 0755;
      if (S_ISDIR(info.st_mode)) {
        entries_.try_emplace(candidate, ToolEntry{ToolEntry::Kind::kDirectory, candidate, "", mode, 0, 0});
      } else if (S_ISREG(info.st_mode) && i + 1 == parts.size()) {
        entries_[candidate] = {ToolEntry::Kind::kFile, candidate, "", mode, static_cast<uint64_t>(info.st_size),
                               static_cast<int64_t>(info.st_mtime)};
        if (IsElf(root_ + candidate)) elf_files_.insert(candidate);
      } else {
        problems_.push_back(candidate + ": neither a directory nor a regular file");
        return "";
      }
      current = candidate;
    }
    return current;
  }

  void AddTree(const std::string& path) {
    std::string dir = Add(path);
    if (dir.empty()) return;
    DIR* stream = ::opendir((root_ + dir).c_str());
    if (stream == nullptr) return;
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(stream)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(stream);
    for (const auto& name : names) {
      struct stat info {};
      std::string child = dir + "/" + name;
      if (exclude_.contains(child)) continue;
      if (::lstat((root_ + child).c_str(), &info) != 0) continue;
      if (S_ISDIR(info.st_mode)) AddTree(child);
      else if (S_ISREG(info.st_mode) || S_ISLNK(info.st_mode)) Add(child);
    }
  }

  void AddLibraries(const std::vector<std::string>& sonames) {
    for (const auto& soname : sonames) {
      bool found = false;
      for (const auto& dir : DebianLibraryDirs()) {
        if (::access((root_ + dir + "/" + soname).c_str(), F_OK) == 0) {
          Add(dir + "/" + soname);
          found = true;
          break;
        }
      }
      if (!found) problems_.push_back(soname + ": no such library");
    }
  }

  // The libraries of every ELF file collected so far, and theirs.
  void AddDependencies() {
    ElfFiles files{
        [this](const std::string& path) -> std::optional<std::string> {
          std::ifstream in(root_ + path, std::ios::binary | std::ios::ate);
          if (!in) return std::nullopt;
          std::string bytes(std::min<size_t>(static_cast<size_t>(in.tellg()), kMaxElfBytes), '\0');
          in.seekg(0);
          in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
          bytes.resize(static_cast<size_t>(in.gcount()));
          return bytes;
        },
        [this](const std::string& path) { return ::access((root_ + path).c_str(), F_OK) == 0; }};
    std::vector<std::string> programs(elf_files_.begin(), elf_files_.end());
    Dependencies dependencies = ResolveDependencies(programs, files, DebianLibraryDirs());
    for (const auto& file : dependencies.files) Add(file);
    for (const auto& missing : dependencies.missing) problems_.push_back("library " + missing + ": not found");
  }

  ToolSet Result() {
    ToolSet set;
    for (auto& [path, entry] : entries_) set.entries.push_back(std::move(entry));
    set.problems = std::move(problems_);
    return set;
  }

 private:
  std::string root_;
  std::map<std::string, ToolEntry> entries_;
  std::set<std::string> elf_files_;
  std::set<std::string> exclude_;
  std::vector<std::string> problems_;
};

Result<std::vector<std::string>> PathList(const YAML::Node& node, const std::string& key, const std::string& source) {
  std::vector<std::string> paths;
  const YAML::Node list = node[key];
  if (!list) return paths;
  std::string where = source + ":" + std::to_string(list.Mark().line + 1) + ": " + key + ": ";
  if (!list.IsSequence()) return Error(where + "expected a list");
  for (const auto& item : list) {
    if (!item.IsScalar()) return Error(where + "expected a list of strings");
    std::string value = item.Scalar();
    bool soname = key == "libraries";
    if (soname ? value.find('/') != std::string::npos : !value.starts_with('/')) {
      return Error(source + ":" + std::to_string(item.Mark().line + 1) + ": " + key + ": " + value +
                   (soname ? ": expected a library's name, not a path" : ": expected an absolute path"));
    }
    paths.push_back(value);
  }
  return paths;
}

}  // namespace

Result<ToolProfile> ParseToolProfile(std::string_view yaml, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return Error(source + ":1: expected a map with programs, trees, files, libraries, exclude");
    for (const auto& entry : root) {
      std::string key = entry.first.Scalar();
      if (key != "programs" && key != "trees" && key != "files" && key != "libraries" && key != "exclude") {
        return Error(source + ":" + std::to_string(entry.first.Mark().line + 1) + ": " + key + ": unknown key");
      }
    }
    ToolProfile profile;
    for (auto [key, list] : {std::pair{"programs", &profile.programs}, {"trees", &profile.trees}, {"files", &profile.files},
                             {"libraries", &profile.libraries}, {"exclude", &profile.exclude}}) {
      auto paths = PathList(root, key, source);
      if (!paths.ok()) return paths.error();
      *list = std::move(*paths);
    }
    return profile;
  } catch (const YAML::Exception& e) {
    return Error(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

ToolSet CollectTools(const ToolProfile& profile, const std::string& root) {
  Collector collector(root, profile.exclude);
  for (const auto& program : profile.programs) collector.Add(program);
  for (const auto& tree : profile.trees) collector.AddTree(tree);
  for (const auto& file : profile.files) collector.Add(file);
  collector.AddLibraries(profile.libraries);
  collector.AddDependencies();
  return collector.Result();
}

std::string ToolManifest(const std::vector<ToolEntry>& entries) {
  std::ostringstream out;
  out << "webvps jail tools 1\n";
  for (const auto& entry : entries) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(entry.mode));
    switch (entry.kind) {
      case ToolEntry::Kind::kDirectory: out << "d " << entry.path << " " << mode << "\n"; break;
      case ToolEntry::Kind::kFile: out << "f " << entry.path << " " << mode << " " << entry.size << " " << entry.mtime << "\n"; break;
      case ToolEntry::Kind::kSymlink: out << "l " << entry.path << " " << entry.target << "\n"; break;
    }
  }
  return out.str();
}

std::string ManifestVersion(const std::string& manifest) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a: names a version, no adversary involved
  for (unsigned char c : manifest) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace webvps::sshd_chroot
