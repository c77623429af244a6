#include "mailer_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <spdlog/spdlog.h>

#include "atomic_file.h"
#include "mailer/queue_file.h"
#include "mailer/sender_policy.h"
#include "names.h"

namespace webvps::mailer {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// The envelope and the header block must end within this many bytes of a queue file's start:
// they are what the mailer reads; the body is streamed.
constexpr size_t kHeadBytes = 1 << 20;

constexpr uint32_t kQueueEvents = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr uint32_t kRegistryEvents = IN_CLOSE_WRITE | IN_MOVED_TO;
constexpr uint32_t kRootEvents = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;

WallTime Now() { return std::chrono::system_clock::now(); }

long long SecondsUntil(WallTime when, WallTime now) {
  return std::max<long long>(0, std::chrono::duration_cast<std::chrono::seconds>(when - now).count());
}

std::string HostName() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return host;
}

std::string FormatTime(WallTime time) { return FormatUtc(time, UtcStyle::kShort); }

bool Internal(const std::string& site) { return site == kInternalSite; }
std::string Shown(const std::string& site) { return Internal(site) ? "mailer" : site; }
std::string FileKey(const std::string& site) { return Internal(site) ? "_mailer" : site; }
std::string IdOf(const MessageKey& key) { return Shown(key.site) + "/" + key.name; }
MetricLabels SiteLabel(const std::string& site) { return {{"site", Internal(site) ? "_mailer" : site}}; }

bool SameFile(const std::string& a, const std::string& b) {
  struct stat first {}, second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

// The header block of a message that starts at `offset` of `head` (which holds the file's first
// bytes; `whole` when that is the whole file): its length, or an error when it does not end in
// what was read. A message without a body is all header block.
Result<size_t> HeaderLength(const std::string& head, size_t offset, bool whole) {
  std::string_view message = std::string_view(head).substr(offset);
  if (auto length = HeaderBlockLength(message, message.size())) return *length;
  if (whole) return message.size();
  return Error("the header block does not end within the first " + std::to_string(kHeadBytes) + " bytes");
}

}  // namespace

MailerService::MailerService(asio::io_context& io, Settings settings, std::unique_ptr<Transport> transport, Metrics& metrics)
    : io_(io),
      settings_(std::move(settings)),
      glob_(*QueueGlob::Parse(settings_.queue_glob)),
      transport_(std::move(transport)),
      metrics_(metrics),
      inotify_(io),
      control_(io, [this](const std::string& request) { return HandleControl(request); }),
      wake_timer_(io),
      rescan_timer_(io),
      soon_timer_(io),
      minute_timer_(io),
      stop_timer_(io),
      model_(settings_.limits, settings_.retry, settings_.sessions, settings_.messages_per_session) {
  metrics_.DescribeGauge("webvps_mailer_queued", "Messages in the site's queue, held and deferred ones included.");
  metrics_.DescribeGauge("webvps_mailer_queued_bytes", "Bytes of the messages in the site's queue.");
  metrics_.DescribeCounter("webvps_mailer_sent_total", "Messages accepted by the relay (or stored in the outbox).");
  metrics_.DescribeCounter("webvps_mailer_deferred_total", "Delivery attempts that ended in a temporary failure.");
  metrics_.DescribeCounter("webvps_mailer_failed_total", "Messages moved to failed/ (refused, malformed or given up).");
  metrics_.DescribeCounter("webvps_mailer_rewritten_total", "Messages whose sender the sender policy rewrote.");
  metrics_.DescribeGauge("webvps_mailer_paused", "1 while the site's mail is paused.");
  metrics_.DescribeGauge("webvps_mailer_queues_watched", "Site queues being watched.");
  metrics_.DescribeGauge("webvps_mailer_sessions_active", "SMTP sessions in flight.");
  metrics_.DescribeGauge("webvps_mailer_messages_queued", "Messages queued over all sites.");
  metrics_.DescribeGauge("webvps_mailer_relay_up", "0 while the relay refuses or fails the mailer's sessions, else 1.");
  metrics_.DescribeCounter("webvps_mailer_relay_failures_total", "Sessions the relay refused or failed before any message.");
  metrics_.DescribeGauge("webvps_mailer_unfiled", "Messages answered by the relay whose move out of queue/ is still to do.");
  metrics_.Set("webvps_mailer_relay_up", 1);
}

MailerService::~MailerService() = default;

std::string MailerService::RetryPath(const std::string& site) const {
  return settings_.data_dir + "/retry/" + FileKey(site);
}

std::string MailerService::AlertFrom() const {
  return settings_.alert_from.empty() ? "mailer@" + HostName() : settings_.alert_from;
}

MailerService::SiteDir* MailerService::DirOf(const std::string& site) {
  auto it = sites_.find(site);
  return it == sites_.end() ? nullptr : &it->second;
}

