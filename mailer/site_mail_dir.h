// A site's mail directory as the mailer touches it: queue/ (nullmailer's, read and emptied by
// the mailer), sent/ (delivered mail, kept for a while) and failed/ (kept for longer, within a
// size cap). Every
// directory is opened without following symlinks, from the sites root down, and every file is
// reached through those directory descriptors, so a site cannot make the mailer read, move or
// delete anything outside its own mail directory.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "result.h"
#include "safe_dir.h"

namespace webvps::mailer {

/// Why a queue file cannot be read as mail: the reason written next to it in failed/.
struct QueueFileProblem {
  std::string reason;
};

class SiteMailDir {
 public:
  /// Opens `<sites_root>/<relative>/queue` and its siblings, where `relative` is the site's
  /// path below the sites root ("demo/volumes/home/mail"); no component may be a symlink.
  /// Creates sent/ and failed/ when missing, owned like the mail directory.
  static Result<SiteMailDir> Open(const std::string& sites_root, const std::string& relative);

  /// The queue directory, for an inotify watch on exactly it (through /proc/self/fd).
  int queue_fd() const { return queue_.get(); }
  /// The queue directory's identity, to notice that it was replaced.
  dev_t device() const { return device_; }
  ino_t inode() const { return inode_; }

  struct Entry {
    std::string name;
    std::chrono::system_clock::time_point modified;
  };
  /// The entries of queue/ (no dot files), unsorted, with their modification times.
  Result<std::vector<Entry>> ListQueue() const;

  /// Opens a queue file and reads its first `head_bytes`: a regular file, not a symlink, not a
  /// FIFO, at most `max_bytes` in all. The error is a reason to move it to failed/ when
  /// `permanent` is set; else (gone, I/O) to try later. The file stays open in `file`, so that
  /// what is sent is what was read, whatever the site does to the name meanwhile.
  struct ReadResult {
    bool ok = false;
    bool permanent = false;  ///< the file can never be mail
    bool missing = false;    ///< gone meanwhile
    std::string head;        ///< its first bytes
    uint64_t size = 0;
    ino_t inode = 0;
    UniqueFd file;
    std::string problem;
    std::chrono::system_clock::time_point modified;
  };
  ReadResult ReadQueueHead(const std::string& name, size_t head_bytes, int64_t max_bytes) const;

  /// Moves a delivered message to sent/ and stamps it with the time of delivery (for retention).
  /// A sent/ removed meanwhile is made again.
  Status MoveToSent(const std::string& name);
  /// Moves a message to failed/ and writes `<name>.reason` next to it. Never deletes anything.
  Status MoveToFailed(const std::string& name, const std::string& reason);
  /// Deletes files in sent/ (or failed/, with their reasons) older than `max_age`; returns how many.
  int CleanSent(std::chrono::seconds max_age) const;
  int CleanFailed(std::chrono::seconds max_age) const;
  /// The bytes in failed/.
  uint64_t FailedBytes() const;
  /// Deletes the oldest mails in failed/ (with their reasons) until it holds at most `max_bytes`;
  /// returns how many mails went.
  int TrimFailed(uint64_t max_bytes) const;

 private:
  Status Reopen(UniqueFd& dir, const char* name);

  UniqueFd mail_;
  UniqueFd queue_;
  UniqueFd sent_;
  UniqueFd failed_;
  struct stat mail_stat_ {};
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

}  // namespace webvps::mailer
