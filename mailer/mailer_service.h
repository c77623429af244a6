// The mailer at work: watches every site queue (inotify, plus rescans), counts mail against
// the per-site limit as it enters the queue, pauses and alerts, hands batches to the transport
// on worker threads, and files every message by its outcome (sent/, kept queued with backoff,
// failed/ with a bounce). All state changes happen on the io_context's thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "inotify.h"
#include "mailer/control.h"
#include "mailer/delivery.h"
#include "mailer/queue_glob.h"
#include "mailer/rate_limiter.h"
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
  /// Stops taking new work; the sessions in flight finish (bounded by stop_timeout), then the
  /// loop runs out. Returns at once.
  void Stop();

  /// For /healthz; thread-safe.
  HealthReport Health() const;
  /// The answer to a control request ("status", "hold SITE", "resume SITE").
  ControlReply HandleControl(const std::string& request);

 private:
  struct Message {
    bool in_flight = false;
    WallTime not_before{};  ///< not tried before this time (backoff, or a file still being written)
    std::chrono::steady_clock::time_point seen;
  };
  struct SiteQueue {
    std::string name;  ///< the site, or kInternal
    std::shared_ptr<SiteMailDir> dir;
    int watch = -1;
    std::map<std::string, Message> messages;  ///< by queue file name
    RetryRecords retries;
  };
  struct Batch {
    std::vector<std::pair<std::string, std::string>> keys;  ///< (site, file) per message
    std::vector<std::shared_ptr<SiteMailDir>> dirs;
    std::vector<OutgoingMessage> messages;
    std::vector<std::string> originals;  ///< the messages as queued, for bounces
    std::vector<std::string> senders;    ///< the envelope senders as queued (before any rewrite)
  };

  void Rescan();
  void RescanSoon();
  void OpenSite(const std::string& site);
  void DropSite(const std::string& site);
  void SyncQueue(SiteQueue& queue, bool count_recent);
  void OnInotify(const InotifyEvent& event);
  void Track(SiteQueue& queue, const std::string& name, bool count);
  void Dispatch();
  std::optional<Batch> TakeBatch();
  bool PrepareMessage(SiteQueue& queue, const std::string& name, Message& message, Batch& batch);
  void Complete(Batch batch, std::vector<AttemptReport> reports);
  void FileFailed(SiteQueue& queue, const std::string& name, const std::string& reason);
  void QueueInternal(const std::string& sender, const std::vector<std::string>& recipients, const std::string& message,
                     const std::string& why);
  void SendDueAlerts();
  void SavePauses();
  void LoadRetries(SiteQueue& queue);
  void SaveRetries(const SiteQueue& queue);
  void LoadRegistry();
  MailLimit LimitOf(const std::string& site) const;
  void UpdateGauges();
  void ScheduleWakeUp();
  void ScheduleTimers();
  std::string StatusTable();
  void FinishStopIfIdle();
  std::string RetryPath(const std::string& site) const;

  boost::asio::io_context& io_;
  Settings settings_;
  QueueGlob glob_;
  std::shared_ptr<Transport> transport_;
  Metrics& metrics_;
  InotifyWatcher inotify_;
  ControlServer control_;
  boost::asio::thread_pool workers_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer wake_timer_;
  boost::asio::steady_timer rescan_timer_;
  boost::asio::steady_timer soon_timer_;
  boost::asio::steady_timer minute_timer_;
  boost::asio::steady_timer stop_timer_;

  std::map<std::string, SiteQueue> queues_;  ///< by site; kInternal is the mailer's own mail
  std::map<int, std::string> watches_;      ///< inotify watch -> site
  int root_watch_ = -1;
  int registry_watch_ = -1;
  std::optional<Registry> registry_;
  RateLimiter limiter_;
  std::string rr_cursor_;  ///< fairness: the site served first last time
  int active_sessions_ = 0;
  bool stopping_ = false;
  bool soon_pending_ = false;
  uint64_t internal_counter_ = 0;
  std::chrono::steady_clock::time_point last_cleanup_{};
};

}  // namespace webvps::mailer