Status MailerService::Start() {
  if (!inotify_.status().ok()) return inotify_.status().error();
  std::error_code fs_error;
  for (const char* sub : {"retry", "internal/queue", "internal/tmp"}) {
    std::filesystem::create_directories(settings_.data_dir + "/" + sub, fs_error);
    if (fs_error) return Error("create " + settings_.data_dir + "/" + sub + ": " + fs_error.message());
  }
  if (auto pauses = ReadFile(settings_.data_dir + "/pauses"); pauses.ok()) {
    if (Status restored = model_.limiter().RestorePauses(*pauses); !restored.ok()) {
      spdlog::error("{}/pauses: {}; no site is paused by it", settings_.data_dir, restored.error().message());
    }
  }
  std::vector<std::string> problems;
  auto journal = FilingJournal::Open(settings_.data_dir + "/filing-journal", problems);
  for (const auto& problem : problems) spdlog::error("{}", problem);
  if (!journal.ok()) return journal.error();
  journal_.emplace(std::move(*journal));
  for (const auto& [slot, entry] : journal_->entries()) {
    std::string site = entry.site == "_mailer" ? kInternalSite : entry.site;
    filed_[{site, entry.name}] = Filed{entry, slot};
  }
  if (!filed_.empty()) {
    spdlog::warn("{} messages answered by the relay before the last stop are still to be moved out of their queues; "
                 "they are not sent again",
                 filed_.size());
  }
  CheckRegistry(true);
  std::filesystem::path registry(settings_.registry);
  registry_name_ = registry.filename().string();
  std::string registry_dir = registry.parent_path().string();
  // One watch per directory: a second inotify_add_watch on the same inode would replace the
  // first one's mask (the registry usually sits in the sites root, /home).
  bool shared = SameFile(registry_dir, glob_.sites_root());
  if (auto watch = inotify_.Watch(registry_dir, kRegistryEvents | (shared ? kRootEvents : 0)); watch.ok()) {
    registry_watch_ = *watch;
    if (shared) root_watch_ = *watch;
  } else {
    spdlog::warn("cannot watch {} for registry changes ({}); it is checked every {} s", registry_dir, watch.error().message(),
                 settings_.rescan_interval.count());
  }
  if (!shared) {
    if (auto watch = inotify_.Watch(glob_.sites_root(), kRootEvents); watch.ok()) {
      root_watch_ = *watch;
    } else {
      spdlog::warn("cannot watch {} for new sites ({}); new sites are found by the rescan every {} s", glob_.sites_root(),
                   watch.error().message(), settings_.rescan_interval.count());
    }
  }
  auto internal = SiteMailDir::Open(settings_.data_dir, "internal");
  if (!internal.ok()) return internal.error();
  SiteDir& own = sites_[kInternalSite];
  own.dir = std::make_shared<SiteMailDir>(std::move(*internal));
  LoadRetries(kInternalSite, own);
  if (Status control = control_.Start(settings_.data_dir + "/control.sock"); !control.ok()) return control;
  inotify_.Start([this](const InotifyEvent& event) { OnInotify(event); });
  work_.emplace(io_.get_executor());
  Rescan();
  RetryFilings();
  ReportUnregistered();
  SendDueAlerts();
  ScheduleTimers();
  spdlog::info("relaying through {}; watching {} ({} queues); {} parallel sessions of up to {} messages; sender policy {}",
               transport_->Describe(), settings_.queue_glob, sites_.size() - 1, settings_.sessions,
               settings_.messages_per_session,
               settings_.sender_policy == SenderPolicyMode::kRewrite  ? "rewrite"
               : settings_.sender_policy == SenderPolicyMode::kRefuse ? "refuse"
                                                                      : "off");
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
      spdlog::warn("stop timeout: ending {} sessions; their unsent messages stay queued for the next start", active_sessions_);
      transport_->StopAll();
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
  const auto& relay = model_.relay();
  if (relay.down) return {true, "relay down since " + FormatTime(relay.since) + ": " + relay.last_problem};
  return HealthReport{};
}

// The registry, when its content changed (or `force`): parsed, and the model told. A broken one
// leaves the last good one in force.
void MailerService::CheckRegistry(bool force) {
  auto text = ReadFile(settings_.registry);
  if (!text.ok()) {
    if (force || registry_) spdlog::error("registry: {}; {}", text.error().message(),
                                          registry_ ? "keeping the last good one" : "no site's mail is relayed until it loads");
    return;
  }
  size_t hash = std::hash<std::string>{}(*text);
  if (!force && hash == registry_hash_) return;
  registry_hash_ = hash;
  auto registry = ParseRegistry(*text, settings_.registry);
  if (!registry.ok()) {
    spdlog::error("registry: {}; {}", registry.error().message(),
                  registry_ ? "keeping the last good one" : "no site's mail is relayed until it loads");
    return;
  }
  bool first = !registry_;
  registry_ = std::move(*registry);
  model_.SetRegistry(&*registry_);
  spdlog::info("registry {} {}: {} sites", settings_.registry, first ? "loaded" : "reloaded", registry_->sites.size());
  if (!first) {
    ReportUnregistered();
    Dispatch();
  }
}

// One line when a site with queued mail is not (or no longer) in the registry, one when it is again.
void MailerService::ReportUnregistered() {
  for (auto& [site, dir] : sites_) {
    if (Internal(site)) continue;
    bool registered = model_.Registered(site);
    if (!registered && !dir.unregistered_reported) {
      auto counts = model_.CountsOf(site);
      spdlog::warn("site {} is not in the registry: its mail is not relayed; {} queued messages are kept in its queue", site,
                   counts.queued);
      dir.unregistered_reported = true;
    } else if (registered && dir.unregistered_reported) {
      spdlog::info("site {} is in the registry again: its mail is relayed", site);
      dir.unregistered_reported = false;
    }
  }
}

