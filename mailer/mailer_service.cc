#include "mailer_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cstdlib>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "atomic_file.h"
#include "mailer/queue_file.h"
#include "names.h"

namespace webvps::mailer {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// The mailer's own mail (alerts and bounces) goes through the same queue machinery under this
// key, which no site can have (site names start with a letter); it is never limited or paused.
const std::string kInternal = "(mailer)";

constexpr uint32_t kQueueEvents = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

WallTime Now() { return std::chrono::system_clock::now(); }

long long Millis(SteadyClock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

std::string HostName() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return host;
}

std::string FormatTime(WallTime time) { return FormatUtc(time, UtcStyle::kShort); }

MetricLabels SiteLabel(const std::string& site) { return {{"site", site == kInternal ? "_mailer" : site}}; }

}  // namespace

MailerService::MailerService(asio::io_context& io, Settings settings, std::unique_ptr<Transport> transport, Metrics& metrics)
    : io_(io),
      settings_(std::move(settings)),
      glob_(*QueueGlob::Parse(settings_.queue_glob)),
      transport_(std::move(transport)),
      metrics_(metrics),
      inotify_(io),
      control_(io, [this](const std::string& request) { return HandleControl(request); }),
      workers_(static_cast<size_t>(settings_.sessions)),
      wake_timer_(io),
      rescan_timer_(io),
      soon_timer_(io),
      minute_timer_(io),
      stop_timer_(io) {
  metrics_.DescribeGauge("webvps_mailer_queued", "Messages in the site's queue, held and deferred ones included.");
  metrics_.DescribeCounter("webvps_mailer_sent_total", "Messages accepted by the relay (or stored in the outbox).");
  metrics_.DescribeCounter("webvps_mailer_deferred_total", "Delivery attempts that ended in a temporary failure.");
  metrics_.DescribeCounter("webvps_mailer_failed_total", "Messages moved to failed/ (refused, malformed or given up).");
  metrics_.DescribeGauge("webvps_mailer_paused", "1 while the site's mail is paused.");
  metrics_.DescribeGauge("webvps_mailer_queues_watched", "Site queues being watched.");
  metrics_.DescribeGauge("webvps_mailer_sessions_active", "SMTP sessions in flight.");
  metrics_.DescribeGauge("webvps_mailer_messages_queued", "Messages queued over all sites.");
}

MailerService::~MailerService() {
  workers_.stop();
  workers_.join();
}

std::string MailerService::RetryPath(const std::string& site) const {
  return settings_.data_dir + "/retry/" + (site == kInternal ? "_mailer" : site);
}

