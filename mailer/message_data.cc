#include "message_data.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace webvps::mailer {
namespace {

Result<std::string> ReadRange(int fd, uint64_t from, uint64_t to) {
  std::string out(static_cast<size_t>(to > from ? to - from : 0), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t got = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(from + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Error::FromErrno("read the queue file");
    if (got == 0) break;  // shrunk meanwhile: what is there
    done += static_cast<size_t>(got);
  }
  out.resize(done);
  return out;
}

}  // namespace

Result<std::string> ReadHeaderBlock(const MessageData& data) {
  auto headers = ReadRange(data.file.get(), data.headers_offset, data.body_offset);
  if (!headers.ok() || !data.rewrite) return headers;
  return data.rewrite(std::move(*headers));
}

Result<std::string> ReadBodyPiece(const MessageData& data, uint64_t offset, size_t max) {
  if (offset >= data.end_offset) return std::string();
  return ReadRange(data.file.get(), offset, std::min<uint64_t>(data.end_offset, offset + max));
}

}  // namespace webvps::mailer
