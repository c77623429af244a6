// Whom a site may send as. Through the hoster's authenticated relay every message carries the
// hoster's name, so a site must not send as another tenant's domain or the hoster's own: the
// envelope sender and the From: header must be an address at one of the site's domains (its
// host and aliases, each also without a leading "www.") or listed in its `mail.senders`. Any
// other is rewritten to the site's default sender, the original kept in Reply-To, or the message
// is refused, by the mailer's `sender_policy`. Pure: the header block in, the new one out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry.h"

namespace webvps::mailer {

enum class SenderPolicyMode { kRewrite, kRefuse, kOff };

struct SiteSenders {
  std::vector<std::string> domains;    ///< any address at these
  std::vector<std::string> addresses;  ///< and these (mail.senders), lower case
  std::string default_sender;          ///< mail.sender, else webmaster@<host without www.>
};

/// The senders a site may use, from its registry entry.
SiteSenders SendersOf(const Site& site);

/// Whether `address` (an envelope sender or a From: address) is one of the site's.
bool MaySend(const SiteSenders& senders, std::string_view address);

struct PolicyResult {
  bool refused = false;
  std::string reason;         ///< when refused, or what was rewritten (for the log)
  std::string sender;         ///< the envelope sender to use
  std::string headers;        ///< the header block to send (LF line ends, ending with the empty line)
  bool rewritten = false;
};

/// Applies the policy to a message of the site: `headers` is its header block as queued (up to
/// and including the empty line), `sender` its envelope sender ("" is the null sender, kept).
PolicyResult ApplySenderPolicy(const SiteSenders& senders, SenderPolicyMode mode, const std::string& sender,
                               std::string_view headers);

/// The address in a From: value ("Name <a@b>", "a@b (Name)", "a@b"), lower case; nullopt when
/// there is none or several.
std::optional<std::string> FromAddress(std::string_view value);

/// The header block at the start of `message` (up to and including the first empty line, CRLF or
/// LF), or nullopt when it does not end within `limit` bytes.
std::optional<size_t> HeaderBlockLength(std::string_view message, size_t limit);

}  // namespace webvps::mailer