Status MailerService::Start() {
  if (!inotify_.status().ok()) return inotify_.status().error();
  std::error_code fs_error;
  for (const char* sub : {"retry", "internal/queue", "internal/tmp"}) {
    std::filesystem::create_directories(settings_.data_dir + "/" + sub, fs_error);
    if (fs_error) return Error("create " + settings_.data_dir + "/" + sub + ": " + fs_error.message());
  }
  if (auto pauses = ReadFile(settings_.data_dir + "/pauses"); pauses.ok()) {
    if (Status restored = limiter_.RestorePauses(*pauses); !restored.ok()) {
      spdlog::error("{}/pauses: {}; no site is paused by it", settings_.data_dir, restored.error().message());
    }
  }
  LoadRegistry();
  std::filesystem::path registry(settings_.registry);
  if (auto watch = inotify_.Watch(registry.parent_path().string(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE); watch.ok()) {
    registry_watch_ = *watch;
  }
  if (auto watch = inotify_.Watch(glob_.sites_root(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR); watch.ok()) {
    root_watch_ = *watch;
  } else {
    spdlog::warn("cannot watch {} for new sites ({}); new sites are found by the rescan every {} s", glob_.sites_root(),
                 watch.error().message(), settings_.rescan_interval.count());
  }
  auto internal = SiteMailDir::Open(settings_.data_dir, "internal");
  if (!internal.ok()) return internal.error();
  SiteQueue& own = queues_[kInternal];
  own.name = kInternal;
  own.dir = std::make_shared<SiteMailDir>(std::move(*internal));
  LoadRetries(own);
  if (Status control = control_.Start(settings_.data_dir + "/control.sock"); !control.ok()) return control;
  inotify_.Start([this](const InotifyEvent& event) { OnInotify(event); });
  work_.emplace(io_.get_executor());
  Rescan();
  SendDueAlerts();
  ScheduleTimers();
  spdlog::info("relaying through {}; watching {} ({} queues); {} parallel sessions of up to {} messages",
               transport_->Describe(), settings_.queue_glob, queues_.size() - 1, settings_.sessions,
               settings_.messages_per_session);
  Dispatch();
  return {};
}

void MailerService::Stop() {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("stopping: {} sessions in flight finish, no new ones start", active_sessions_);
  inotify_.Stop();
  control_.Stop();
  for (auto* timer : {&wake_timer_, &rescan_timer_, &soon_timer_, &minute_timer_}) timer->cancel();
  if (active_sessions_ > 0) {
    stop_timer_.expires_after(settings_.stop_timeout);
    stop_timer_.async_wait([this](boost::system::error_code error) {
      if (error) return;
      spdlog::warn("stop timeout: {} sessions still in flight; their messages stay queued and are sent at the next start",
                   active_sessions_);
      spdlog::default_logger()->flush();
      // The worker threads are blocked in the SMTP library; nothing is lost by not waiting.
      std::_Exit(0);
    });
  }
  FinishStopIfIdle();
}

void MailerService::FinishStopIfIdle() {
  if (stopping_ && active_sessions_ == 0) {
    stop_timer_.cancel();
    work_.reset();
  }
}

HealthReport MailerService::Health() const {
  // Healthy once started: a relay that is down is a reason to queue, not to restart the mailer.
  return HealthReport{};
}

void MailerService::LoadRegistry() {
  auto registry = webvps::LoadRegistry(settings_.registry);
  if (!registry.ok()) {
    spdlog::error("registry: {}; {}", registry.error().message(),
                  registry_ ? "keeping the last good one" : "using the default limits and no alert addresses");
    return;
  }
  bool first = !registry_;
  registry_ = std::move(*registry);
  spdlog::info("registry {} {}: {} sites", settings_.registry, first ? "loaded" : "reloaded", registry_->sites.size());
}

MailLimit MailerService::LimitOf(const std::string& site) const {
  if (!registry_) return MailLimit{};
  if (const Site* entry = registry_->FindSite(site)) return entry->mail;
  return registry_->defaults.mail;
}

void MailerService::ScheduleTimers() {
  rescan_timer_.expires_after(settings_.rescan_interval);
  rescan_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    Rescan();
    Dispatch();
    ScheduleTimers();
  });
  minute_timer_.expires_after(std::chrono::minutes(1));
  minute_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    SendDueAlerts();
    if (SteadyClock::now() - last_cleanup_ >= std::chrono::hours(1)) {
      last_cleanup_ = SteadyClock::now();
      for (const auto& [site, queue] : queues_) {
        int removed = queue.dir->CleanSent(settings_.sent_retention);
        if (removed > 0) spdlog::info("{}: removed {} delivered mails older than {} s from sent/", site, removed,
                                      settings_.sent_retention.count());
      }
    }
  });
}

void MailerService::RescanSoon() {
  if (soon_pending_ || stopping_) return;
  soon_pending_ = true;
  // A new site's directories appear over a moment (mkdir -p, then the container starts).
  soon_timer_.expires_after(std::chrono::milliseconds(500));
  soon_timer_.async_wait([this](boost::system::error_code error) {
    soon_pending_ = false;
    if (error || stopping_) return;
    Rescan();
    Dispatch();
  });
}

