#include "inotify.h"

#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <cstring>

namespace webvps {

std::vector<InotifyEvent> InotifyDecoder::Feed(std::string_view bytes) {
  pending_.append(bytes);
  std::vector<InotifyEvent> events;
  size_t offset = 0;
  while (pending_.size() - offset >= sizeof(inotify_event)) {
    inotify_event header;
    std::memcpy(&header, pending_.data() + offset, sizeof header);
    size_t total = sizeof header + header.len;
    if (pending_.size() - offset < total) break;
    InotifyEvent event;
    event.watch = header.wd;
    event.mask = header.mask;
    event.cookie = header.cookie;
    const char* name = pending_.data() + offset + sizeof header;
    event.name.assign(name, strnlen(name, header.len));  // the kernel pads names with NULs
    events.push_back(std::move(event));
    offset += total;
  }
  pending_.erase(0, offset);
  return events;
}

InotifyWatcher::InotifyWatcher(boost::asio::io_context& io) : descriptor_(io), buffer_(64 * 1024) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    status_ = Error::FromErrno("inotify_init1");
    return;
  }
  descriptor_.assign(fd);
}

Result<int> InotifyWatcher::Watch(const std::string& path, uint32_t mask) {
  if (!status_.ok()) return status_.error();
  int watch = ::inotify_add_watch(descriptor_.native_handle(), path.c_str(), mask);
  if (watch < 0) return Error::FromErrno("inotify_add_watch " + path);
  return watch;
}

void InotifyWatcher::Unwatch(int watch) {
  if (descriptor_.is_open()) ::inotify_rm_watch(descriptor_.native_handle(), watch);
}

void InotifyWatcher::Start(Callback callback) {
  callback_ = std::move(callback);
  if (status_.ok()) ReadMore();
}

void InotifyWatcher::Stop() {
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
}

void InotifyWatcher::ReadMore() {
  descriptor_.async_read_some(boost::asio::buffer(buffer_), [this](boost::system::error_code error, size_t size) {
    if (error) return;  // cancelled or closed: the owner is stopping
    for (const auto& event : decoder_.Feed(std::string_view(buffer_.data(), size))) callback_(event);
    ReadMore();
  });
}

}  // namespace webvps
