#include "filing_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config.h"
#include "names.h"

namespace webvps::mailer {
namespace {

constexpr std::string_view kMagic = "webvps-filing 1 ";

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\0') out += "\\0";
    else out += c;
  }
  return out;
}

std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char next = text[++i];
    out += next == 'n' ? '\n' : next == 't' ? '\t' : next == '0' ? '\0' : next;
  }
  return out;
}

// FNV-1a, 64 bits: tells a torn slot (a crash in the middle of its write) from a whole one.
std::string Checksum(std::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

}  // namespace

std::string EncodeJournalSlot(const JournalEntry& entry, size_t slot_size) {
  std::string head = std::string(entry.kind == JournalEntry::Kind::kSent ? "sent" : "failed") + "\t" + entry.site + "\t" +
                     entry.name + "\t" + std::to_string(entry.inode) + "\t";
  std::string reason = Escape(entry.reason);
  // magic + checksum + space + fields + newline must fit.
  size_t room = slot_size - kMagic.size() - 17 - head.size() - 1;
  if (reason.size() > room) {
    const std::string cut = "... (cut)";
    reason.resize(room > cut.size() ? room - cut.size() : 0);
    while (!reason.empty() && reason.back() == '\\') reason.pop_back();  // no half escape
    reason += cut.substr(0, std::min(cut.size(), room));
  }
  std::string fields = head + reason;
  std::string slot = std::string(kMagic) + Checksum(fields) + " " + fields + "\n";
  slot.resize(slot_size, '\0');
  return slot;
}

Result<std::optional<JournalEntry>> DecodeJournalSlot(std::string_view slot) {
  if (slot.empty() || slot[0] == '\0') return std::optional<JournalEntry>();
  if (!slot.starts_with(kMagic)) return Error("not a journal slot");
  size_t end = slot.find('\n');
  if (end == std::string_view::npos || end < kMagic.size() + 17) return Error("a torn slot (no end of line)");
  std::string_view line = slot.substr(kMagic.size(), end - kMagic.size());
  std::string_view checksum = line.substr(0, 16);
  std::string_view fields = line.substr(17);
  if (Checksum(fields) != checksum) return Error("a torn slot (its checksum does not match)");
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    size_t tab = fields.find('\t', start);
    if (tab == std::string_view::npos) return Error("a slot with fewer than 5 fields");
    parts.emplace_back(fields.substr(start, tab - start));
    start = tab + 1;
  }
  JournalEntry entry;
  if (parts[0] == "sent") entry.kind = JournalEntry::Kind::kSent;
  else if (parts[0] == "failed") entry.kind = JournalEntry::Kind::kFailed;
  else return Error("unknown kind " + QuoteForMessage(parts[0]));
  entry.site = parts[1];
  entry.name = parts[2];
  if (entry.name.empty() || entry.name.find('/') != std::string::npos || entry.name[0] == '.') {
    return Error("a queue file name that is no file name: " + QuoteForMessage(entry.name));
  }
  try {
    size_t used = 0;
    entry.inode = std::stoull(parts[3], &used);
    if (used != parts[3].size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return Error("an inode that is no number: " + QuoteForMessage(parts[3]));
  }
  entry.reason = Unescape(fields.substr(start));
  return std::optional<JournalEntry>(std::move(entry));
}

Result<FilingJournal> FilingJournal::Open(const std::string& path, std::vector<std::string>& problems) {
  FilingJournal journal;
  journal.path_ = path;
  journal.fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!journal.fd_) return Error::FromErrno("open " + path);
  off_t size = static_cast<off_t>(kSlotSize) * kSlots;
  // The space is taken now, while there is some: an entry is written when the disk may be full.
  if (int error = ::posix_fallocate(journal.fd_.get(), 0, size); error != 0) {
    return Error("preallocate " + path + ": " + std::strerror(error));
  }
  std::string slot(kSlotSize, '\0');
  for (int i = 0; i < kSlots; ++i) {
    ssize_t got = ::pread(journal.fd_.get(), slot.data(), slot.size(), static_cast<off_t>(i) * kSlotSize);
    if (got != static_cast<ssize_t>(slot.size())) return Error::FromErrno("read " + path);
    auto entry = DecodeJournalSlot(slot);
    if (!entry.ok()) {
      problems.push_back(path + ": slot " + std::to_string(i) + ": " + entry.error().message() + "; cleared");
      (void)journal.Remove(i);
    } else if (*entry) {
      journal.entries_[i] = std::move(**entry);
    }
  }
  return journal;
}

Result<int> FilingJournal::Add(const JournalEntry& entry) {
  int slot = 0;
  while (slot < kSlots && entries_.contains(slot)) ++slot;
  if (slot == kSlots) return Error(path_ + ": all " + std::to_string(kSlots) + " slots are taken");
  std::string bytes = EncodeJournalSlot(entry, kSlotSize);
  ssize_t written = ::pwrite(fd_.get(), bytes.data(), bytes.size(), static_cast<off_t>(slot) * kSlotSize);
  if (written != static_cast<ssize_t>(bytes.size())) return Error::FromErrno("write " + path_);
  if (::fdatasync(fd_.get()) != 0) return Error::FromErrno("sync " + path_);
  entries_[slot] = entry;
  return slot;
}

Status FilingJournal::Remove(int slot) {
  entries_.erase(slot);
  std::string zeros(kSlotSize, '\0');
  if (::pwrite(fd_.get(), zeros.data(), zeros.size(), static_cast<off_t>(slot) * kSlotSize) != static_cast<ssize_t>(zeros.size())) {
    return Error::FromErrno("write " + path_);
  }
  if (::fdatasync(fd_.get()) != 0) return Error::FromErrno("sync " + path_);
  return {};
}

}  // namespace webvps::mailer
