#include "mail_queue.h"

#include <algorithm>

namespace webvps::mailer {
namespace {

std::string Megabytes(uint64_t bytes) {
  if (bytes >= (1u << 20)) return std::to_string(bytes >> 20) + " MB";
  if (bytes >= 1024) return std::to_string(bytes >> 10) + " KB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

MailQueue::MailQueue(QueueLimits limits, RetryPolicy retry, int sessions, int messages_per_session)
    : limits_(limits), retry_(retry), sessions_(std::max(1, sessions)), messages_per_session_(std::max(1, messages_per_session)) {}

void MailQueue::SetRegistry(const Registry* registry) { registry_ = registry; }

MailLimit MailQueue::LimitOf(const std::string& site) const {
  if (!registry_) return MailLimit{};
  if (const Site* entry = registry_->FindSite(site)) return entry->mail;
  return registry_->defaults.mail;
}

bool MailQueue::Registered(const std::string& site) const {
  return site == kInternalSite || (registry_ && registry_->FindSite(site) != nullptr);
}

MailQueue::Admission MailQueue::Arrive(const MessageKey& key, int recipients, uint64_t size, bool count, WallTime now) {
  Admission admission;
  if (messages_.contains(key)) return admission;
  if (key.site == kInternalSite) {
    messages_[key] = Entry{recipients, size};
    return admission;
  }
  auto refuse = [&](std::string reason) {
    admission.verdict = Admission::Verdict::kRefused;
    admission.reason = std::move(reason);
    return admission;
  };
  MailLimit limit = LimitOf(key.site);
  // Every recipient counts, the refused message's too: a flood is a flood however it is cut.
  if (count && limiter_.Record(key.site, limit, now, recipients)) admission.paused = true;
  if (recipients > limits_.recipients_per_message) {
    return refuse("more recipients than one message may have (" + std::to_string(recipients) + " > " +
                  std::to_string(limits_.recipients_per_message) + ")");
  }
  uint64_t queued = bytes_[key.site];
  if (queued + size > limits_.queued_bytes) {
    std::string full = "the site's queue already holds " + Megabytes(queued) + " (the limit is " +
                       Megabytes(limits_.queued_bytes) + ")";
    if (!limiter_.Paused(key.site)) {
      limiter_.Hold(key.site, now, full);
      admission.paused = true;
    }
    return refuse(full + ": its mail is paused");
  }
  if (limiter_.Paused(key.site)) {
    size_t held = 0;
    for (auto it = messages_.lower_bound({key.site, ""}); it != messages_.end() && it->first.site == key.site; ++it) ++held;
    if (held >= static_cast<size_t>(limits_.held_messages)) {
      return refuse("the site's mail is paused and " + std::to_string(held) + " messages are held already (the limit is " +
                    std::to_string(limits_.held_messages) + ")");
    }
  }
  messages_[key] = Entry{recipients, size};
  bytes_[key.site] += size;
  return admission;
}

MailQueue::Admission MailQueue::Recheck(const MessageKey& key, int recipients, uint64_t size, WallTime now) {
  Admission admission;
  auto it = messages_.find(key);
  if (it == messages_.end() || key.site == kInternalSite) return admission;
  Entry& entry = it->second;
  if (recipients > entry.recipients) {
    if (limiter_.Record(key.site, LimitOf(key.site), now, recipients - entry.recipients)) admission.paused = true;
  }
  entry.recipients = recipients;
  uint64_t& bytes = bytes_[key.site];
  bytes = bytes - std::min(bytes, entry.size) + size;
  entry.size = size;
  if (recipients > limits_.recipients_per_message) {
    admission.verdict = Admission::Verdict::kRefused;
    admission.reason = "more recipients than one message may have (" + std::to_string(recipients) + " > " +
                       std::to_string(limits_.recipients_per_message) + ")";
  }
  return admission;
}

bool MailQueue::InFlight(const MessageKey& key) const {
  auto it = messages_.find(key);
  return it != messages_.end() && it->second.in_flight;
}

uint64_t MailQueue::SizeOf(const MessageKey& key) const {
  auto it = messages_.find(key);
  return it == messages_.end() ? 0 : it->second.size;
}

std::vector<MessageKey> MailQueue::KeysOf(const std::string& site) const {
  std::vector<MessageKey> keys;
  for (auto it = messages_.lower_bound({site, ""}); it != messages_.end() && it->first.site == site; ++it) keys.push_back(it->first);
  return keys;
}

void MailQueue::Forget(const MessageKey& key) {
  auto it = messages_.find(key);
  if (it == messages_.end()) return;
  uint64_t& bytes = bytes_[key.site];
  bytes -= std::min(bytes, it->second.size);
  messages_.erase(it);
}

void MailQueue::Postpone(const MessageKey& key, WallTime when) {
  if (auto it = messages_.find(key); it != messages_.end()) it->second.not_before = when;
}

void MailQueue::Restore(const MessageKey& key, const RetryRecord& record) {
  if (auto it = messages_.find(key); it != messages_.end()) {
    it->second.retry = record;
    it->second.not_before = record.next_attempt;
  }
}

void MailQueue::MarkFiled(const MessageKey& key) {
  if (auto it = messages_.find(key); it != messages_.end()) it->second.filed = true;
}

bool MailQueue::Sendable(const MessageKey& key, const Entry& entry, WallTime now) const {
  if (entry.in_flight || entry.filed || entry.not_before > now) return false;
  if (key.site == kInternalSite) return true;
  return Registered(key.site) && !limiter_.Paused(key.site);
}

std::vector<std::vector<MessageKey>> MailQueue::Dispatch(int free_sessions, WallTime now) {
  std::vector<std::vector<MessageKey>> batches;
  if (free_sessions <= 0 || (relay_.down && now < relay_.next_try)) return batches;
  // While the relay is down, one session tries it; the rest wait for its answer.
  if (relay_.down) free_sessions = 1;
  // The ready messages per site, in name (queue) order.
  std::map<std::string, std::vector<MessageKey>> ready;
  size_t total = 0;
  for (const auto& [key, entry] : messages_) {
    if (!Sendable(key, entry, now)) continue;
    ready[key.site].push_back(key);
    ++total;
  }
  if (total == 0) return batches;
  // Spread over the free sessions rather than fill the first: 200 messages and 8 sessions make
  // 8 batches of 25, which finish sooner than 4 of 50.
  size_t sessions = static_cast<size_t>(free_sessions);
  size_t per_batch = std::clamp<size_t>((total + sessions - 1) / sessions, 1, static_cast<size_t>(messages_per_session_));
  // Round robin, one message per site per round, starting after the site served first last time.
  std::vector<std::string> order;
  for (auto it = ready.upper_bound(cursor_); it != ready.end(); ++it) order.push_back(it->first);
  for (auto it = ready.begin(); it != ready.end() && it->first <= cursor_; ++it) order.push_back(it->first);
  std::map<std::string, size_t> taken;
  std::vector<MessageKey> batch;
  bool progress = true;
  while (progress && batches.size() < sessions) {
    progress = false;
    for (const auto& site : order) {
      auto& list = ready[site];
      size_t& next = taken[site];
      if (next >= list.size()) continue;
      batch.push_back(list[next++]);
      progress = true;
      if (batches.empty() && batch.size() == 1) cursor_ = site;
      if (batch.size() >= per_batch) {
        batches.push_back(std::move(batch));
        batch.clear();
        if (batches.size() >= sessions) break;
      }
    }
  }
  if (!batch.empty() && batches.size() < sessions) batches.push_back(std::move(batch));
  for (const auto& keys : batches) {
    for (const auto& key : keys) messages_[key].in_flight = true;
  }
  return batches;
}

MailQueue::Filing MailQueue::Attempted(const MessageKey& key, const AttemptReport& report, WallTime now) {
  Filing filing;
  AttemptOutcome outcome = ClassifyAttempt(report);
  auto it = messages_.find(key);
  RetryRecord record;
  if (it != messages_.end()) {
    it->second.in_flight = false;
    if (it->second.retry) record = *it->second.retry;
  }
  filing.refused = outcome.rejected;
  for (const auto& recipient : record.rejected) {
    filing.refused.push_back({recipient, SmtpReply{500, "refused at an earlier attempt: " + record.last_reply}});
  }
  if (outcome.outcome == Outcome::kSent && filing.refused.empty()) {
    filing.kind = Filing::Kind::kSent;
  } else if (outcome.outcome == Outcome::kDeferred) {
    filing.gave_up = !RecordFailure(record, outcome, retry_, now);
    if (!filing.gave_up) {
      filing.kind = Filing::Kind::kDeferred;
      filing.record = record;
      if (it != messages_.end()) {
        it->second.retry = record;
        it->second.not_before = record.next_attempt;
      }
      return filing;
    }
    for (const auto& recipient : outcome.pending) filing.refused.push_back({recipient, outcome.summary});
  }
  if (filing.kind != Filing::Kind::kSent) {
    filing.kind = Filing::Kind::kFailed;
    filing.reason = filing.gave_up ? "given up after " + std::to_string(record.attempts) + " attempts since " +
                                         FormatUtc(record.first_failure, UtcStyle::kShort) + "; last reply: " +
                                         outcome.summary.ToString()
                                   : "refused by the relay";
    for (const auto& recipient : filing.refused) filing.reason += "\n<" + recipient.recipient + ">: " + recipient.reply.ToString();
  }
  if (it != messages_.end()) it->second.filed = true;  // leaves queue/ next; never sent again meanwhile
  return filing;
}

void MailQueue::Untried(const MessageKey& key) {
  if (auto it = messages_.find(key); it != messages_.end()) it->second.in_flight = false;
}

bool MailQueue::RelayFailed(const SmtpReply& reply, const std::string& phase, WallTime now) {
  bool starts = !relay_.down;
  if (starts) {
    relay_.down = true;
    relay_.since = now;
    relay_.failures = 0;
  }
  ++relay_.failures;
  auto delay = limits_.relay_first_delay;
  for (int i = 1; i < relay_.failures && delay < limits_.relay_max_delay; ++i) delay *= 2;
  relay_.next_try = now + std::min(delay, limits_.relay_max_delay);
  relay_.last_problem = phase + ": " + reply.ToString();
  return starts;
}

bool MailQueue::RelayWorked(WallTime) {
  bool ended = relay_.down;
  relay_ = {};
  return ended;
}

std::optional<WallTime> MailQueue::NextWake(WallTime now) const {
  std::optional<WallTime> wake;
  auto consider = [&](WallTime when) {
    if (when > now && (!wake || when < *wake)) wake = when;
  };
  if (relay_.down) consider(relay_.next_try);
  for (const auto& [key, entry] : messages_) {
    if (entry.in_flight || entry.filed) continue;
    if (key.site != kInternalSite && limiter_.Paused(key.site)) continue;
    consider(entry.not_before);
  }
  return wake;
}

MailQueue::SiteCounts MailQueue::CountsOf(const std::string& site) const {
  SiteCounts counts;
  for (auto it = messages_.lower_bound({site, ""}); it != messages_.end() && it->first.site == site; ++it) {
    ++counts.queued;
    counts.deferred += it->second.retry.has_value();
    counts.in_flight += it->second.in_flight;
  }
  if (auto bytes = bytes_.find(site); bytes != bytes_.end()) counts.bytes = bytes->second;
  return counts;
}

std::set<std::string> MailQueue::Sites() const {
  std::set<std::string> sites;
  for (const auto& [key, entry] : messages_) sites.insert(key.site);
  return sites;
}

const RetryRecord* MailQueue::RetryOf(const MessageKey& key) const {
  auto it = messages_.find(key);
  return it == messages_.end() || !it->second.retry ? nullptr : &*it->second.retry;
}

RetryRecords MailQueue::RetriesOf(const std::string& site) const {
  RetryRecords records;
  for (auto it = messages_.lower_bound({site, ""}); it != messages_.end() && it->first.site == site; ++it) {
    if (it->second.retry) records[it->first.name] = *it->second.retry;
  }
  return records;
}

}  // namespace webvps::mailer
