#include "smtp_protocol.h"

#include <algorithm>
#include <cctype>

namespace webvps::mailer {
namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string SmtpReply::ToString() const {
  if (code == 0) return "no reply: " + (text.empty() ? std::string("connection trouble") : text);
  return std::to_string(code) + (text.empty() ? "" : " " + text);
}

SmtpReply SmtpReplyLines::Joined() const {
  SmtpReply reply{code, ""};
  for (const auto& line : lines) {
    if (line.empty()) continue;
    reply.text += (reply.text.empty() ? "" : "; ") + line;
  }
  return reply;
}

Status SmtpReplyParser::Feed(std::string_view bytes, std::vector<SmtpReplyLines>& out) {
  for (char c : bytes) {
    if (c != '\n') {
      if (line_.size() >= kMaxLine) return Error("a reply line longer than " + std::to_string(kMaxLine) + " bytes");
      line_ += c;
      continue;
    }
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    // "250-text", "250 text" or a bare "250".
    bool shaped = line_.size() >= 3 && std::isdigit(static_cast<unsigned char>(line_[0])) &&
                  std::isdigit(static_cast<unsigned char>(line_[1])) && std::isdigit(static_cast<unsigned char>(line_[2])) &&
                  (line_.size() == 3 || line_[3] == ' ' || line_[3] == '-');
    if (!shaped) return Error("not an SMTP reply line: \"" + line_.substr(0, 80) + "\"");
    int code = (line_[0] - '0') * 100 + (line_[1] - '0') * 10 + (line_[2] - '0');
    if (code < 200 || code > 599) return Error("reply code " + std::to_string(code) + " out of range");
    if (in_reply_ && code != current_.code) return Error("reply code changed within a multi-line reply");
    if (!in_reply_) {
      current_ = SmtpReplyLines{code, {}};
      in_reply_ = true;
    }
    if (current_.lines.size() >= kMaxLines) return Error("a reply of more than " + std::to_string(kMaxLines) + " lines");
    current_.lines.push_back(line_.size() > 4 ? line_.substr(4) : "");
    bool more = line_.size() > 3 && line_[3] == '-';
    line_.clear();
    if (!more) {
      out.push_back(std::move(current_));
      current_ = {};
      in_reply_ = false;
    }
  }
  return {};
}

SmtpExtensions ParseExtensions(const SmtpReplyLines& ehlo) {
  SmtpExtensions extensions;
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {  // the first line greets
    std::string line = Upper(ehlo.lines[i]);
    std::string keyword = line.substr(0, line.find(' '));
    std::string rest = line.size() > keyword.size() ? line.substr(keyword.size() + 1) : "";
    if (keyword == "STARTTLS") extensions.starttls = true;
    else if (keyword == "PIPELINING") extensions.pipelining = true;
    else if (keyword == "8BITMIME") extensions.eight_bit_mime = true;
    else if (keyword == "SMTPUTF8") extensions.smtputf8 = true;
    else if (keyword == "SIZE" && !rest.empty()) {
      uint64_t size = 0;
      for (char c : rest) {
        if (c < '0' || c > '9' || size > (uint64_t{1} << 50)) break;
        size = size * 10 + static_cast<uint64_t>(c - '0');
      }
      extensions.size = size;
    } else if (keyword == "AUTH" || keyword == "AUTH=") {
      size_t at = 0;
      while (at < rest.size()) {
        size_t end = rest.find(' ', at);
        std::string mechanism = rest.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (!mechanism.empty() && std::find(extensions.auth.begin(), extensions.auth.end(), mechanism) == extensions.auth.end()) {
          extensions.auth.push_back(mechanism);
        }
        if (end == std::string::npos) break;
        at = end + 1;
      }
    }
  }
  return extensions;
}

void DataEncoder::EndLine(std::string& out) {
  out += "\r\n";
  at_line_start_ = true;
  line_length_ = 0;
}

Status DataEncoder::Feed(std::string_view bytes, std::string& out) {
  out.reserve(out.size() + bytes.size() + bytes.size() / 16 + 8);
  for (char c : bytes) {
    ++input_;
    if (after_cr_) {
      after_cr_ = false;
      EndLine(out);          // CR LF, or a bare CR: a line end either way
      if (c == '\n') continue;
    }
    if (c == '\r') {
      after_cr_ = true;
      continue;
    }
    if (c == '\n') {
      EndLine(out);  // a bare LF
      continue;
    }
    if (c == '\0') return Error("the message holds a NUL byte (offset " + std::to_string(input_ - 1) + "), which SMTP cannot carry");
    if (line_length_ >= kMaxLine) {
      // Too long for SMTP: broken as Postfix's smtp_line_length_limit does, by CRLF and a space.
      out += "\r\n ";
      line_length_ = 1;
      at_line_start_ = false;
      ++broken_;
    }
    if (at_line_start_ && c == '.') {
      out += '.';
      ++line_length_;
    }
    out += c;
    ++line_length_;
    at_line_start_ = false;
  }
  return {};
}

void DataEncoder::Finish(std::string& out) {
  if (after_cr_) {
    after_cr_ = false;
    EndLine(out);
  }
  if (!at_line_start_) EndLine(out);
  out += ".\r\n";
}

std::string PathOf(const std::string& address) { return "<" + address + ">"; }

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::string AuthPlainResponse(const std::string& user, const std::string& password) {
  std::string raw;
  raw += '\0';
  raw += user;
  raw += '\0';
  raw += password;
  return Base64(raw);
}

std::string RedactSecrets(std::string text, const std::string& user, const std::string& password) {
  if (password.empty()) return text;
  for (const std::string& secret : {AuthPlainResponse(user, password), Base64(password), password}) {
    if (secret.size() < 3) continue;  // too short to look for without blanking ordinary text
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[secret]");
      at += 8;
    }
  }
  return text;
}

}  // namespace webvps::mailer
