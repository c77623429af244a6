// inotify on an Asio event loop: watch directories, receive decoded events as callbacks.
// The decoding of the kernel's byte stream is pure (InotifyDecoder) and tested on its own.
#pragma once

#include <sys/inotify.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps {

struct InotifyEvent {
  int watch = -1;       ///< the watch descriptor; -1 for IN_Q_OVERFLOW
  uint32_t mask = 0;    ///< IN_CREATE, IN_MOVED_TO, IN_CLOSE_WRITE, IN_Q_OVERFLOW, ...
  uint32_t cookie = 0;  ///< pairs IN_MOVED_FROM with IN_MOVED_TO
  std::string name;     ///< the entry's name inside the watched directory; may be empty

  bool overflowed() const { return (mask & IN_Q_OVERFLOW) != 0; }
};

/// Splits bytes read from an inotify descriptor into events. Bytes of an incomplete event are
/// kept until the rest arrives (the kernel never splits one, but the decoder does not rely on it).
class InotifyDecoder {
 public:
  std::vector<InotifyEvent> Feed(std::string_view bytes);

 private:
  std::string pending_;
};

class InotifyWatcher {
 public:
  using Callback = std::function<void(const InotifyEvent&)>;

  /// Opens an inotify instance; check status() before use.
  explicit InotifyWatcher(boost::asio::io_context& io);
  Status status() const { return status_; }

  /// Adds (or updates) a watch; returns the watch descriptor.
  Result<int> Watch(const std::string& path, uint32_t mask);
  void Unwatch(int watch);

  /// Starts delivering events to `callback` on the io_context's thread.
  void Start(Callback callback);
  void Stop();

 private:
  void ReadMore();

  boost::asio::posix::stream_descriptor descriptor_;
  Status status_;
  Callback callback_;
  InotifyDecoder decoder_;
  std::vector<char> buffer_;
};

}  // namespace webvps
