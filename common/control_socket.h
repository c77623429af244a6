// Commands to a running program from `docker exec` (`mailer resume SITE`, `sshd-chroot
// upgrade`): the command line goes over a Unix socket in the program's data directory, created
// mode 0600 so only root in the container can use it (it is on no network). One request line,
// one reply, then close.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "result.h"

namespace webvps {

/// A command's reply: the text to print and whether it succeeded.
struct ControlReply {
  bool ok = true;
  std::string text;
};

/// Serves the socket on the io_context; `handle` runs on the loop thread.
class ControlServer {
 public:
  using Handler = std::function<ControlReply(const std::string& request)>;
  ControlServer(boost::asio::io_context& io, Handler handle);
  Status Start(const std::string& socket_path);
  void Stop();

 private:
  void Accept();
  boost::asio::io_context& io_;
  Handler handle_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::string path_;
};

/// Sends `request` to `program` listening on `socket_path` (blocking) and returns its reply;
/// `timeout` bounds the wait for it.
Result<ControlReply> SendControlRequest(const std::string& socket_path, const std::string& request, const std::string& program,
                                        std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace webvps
