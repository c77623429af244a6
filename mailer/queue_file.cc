#include "queue_file.h"

#include "names.h"

namespace webvps::mailer {

Result<QueuedEnvelope> ParseQueueEnvelope(std::string_view head, uint64_t file_size) {
  QueuedEnvelope envelope;
  size_t position = 0;
  int line_number = 0;
  bool cut = head.size() < file_size;  // only the first bytes were read
  auto next_line = [&](std::string_view& line) {
    if (position >= head.size()) return false;
    size_t end = head.find('\n', position);
    if (end == std::string_view::npos) return false;  // the envelope lines all end with LF
    line = head.substr(position, end - position);
    position = end + 1;
    ++line_number;
    return true;
  };
  auto too_long = [&]() {
    return Error("the envelope does not end within the first " + std::to_string(head.size()) + " bytes");
  };
  std::string_view line;
  if (!next_line(line)) return cut ? too_long() : Error("line 1: no envelope sender line");
  if (!line.empty()) {
    if (auto problem = EmailProblem(line)) return Error("line 1: sender " + QuoteForMessage(line) + ": " + *problem);
  }
  envelope.sender = std::string(line);
  while (true) {
    if (!next_line(line)) {
      if (cut) return too_long();
      return Error("line " + std::to_string(line_number + 1) + ": no empty line after the recipients");
    }
    if (line.empty()) break;
    if (auto problem = EmailProblem(line)) {
      return Error("line " + std::to_string(line_number) + ": recipient " + QuoteForMessage(line) + ": " + *problem);
    }
    envelope.recipients.emplace_back(line);
  }
  if (envelope.recipients.empty()) return Error("line 2: no recipient");
  envelope.message_offset = position;
  if (position >= file_size) return Error("line " + std::to_string(line_number + 1) + ": empty message");
  return envelope;
}

}  // namespace webvps::mailer
