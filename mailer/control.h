// `mailer status`, `mailer hold SITE`, `mailer resume SITE` from `docker exec`: the command
// goes to the running mailer over a Unix socket in its data directory (mode 0600, so only root
// in the container can use it; it is on no network). One request line, one reply, then close.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "result.h"

namespace webvps::mailer {

/// A command's reply: the text to print and whether it succeeded.
struct ControlReply {
  bool ok = true;
  std::string text;
};

/// The request line for a command line's positional arguments, or an error for bad usage.
Result<std::string> ControlRequestFor(const std::vector<std::string>& arguments);

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

/// Sends `request` to the mailer listening on `socket_path` (blocking) and returns its reply.
Result<ControlReply> SendControlRequest(const std::string& socket_path, const std::string& request);

}  // namespace webvps::mailer