void MailerService::ScheduleTimers() {
  rescan_timer_.expires_after(settings_.rescan_interval);
  rescan_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    CheckRegistry(false);
    Rescan();
    RetryFilings();
    Dispatch();
    ScheduleTimers();
  });
  minute_timer_.expires_after(std::chrono::minutes(1));
  minute_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    SendDueAlerts();
    RetryFilings();
    if (SteadyClock::now() - last_cleanup_ >= std::chrono::hours(1)) {
      last_cleanup_ = SteadyClock::now();
      Cleanup();
    }
  });
}

void MailerService::Cleanup() {
  for (auto& [site, dir] : sites_) {
    int sent = dir.dir->CleanSent(settings_.sent_retention);
    if (sent > 0) spdlog::info("{}: removed {} delivered mails older than {} s from sent/", Shown(site), sent,
                               settings_.sent_retention.count());
    int failed = dir.dir->CleanFailed(settings_.failed_retention);
    if (failed > 0) spdlog::info("{}: removed {} failed mails older than {} s from failed/", Shown(site), failed,
                                 settings_.failed_retention.count());
    dir.failed_bytes = dir.dir->FailedBytes();
    TrimFailed(site, dir);
  }
}

void MailerService::TrimFailed(const std::string& site, SiteDir& dir) {
  if (dir.failed_bytes <= settings_.failed_max_bytes) return;
  int removed = dir.dir->TrimFailed(settings_.failed_max_bytes);
  dir.failed_bytes = dir.dir->FailedBytes();
  if (removed > 0) {
    spdlog::warn("{}: failed/ held more than {} bytes: removed its {} oldest mails", Shown(site), settings_.failed_max_bytes,
                 removed);
  }
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
    SiteDir* dir = DirOf(site);
    if (!dir || dir->dir->inode() != info.st_ino || dir->dir->device() != info.st_dev) OpenSite(site);
  }
  if (error) spdlog::error("list {}: {}", glob_.sites_root(), error.message());
  std::vector<std::string> gone;
  for (const auto& [site, dir] : sites_) {
    if (!Internal(site) && !present.contains(site)) gone.push_back(site);
  }
  for (const auto& site : gone) DropSite(site);
  std::vector<std::string> sites;
  for (const auto& [site, dir] : sites_) sites.push_back(site);
  for (const auto& site : sites) SyncQueue(site, false);
  ReportUnregistered();
}

void MailerService::OpenSite(const std::string& site) {
  std::string relative = site + "/" + glob_.suffix();
  relative = relative.substr(0, relative.rfind('/'));
  auto opened = SiteMailDir::Open(glob_.sites_root(), relative);
  if (!opened.ok()) {
    spdlog::error("site {}: {}; its mail is not relayed until this is fixed", site, opened.error().message());
    DropSite(site);
    return;
  }
  bool known = sites_.contains(site);
  SiteDir& dir = sites_[site];
  if (dir.watch >= 0) {
    watches_.erase(dir.watch);
    inotify_.Unwatch(dir.watch);
    dir.watch = -1;
  }
  dir.dir = std::make_shared<SiteMailDir>(std::move(*opened));
  dir.failed_bytes = dir.dir->FailedBytes();
  if (!known) LoadRetries(site, dir);
  // Watched through the descriptor opened without symlinks: the watch is on that very directory.
  std::string path = "/proc/self/fd/" + std::to_string(dir.dir->queue_fd());
  if (auto watch = inotify_.Watch(path, kQueueEvents); watch.ok()) {
    dir.watch = *watch;
    watches_[*watch] = site;
  } else {
    spdlog::error("site {}: watch {}: {}; its queue is rescanned every {} s instead", site, glob_.QueueOf(site),
                  watch.error().message(), settings_.rescan_interval.count());
  }
  if (!known) spdlog::info("site {}: watching its queue {}", site, glob_.QueueOf(site));
}

void MailerService::DropSite(const std::string& site) {
  auto it = sites_.find(site);
  if (it == sites_.end()) return;
  if (it->second.watch >= 0) {
    watches_.erase(it->second.watch);
    inotify_.Unwatch(it->second.watch);
  }
  sites_.erase(it);
  // Its messages in flight are filed when they end (the directory is gone: nothing to move).
  auto counts = model_.CountsOf(site);
  if (counts.queued > counts.in_flight) {
    spdlog::warn("site {}: its queue {} is gone; {} messages no longer queued", site, glob_.QueueOf(site),
                 counts.queued - counts.in_flight);
  } else {
    spdlog::info("site {}: its queue is gone", site);
  }
  for (const auto& key : model_.KeysOf(site)) {
    if (!model_.InFlight(key)) model_.Forget(key);
  }
}