void MailerService::Rescan() {
  std::set<std::string> present;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(glob_.sites_root(), error)) {
    std::string site = entry.path().filename().string();
    if (!IsValidSiteName(site)) continue;
    struct stat info {};
    if (::lstat(glob_.QueueOf(site).c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) continue;
    present.insert(site);
    auto it = queues_.find(site);
    if (it == queues_.end() || it->second.dir->inode() != info.st_ino || it->second.dir->device() != info.st_dev) {
      OpenSite(site);
    }
  }
  if (error) spdlog::error("list {}: {}", glob_.sites_root(), error.message());
  std::vector<std::string> gone;
  for (const auto& [site, queue] : queues_) {
    if (site != kInternal && !present.contains(site)) gone.push_back(site);
  }
  for (const auto& site : gone) DropSite(site);
  for (auto& [site, queue] : queues_) SyncQueue(queue, true);
}

void MailerService::OpenSite(const std::string& site) {
  std::string relative = site + "/" + glob_.suffix();
  relative = relative.substr(0, relative.rfind('/'));
  auto dir = SiteMailDir::Open(glob_.sites_root(), relative);
  if (!dir.ok()) {
    spdlog::error("site {}: {}; its mail is not relayed until this is fixed", site, dir.error().message());
    DropSite(site);
    return;
  }
  bool known = queues_.contains(site);
  SiteQueue& queue = queues_[site];
  if (queue.watch >= 0) {
    watches_.erase(queue.watch);
    inotify_.Unwatch(queue.watch);
    queue.watch = -1;
  }
  queue.name = site;
  queue.dir = std::make_shared<SiteMailDir>(std::move(*dir));
  if (!known) LoadRetries(queue);
  // Watched through the descriptor opened without symlinks: the watch is on that very directory.
  std::string path = "/proc/self/fd/" + std::to_string(queue.dir->queue_fd());
  if (auto watch = inotify_.Watch(path, kQueueEvents); watch.ok()) {
    queue.watch = *watch;
    watches_[*watch] = site;
  } else {
    spdlog::error("site {}: watch {}: {}; its queue is rescanned every {} s instead", site, glob_.QueueOf(site),
                  watch.error().message(), settings_.rescan_interval.count());
  }
  spdlog::info("site {}: watching {}", site, glob_.QueueOf(site));
}

void MailerService::DropSite(const std::string& site) {
  auto it = queues_.find(site);
  if (it == queues_.end()) return;
  if (it->second.watch >= 0) {
    watches_.erase(it->second.watch);
    inotify_.Unwatch(it->second.watch);
  }
  spdlog::info("site {}: queue gone, no longer watched", site);
  metrics_.Set("webvps_mailer_queued", SiteLabel(site), 0);
  queues_.erase(it);
}

