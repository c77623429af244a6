// What one delivery attempt means for a message, and the mail the mailer writes itself. Pure:
// the SMTP adapter reports replies, this decides sent / deferred / failed per recipient; the
// retry records that make the backoff survive a restart are serialized here; bounces, alerts,
// the local outbox's file format and the optional sender rewrite are rendered here.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailer/rate_limiter.h"
#include "mailer/smtp_protocol.h"
#include "mailer/retry_schedule.h"
#include "registry.h"
#include "result.h"

namespace webvps::mailer {

struct RecipientReply {
  std::string recipient;
  SmtpReply reply;  ///< to RCPT TO (code 0 when the transaction never got there)
};

/// What a transport reports for one message.
struct AttemptReport {
  SmtpReply transaction;  ///< to the end of DATA, or to MAIL FROM / the connection when it failed first
  std::vector<RecipientReply> recipients;
  std::chrono::milliseconds duration{0};  ///< from the session's start to this message's reply
};

enum class Outcome { kSent, kDeferred, kFailed };
std::string_view OutcomeName(Outcome outcome);

/// The meaning of one attempt, per recipient.
struct AttemptOutcome {
  Outcome outcome = Outcome::kDeferred;
  std::vector<std::string> accepted;      ///< delivered by this attempt
  std::vector<RecipientReply> rejected;   ///< permanently refused (5xx), with the reply
  std::vector<std::string> pending;       ///< to try again
  SmtpReply summary;                      ///< the reply to log: the transaction's, or the first refusal's
};

/// Recipients with 2xx are delivered only if the transaction itself ended in 2xx; a 5xx for a
/// recipient or for the whole transaction is permanent; everything else is tried again.
AttemptOutcome ClassifyAttempt(const AttemptReport& report);

/// What the mailer remembers of a message that is not delivered yet (kept in the data
/// directory, so the backoff and the recipients already served survive a restart).
struct RetryRecord {
  int attempts = 0;                        ///< failed attempts so far
  WallTime first_failure{};
  WallTime next_attempt{};
  std::vector<std::string> delivered;      ///< recipients already served: never sent twice on purpose
  std::vector<std::string> rejected;       ///< recipients refused for good, reported when it ends
  std::string last_reply;
  bool operator==(const RetryRecord&) const = default;
};
using RetryRecords = std::map<std::string, RetryRecord>;  ///< by queue file name

/// One line per message: name, attempts, first failure, next attempt (Unix seconds), delivered
/// and rejected recipients (space separated), last reply; fields separated by tabs.
std::string SerializeRetryRecords(const RetryRecords& records);
/// Reads SerializeRetryRecords() output back; the error names the line.
Result<RetryRecords> ParseRetryRecords(std::string_view text);

/// Folds an attempt into the record: the next attempt time by the policy, or nullopt when the
/// message should now be given up (deferred for longer than the policy allows).
bool RecordFailure(RetryRecord& record, const AttemptOutcome& outcome, const RetryPolicy& policy, WallTime now);

/// Bounce (a delivery status notification, RFC 3464) for the envelope sender of a message that
/// some recipients refused for good. `original` is the message as queued.
std::string RenderBounce(const std::string& original_sender, const std::vector<RecipientReply>& refused,
                         std::string_view original, const std::string& reporting_host, WallTime now);

/// The alert to the admin and the site when its mail is paused: how many mails, since when, how
/// to resume.
std::string RenderPauseAlert(const std::string& site, const SitePause& pause, const MailLimit& limit,
                             const std::string& from, const std::vector<std::string>& to, WallTime now);

/// The head of a file the local outbox (a Maildir) stores: the envelope in a Return-Path and an
/// X-Webvps-Envelope-To header; the message follows with LF line ends (see OutboxLineEnds).
std::string RenderOutboxEnvelope(const std::string& sender, const std::vector<std::string>& recipients);
/// A piece of a message with its CRLFs made LF, as a Maildir file has them. `after_cr` carries a
/// CR at the end of one piece over to the next.
std::string OutboxLineEnds(std::string_view piece, bool& after_cr);
/// A message alert about the relay: it refused the mailer (a password, TLS, the session), so
/// mail waits; sent to the admin when the relay takes mail again.
std::string RenderRelayAlert(const std::string& problem, WallTime since, const std::string& from, const std::string& to,
                             size_t waiting, WallTime now);

/// The optional sender rewrite for relays that accept only known senders: the envelope
/// `local@domain` becomes `local-domain@<rewrite_domain>`, so does the From: header's address,
/// and the author goes into Reply-To: unless the message has one. The null sender stays.
struct RewrittenMessage {
  std::string sender;
  std::string message;
};
RewrittenMessage RewriteSender(const std::string& sender, std::string_view message, const std::string& rewrite_domain);

/// `time` in UTC: "Mon, 23 Nov 2026 10:15:00 +0000" (mail headers) or "2026-11-23 10:15:00Z" (tables).
enum class UtcStyle { kRfc5322, kShort };
std::string FormatUtc(WallTime time, UtcStyle style);
/// "Mon, 23 Nov 2026 10:15:00 +0000".
std::string Rfc5322Date(WallTime time);

}  // namespace webvps::mailer
