// The bytes of SMTP, both ways, as pure state machines fed with whatever the socket gives:
// SmtpReplyParser turns the server's bytes into replies (multi-line ones joined, every line
// bounded), and DataEncoder turns a message's bytes into what goes between DATA and the final
// dot: every line end made CRLF (a bare CR or LF too: no "<CR>.<CR>" ever reaches the relay as
// anything but a dot-stuffed line), lines starting with a dot doubled, lines longer than RFC
// 5321's 998 octets broken with CRLF SP as Postfix does, a NUL refused, and the end of the data
// made to end a line. Neither depends on how the bytes are split.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::mailer {

/// A server reply; code 0 means none came (connection refused, dropped, timed out): temporary.
struct SmtpReply {
  int code = 0;
  std::string text;  ///< the reply's lines joined with "; " (the codes and dashes removed)
  bool Positive() const { return code >= 200 && code < 300; }
  bool Intermediate() const { return code >= 300 && code < 400; }  ///< 334 (AUTH), 354 (DATA)
  bool Permanent() const { return code >= 500 && code < 600; }
  bool Temporary() const { return code == 0 || (code >= 400 && code < 500); }
  /// "250 2.0.0 Ok" / "no reply: connection refused".
  std::string ToString() const;
  bool operator==(const SmtpReply&) const = default;
};

/// A reply as it came, with each line (for EHLO's extensions).
struct SmtpReplyLines {
  int code = 0;
  std::vector<std::string> lines;  ///< the text of each line, after "250-" or "250 "
  SmtpReply Joined() const;
};

class SmtpReplyParser {
 public:
  static constexpr size_t kMaxLine = 2048;   ///< RFC 5321 says 512; servers are generous
  static constexpr size_t kMaxLines = 200;

  /// Feeds bytes; completed replies are appended to `out`. An error (a line that is no reply, too
  /// long, too many lines, a code that changes within a reply) ends the session.
  Status Feed(std::string_view bytes, std::vector<SmtpReplyLines>& out);

 private:
  std::string line_;
  SmtpReplyLines current_;
  bool in_reply_ = false;
};

/// The EHLO reply's extensions, upper-cased keywords with their parameters.
struct SmtpExtensions {
  bool starttls = false;
  bool pipelining = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  uint64_t size = 0;  ///< 0: no SIZE limit announced
  std::vector<std::string> auth;  ///< mechanisms, upper case
};
SmtpExtensions ParseExtensions(const SmtpReplyLines& ehlo);

/// Turns a message into its DATA section (see above). Feed the bytes in any pieces, then Finish.
class DataEncoder {
 public:
  static constexpr size_t kMaxLine = 998;  ///< octets before CRLF (RFC 5321 4.5.3.1.6)

  /// Encodes `bytes` onto the end of `out`. Fails on a NUL (a reason for failed/).
  Status Feed(std::string_view bytes, std::string& out);
  /// Ends the data: a last line without its line end gets one, then ".\r\n".
  void Finish(std::string& out);

  uint64_t input_bytes() const { return input_; }
  int lines_broken() const { return broken_; }

 private:
  void EndLine(std::string& out);

  bool at_line_start_ = true;
  bool after_cr_ = false;  ///< the previous byte was a CR not yet known to be bare
  size_t line_length_ = 0;
  uint64_t input_ = 0;
  int broken_ = 0;
};

/// xtext-free address for MAIL FROM/RCPT TO: "<a@b>" (the null sender "<>").
std::string PathOf(const std::string& address);

/// AUTH PLAIN's initial response: base64("\0user\0password").
std::string AuthPlainResponse(const std::string& user, const std::string& password);
std::string Base64(std::string_view bytes);

/// `text` (a relay's reply, an error) with every occurrence of each secret, and of its base64 and
/// AUTH PLAIN forms, replaced by "[secret]": a relay that echoes what it was sent never puts the
/// password into a log line or a failed/ reason.
std::string RedactSecrets(std::string text, const std::string& user, const std::string& password);

}  // namespace webvps::mailer