void MailerService::SyncQueue(SiteQueue& queue, bool count_recent) {
  auto entries = queue.dir->ListQueue();
  if (!entries.ok()) {
    spdlog::error("site {}: {}", queue.name, entries.error().message());
    return;
  }
  std::set<std::string> present;
  WallTime now = Now();
  for (const auto& entry : *entries) {
    present.insert(entry.name);
    if (!queue.messages.contains(entry.name)) {
      // Mail found by a scan rather than an event counts against the limit only if it is recent.
      bool count = count_recent && now - entry.modified < LimitOf(queue.name).window;
      Track(queue, entry.name, count);
    }
  }
  bool retries_changed = false;
  for (auto it = queue.messages.begin(); it != queue.messages.end();) {
    if (!present.contains(it->first) && !it->second.in_flight) {
      retries_changed |= queue.retries.erase(it->first) > 0;
      it = queue.messages.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = queue.retries.begin(); it != queue.retries.end();) {
    if (!queue.messages.contains(it->first)) {
      it = queue.retries.erase(it);
      retries_changed = true;
    } else {
      ++it;
    }
  }
  if (retries_changed) SaveRetries(queue);
}

void MailerService::Track(SiteQueue& queue, const std::string& name, bool count) {
  Message& message = queue.messages[name];
  message.seen = SteadyClock::now();
  if (auto record = queue.retries.find(name); record != queue.retries.end()) message.not_before = record->second.next_attempt;
  if (!count || queue.name == kInternal) return;
  MailLimit limit = LimitOf(queue.name);
  if (limiter_.Record(queue.name, limit, Now())) {
    const SitePause* pause = limiter_.Pause(queue.name);
    spdlog::warn("site {}: paused: {} mails within {} s (limit {}); its mail stays queued until `mailer resume {}`",
                 queue.name, pause->count, limit.window.count(), limit.limit, queue.name);
    SavePauses();
    SendDueAlerts();
  }
}

void MailerService::OnInotify(const InotifyEvent& event) {
  if (event.overflowed()) {
    spdlog::warn("inotify queue overflowed; rescanning every queue");
    Rescan();
    Dispatch();
    return;
  }
  if (event.watch == registry_watch_ && event.name == std::filesystem::path(settings_.registry).filename().string()) {
    LoadRegistry();
  }
  if (event.watch == root_watch_) {
    RescanSoon();
    return;
  }
  auto site = watches_.find(event.watch);
  if (site == watches_.end()) return;
  auto queue = queues_.find(site->second);
  if (queue == queues_.end()) return;
  if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
    RescanSoon();
    return;
  }
  if (event.name.empty() || event.name[0] == '.') return;
  auto known = queue->second.messages.find(event.name);
  if (known == queue->second.messages.end()) {
    Track(queue->second, event.name, true);
  } else if (!known->second.in_flight && (event.mask & IN_CLOSE_WRITE) && !queue->second.retries.contains(event.name)) {
    known->second.not_before = WallTime{};  // finished writing: try it now
  }
  Dispatch();
}

// Every change to the queues ends here, so the gauges are brought up to date here too.
void MailerService::Dispatch() {
  if (stopping_) return;
  while (active_sessions_ < settings_.sessions) {
    auto batch = TakeBatch();
    if (!batch) break;
    ++active_sessions_;
    metrics_.Set("webvps_mailer_sessions_active", active_sessions_);
    auto shared = std::make_shared<Batch>(std::move(*batch));
    asio::post(workers_, [this, shared, transport = transport_] {
      auto reports = transport->Send(shared->messages);
      asio::post(io_, [this, shared, reports = std::move(reports)]() mutable {
        Complete(std::move(*shared), std::move(reports));
      });
    });
  }
  ScheduleWakeUp();
  UpdateGauges();
}

std::optional<MailerService::Batch> MailerService::TakeBatch() {
  // Round robin over the sites, one message each per round, so that one busy site cannot
  // starve the others.
  std::vector<SiteQueue*> order;
  auto start = queues_.upper_bound(rr_cursor_);
  for (auto it = start; it != queues_.end(); ++it) order.push_back(&it->second);
  for (auto it = queues_.begin(); it != start; ++it) order.push_back(&it->second);
  WallTime now = Now();
  // Spread the ready mail over the free sessions rather than filling the first one: 200 messages
  // and 8 free sessions make 8 batches of 25, which finish sooner than 4 of 50.
  size_t ready = 0;
  for (SiteQueue* queue : order) {
    if (queue->name != kInternal && limiter_.Paused(queue->name)) continue;
    for (const auto& [name, message] : queue->messages) ready += !message.in_flight && message.not_before <= now;
  }
  size_t free_sessions = static_cast<size_t>(std::max(1, settings_.sessions - active_sessions_));
  const size_t limit = std::clamp<size_t>((ready + free_sessions - 1) / free_sessions, 1, settings_.messages_per_session);
  Batch batch;
  std::map<SiteQueue*, std::map<std::string, Message>::iterator> cursors;
  bool progress = true;
  while (progress && batch.messages.size() < limit) {
    progress = false;
    for (SiteQueue* queue : order) {
      if (batch.messages.size() >= limit) break;
      if (queue->name != kInternal && limiter_.Paused(queue->name)) continue;
      auto [cursor, inserted] = cursors.try_emplace(queue, queue->messages.begin());
      auto& it = cursor->second;
      while (it != queue->messages.end()) {
        auto current = it++;
        if (current->second.in_flight || current->second.not_before > now) continue;
        if (PrepareMessage(*queue, current->first, current->second, batch)) {
          rr_cursor_ = queue->name;
          progress = true;
          break;
        }
        // PrepareMessage may have filed the message away; `it` stays valid (map iterators).
      }
    }
  }
  if (batch.messages.empty()) return std::nullopt;
  return batch;
}

