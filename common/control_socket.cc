#include "control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <istream>

namespace webvps {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

ControlServer::ControlServer(asio::io_context& io, Handler handle) : io_(io), handle_(std::move(handle)) {}

Status ControlServer::Start(const std::string& socket_path) {
  path_ = socket_path;
  ::unlink(path_.c_str());
  boost::system::error_code error;
  acceptor_ = std::make_unique<Local::acceptor>(io_);
  // Created 0600 from the start, not chmod-ed afterwards: no window where others could connect.
  mode_t old_mask = ::umask(0177);
  acceptor_->open(Local(), error);
  if (!error) acceptor_->bind(Local::endpoint(path_), error);
  ::umask(old_mask);
  if (!error) acceptor_->listen(8, error);
  if (error) return Error("control socket " + path_ + ": " + error.message());
  Accept();
  return {};
}

void ControlServer::Stop() {
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    acceptor_.reset();
    ::unlink(path_.c_str());
  }
}

void ControlServer::Accept() {
  acceptor_->async_accept([this](boost::system::error_code error, Local::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_) return;
    if (!error) {
      auto connection = std::make_shared<Local::socket>(std::move(socket));
      auto buffer = std::make_shared<asio::streambuf>(4096);
      asio::async_read_until(*connection, *buffer, '\n', [this, connection, buffer](boost::system::error_code read_error, size_t) {
        if (read_error) return;
        std::istream in(buffer.get());
        std::string request;
        std::getline(in, request);
        ControlReply reply = handle_(request);
        auto text = std::make_shared<std::string>((reply.ok ? "0 " : "1 ") + reply.text);
        asio::async_write(*connection, asio::buffer(*text), [connection, text](boost::system::error_code, size_t) {
          boost::system::error_code ignored;
          connection->shutdown(Local::socket::shutdown_both, ignored);
        });
      });
    }
    Accept();
  });
}

Result<ControlReply> SendControlRequest(const std::string& socket_path, const std::string& request, const std::string& program,
                                        std::chrono::seconds timeout) {
  asio::io_context io;
  Local::socket socket(io);
  boost::system::error_code error;
  socket.connect(Local::endpoint(socket_path), error);
  if (error) return Error("cannot reach the running " + program + " at " + socket_path + ": " + error.message());
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  asio::write(socket, asio::buffer(request + "\n"), error);
  if (error) return Error("send to the " + program + ": " + error.message());
  std::string response;
  asio::read(socket, asio::dynamic_buffer(response), error);
  if (error && error != asio::error::eof) return Error("read the " + program + "'s reply: " + error.message());
  if (response.size() < 2) return Error("the " + program + " gave no reply");
  return ControlReply{response[0] == '0', response.substr(2)};
}

}  // namespace webvps
