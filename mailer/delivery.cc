#include "delivery.h"

#include <charconv>
#include <ctime>
#include <random>
#include <sstream>

#include "config.h"
#include "names.h"
#include "queue_file.h"

namespace webvps::mailer {
namespace {

// Replies and recipients go into one tab-separated line: no tab, CR or LF may survive.
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

std::string JoinSpaced(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ' ';
    out += OneLine(item);
  }
  return out;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find('\t', start);
    if (end == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

bool ParseSeconds(std::string_view text, long long& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// The header block of a message (up to the first empty line), LF or CRLF.
std::string_view HeaderBlock(std::string_view message) {
  size_t end = message.find("\n\n");
  size_t crlf_end = message.find("\r\n\r\n");
  if (crlf_end != std::string_view::npos && (end == std::string_view::npos || crlf_end < end)) {
    return message.substr(0, crlf_end + 2);
  }
  return end == std::string_view::npos ? message : message.substr(0, end + 1);
}

std::string RandomBoundary() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::ostringstream out;
  out << "webvps-" << std::hex << generator() << generator();
  return out.str();
}

// The address inside a header value: "Name <a@b>" -> a@b, "a@b" -> a@b.
std::string AddressIn(std::string_view value) {
  size_t open = value.rfind('<');
  size_t close = value.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(value.substr(open + 1, close - open - 1));
  }
  size_t begin = value.find_first_not_of(" \t");
  size_t end = value.find_last_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  return std::string(value.substr(begin, end - begin + 1));
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSent: return "sent";
    case Outcome::kDeferred: return "deferred";
    case Outcome::kFailed: return "failed";
  }
  return "?";
}

AttemptOutcome ClassifyAttempt(const AttemptReport& report) {
  AttemptOutcome result;
  const bool transaction_done = report.transaction.Positive();
  const bool transaction_refused = report.transaction.Permanent();
  for (const auto& recipient : report.recipients) {
    if (recipient.reply.Permanent()) {
      result.rejected.push_back(recipient);
    } else if (transaction_refused) {
      result.rejected.push_back({recipient.recipient, report.transaction});
    } else if (transaction_done && recipient.reply.Positive()) {
      result.accepted.push_back(recipient.recipient);
    } else {
      result.pending.push_back(recipient.recipient);
    }
  }
  if (!result.pending.empty()) {
    result.outcome = Outcome::kDeferred;
  } else if (!result.rejected.empty()) {
    result.outcome = Outcome::kFailed;
  } else {
    result.outcome = Outcome::kSent;
  }
  // The reply worth logging: the transaction's when it went through, else the first refusal
  // of a recipient (after refused recipients a server's answer to DATA says little).
  result.summary = report.transaction;
  if (result.outcome != Outcome::kSent) {
    for (const auto& recipient : report.recipients) {
      if (!recipient.reply.Positive() && recipient.reply.code != 0) {
        result.summary = recipient.reply;
        break;
      }
    }
  }
  return result;
}

std::string SerializeRetryRecords(const RetryRecords& records) {
  std::string out;
  for (const auto& [name, record] : records) {
    out += OneLine(name) + '\t' + std::to_string(record.attempts) + '\t' + std::to_string(UnixSeconds(record.first_failure)) +
           '\t' + std::to_string(UnixSeconds(record.next_attempt)) + '\t' + JoinSpaced(record.delivered) + '\t' +
           JoinSpaced(record.rejected) + '\t' + OneLine(record.last_reply) + '\n';
  }
  return out;
}

Result<RetryRecords> ParseRetryRecords(std::string_view text) {
  RetryRecords records;
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.empty()) continue;
    auto fields = SplitTabs(line);
    auto problem = [&](const std::string& what) { return Error("line " + std::to_string(line_number) + ": " + what); };
    if (fields.size() != 7) return problem("expected 7 tab-separated fields, found " + std::to_string(fields.size()));
    // The mailer writes every field on one line (OneLine): a control character is a torn or a
    // foreign file, and would not survive the next write.
    for (char c : line) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return problem("control character in a record");
    }
    if (fields[0].empty() || fields[0].find('/') != std::string_view::npos) return problem("bad queue file name");
    long long attempts = 0, first = 0, next = 0;
    if (!ParseSeconds(fields[1], attempts) || attempts < 0 || attempts > 1'000'000) {
      return problem("bad attempt count " + QuoteForMessage(fields[1]));
    }
    if (!ParseSeconds(fields[2], first) || !ParseSeconds(fields[3], next) || !PlausibleUnixSeconds(first) ||
        !PlausibleUnixSeconds(next)) {
      return problem("bad time (seconds since 1970, up to the year 2200)");
    }
    RetryRecord record{static_cast<int>(attempts), FromUnixSeconds(first), FromUnixSeconds(next), SplitList(fields[4], ' '),
                       SplitList(fields[5], ' '), std::string(fields[6])};
    records[std::string(fields[0])] = std::move(record);
  }
  return records;
}