bool MailerService::PrepareMessage(SiteQueue& queue, const std::string& name, Message& message, Batch& batch) {
  auto read = queue.dir->ReadQueueFile(name, settings_.max_message_bytes);
  WallTime now = Now();
  if (!read.ok) {
    if (read.missing) {
      queue.messages.erase(name);
      queue.retries.erase(name);
    } else if (read.permanent) {
      FileFailed(queue, name, read.problem);
    } else {
      spdlog::error("site {}: queue file {}: {}; trying again later", queue.name, name, read.problem);
      message.not_before = now + std::chrono::seconds(30);
    }
    return false;
  }
  auto parsed = ParseQueueFile(read.content);
  if (!parsed.ok()) {
    if (now - read.modified < settings_.parse_grace) {
      // Perhaps still being written (IN_CREATE comes before the content); its close or the
      // rescan brings it back.
      message.not_before = read.modified + settings_.parse_grace;
      return false;
    }
    FileFailed(queue, name, "not a nullmailer queue file: " + parsed.error().message());
    return false;
  }
  OutgoingMessage outgoing;
  outgoing.id = (queue.name == kInternal ? std::string("mailer") : queue.name) + "/" + name;
  const RetryRecord* record = nullptr;
  if (auto it = queue.retries.find(name); it != queue.retries.end()) record = &it->second;
  for (const auto& recipient : parsed->recipients) {
    if (record && (std::find(record->delivered.begin(), record->delivered.end(), recipient) != record->delivered.end() ||
                   std::find(record->rejected.begin(), record->rejected.end(), recipient) != record->rejected.end())) {
      continue;
    }
    outgoing.recipients.push_back(recipient);
  }
  if (outgoing.recipients.empty()) outgoing.recipients = parsed->recipients;  // a stale record: send to all
  std::string body = parsed->message;
  outgoing.sender = parsed->sender;
  if (!settings_.sender_rewrite_domain.empty() && queue.name != kInternal) {
    auto rewritten = RewriteSender(parsed->sender, body, settings_.sender_rewrite_domain);
    outgoing.sender = std::move(rewritten.sender);
    body = std::move(rewritten.message);
  }
  outgoing.data = ToCrlf(body);
  message.in_flight = true;
  batch.keys.emplace_back(queue.name, name);
  batch.dirs.push_back(queue.dir);
  batch.originals.push_back(std::move(parsed->message));
  // The original sender is what a bounce goes back to, not the rewritten one.
  batch.senders.push_back(parsed->sender);
  batch.messages.push_back(std::move(outgoing));
  return true;
}