// The files in a queue against what the model knows: new ones are admitted, vanished ones forgotten.
void MailerService::SyncQueue(const std::string& site, bool) {
  SiteDir* dir = DirOf(site);
  if (!dir) return;
  auto entries = dir->dir->ListQueue();
  if (!entries.ok()) {
    spdlog::error("site {}: list its queue: {}", Shown(site), entries.error().message());
    return;
  }
  WallTime now = Now();
  std::set<std::string> present;
  MailLimit limit = model_.LimitOf(site);
  for (const auto& entry : *entries) {
    present.insert(entry.name);
    MessageKey key{site, entry.name};
    if (model_.Knows(key) || filed_.contains(key)) continue;
    // Mail found by a scan rather than an event counts against the limit only if it is recent.
    Admit(site, entry.name, now - entry.modified < limit.window);
  }
  bool retries_changed = false;
  for (const auto& key : model_.KeysOf(site)) {
    if (!present.contains(key.name) && !model_.InFlight(key)) {
      retries_changed |= model_.RetryOf(key) != nullptr;
      model_.Forget(key);
    }
  }
  for (auto it = unreadable_.begin(); it != unreadable_.end();) {
    it = it->first.site == site && !present.contains(it->first.name) ? unreadable_.erase(it) : std::next(it);
  }
  for (auto it = dir->saved_retries.begin(); it != dir->saved_retries.end();) {
    it = present.contains(it->first) ? std::next(it) : dir->saved_retries.erase(it);
  }
  if (retries_changed) SaveRetries(site);
}

void MailerService::OnInotify(const InotifyEvent& event) {
  if (event.overflowed()) {
    spdlog::warn("inotify queue overflowed; rescanning every queue");
    CheckRegistry(false);
    Rescan();
    Dispatch();
    return;
  }
  if (event.watch == registry_watch_ && event.name == registry_name_ && (event.mask & kRegistryEvents)) {
    CheckRegistry(false);
  }
  if (event.watch == root_watch_) {
    if ((event.mask & IN_ISDIR) && (event.mask & (IN_CREATE | IN_MOVED_TO))) RescanSoon();
    return;
  }
  if (event.watch == registry_watch_) return;
  auto site = watches_.find(event.watch);
  if (site == watches_.end()) return;
  if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
    RescanSoon();
    return;
  }
  if (event.name.empty() || event.name[0] == '.') return;
  // nullmailer-queue links a finished file in (IN_CREATE); a file written in place is read
  // again when it is closed (IN_CLOSE_WRITE).
  MessageKey key{site->second, event.name};
  if (model_.Knows(key) || filed_.contains(key)) return;
  Admit(site->second, event.name, true);
  Dispatch();
}

// A new queue file: its envelope read, then the model's verdict (accepted, or refused into failed/).
void MailerService::Admit(const std::string& site, const std::string& name, bool count) {
  SiteDir* dir = DirOf(site);
  if (!dir) return;
  MessageKey key{site, name};
  WallTime now = Now();
  auto read = dir->dir->ReadQueueHead(name, kHeadBytes, settings_.max_message_bytes);
  if (!read.ok) {
    if (read.missing) return;
    if (read.permanent) {
      spdlog::error("refused {}: {}", IdOf(key), read.problem);
      FileFailed(key, read.inode, read.problem);
      return;
    }
    spdlog::error("site {}: queue file {}: {}; tried again at the next rescan", Shown(site), name, read.problem);
    return;
  }
  auto envelope = ParseQueueEnvelope(read.head, read.size);
  if (!envelope.ok()) {
    // Perhaps still being written by a site that writes into queue/ directly; nullmailer moves
    // finished files in. Given parse_grace, then refused.
    if (now - read.modified < settings_.parse_grace) {
      unreadable_[key] = read.modified + settings_.parse_grace + std::chrono::seconds(1);
      return;
    }
    unreadable_.erase(key);
    std::string reason = "not a nullmailer queue file: " + envelope.error().message();
    spdlog::error("refused {}: {}", IdOf(key), reason);
    FileFailed(key, read.inode, reason);
    return;
  }
  unreadable_.erase(key);
  auto admission = model_.Arrive(key, static_cast<int>(envelope->recipients.size()), read.size, count, now);
  if (admission.paused) OnPaused(site, admission.reason.empty() ? "over its limit" : admission.reason);
  if (admission.verdict == MailQueue::Admission::Verdict::kRefused) {
    spdlog::error("refused {}: site {} from <{}> to {} recipient(s): {}", IdOf(key), Shown(site), envelope->sender,
                  envelope->recipients.size(), admission.reason);
    FileFailed(key, read.inode, admission.reason);
    return;
  }
  if (auto saved = dir->saved_retries.find(name); saved != dir->saved_retries.end()) {
    model_.Restore(key, saved->second);
    dir->saved_retries.erase(saved);
  }
}

void MailerService::OnPaused(const std::string& site, const std::string& why) {
  const SitePause* pause = model_.limiter().Pause(site);
  MailLimit limit = model_.LimitOf(site);
  if (pause && pause->count > 0) {
    spdlog::warn("site {}: paused: {} recipients within {} s (limit {}); its mail stays queued until `mailer resume {}`", site,
                 pause->count, limit.window.count(), limit.limit, site);
  } else {
    spdlog::warn("site {}: paused: {}; its mail stays queued until `mailer resume {}`", site, why, site);
  }
  SavePauses();
  SendDueAlerts();
}

// Every change to the queues ends here, so the gauges are brought up to date here too.
void MailerService::Dispatch() {
  if (stopping_) return;
  while (active_sessions_ < settings_.sessions) {
    auto batches = model_.Dispatch(settings_.sessions - active_sessions_, Now());
    if (batches.empty()) break;
    for (const auto& keys : batches) StartSession(keys);
  }
  ScheduleWakeUp();
  UpdateGauges();
}

