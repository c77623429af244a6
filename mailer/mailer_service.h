// The mailer at work, the I/O around the MailQueue model: watches the registry and every site
// queue (inotify, one watch per directory, plus a safety rescan that also compares the
// registry's checksum), reads each new queue file's envelope and lets the model admit or refuse
// it, starts the sessions the model dispatches (the sender policy applied, the data streamed
// from the file), and files every message the moment the relay answers it: sent/, kept queued
// with backoff, or failed/ with a bounce. What cannot be filed is journaled and never relayed
// again. Everything runs on the io_context's thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "inotify.h"
#include "mailer/control.h"
#include "mailer/delivery.h"
#include "mailer/filing_journal.h"
#include "mailer/mail_queue.h"
#include "mailer/queue_glob.h"
#include "mailer/settings.h"
#include "mailer/site_mail_dir.h"
#include "mailer/transport.h"
#include "metrics.h"
#include "registry.h"
#include "status_server.h"

namespace webvps::mailer {

class MailerService {
 public:
  MailerService(boost::asio::io_context& io, Settings settings, std::unique_ptr<Transport> transport, Metrics& metrics);
  ~MailerService();

  /// Loads the state on disk, opens and watches the queues, starts the control socket.
  Status Start();
  /// Stops taking new work; the sessions in flight finish (bounded by stop_timeout, then they
  /// are ended and their unsent messages stay queued), then the loop runs out. Returns at once.
  void Stop();

  /// For /healthz.
  HealthReport Health() const;
  /// The answer to a control request ("status", "hold SITE", "resume SITE").
  ControlReply HandleControl(const std::string& request);

 private:
  struct SiteDir {
    std::shared_ptr<SiteMailDir> dir;
    int watch = -1;
    RetryRecords saved_retries;  ///< read at open; each applies when its file is admitted
    uint64_t failed_bytes = 0;   ///< in failed/, near enough (exact after each trim)
    bool unregistered_reported = false;
  };
  /// A message the relay has answered (or the mailer refused) whose move out of queue/ failed.
  struct Filed {
    JournalEntry entry;
    std::optional<int> slot;  ///< in the journal; none when it was full (then a restart may send it again)
  };
  /// One session's messages, by the transport's index.
  struct Session {
    std::vector<MessageKey> keys;
    std::vector<std::string> senders;  ///< the envelope senders as sent (after the sender policy)
    std::vector<uint64_t> inodes;
    std::vector<std::chrono::steady_clock::time_point> queued;
    bool answered = false;  ///< the relay answered at least one message
  };

  void Rescan();
  void RescanSoon();
  void OpenSite(const std::string& site);
  void DropSite(const std::string& site);
  void SyncQueue(const std::string& site, bool on_start);
  void OnInotify(const InotifyEvent& event);
  void Admit(const std::string& site, const std::string& name, bool count);
  void Dispatch();
  bool StartSession(const std::vector<MessageKey>& keys);
  std::optional<OutgoingMessage> Prepare(const MessageKey& key, Session& session);
  void OnMessageDone(const std::shared_ptr<Session>& session, size_t index, const AttemptReport& report);
  void OnSessionEnd(const std::shared_ptr<Session>& session, const SessionEnd& end);
  void FileSent(const MessageKey& key, uint64_t inode);
  void FileFailed(const MessageKey& key, uint64_t inode, const std::string& reason);
  void Journal(const MessageKey& key, JournalEntry::Kind kind, uint64_t inode, const std::string& reason,
               const std::string& problem);
  void RetryFilings();
  void Bounce(const MessageKey& key, const std::string& sender, const std::vector<RecipientReply>& refused,
              const std::string& headers);
  void QueueInternal(const std::string& sender, const std::vector<std::string>& recipients, const std::string& message,
                     const std::string& why);
  void SendDueAlerts();
  void OnPaused(const std::string& site, const std::string& why);
  void SavePauses();
  void LoadRetries(const std::string& site, SiteDir& dir);
  void SaveRetries(const std::string& site);
  void CheckRegistry(bool force);
  void ReportUnregistered();
  void TrimFailed(const std::string& site, SiteDir& dir);
  void Cleanup();
  void UpdateGauges();
  void ScheduleWakeUp();
  void ScheduleTimers();
  std::string StatusTable();
  void FinishStopIfIdle();
  std::string RetryPath(const std::string& site) const;
  std::string AlertFrom() const;
  SiteDir* DirOf(const std::string& site);

  boost::asio::io_context& io_;
  Settings settings_;
  QueueGlob glob_;
  std::unique_ptr<Transport> transport_;
  Metrics& metrics_;
  InotifyWatcher inotify_;
  ControlServer control_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer wake_timer_;
  boost::asio::steady_timer rescan_timer_;
  boost::asio::steady_timer soon_timer_;
  boost::asio::steady_timer minute_timer_;
  boost::asio::steady_timer stop_timer_;

  MailQueue model_;
  std::map<std::string, SiteDir> sites_;  ///< by site; kInternalSite is the mailer's own mail
  std::map<int, std::string> watches_;    ///< inotify watch -> site
  int root_watch_ = -1;
  int registry_watch_ = -1;               ///< the same as root_watch_ when the registry is in the sites root
  std::string registry_name_;             ///< the registry's file name in its directory
  std::optional<Registry> registry_;
  size_t registry_hash_ = 0;
  std::optional<FilingJournal> journal_;
  std::map<MessageKey, Filed> filed_;
  std::map<MessageKey, WallTime> unreadable_;  ///< files not (yet) parsable: read again at this time
  int active_sessions_ = 0;
  bool stopping_ = false;
  bool soon_pending_ = false;
  uint64_t internal_counter_ = 0;
  std::chrono::steady_clock::time_point last_cleanup_{};
};

}  // namespace webvps::mailer