void MailerService::Complete(Batch batch, std::vector<AttemptReport> reports) {
  --active_sessions_;
  metrics_.Set("webvps_mailer_sessions_active", active_sessions_);
  WallTime now = Now();
  std::set<std::string> retries_changed;
  for (size_t i = 0; i < batch.messages.size() && i < reports.size(); ++i) {
    const auto& [site, name] = batch.keys[i];
    const OutgoingMessage& sent = batch.messages[i];
    const std::string& original_sender = batch.senders[i];
    const std::string& id = sent.id;
    AttemptOutcome outcome = ClassifyAttempt(reports[i]);
    auto queue_it = queues_.find(site);
    SiteQueue* queue = queue_it == queues_.end() ? nullptr : &queue_it->second;
    Message* message = nullptr;
    if (queue) {
      if (auto it = queue->messages.find(name); it != queue->messages.end()) message = &it->second;
    }
    long long waited = message ? Millis(SteadyClock::now() - message->seen) : 0;
    RetryRecord record;
    if (queue) {
      if (auto it = queue->retries.find(name); it != queue->retries.end()) record = it->second;
    }
    std::string reply = outcome.summary.ToString();
    std::vector<RecipientReply> refused = outcome.rejected;
    for (const auto& recipient : record.rejected) {
      refused.push_back({recipient, SmtpReply{500, "refused at an earlier attempt: " + record.last_reply}});
    }
    bool give_up = false;
    if (outcome.outcome == Outcome::kDeferred) give_up = !RecordFailure(record, outcome, settings_.retry, now);
    std::string shown_site = site == kInternal ? "mailer" : site;
    if (outcome.outcome == Outcome::kSent && refused.empty()) {
      Status moved = batch.dirs[i]->MoveToSent(name);
      spdlog::info("sent {}: site {} from <{}> to {} recipient(s): {} ({} ms, queued {} ms before){}", id, shown_site,
                   original_sender, sent.recipients.size(), reply, reports[i].duration.count(), waited,
                   moved.ok() ? "" : "; " + moved.error().message());
      metrics_.Add("webvps_mailer_sent_total", SiteLabel(site));
    } else if (outcome.outcome == Outcome::kDeferred && !give_up) {
      spdlog::warn("deferred {}: site {} from <{}> to {} recipient(s): {} ({} ms); attempt {}, next in {} s", id, shown_site,
                   original_sender, outcome.pending.size(), reply, reports[i].duration.count(), record.attempts,
                   std::chrono::duration_cast<std::chrono::seconds>(record.next_attempt - now).count());
      metrics_.Add("webvps_mailer_deferred_total", SiteLabel(site));
      if (queue) {
        queue->retries[name] = record;
        retries_changed.insert(site);
        if (message) message->not_before = record.next_attempt;
      }
    } else {
      if (give_up) {
        for (const auto& recipient : outcome.pending) refused.push_back({recipient, outcome.summary});
      }
      std::string reason = give_up ? "given up after " + std::to_string(record.attempts) + " attempts since " +
                                         FormatTime(record.first_failure) + "; last reply: " + reply
                                   : "refused by the relay";
      for (const auto& recipient : refused) reason += "\n<" + recipient.recipient + ">: " + recipient.reply.ToString();
      Status moved = batch.dirs[i]->MoveToFailed(name, reason);
      spdlog::error("failed {}: site {} from <{}> to {} recipient(s): {} ({} ms){}", id, shown_site, original_sender,
                    sent.recipients.size(), reply, reports[i].duration.count(), moved.ok() ? "" : "; " + moved.error().message());
      metrics_.Add("webvps_mailer_failed_total", SiteLabel(site));
      if (!original_sender.empty() && site != kInternal && !refused.empty()) {
        QueueInternal("", {original_sender}, RenderBounce(original_sender, refused, batch.originals[i], HostName(), now),
                      "bounce of " + id);
      }
    }
    if (queue) {
      if (outcome.outcome != Outcome::kDeferred || give_up) {
        queue->messages.erase(name);
        if (queue->retries.erase(name) > 0) retries_changed.insert(site);
      } else if (message) {
        message->in_flight = false;
      }
    }
  }
  for (const auto& site : retries_changed) {
    if (auto it = queues_.find(site); it != queues_.end()) SaveRetries(it->second);
  }
  Dispatch();
  FinishStopIfIdle();
}