bool MailerService::StartSession(const std::vector<MessageKey>& keys) {
  auto session = std::make_shared<Session>();
  std::vector<OutgoingMessage> batch;
  for (const auto& key : keys) {
    if (auto message = Prepare(key, *session)) batch.push_back(std::move(*message));
  }
  if (batch.empty()) return false;
  ++active_sessions_;
  metrics_.Set("webvps_mailer_sessions_active", active_sessions_);
  transport_->Send(
      std::move(batch), [this, session](size_t index, const AttemptReport& report) { OnMessageDone(session, index, report); },
      [this, session](const SessionEnd& end) { OnSessionEnd(session, end); });
  return true;
}

// A dispatched message made ready to go: read again and checked again (the site may have changed
// the file since it was admitted), its recipients those still to serve, the sender policy
// applied. Every way out that sends nothing settles the message (forgotten, filed, postponed).
std::optional<OutgoingMessage> MailerService::Prepare(const MessageKey& key, Session& session) {
  SiteDir* dir = DirOf(key.site);
  WallTime now = Now();
  if (!dir) {
    model_.Forget(key);
    return std::nullopt;
  }
  auto read = dir->dir->ReadQueueHead(key.name, kHeadBytes, settings_.max_message_bytes);
  if (!read.ok) {
    if (read.missing) {
      model_.Forget(key);
      SaveRetries(key.site);
    } else if (read.permanent) {
      spdlog::error("failed {}: {}", IdOf(key), read.problem);
      FileFailed(key, read.inode, read.problem);
    } else {
      spdlog::error("site {}: queue file {}: {}; trying again in 30 s", Shown(key.site), key.name, read.problem);
      model_.Untried(key);
      model_.Postpone(key, now + std::chrono::seconds(30));
    }
    return std::nullopt;
  }
  bool whole = read.head.size() >= read.size;
  auto envelope = ParseQueueEnvelope(read.head, read.size);
  Result<size_t> header_length = envelope.ok() ? HeaderLength(read.head, envelope->message_offset, whole)
                                               : Result<size_t>(envelope.error());
  if (!header_length.ok()) {
    std::string reason = envelope.ok() ? header_length.error().message()
                                       : "not a nullmailer queue file: " + envelope.error().message();
    spdlog::error("failed {}: {}", IdOf(key), reason);
    FileFailed(key, read.inode, reason);
    return std::nullopt;
  }
  auto recheck = model_.Recheck(key, static_cast<int>(envelope->recipients.size()), read.size, now);
  if (recheck.paused) OnPaused(key.site, recheck.reason);
  if (recheck.verdict == MailQueue::Admission::Verdict::kRefused) {
    spdlog::error("failed {}: {}", IdOf(key), recheck.reason);
    FileFailed(key, read.inode, recheck.reason);
    return std::nullopt;
  }
  if (!Internal(key.site) && model_.limiter().Paused(key.site)) {
    model_.Untried(key);  // paused by what it grew into: held with the rest
    return std::nullopt;
  }
  OutgoingMessage outgoing;
  outgoing.id = IdOf(key);
  const RetryRecord* record = model_.RetryOf(key);
  for (const auto& recipient : envelope->recipients) {
    if (record && (std::find(record->delivered.begin(), record->delivered.end(), recipient) != record->delivered.end() ||
                   std::find(record->rejected.begin(), record->rejected.end(), recipient) != record->rejected.end())) {
      continue;
    }
    outgoing.recipients.push_back(recipient);
  }
  if (outgoing.recipients.empty()) outgoing.recipients = envelope->recipients;  // a stale record: send to all
  outgoing.sender = envelope->sender;
  std::function<Result<std::string>(std::string)> rewrite;
  const Site* entry = registry_ && !Internal(key.site) ? registry_->FindSite(key.site) : nullptr;
  if (entry && settings_.sender_policy != SenderPolicyMode::kOff) {
    SiteSenders senders = SendersOf(*entry);
    std::string headers = read.head.substr(envelope->message_offset, *header_length);
    PolicyResult policy = ApplySenderPolicy(senders, settings_.sender_policy, envelope->sender, headers);
    if (policy.refused) {
        spdlog::error("failed {}: site {} from <{}>: {}", IdOf(key), Shown(key.site), envelope->sender, policy.reason);
      FileFailed(key, read.inode, policy.reason);
      return std::nullopt;
    }
    if (policy.rewritten) {
      spdlog::info("{}: {}", IdOf(key), policy.reason);
      metrics_.Add("webvps_mailer_rewritten_total", SiteLabel(key.site));
    }
    outgoing.sender = policy.sender;
    // Applied again to the bytes read when the message goes out, so that what is sent is what
    // the policy saw, whatever the site writes into its file meanwhile.
    rewrite = [senders, mode = settings_.sender_policy, sender = envelope->sender](std::string block) -> Result<std::string> {
      PolicyResult again = ApplySenderPolicy(senders, mode, sender, block);
      if (again.refused) return Error(again.reason);
      return std::move(again.headers);
    };
  }
  if (!settings_.sender_rewrite_domain.empty() && !Internal(key.site)) {
    std::string domain = settings_.sender_rewrite_domain;
    std::string policy_sender = outgoing.sender;
    outgoing.sender = RewriteSender(outgoing.sender, "", domain).sender;
    rewrite = [inner = std::move(rewrite), domain, policy_sender](std::string block) -> Result<std::string> {
      if (inner) {
        auto policed = inner(std::move(block));
        if (!policed.ok()) return policed;
        block = std::move(*policed);
      }
      return RewriteSender(policy_sender, block, domain).message;
    };
  }
  outgoing.size = read.size - envelope->message_offset;
  outgoing.data.headers_offset = envelope->message_offset;
  outgoing.data.body_offset = envelope->message_offset + *header_length;
  outgoing.data.end_offset = read.size;
  outgoing.data.file = std::move(read.file);
  outgoing.data.rewrite = std::move(rewrite);
  session.keys.push_back(key);
  session.senders.push_back(outgoing.sender);
  session.inodes.push_back(read.inode);
  session.queued.push_back(SteadyClock::now());
  return outgoing;
}

