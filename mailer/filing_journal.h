// What the mailer has decided for a message but could not do on disk yet: a message the relay
// accepted (or refused for good) whose move out of queue/ failed (sent/ removed, a full disk).
// Such a message must never be relayed again, and a restart must not forget that: the journal
// records it in a slot of a file preallocated at start, so that writing an entry needs no new
// disk space, and each slot is synced before the mailer goes on. The slots' text format is pure
// (EncodeJournalSlot, DecodeJournalSlot); FilingJournal is the file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"
#include "safe_dir.h"

namespace webvps::mailer {

struct JournalEntry {
  enum class Kind { kSent, kFailed };
  Kind kind = Kind::kSent;
  std::string site;    ///< or kInternalSite's file name, "_mailer"
  std::string name;    ///< the queue file
  uint64_t inode = 0;  ///< the queue file's inode: a file by the same name later is another message
  std::string reason;  ///< kFailed: for failed/
  bool operator==(const JournalEntry&) const = default;
};

/// One slot's bytes, exactly `slot_size` of them: a line "webvps-filing 1 <checksum> <fields>"
/// padded with NULs. A reason too long for the slot is cut (it says so).
std::string EncodeJournalSlot(const JournalEntry& entry, size_t slot_size);
/// The entry in a slot; nullopt for an empty slot; an error for a torn or foreign one.
Result<std::optional<JournalEntry>> DecodeJournalSlot(std::string_view slot);

class FilingJournal {
 public:
  static constexpr size_t kSlotSize = 4096;
  static constexpr int kSlots = 256;

  /// Opens (or creates and preallocates) the journal; entries that cannot be read are reported
  /// in `problems` and their slots reused.
  static Result<FilingJournal> Open(const std::string& path, std::vector<std::string>& problems);

  const std::map<int, JournalEntry>& entries() const { return entries_; }
  /// Records an entry, synced; the error when every slot is taken or the write failed.
  Result<int> Add(const JournalEntry& entry);
  /// Clears a slot, synced.
  Status Remove(int slot);

 private:
  std::string path_;
  UniqueFd fd_;
  std::map<int, JournalEntry> entries_;
};

}  // namespace webvps::mailer
