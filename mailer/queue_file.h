// nullmailer's queue file format: line 1 the envelope sender (empty means <>), then one
// recipient per line, then an empty line, then the message. Parsing is pure and reads only the
// envelope: the message itself is streamed from the file later, never held whole. The watcher
// decides the owning site from the directory, never from the content.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::mailer {

struct QueuedEnvelope {
  std::string sender;                   ///< empty: the null sender <>
  std::vector<std::string> recipients;  ///< at least one
  uint64_t message_offset = 0;          ///< where the message (its headers) starts in the file
};

/// Parses the envelope at the start of a queue file: `head` is its first bytes (all of it, or as
/// many as were read), `file_size` its whole size. The error says what is wrong and on which
/// line; an envelope that does not end within `head` is an error too.
Result<QueuedEnvelope> ParseQueueEnvelope(std::string_view head, uint64_t file_size);

}  // namespace webvps::mailer