void MailerService::OnMessageDone(const std::shared_ptr<Session>& session, size_t index, const AttemptReport& report) {
  if (index >= session->keys.size()) return;
  session->answered = true;
  const MessageKey& key = session->keys[index];
  const std::string& sender = session->senders[index];
  WallTime now = Now();
  bool had_record = model_.RetryOf(key) != nullptr;
  auto counts_before = report.recipients.size();
  MailQueue::Filing filing = model_.Attempted(key, report, now);
  std::string reply = ClassifyAttempt(report).summary.ToString();
  switch (filing.kind) {
    case MailQueue::Filing::Kind::kSent:
      spdlog::info("sent {}: site {} from <{}> to {} recipient(s): {} ({} ms)", IdOf(key), Shown(key.site), sender,
                   counts_before, reply, report.duration.count());
      metrics_.Add("webvps_mailer_sent_total", SiteLabel(key.site));
      FileSent(key, session->inodes[index]);
      if (had_record) SaveRetries(key.site);
      break;
    case MailQueue::Filing::Kind::kDeferred:
      spdlog::warn("deferred {}: site {} from <{}>: {} ({} ms); attempt {}, next in {} s", IdOf(key), Shown(key.site), sender,
                   reply, report.duration.count(), filing.record.attempts, SecondsUntil(filing.record.next_attempt, now));
      metrics_.Add("webvps_mailer_deferred_total", SiteLabel(key.site));
      SaveRetries(key.site);
      break;
    case MailQueue::Filing::Kind::kFailed: {
      spdlog::error("failed {}: site {} from <{}> to {} recipient(s): {} ({} ms)", IdOf(key), Shown(key.site), sender,
                    counts_before, reply, report.duration.count());
      if (!sender.empty() && !Internal(key.site) && !filing.refused.empty()) {
        std::string headers;
        if (SiteDir* dir = DirOf(key.site)) {
          auto head = dir->dir->ReadQueueHead(key.name, 64 * 1024, settings_.max_message_bytes);
          if (head.ok) {
            if (auto envelope = ParseQueueEnvelope(head.head, head.size); envelope.ok()) {
              headers = head.head.substr(envelope->message_offset);
            }
          }
        }
        Bounce(key, sender, filing.refused, headers);
      }
      FileFailed(key, session->inodes[index], filing.reason);
      if (had_record) SaveRetries(key.site);
      break;
    }
  }
}

void MailerService::OnSessionEnd(const std::shared_ptr<Session>& session, const SessionEnd& end) {
  --active_sessions_;
  metrics_.Set("webvps_mailer_sessions_active", active_sessions_);
  for (size_t index : end.untried) {
    if (index < session->keys.size()) model_.Untried(session->keys[index]);
  }
  WallTime now = Now();
  bool relay_problem = end.problem == SessionProblem::kRelay ||
                       (end.problem == SessionProblem::kConnection && !session->answered);
  if (relay_problem) {
    metrics_.Add("webvps_mailer_relay_failures_total");
    bool starts = model_.RelayFailed(end.reply, end.phase, now);
    const auto& relay = model_.relay();
    if (starts) {
      spdlog::error("relay problem at {}: {}; the mail stays queued (nothing fails or bounces for it); next try in {} s",
                    end.phase, end.reply.ToString(), SecondsUntil(relay.next_try, now));
    } else {
      spdlog::debug("relay still failing at {}: {}; next try in {} s", end.phase, end.reply.ToString(),
                    SecondsUntil(relay.next_try, now));
    }
    metrics_.Set("webvps_mailer_relay_up", 0);
  } else {
    MailQueue::RelayState outage = model_.relay();
    if (model_.RelayWorked(now)) {
      size_t waiting = 0;
      for (const auto& site : model_.Sites()) waiting += model_.CountsOf(site).queued;
      spdlog::info("the relay takes mail again, after {} s and {} failed sessions; {} messages go out now",
                   SecondsUntil(now, outage.since), outage.failures, waiting);
      if (registry_ && !registry_->admin_email.empty()) {
        QueueInternal(AlertFrom(), {registry_->admin_email},
                      RenderRelayAlert(outage.last_problem, outage.since, AlertFrom(), registry_->admin_email, waiting, now),
                      "relay alert");
      }
    }
    metrics_.Set("webvps_mailer_relay_up", 1);
    if (end.problem == SessionProblem::kConnection) {
      spdlog::warn("session ended at {}: {}; its {} untried messages go back to the queue", end.phase, end.reply.ToString(),
                   end.untried.size());
    }
  }
  Dispatch();
  FinishStopIfIdle();
}

