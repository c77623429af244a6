// The grammar of every name webvps accepts from users: site names, host names, e-mail
// addresses. Values that pass these checks are safe to place in generated configs (nginx, sshd,
// passwd, mail headers): no whitespace, quotes, separators or control characters survive them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace webvps {

/// A site name: `[a-z][a-z0-9-]{0,31}`. It is also the site's login and directory name.
bool IsValidSiteName(std::string_view name);

/// Why `host` is not a valid DNS host name, or nullopt when it is. Lower case only
/// (see LowerCase), labels of 1..63 letters, digits or inner hyphens, 253 characters at most.
/// A single label ("localhost") is accepted.
std::optional<std::string> HostNameProblem(std::string_view host);

/// Why `address` is not a plain e-mail address (local@host), or nullopt when it is.
/// Quoted local parts and IP literals are refused: no one needs them here.
std::optional<std::string> EmailProblem(std::string_view address);

/// ASCII lower case; other bytes unchanged.
std::string LowerCase(std::string_view text);

/// `text` quoted for an error message: printable ASCII kept, anything else as \xNN, cut at 80.
std::string QuoteForMessage(std::string_view text);

}  // namespace webvps
