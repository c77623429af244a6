// nullmailer's queue file format: line 1 the envelope sender (empty means <>), then one
// recipient per line, then an empty line, then the message. Parsing is pure; the watcher
// decides the owning site from the directory, never from the content.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::mailer {

struct QueuedMessage {
  std::string sender;                   ///< empty: the null sender <>
  std::vector<std::string> recipients;  ///< at least one
  std::string message;                  ///< headers and body, LF line ends as written
};

/// Parses a queue file; the error says what is wrong and on which line.
Result<QueuedMessage> ParseQueueFile(std::string_view content);

/// The message with CRLF line ends, as SMTP (and libESMTP's message callback) wants it.
std::string ToCrlf(std::string_view message);

}  // namespace webvps::mailer
