#include "queue_file.h"

#include "names.h"

namespace webvps::mailer {

Result<QueuedMessage> ParseQueueFile(std::string_view content) {
  QueuedMessage message;
  size_t position = 0;
  int line_number = 0;
  auto next_line = [&](std::string_view& line) {
    if (position >= content.size()) return false;
    size_t end = content.find('\n', position);
    if (end == std::string_view::npos) return false;  // the envelope lines all end with LF
    line = content.substr(position, end - position);
    position = end + 1;
    ++line_number;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) return Error("line 1: no envelope sender line");
  if (!line.empty()) {
    if (auto problem = EmailProblem(line)) return Error("line 1: sender " + QuoteForMessage(line) + ": " + *problem);
  }
  message.sender = std::string(line);
  while (true) {
    if (!next_line(line)) return Error("line " + std::to_string(line_number + 1) + ": no empty line after the recipients");
    if (line.empty()) break;
    if (auto problem = EmailProblem(line)) {
      return Error("line " + std::to_string(line_number) + ": recipient " + QuoteForMessage(line) + ": " + *problem);
    }
    message.recipients.emplace_back(line);
  }
  if (message.recipients.empty()) return Error("line 2: no recipient");
  message.message = std::string(content.substr(position));
  if (message.message.empty()) return Error("line " + std::to_string(line_number + 1) + ": empty message");
  return message;
}

std::string ToCrlf(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32);
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) out += '\r';
    out += message[i];
  }
  return out;
}

}  // namespace webvps::mailer
