// A queued message's data as a transport reads it: the queue file (kept open from the moment it
// was checked, so what is sent is what was checked, whatever the site does to the name), where
// its header block and its body are, and the sender policy's rewrite of the header block. The
// header block is read and rewritten only when its message is being sent, and the body is read
// in pieces: a session holds one piece of one message, never a whole message.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "result.h"
#include "safe_dir.h"

namespace webvps::mailer {

struct MessageData {
  UniqueFd file;
  uint64_t headers_offset = 0;  ///< the header block starts here (after the envelope)...
  uint64_t body_offset = 0;     ///< ... and ends here, its empty line included
  uint64_t end_offset = 0;      ///< the data ends here: the size that was checked (a file grown since is cut)
  /// The header block as it goes out (the sender policy); null: as queued. An error fails the message.
  std::function<Result<std::string>(std::string headers)> rewrite;
};

/// The header block, rewritten.
Result<std::string> ReadHeaderBlock(const MessageData& data);
/// Up to `max` bytes of the body from `offset`; empty at its end.
Result<std::string> ReadBodyPiece(const MessageData& data, uint64_t offset, size_t max);

}  // namespace webvps::mailer