bool RecordFailure(RetryRecord& record, const AttemptOutcome& outcome, const RetryPolicy& policy, WallTime now) {
  for (const auto& recipient : outcome.accepted) record.delivered.push_back(recipient);
  for (const auto& refused : outcome.rejected) record.rejected.push_back(refused.recipient);
  record.last_reply = outcome.summary.ToString();
  if (record.attempts == 0) record.first_failure = now;
  ++record.attempts;
  if (ShouldGiveUp(policy, record.first_failure, now)) return false;
  record.next_attempt = now + RetryDelay(policy, record.attempts);
  return true;
}

std::string FormatUtc(WallTime time, UtcStyle style) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  if (style == UtcStyle::kRfc5322) {
    std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  } else {
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%SZ", &utc);
  }
  return buffer;
}

std::string Rfc5322Date(WallTime time) { return FormatUtc(time, UtcStyle::kRfc5322); }

std::string RenderBounce(const std::string& original_sender, const std::vector<RecipientReply>& refused,
                         std::string_view original, const std::string& reporting_host, WallTime now) {
  std::string boundary = RandomBoundary();
  std::ostringstream out;
  out << "From: Mail Delivery System <MAILER-DAEMON@" << reporting_host << ">\n"
      << "To: <" << original_sender << ">\n"
      << "Subject: Undelivered Mail Returned to Sender\n"
      << "Date: " << Rfc5322Date(now) << "\n"
      << "Auto-Submitted: auto-replied\n"
      << "MIME-Version: 1.0\n"
      << "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" << boundary << "\"\n\n"
      << "--" << boundary << "\n"
      << "Content-Type: text/plain; charset=utf-8\n\n"
      << "Your message could not be delivered to " << (refused.size() == 1 ? "this recipient" : "these recipients")
      << ". The receiving server said:\n\n";
  for (const auto& recipient : refused) out << "  <" << recipient.recipient << ">: " << OneLine(recipient.reply.ToString()) << "\n";
  out << "\n--" << boundary << "\n"
      << "Content-Type: message/delivery-status\n\n"
      << "Reporting-MTA: dns; " << reporting_host << "\n"
      << "Arrival-Date: " << Rfc5322Date(now) << "\n";
  for (const auto& recipient : refused) {
    int code = recipient.reply.code;
    std::string status = code >= 500 ? "5.0.0" : "4.0.0";
    out << "\nFinal-Recipient: rfc822; " << recipient.recipient << "\n"
        << "Action: failed\n"
        << "Status: " << status << "\n";
    if (code != 0) out << "Diagnostic-Code: smtp; " << OneLine(recipient.reply.ToString()) << "\n";
  }
  std::string headers(HeaderBlock(original));
  for (char& c : headers) {
    if (c == '\r') c = ' ';
  }
  out << "\n--" << boundary << "\n"
      << "Content-Type: text/rfc822-headers\n\n"
      << headers << (headers.ends_with('\n') ? "" : "\n") << "\n--" << boundary << "--\n";
  return out.str();
}

std::string RenderPauseAlert(const std::string& site, const SitePause& pause, const MailLimit& limit,
                             const std::string& from, const std::vector<std::string>& to, WallTime now) {
  std::ostringstream out;
  std::string to_line;
  for (const auto& address : to) to_line += (to_line.empty() ? "" : ", ") + address;
  out << "From: webvps mailer <" << from << ">\n"
      << "To: " << to_line << "\n"
      << "Subject: [webvps] mail of site " << site << " is paused\n"
      << "Date: " << Rfc5322Date(now) << "\n"
      << "Auto-Submitted: auto-generated\n"
      << "Content-Type: text/plain; charset=utf-8\n\n";
  if (pause.count > 0) {
    out << "The site " << site << " queued " << pause.count << " mails (one per recipient) within "
        << std::chrono::duration_cast<std::chrono::seconds>(limit.window).count() << " seconds (the limit is " << limit.limit
        << "), so its mail was paused on " << Rfc5322Date(pause.since) << ".\n";
  } else if (!pause.reason.empty()) {
    out << "The mail of site " << site << " was paused on " << Rfc5322Date(pause.since) << ": " << pause.reason
        << ".\nMail it queues meanwhile goes to failed/ with the reason, not to the relay.\n";
  } else {
    out << "The mail of site " << site << " was put on hold by an administrator on " << Rfc5322Date(pause.since) << ".\n";
  }
  out << "\nIts mail stays queued and nothing of it is sent until the pause is lifted. If the mail\n"
         "is legitimate, resume the site; if not, clean the site first (a compromised form or script\n"
         "is the usual cause), then resume it.\n\n"
         "To resume, on the host:\n\n"
         "  docker exec <mailer container> mailer resume "
      << site
      << "\n\n"
         "Resuming sends the mail held so far. This reminder comes again every 24 hours while the\n"
         "site stays paused.\n";
  return out.str();
}