void MailerService::FileFailed(SiteQueue& queue, const std::string& name, const std::string& reason) {
  Status moved = queue.dir->MoveToFailed(name, reason);
  std::string site = queue.name == kInternal ? "mailer" : queue.name;
  if (moved.ok()) {
    spdlog::error("failed {}/{}: {}; moved to failed/", site, name, reason);
  } else {
    spdlog::error("failed {}/{}: {}; and it could not be moved to failed/: {}", site, name, reason, moved.error().message());
  }
  metrics_.Add("webvps_mailer_failed_total", SiteLabel(queue.name));
  queue.messages.erase(name);
  if (queue.retries.erase(name) > 0) SaveRetries(queue);
}

void MailerService::QueueInternal(const std::string& sender, const std::vector<std::string>& recipients,
                                  const std::string& message, const std::string& why) {
  std::string file = sender + "\n";
  for (const auto& recipient : recipients) file += recipient + "\n";
  file += "\n" + message;
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  std::string name = std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()) + "." +
                     std::to_string(getpid()) + "." + std::to_string(++internal_counter_);
  std::string tmp = settings_.data_dir + "/internal/tmp/" + name;
  std::string target = settings_.data_dir + "/internal/queue/" + name;
  auto written = WriteFileAtomically(tmp, file, {.mode = 0600});
  if (!written.ok() || ::rename(tmp.c_str(), target.c_str()) != 0) {
    spdlog::error("cannot queue the {}: {}", why, written.ok() ? std::strerror(errno) : written.error().message());
    return;
  }
  spdlog::info("queued the {} to {} recipient(s) as mailer/{}", why, recipients.size(), name);
  Track(queues_[kInternal], name, false);
}

void MailerService::SendDueAlerts() {
  WallTime now = Now();
  for (const auto& site : limiter_.AlertsDue(now)) {
    std::vector<std::string> to;
    if (registry_ && !registry_->admin_email.empty()) to.push_back(registry_->admin_email);
    if (registry_) {
      if (const Site* entry = registry_->FindSite(site); entry && !entry->email.empty() &&
                                                          std::find(to.begin(), to.end(), entry->email) == to.end()) {
        to.push_back(entry->email);
      }
    }
    if (to.empty()) {
      spdlog::error("site {} is paused but no alert can go out: the registry names no admin_email", site);
      continue;
    }
    std::string from = settings_.alert_from.empty() ? "mailer@" + HostName() : settings_.alert_from;
    QueueInternal(from, to, RenderPauseAlert(site, *limiter_.Pause(site), LimitOf(site), from, to, now),
                  "pause alert for site " + site);
    limiter_.AlertSent(site, now);
    SavePauses();
  }
}

void MailerService::SavePauses() {
  auto written = WriteFileAtomically(settings_.data_dir + "/pauses", limiter_.SerializePauses(), {.mode = 0600});
  if (!written.ok()) spdlog::error("cannot save the pauses: {}", written.error().message());
}

void MailerService::LoadRetries(SiteQueue& queue) {
  std::string path = RetryPath(queue.name);
  auto records = ReadFile(path);
  if (!records.ok()) return;  // none saved: nothing deferred
  if (auto parsed = ParseRetryRecords(*records); parsed.ok()) {
    queue.retries = std::move(*parsed);
  } else {
    spdlog::error("{}: {}; the backoff of its messages starts over", path, parsed.error().message());
  }
}

void MailerService::SaveRetries(const SiteQueue& queue) {
  std::string path = RetryPath(queue.name);
  if (queue.retries.empty()) {
    ::unlink(path.c_str());
    return;
  }
  auto written = WriteFileAtomically(path, SerializeRetryRecords(queue.retries), {.mode = 0600});
  if (!written.ok()) spdlog::error("cannot save the retry schedule: {}", written.error().message());
}

