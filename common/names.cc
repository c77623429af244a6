#include "names.h"

#include <cstdio>

namespace webvps {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsAtextChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

}  // namespace

bool IsValidSiteName(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

std::optional<std::string> HostNameProblem(std::string_view host) {
  if (host.empty()) return "empty host name";
  if (host.size() > 253) return "host name longer than 253 characters";
  size_t label_start = 0;
  while (true) {
    size_t dot = host.find('.', label_start);
    std::string_view label =
        host.substr(label_start, dot == std::string_view::npos ? std::string_view::npos : dot - label_start);
    if (label.empty()) return "empty label in host name";
    if (label.size() > 63) return "label longer than 63 characters in host name";
    for (char c : label) {
      if (c >= 'A' && c <= 'Z') return "upper-case letter in host name (write it in lower case)";
      if (!IsLowerAlnum(c) && c != '-') return "character not allowed in host name";
    }
    if (label.front() == '-' || label.back() == '-') return "label starts or ends with '-'";
    if (dot == std::string_view::npos) break;
    label_start = dot + 1;
  }
  return std::nullopt;
}

std::optional<std::string> EmailProblem(std::string_view address) {
  if (address.size() > 254) return "e-mail address longer than 254 characters";
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "e-mail address without '@'";
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64) return "e-mail local part empty or longer than 64 characters";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return "misplaced '.' in e-mail local part";
  }
  for (char c : local) {
    if (!IsAtextChar(c) && c != '.') return "character not allowed in e-mail local part";
  }
  if (auto problem = HostNameProblem(domain)) return "e-mail domain: " + *problem;
  return std::nullopt;
}

std::string LowerCase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string QuoteForMessage(std::string_view text) {
  std::string quoted = "\"";
  size_t shown = 0;
  for (unsigned char c : text) {
    if (++shown > 80) {
      quoted += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      quoted += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      quoted += hex;
    }
  }
  quoted += '"';
  return quoted;
}

}  // namespace webvps
