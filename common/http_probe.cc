#include "http_probe.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "status_server.h"

namespace webvps {
namespace {

// Waits until `fd` is ready for `events` or the deadline passes.
Status WaitReady(int fd, short events, std::chrono::steady_clock::time_point deadline, const std::string& what) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error(what + ": timed out");
    pollfd pfd{fd, events, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready > 0) return Status::Ok();
    if (ready < 0 && errno != EINTR) return Error::FromErrno(what + ": poll");
  }
}

}  // namespace

Result<ProbeAnswer> HttpGet(const std::string& address_text, const std::string& path, std::chrono::milliseconds timeout) {
  std::string target = address_text.starts_with(":") ? "127.0.0.1" + address_text : address_text;
  // A server listening on every address is reached through loopback.
  if (target.starts_with("0.0.0.0:")) target = "127.0.0.1" + target.substr(7);
  if (target.starts_with("[::]:")) target = "[::1]" + target.substr(4);
  auto address = ParseListenAddress(target);
  if (!address.ok()) return address.error();
  const std::string what = "GET http://" + target + path;
  auto deadline = std::chrono::steady_clock::now() + timeout;

  int fd = ::socket(address->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::FromErrno(what + ": socket");
  auto fail = [&](Error error) -> Result<ProbeAnswer> {
    ::close(fd);
    return error;
  };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address->storage), address->length) != 0) {
    if (errno != EINPROGRESS) return fail(Error::FromErrno(what + ": connect"));
    if (Status ready = WaitReady(fd, POLLOUT, deadline, what + ": connect"); !ready.ok()) return fail(ready.error());
    int connect_error = 0;
    socklen_t length = sizeof connect_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &connect_error, &length);
    if (connect_error != 0) return fail(Error::FromErrno(what + ": connect", connect_error));
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (Status ready = WaitReady(fd, POLLOUT, deadline, what); !ready.ok()) return fail(ready.error());
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return fail(Error::FromErrno(what + ": send"));
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[4096];
  while (response.size() < 65536) {
    if (Status ready = WaitReady(fd, POLLIN, deadline, what); !ready.ok()) return fail(ready.error());
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return fail(Error::FromErrno(what + ": recv"));
    if (n == 0) break;
    response.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n..."
  if (!response.starts_with("HTTP/1.") || response.size() < 12) return Error(what + ": not an HTTP response");
  ProbeAnswer answer;
  answer.status = std::atoi(response.substr(9, 3).c_str());
  size_t body = response.find("\r\n\r\n");
  if (body != std::string::npos) answer.body = response.substr(body + 4);
  return answer;
}

}  // namespace webvps
