// The mailer's SMTP side: MAILER_SMTP (an error never shows the password, whole or in part), a
// relay's replies (any bytes: a reply, or an error that ends the session), and a site's message
// through the DATA encoder, whose output must be what RFC 5321 allows and nothing a relay could
// read as the end of the data before the end: only CRLF line ends, no line over 998 octets, every
// line starting with '.' doubled, and "\r\n.\r\n" exactly once, at the end.
#include <algorithm>

#include "fuzz/fuzz.h"
#include "mailer/relay_settings.h"
#include "mailer/smtp_protocol.h"

namespace {

void CheckData(std::string_view message) {
  using namespace webvps;
  mailer::DataEncoder encoder;
  std::string out;
  // In pieces of 7 bytes: the encoder's state carries across any cut.
  for (size_t at = 0; at < message.size(); at += 7) {
    if (!encoder.Feed(message.substr(at, 7), out).ok()) return;  // a NUL: refused, with a reason
  }
  encoder.Finish(out);
  if (!out.ends_with(".\r\n")) fuzz::Finding("the data does not end with .CRLF");
  size_t end = out.find("\r\n.\r\n");
  if (out == ".\r\n") end = std::string::npos;
  if (end != std::string::npos && end + 5 != out.size()) fuzz::Finding("a CRLF.CRLF before the end of the data");
  size_t line_start = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' && (i + 1 >= out.size() || out[i + 1] != '\n')) fuzz::Finding("a bare CR in the data");
    if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) fuzz::Finding("a bare LF in the data");
    if (out[i] == '\n') {
      std::string_view line(out.data() + line_start, i - 1 - line_start);
      if (line.size() > mailer::DataEncoder::kMaxLine) fuzz::Finding("a line over 998 octets");
      bool last = i + 1 == out.size();
      if (!last && line.starts_with('.') && !line.starts_with("..")) fuzz::Finding("a line starting with one '.'");
      line_start = i + 1;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  std::string_view text = fuzz::Text(data, size);
  auto [first_line, rest] = fuzz::SplitInput(text, '\n');
  (void)mailer::ParseMailerSmtp(first_line);
  // A canary password put where the parser takes the password from, whatever the fields around
  // it: after the third ':' of a host without '[', with at least two ':' after it. No error and
  // no Describe() may show it.
  auto [before, after] = fuzz::SplitInput(first_line, '\x01');
  if (std::count(before.begin(), before.end(), ':') == 3 && before.find('[') == std::string_view::npos &&
      std::count(after.begin(), after.end(), ':') >= 2 && first_line.find("Cn4ry") == std::string_view::npos &&
      first_line.find("pAss") == std::string_view::npos) {
    const std::string canary = "Cn4ry-pAss";
    std::string value = std::string(before) + canary + std::string(after);
    auto relay = mailer::ParseMailerSmtp(value);
    std::string shown = relay.ok() ? relay->Describe() : relay.error().message();
    if (shown.find("Cn4ry") != std::string::npos || shown.find("pAss") != std::string::npos) {
      fuzz::Finding("MAILER_SMTP shows the password: " + shown);
    }
  }
  mailer::SmtpReplyParser parser;
  std::vector<mailer::SmtpReplyLines> replies;
  for (size_t at = 0; at < rest.size(); at += 5) {
    if (!parser.Feed(rest.substr(at, 5), replies).ok()) break;
  }
  for (const auto& reply : replies) {
    if (reply.code < 200 || reply.code > 599) fuzz::Finding("a reply code out of 2xx..5xx: " + std::to_string(reply.code));
    (void)mailer::ParseExtensions(reply);
    (void)reply.Joined().ToString();
  }
  CheckData(rest);
  return 0;
}
