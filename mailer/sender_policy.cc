#include "sender_policy.h"

#include <algorithm>

#include "config.h"
#include "names.h"

namespace webvps::mailer {
namespace {

std::string Lower(std::string_view text) { return LowerCase(std::string(text)); }

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// A header field: its name, and its whole text (first line and continuation lines, LF ends).
struct Field {
  std::string name;  ///< lower case; empty for a line that is no field (kept as it is)
  std::string text;
  std::string Value() const {
    std::string value = text.substr(text.find(':') + 1);
    std::string unfolded;
    for (char c : value) unfolded += c == '\n' || c == '\r' ? ' ' : c;
    return std::string(Trim(unfolded));
  }
};

// Every line end of the header block made LF, a bare CR too: what the relay will see as lines
// (the data encoder makes each of them a CRLF), so the fields parsed here are the fields sent.
std::string CanonicalLines(std::string_view headers) {
  std::string out;
  out.reserve(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    if (headers[i] == '\r') {
      out += '\n';
      if (i + 1 < headers.size() && headers[i + 1] == '\n') ++i;
    } else {
      out += headers[i];
    }
  }
  return out;
}

std::vector<Field> Fields(const std::string& block) {
  std::vector<Field> fields;
  for (std::string_view line : SplitLines(block)) {
    std::string text = std::string(line) + "\n";
    if (!fields.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t') && !fields.back().name.empty()) {
      fields.back().text += text;
      continue;
    }
    size_t colon = line.find(':');
    bool named = colon != std::string_view::npos && colon > 0 &&
                 line.substr(0, colon).find_first_of(" \t") == std::string_view::npos;
    fields.push_back({named ? Lower(line.substr(0, colon)) : "", text});
  }
  return fields;
}

std::string DisplayName(const std::string& value) {
  size_t angle = value.find('<');
  if (angle == std::string::npos || angle == 0) return "";
  std::string name(Trim(std::string_view(value).substr(0, angle)));
  if (name.size() > 200) name.resize(200);
  return name;
}

std::string StripHostWww(const std::string& host) { return host.starts_with("www.") ? host.substr(4) : host; }

}  // namespace

SiteSenders SendersOf(const Site& site) {
  SiteSenders senders;
  auto add_domain = [&](const std::string& domain) {
    if (!domain.empty() && std::find(senders.domains.begin(), senders.domains.end(), domain) == senders.domains.end()) {
      senders.domains.push_back(domain);
    }
  };
  std::vector<std::string> hosts = {site.host};
  hosts.insert(hosts.end(), site.aliases.begin(), site.aliases.end());
  for (const auto& host : hosts) {
    add_domain(host);
    add_domain(StripHostWww(host));
  }
  for (const auto& sender : site.mail_senders) {
    if (sender.starts_with("@")) add_domain(Lower(sender.substr(1)));
    else senders.addresses.push_back(Lower(sender));
  }
  senders.default_sender = site.mail_sender.empty() ? "webmaster@" + StripHostWww(site.host) : site.mail_sender;
  return senders;
}

bool MaySend(const SiteSenders& senders, std::string_view address) {
  std::string lower = Lower(address);
  if (std::find(senders.addresses.begin(), senders.addresses.end(), lower) != senders.addresses.end()) return true;
  size_t at = lower.rfind('@');
  if (at == std::string::npos) return false;
  std::string domain = lower.substr(at + 1);
  return std::find(senders.domains.begin(), senders.domains.end(), domain) != senders.domains.end();
}

std::optional<std::string> FromAddress(std::string_view value) {
  // Comments out: "a@b (Name)".
  std::string text;
  int depth = 0;
  bool quoted = false;
  for (char c : value) {
    if (c == '"' && depth == 0) quoted = !quoted;
    if (!quoted && c == '(') ++depth;
    if (depth == 0) text += c;
    if (!quoted && c == ')' && depth > 0) --depth;
  }
  // Several mailboxes (a list, a group) are no single author.
  quoted = false;
  int angle = 0;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '<') ++angle;
    if (c == '>') --angle;
    if ((c == ',' || c == ';' || c == ':') && angle == 0) return std::nullopt;
  }
  std::string address;
  size_t open = text.rfind('<');
  if (open != std::string::npos) {
    size_t close = text.find('>', open);
    if (close == std::string::npos) return std::nullopt;
    address = text.substr(open + 1, close - open - 1);
  } else {
    address = std::string(Trim(text));
  }
  address = Lower(Trim(address));
  if (EmailProblem(address)) return std::nullopt;
  return address;
}

std::optional<size_t> HeaderBlockLength(std::string_view message, size_t limit) {
  size_t line_start = 0;
  while (line_start < message.size() && line_start <= limit) {
    size_t end = message.find('\n', line_start);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view line = message.substr(line_start, end - line_start);
    if (line.empty() || line == "\r") return end + 1;
    line_start = end + 1;
  }
  return std::nullopt;
}

PolicyResult ApplySenderPolicy(const SiteSenders& senders, SenderPolicyMode mode, const std::string& sender,
                               std::string_view headers) {
  PolicyResult result{false, "", sender, std::string(headers), false};
  if (mode == SenderPolicyMode::kOff) return result;
  std::string block = CanonicalLines(headers);
  std::vector<Field> fields = Fields(block);
  bool sender_ok = sender.empty() || MaySend(senders, sender);
  std::vector<std::string> from_values;
  bool has_reply_to = false;
  bool from_ok = true;
  for (const auto& field : fields) {
    if (field.name == "from") {
      from_values.push_back(field.Value());
      auto address = FromAddress(field.Value());
      from_ok = from_ok && address && MaySend(senders, *address);
    }
    if (field.name == "reply-to") has_reply_to = true;
  }
  if (from_values.size() != 1) from_ok = false;  // none, or two authors: neither is taken as it is
  if (sender_ok && from_ok) {
    result.headers = block;
    return result;
  }
  std::string what;
  if (!sender_ok) what += "envelope sender <" + sender + ">";
  if (!from_ok) {
    what += (what.empty() ? "" : " and ") + std::string("From: ") +
            (from_values.empty() ? "(none)" : from_values.size() > 1 ? "(several)" : from_values.front());
  }
  if (mode == SenderPolicyMode::kRefuse) {
    result.refused = true;
    result.reason = "refused by the sender policy: " + what + " is not an address of this site";
    return result;
  }
  result.rewritten = true;
  result.reason = "rewritten by the sender policy: " + what + " -> " + senders.default_sender;
  if (!sender_ok) result.sender = senders.default_sender;
  if (from_ok) {
    result.headers = block;
    return result;
  }
  std::string name = from_values.size() == 1 ? DisplayName(from_values.front()) : "";
  std::string from = "From: " + (name.empty() ? senders.default_sender : name + " <" + senders.default_sender + ">") + "\n";
  std::string out;
  bool placed = false;
  for (const auto& field : fields) {
    if (field.name == "from" || field.name == "sender") {
      if (field.name == "from" && !placed) {
        out += from;
        if (!has_reply_to && from_values.size() == 1 && FromAddress(from_values.front())) {
          out += "Reply-To: " + from_values.front() + "\n";
        }
        placed = true;
      }
      continue;  // the original author (and a Sender: naming another) does not go out as it was
    }
    if (!placed && field.text == "\n") {
      out += from;  // no From: at all: the site's own, before the empty line
      placed = true;
    }
    out += field.text;
  }
  if (!placed) out = from + out;
  result.headers = out;
  return result;
}

}  // namespace webvps::mailer