void MailerService::FileSent(const MessageKey& key, uint64_t inode) {
  SiteDir* dir = DirOf(key.site);
  Status moved = dir ? dir->dir->MoveToSent(key.name) : Status(Error("its queue is gone"));
  if (moved.ok() || !dir) {
    model_.Forget(key);
    return;
  }
  Journal(key, JournalEntry::Kind::kSent, inode, "", moved.error().message());
}

void MailerService::FileFailed(const MessageKey& key, uint64_t inode, const std::string& reason) {
  metrics_.Add("webvps_mailer_failed_total", SiteLabel(key.site));
  SiteDir* dir = DirOf(key.site);
  if (!dir) {
    model_.Forget(key);
    return;
  }
  struct stat info {};
  uint64_t size = ::fstatat(dir->dir->queue_fd(), key.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0
                      ? static_cast<uint64_t>(info.st_size)
                      : 0;
  Status moved = dir->dir->MoveToFailed(key.name, reason);
  if (moved.ok()) {
    model_.Forget(key);
    dir->failed_bytes += size;
    TrimFailed(key.site, *dir);
    return;
  }
  Journal(key, JournalEntry::Kind::kFailed, inode, reason, moved.error().message());
}

// A message the relay answered, or the mailer refused, that cannot leave queue/ now: recorded
// (synced) before anything else, so that no rescan, retry or restart relays it again.
void MailerService::Journal(const MessageKey& key, JournalEntry::Kind kind, uint64_t inode, const std::string& reason,
                            const std::string& problem) {
  model_.Forget(key);
  Filed filed{{kind, Internal(key.site) ? "_mailer" : key.site, key.name, inode, reason}, std::nullopt};
  std::string where = kind == JournalEntry::Kind::kSent ? "sent/" : "failed/";
  if (auto slot = journal_->Add(filed.entry); slot.ok()) {
    filed.slot = *slot;
    spdlog::error("{}: cannot move it to {} ({}); recorded in the filing journal: it is never relayed again, and the move is "
                  "retried every minute",
                  IdOf(key), where, problem);
  } else {
    spdlog::error("{}: cannot move it to {} ({}), nor record that in the journal ({}); it is not relayed again by this "
                  "process, and the move is retried every minute",
                  IdOf(key), where, problem, slot.error().message());
  }
  filed_[key] = std::move(filed);
  metrics_.Set("webvps_mailer_unfiled", static_cast<double>(filed_.size()));
}

void MailerService::RetryFilings() {
  for (auto it = filed_.begin(); it != filed_.end();) {
    const MessageKey& key = it->first;
    Filed& filed = it->second;
    SiteDir* dir = DirOf(key.site);
    bool done = false;
    std::optional<std::string> still;
    if (!dir) {
      // Not open (a broken mail directory, being fixed): kept. Gone from the disk: so is the file.
      struct stat info {};
      done = !Internal(key.site) && ::lstat(glob_.QueueOf(key.site).c_str(), &info) != 0 && errno == ENOENT;
    } else {
      struct stat info {};
      if (::fstatat(dir->dir->queue_fd(), key.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 ||
          static_cast<uint64_t>(info.st_ino) != filed.entry.inode) {
        done = true;  // removed by hand meanwhile, or another file by that name now
      } else {
        Status moved = filed.entry.kind == JournalEntry::Kind::kSent ? dir->dir->MoveToSent(key.name)
                                                                     : dir->dir->MoveToFailed(key.name, filed.entry.reason);
        done = moved.ok();
        if (moved.ok()) {
          spdlog::info("{}: moved to {} at last", IdOf(key), filed.entry.kind == JournalEntry::Kind::kSent ? "sent/" : "failed/");
        }
      }
    }
    if (!done) {
      ++it;
      continue;
    }
    if (filed.slot) {
      if (Status removed = journal_->Remove(*filed.slot); !removed.ok()) {
        spdlog::error("filing journal: {}", removed.error().message());
      }
    }
    it = filed_.erase(it);
  }
  metrics_.Set("webvps_mailer_unfiled", static_cast<double>(filed_.size()));
}

void MailerService::Bounce(const MessageKey& key, const std::string& sender, const std::vector<RecipientReply>& refused,
                           const std::string& headers) {
  // A bounce goes to the sender as sent (after the sender policy): the site's own address, never
  // a forged one a site wants the hoster to spam.
  QueueInternal("", {sender}, RenderBounce(sender, refused, headers, HostName(), Now()), "bounce of " + IdOf(key));
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
  Admit(kInternalSite, name, false);
}

void MailerService::SendDueAlerts() {
  WallTime now = Now();
  for (const auto& site : model_.limiter().AlertsDue(now)) {
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
    QueueInternal(AlertFrom(), to, RenderPauseAlert(site, *model_.limiter().Pause(site), model_.LimitOf(site), AlertFrom(), to, now),
                  "pause alert for site " + site);
    model_.limiter().AlertSent(site, now);
    SavePauses();
  }
}

void MailerService::SavePauses() {
  auto written = WriteFileAtomically(settings_.data_dir + "/pauses", model_.limiter().SerializePauses(), {.mode = 0600});
  if (!written.ok()) spdlog::error("cannot save the pauses: {}", written.error().message());
}

void MailerService::LoadRetries(const std::string& site, SiteDir& dir) {
  std::string path = RetryPath(site);
  auto records = ReadFile(path);
  if (!records.ok()) return;  // none saved: nothing deferred
  if (auto parsed = ParseRetryRecords(*records); parsed.ok()) {
    dir.saved_retries = std::move(*parsed);
  } else {
    spdlog::error("{}: {}; the backoff of its messages starts over", path, parsed.error().message());
  }
}

void MailerService::SaveRetries(const std::string& site) {
  std::string path = RetryPath(site);
  RetryRecords records = model_.RetriesOf(site);
  if (SiteDir* dir = DirOf(site)) records.insert(dir->saved_retries.begin(), dir->saved_retries.end());
  if (records.empty()) {
    ::unlink(path.c_str());
    return;
  }
  auto written = WriteFileAtomically(path, SerializeRetryRecords(records), {.mode = 0600});
  if (!written.ok()) spdlog::error("cannot save the retry schedule: {}", written.error().message());
}

void MailerService::ScheduleWakeUp() {
  if (stopping_) return;
  WallTime now = Now();
  std::optional<WallTime> earliest = model_.NextWake(now);
  for (const auto& [key, deadline] : unreadable_) {
    if (!earliest || deadline < *earliest) earliest = deadline;
  }
  wake_timer_.cancel();
  if (!earliest) return;
  wake_timer_.expires_after(std::max(*earliest - now, WallTime::duration::zero()) + std::chrono::milliseconds(5));
  wake_timer_.async_wait([this](boost::system::error_code error) {
    if (error) return;
    // Files that did not parse yet: read again once their grace is over (then admitted or refused).
    WallTime woken = Now();
    std::vector<MessageKey> due;
    for (const auto& [key, deadline] : unreadable_) {
      if (deadline <= woken) due.push_back(key);
    }
    for (const auto& key : due) {
      unreadable_.erase(key);
      if (!model_.Knows(key) && !filed_.contains(key)) Admit(key.site, key.name, true);
    }
    Dispatch();
  });
}

void MailerService::UpdateGauges() {
  size_t queued = 0;
  for (const auto& [site, dir] : sites_) {
    auto counts = model_.CountsOf(site);
    metrics_.Set("webvps_mailer_queued", SiteLabel(site), static_cast<double>(counts.queued));
    metrics_.Set("webvps_mailer_queued_bytes", SiteLabel(site), static_cast<double>(counts.bytes));
    metrics_.Set("webvps_mailer_paused", SiteLabel(site), model_.limiter().Paused(site) ? 1 : 0);
    queued += counts.queued;
  }
  metrics_.Set("webvps_mailer_queues_watched", static_cast<double>(sites_.size() - 1));
  metrics_.Set("webvps_mailer_messages_queued", static_cast<double>(queued));
}

std::string MailerService::StatusTable() {
  WallTime now = Now();
  std::vector<std::vector<std::string>> rows{{"SITE", "QUEUED", "BYTES", "DEFERRED", "IN WINDOW", "LIMIT", "STATE"}};
  std::set<std::string> sites = model_.Sites();
  for (const auto& [site, dir] : sites_) sites.insert(site);
  for (const auto& site : sites) {
    auto counts = model_.CountsOf(site);
    MailLimit limit = model_.LimitOf(site);
    std::string state = "active";
    if (Internal(site)) {
      state = "alerts and bounces";
    } else if (!model_.Registered(site)) {
      state = "not in the registry: held";
    } else if (const SitePause* pause = model_.limiter().Pause(site)) {
      state = "paused since " + FormatTime(pause->since) +
              (pause->count > 0 ? " (" + std::to_string(pause->count) + " recipients)" : " (held)");
    }
    bool internal = Internal(site);
    rows.push_back({internal ? "(mailer)" : site, std::to_string(counts.queued), std::to_string(counts.bytes),
                    std::to_string(counts.deferred),
                    internal ? "-" : std::to_string(model_.limiter().CountInWindow(site, limit, now)),
                    internal ? "-" : std::to_string(limit.limit) + "/" + std::to_string(limit.window.count()) + "s", state});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out = "relay: " + transport_->Describe();
  const auto& relay = model_.relay();
  if (relay.down) {
    out += "; DOWN since " + FormatTime(relay.since) + " (" + relay.last_problem + "), next try in " +
           std::to_string(SecondsUntil(relay.next_try, now)) + " s";
  }
  out += "\n";
  if (!filed_.empty()) out += std::to_string(filed_.size()) + " messages answered but not yet moved out of queue/\n";
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
  auto& limiter = model_.limiter();
  if (command == "hold") {
    if (limiter.Paused(site)) return {true, "site " + site + " was already paused\n"};
    limiter.Hold(site, Now());
    limiter.AlertSent(site, Now());  // the admin did it: no alert now, a reminder in 24 h
    SavePauses();
    UpdateGauges();
    spdlog::warn("site {}: held by hand (mailer hold)", site);
    return {true, "site " + site + " is on hold; its mail stays queued until `mailer resume " + site + "`\n"};
  }
  if (!limiter.Resume(site)) return {true, "site " + site + " was not paused\n"};
  SavePauses();
  size_t held = model_.CountsOf(site).queued;
  spdlog::info("site {}: resumed (mailer resume); sending the {} queued mails", site, held);
  Dispatch();
  return {true, "site " + site + " resumed; sending its " + std::to_string(held) + " queued mails\n"};
}

}  // namespace webvps::mailer