std::string RenderOutboxEnvelope(const std::string& sender, const std::vector<std::string>& recipients) {
  std::string out = "Return-Path: <" + sender + ">\n";
  out += "X-Webvps-Envelope-To: ";
  for (size_t i = 0; i < recipients.size(); ++i) out += (i ? ", " : "") + recipients[i];
  return out + "\n";
}

std::string OutboxLineEnds(std::string_view piece, bool& after_cr) {
  std::string out;
  out.reserve(piece.size());
  for (char c : piece) {
    if (after_cr) {
      after_cr = false;
      if (c != '\n') out += '\r';
    }
    if (c == '\r') {
      after_cr = true;
      continue;
    }
    out += c;
  }
  return out;
}

std::string RenderRelayAlert(const std::string& problem, WallTime since, const std::string& from, const std::string& to,
                             size_t waiting, WallTime now) {
  std::ostringstream out;
  out << "From: webvps mailer <" << from << ">\n"
      << "To: " << to << "\n"
      << "Subject: [webvps] mail waited for the relay\n"
      << "Date: " << Rfc5322Date(now) << "\n"
      << "Auto-Submitted: auto-generated\n"
      << "Content-Type: text/plain; charset=utf-8\n\n"
      << "From " << Rfc5322Date(since) << " to " << Rfc5322Date(now)
      << " the relay refused or failed the mailer's sessions:\n\n    " << problem << "\n\n"
      << "This is a problem of the relay's settings (its address, TLS, the user and password in MAILER_SMTP or\n"
      << "smtp.*), not of the sites' mail: no message was failed or bounced for it. " << waiting << " messages\n"
      << "waited meanwhile and go out now that the relay takes mail again.\n";
  return out.str();
}

RewrittenMessage RewriteSender(const std::string& sender, std::string_view message, const std::string& rewrite_domain) {
  if (sender.empty() || rewrite_domain.empty()) return {sender, std::string(message)};
  auto rewrite = [&](const std::string& address) {
    size_t at = address.rfind('@');
    if (at == std::string::npos) return address + "@" + rewrite_domain;
    return address.substr(0, at) + "-" + LowerCase(address.substr(at + 1)) + "@" + rewrite_domain;
  };
  RewrittenMessage out{rewrite(sender), ""};
  std::string_view headers = HeaderBlock(message);
  std::string_view body = message.substr(headers.size());
  std::string original_from;
  bool has_reply_to = false;
  std::string new_headers;
  size_t position = 0;
  while (position < headers.size()) {
    size_t end = headers.find('\n', position);
    if (end == std::string_view::npos) end = headers.size() - 1;
    // A header with its folded continuation lines.
    size_t header_end = end;
    while (header_end + 1 < headers.size() && (headers[header_end + 1] == ' ' || headers[header_end + 1] == '\t')) {
      size_t next = headers.find('\n', header_end + 1);
      header_end = next == std::string_view::npos ? headers.size() - 1 : next;
    }
    std::string_view header = headers.substr(position, header_end + 1 - position);
    position = header_end + 1;
    std::string lower = LowerCase(header.substr(0, std::min<size_t>(header.size(), 9)));
    if (lower.starts_with("reply-to:")) has_reply_to = true;
    if (lower.starts_with("from:") && original_from.empty()) {
      std::string value(header.substr(5));
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      original_from = value;
      std::string address = AddressIn(value);
      std::string replaced = value;
      size_t where = address.empty() ? std::string::npos : replaced.rfind(address);
      if (where != std::string::npos) replaced.replace(where, address.size(), rewrite(address));
      bool crlf = header.ends_with("\r\n");
      new_headers += "From:" + replaced + (crlf ? "\r\n" : "\n");
      continue;
    }
    new_headers += header;
  }
  if (!has_reply_to && !original_from.empty()) {
    bool crlf = headers.find("\r\n") != std::string_view::npos;
    new_headers += "Reply-To:" + original_from + (crlf ? "\r\n" : "\n");
  }
  out.message = new_headers + std::string(body);
  return out;
}

}  // namespace webvps::mailer
