#include "elf.h"

#include <cstdint>
#include <cstring>
#include <deque>

#include "config.h"

namespace webvps::sshd_chroot {
namespace {

constexpr uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3;
constexpr uint64_t kDtNull = 0, kDtNeeded = 1, kDtStrtab = 5, kDtStrsz = 10, kDtRpath = 15, kDtRunpath = 29;

template <typename T>
bool ReadAt(std::string_view bytes, uint64_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));  // little-endian host, as the files are
  return true;
}

struct Segment {
  uint32_t type;
  uint64_t offset, vaddr, filesz;
};

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<ElfInfo> ParseElf(std::string_view bytes) {
  if (bytes.size() < 64 || bytes.substr(0, 4) != "\x7f" "ELF") return Error("not an ELF file");
  if (bytes[4] != 2 || bytes[5] != 1) return Error("not a 64-bit little-endian ELF file");
  uint64_t phoff = 0;
  uint16_t phentsize = 0, phnum = 0;
  if (!ReadAt(bytes, 0x20, phoff) || !ReadAt(bytes, 0x36, phentsize) || !ReadAt(bytes, 0x38, phnum) || phentsize < 56) {
    return Error("ELF header: bad program header table");
  }
  std::vector<Segment> segments;
  for (uint16_t i = 0; i < phnum; ++i) {
    uint64_t at = phoff + static_cast<uint64_t>(i) * phentsize;
    Segment segment{};
    if (!ReadAt(bytes, at, segment.type) || !ReadAt(bytes, at + 8, segment.offset) || !ReadAt(bytes, at + 16, segment.vaddr) ||
        !ReadAt(bytes, at + 32, segment.filesz)) {
      return Error("ELF program header " + std::to_string(i) + " is cut short");
    }
    segments.push_back(segment);
  }
  auto file_offset = [&](uint64_t vaddr) -> std::optional<uint64_t> {
    for (const auto& segment : segments) {
      if (segment.type == kPtLoad && vaddr >= segment.vaddr && vaddr - segment.vaddr < segment.filesz) {
        return vaddr - segment.vaddr + segment.offset;
      }
    }
    return std::nullopt;
  };
  ElfInfo info;
  for (const auto& segment : segments) {
    if (segment.type != kPtInterp) continue;
    if (segment.offset > bytes.size() || bytes.size() - segment.offset < segment.filesz) return Error("ELF interpreter out of bounds");
    std::string_view text = bytes.substr(segment.offset, segment.filesz);
    info.interpreter = std::string(text.substr(0, text.find('\0')));
  }
  for (const auto& segment : segments) {
    if (segment.type != kPtDynamic) continue;
    uint64_t strtab = 0, strsz = 0;
    std::vector<uint64_t> needed, rpath, runpath;
    for (uint64_t at = segment.offset; at + 16 <= segment.offset + segment.filesz; at += 16) {
      uint64_t tag = 0, value = 0;
      if (!ReadAt(bytes, at, tag) || !ReadAt(bytes, at + 8, value)) return Error("ELF dynamic section out of bounds");
      if (tag == kDtNull) break;
      if (tag == kDtNeeded) needed.push_back(value);
      else if (tag == kDtStrtab) strtab = value;
      else if (tag == kDtStrsz) strsz = value;
      else if (tag == kDtRpath) rpath.push_back(value);
      else if (tag == kDtRunpath) runpath.push_back(value);
    }
    auto table = file_offset(strtab);
    if (!table) {
      if (needed.empty() && rpath.empty() && runpath.empty()) continue;
      return Error("ELF string table not in any loaded segment");
    }
    auto string_at = [&](uint64_t index) -> Result<std::string> {
      if (index >= strsz || *table > bytes.size() || bytes.size() - *table <= index) return Error("ELF string out of bounds");
      std::string_view rest = bytes.substr(*table + index, strsz - index);
      size_t nul = rest.find('\0');
      if (nul == std::string_view::npos) return Error("ELF string not terminated");
      return std::string(rest.substr(0, nul));
    };
    for (uint64_t index : needed) {
      auto name = string_at(index);
      if (!name.ok()) return name.error();
      info.needed.push_back(*name);
    }
    for (uint64_t index : runpath.empty() ? rpath : runpath) {
      auto path = string_at(index);
      if (!path.ok()) return path.error();
      for (auto& part : SplitList(*path, ':')) info.runpath.push_back(part);
    }
  }
  return info;
}

Dependencies ResolveDependencies(const std::vector<std::string>& programs, const ElfFiles& files,
                                 const std::vector<std::string>& library_dirs) {
  Dependencies result;
  std::set<std::string> visited;
  std::deque<std::string> pending(programs.begin(), programs.end());
  while (!pending.empty()) {
    std::string path = pending.front();
    pending.pop_front();
    if (!visited.insert(path).second) continue;
    auto bytes = files.read(path);
    if (!bytes) continue;
    auto info = ParseElf(*bytes);
    if (!info.ok()) continue;
    if (!info->interpreter.empty() && files.exists(info->interpreter)) {
      result.files.insert(info->interpreter);
      pending.push_back(info->interpreter);
    }
    std::vector<std::string> search;
    for (auto dir : info->runpath) {
      if (dir.starts_with("$ORIGIN")) dir = DirectoryOf(path) + dir.substr(7);
      search.push_back(dir);
    }
    search.insert(search.end(), library_dirs.begin(), library_dirs.end());
    for (const auto& name : info->needed) {
      std::optional<std::string> found;
      if (name.find('/') != std::string::npos) {
        if (files.exists(name)) found = name;
      } else {
        for (const auto& dir : search) {
          if (files.exists(dir + "/" + name)) {
            found = dir + "/" + name;
            break;
          }
        }
      }
      if (!found) {
        result.missing.push_back(name + " (needed by " + path + ")");
        continue;
      }
      result.files.insert(*found);
      pending.push_back(*found);
    }
  }
  return result;
}

std::vector<std::string> DebianLibraryDirs() {
#if defined(__aarch64__)
  const std::string triplet = "aarch64-linux-gnu";
#else
  const std::string triplet = "x86_64-linux-gnu";
#endif
  return {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
}

}  // namespace webvps::sshd_chroot