void MailerService::ScheduleWakeUp() {
  if (stopping_) return;
  WallTime now = Now();
  std::optional<WallTime> earliest;
  for (const auto& [site, queue] : queues_) {
    if (site != kInternal && limiter_.Paused(site)) continue;
    for (const auto& [name, message] : queue.messages) {
      if (message.in_flight || message.not_before <= now) continue;
      if (!earliest || message.not_before < *earliest) earliest = message.not_before;
    }
  }
  wake_timer_.cancel();
  if (!earliest) return;
  wake_timer_.expires_after(*earliest - now + std::chrono::milliseconds(5));
  wake_timer_.async_wait([this](boost::system::error_code error) {
    if (!error) Dispatch();
  });
}

void MailerService::UpdateGauges() {
  size_t queued = 0;
  for (const auto& [site, queue] : queues_) {
    metrics_.Set("webvps_mailer_queued", SiteLabel(site), static_cast<double>(queue.messages.size()));
    metrics_.Set("webvps_mailer_paused", SiteLabel(site), limiter_.Paused(site) ? 1 : 0);
    queued += queue.messages.size();
  }
  metrics_.Set("webvps_mailer_queues_watched", static_cast<double>(queues_.size() - 1));
  metrics_.Set("webvps_mailer_messages_queued", static_cast<double>(queued));
}

std::string MailerService::StatusTable() {
  WallTime now = Now();
  std::vector<std::vector<std::string>> rows{{"SITE", "QUEUED", "DEFERRED", "IN WINDOW", "LIMIT", "STATE"}};
  std::set<std::string> sites;
  for (const auto& [site, queue] : queues_) sites.insert(site);
  for (const auto& site : sites) {
    const SiteQueue* queue = queues_.contains(site) ? &queues_.at(site) : nullptr;
    MailLimit limit = LimitOf(site);
    std::string state = "active";
    if (site == kInternal) {
      state = "alerts and bounces";
    } else if (const SitePause* pause = limiter_.Pause(site)) {
      state = "paused since " + FormatTime(pause->since) +
              (pause->count > 0 ? " (" + std::to_string(pause->count) + " mails)" : " (held by hand)");
    }
    rows.push_back({site == kInternal ? "(mailer)" : site, std::to_string(queue ? queue->messages.size() : 0),
                    std::to_string(queue ? queue->retries.size() : 0),
                    site == kInternal ? "-" : std::to_string(limiter_.CountInWindow(site, limit, now)),
                    site == kInternal ? "-" : std::to_string(limit.limit) + "/" + std::to_string(limit.window.count()) + "s",
                    state});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out = "relay: " + transport_->Describe() + "\n";
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

ControlReply MailerService::HandleControl(const std::string& request) {
  if (request == "status") return {true, StatusTable()};
  size_t space = request.find(' ');
  std::string command = request.substr(0, space);
  std::string site = space == std::string::npos ? "" : request.substr(space + 1);
  if ((command != "hold" && command != "resume") || !IsValidSiteName(site)) {
    return {false, "unknown request " + QuoteForMessage(request)};
  }
  if (command == "hold") {
    if (limiter_.Paused(site)) return {true, "site " + site + " was already paused\n"};
    limiter_.Hold(site, Now());
    limiter_.AlertSent(site, Now());  // the admin did it: no alert now, a reminder in 24 h
    SavePauses();
    UpdateGauges();
    spdlog::warn("site {}: held by hand (mailer hold)", site);
    return {true, "site " + site + " is on hold; its mail stays queued until `mailer resume " + site + "`\n"};
  }
  if (!limiter_.Resume(site)) return {true, "site " + site + " was not paused\n"};
  SavePauses();
  size_t held = queues_.contains(site) ? queues_.at(site).messages.size() : 0;
  spdlog::info("site {}: resumed (mailer resume); sending the {} queued mails", site, held);
  Dispatch();
  return {true, "site " + site + " resumed; sending its " + std::to_string(held) + " queued mails\n"};
}

}  // namespace webvps::mailer
