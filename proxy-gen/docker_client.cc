#include "docker_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "names.h"

namespace webvps::proxy_gen {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

Result<std::string> SocketPathOf(const std::string& docker_host) {
  if (!docker_host.starts_with("unix://") || docker_host.size() <= 7) {
    return Error("docker host " + docker_host + ": only unix:// sockets are supported");
  }
  return docker_host.substr(7);
}

Result<DockerResponse> DockerRequest(const std::string& socket_path, const std::string& method, const std::string& target,
                                     std::chrono::milliseconds timeout) {
  asio::io_context io;
  Local::socket socket(io);
  boost::system::error_code error;
  auto fail = [&](const std::string& what) { return Error("docker " + method + " " + target + " via " + socket_path + ": " + what); };
  socket.connect(Local::endpoint(socket_path), error);
  if (error) return fail(error.message());
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  http::request<http::empty_body> request{method == "POST" ? http::verb::post : http::verb::get, target, 11};
  request.set(http::field::host, "docker");
  request.set(http::field::user_agent, "webvps-proxy-gen");
  if (method == "POST") request.content_length(0);
  http::write(socket, request, error);
  if (error) return fail(error.message());
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(socket, buffer, parser, error);
  if (error) return fail(error.message());
  return DockerResponse{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

std::string UrlEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

DockerApi::DockerApi(std::string socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

Result<DockerResponse> DockerApi::Call(const std::string& method, const std::string& path) {
  return DockerRequest(socket_path_, method, (version_.empty() ? "" : "/v" + version_) + path, timeout_);
}

Status DockerApi::Negotiate() {
  version_.clear();
  auto response = Call("GET", "/version");
  if (!response.ok()) return response.error();
  if (response->status != 200) return Error("docker GET /version: HTTP " + std::to_string(response->status));
  auto daemon = ParseApiVersion(response->body);
  if (!daemon.ok()) return daemon.error();
  auto chosen = NegotiateApiVersion(*daemon);
  if (!chosen.ok()) return chosen.error();
  version_ = *chosen;
  return {};
}

Status DockerApi::Ping() {
  auto response = Call("GET", "/_ping");
  if (!response.ok()) return response.error();
  if (response->status != 200) return Error("docker GET /_ping: HTTP " + std::to_string(response->status));
  return {};
}

Result<std::optional<ContainerInfo>> DockerApi::Inspect(const std::string& id_or_name) {
  auto response = Call("GET", "/containers/" + UrlEncode(id_or_name) + "/json");
  if (!response.ok()) return response.error();
  if (response->status == 404) return std::optional<ContainerInfo>();
  if (response->status != 200) {
    return Error("docker inspect " + id_or_name + ": HTTP " + std::to_string(response->status) + ": " + response->body.substr(0, 200));
  }
  auto info = ParseContainerInspect(response->body);
  if (!info.ok()) return info.error().Wrap("docker inspect " + id_or_name);
  return std::optional<ContainerInfo>(std::move(*info));
}

Result<std::vector<std::string>> DockerApi::ListRunning(const std::string& label) {
  std::string path = "/containers/json";
  if (!label.empty()) path += "?filters=" + UrlEncode(R"({"label":[")" + label + R"("]})");
  auto response = Call("GET", path);
  if (!response.ok()) return response.error();
  if (response->status != 200) return Error("docker list containers: HTTP " + std::to_string(response->status));
  return ParseContainerList(response->body);
}

Result<std::vector<std::string>> DockerApi::NetworkSubnets(const std::string& name) {
  auto response = Call("GET", "/networks/" + UrlEncode(name));
  if (!response.ok()) return response.error();
  if (response->status != 200) return Error("docker network inspect " + name + ": HTTP " + std::to_string(response->status));
  auto subnets = ParseNetworkSubnets(response->body);
  if (!subnets.ok()) return subnets.error().Wrap("docker network inspect " + name);
  return subnets;
}

Status DockerApi::Signal(const std::string& id, const std::string& signal) {
  auto response = Call("POST", "/containers/" + UrlEncode(id) + "/kill?signal=" + signal);
  if (!response.ok()) return response.error();
  if (response->status != 204 && response->status != 200) {
    return Error("docker kill -s " + signal + " " + id + ": HTTP " + std::to_string(response->status) + ": " + response->body.substr(0, 200));
  }
  return {};
}

std::string DockerApi::EventsTarget() const {
  // Filtered at the daemon: exec_* events of health checks would wake proxy-gen every second.
  // "health_status" matches "health_status: healthy" and the like (the daemon's fuzzy match).
  static const std::string kFilters =
      R"({"type":["container","network"],"event":["start","restart","die","stop","kill","destroy","pause","unpause",)"
      R"("rename","update","health_status","connect","disconnect"]})";
  return "/v" + version_ + "/events?filters=" + UrlEncode(kFilters);
}

DockerEventStream::DockerEventStream(asio::io_context& io, std::string socket_path)
    : io_(io), socket_path_(std::move(socket_path)) {}

void DockerEventStream::Start(const std::string& target, std::function<void()> on_attached, EventHandler on_event,
                              EndHandler on_end) {
  // Handlers of an earlier connection see their token expire and do nothing.
  alive_ = std::make_shared<bool>(true);
  on_attached_ = std::move(on_attached);
  on_event_ = std::move(on_event);
  on_end_ = std::move(on_end);
  head_.clear();
  in_body_ = false;
  decoder_ = EventStreamDecoder();
  socket_ = std::make_unique<Local::socket>(io_);
  auto request = std::make_shared<std::string>("GET " + target + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: webvps-proxy-gen\r\n\r\n");
  std::weak_ptr<bool> alive = alive_;
  socket_->async_connect(Local::endpoint(socket_path_), [this, alive, request](boost::system::error_code error) {
    if (alive.expired() || !socket_) return;
    if (error) return Finish("connect " + socket_path_ + ": " + error.message());
    asio::async_write(*socket_, asio::buffer(*request), [this, alive, request](boost::system::error_code write_error, size_t) {
      if (alive.expired() || !socket_) return;
      if (write_error) return Finish("send the events request: " + write_error.message());
      ReadMore();
    });
  });
}

void DockerEventStream::Stop() {
  alive_ = std::make_shared<bool>(true);
  on_end_ = nullptr;
  if (socket_) {
    boost::system::error_code ignored;
    socket_->close(ignored);
  }
}

void DockerEventStream::Finish(const std::string& why) {
  if (socket_) {
    boost::system::error_code ignored;
    socket_->close(ignored);
  }
  if (auto handler = std::move(on_end_)) {
    on_end_ = nullptr;
    handler(why);
  }
}

void DockerEventStream::ReadMore() {
  std::weak_ptr<bool> alive = alive_;
  socket_->async_read_some(asio::buffer(buffer_), [this, alive](boost::system::error_code error, size_t length) {
    if (alive.expired() || !socket_ || !on_end_) return;
    if (error) return Finish(error == asio::error::eof ? "the daemon closed the event stream" : "event stream: " + error.message());
    std::string_view bytes(buffer_, length);
    std::string rest;  // the body bytes that came with the response head
    if (!in_body_) {
      head_.append(bytes);
      size_t end = head_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (head_.size() > 65536) return Finish("event stream: response head too long");
        return ReadMore();
      }
      std::string head = head_.substr(0, end);
      rest = head_.substr(end + 4);
      head_.clear();
      if (!head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200")) {
        return Finish("event stream refused: " + head.substr(0, head.find("\r\n")));
      }
      if (LowerCase(head).find("transfer-encoding: chunked") == std::string::npos) {
        return Finish("event stream: the daemon did not answer with chunked transfer coding");
      }
      in_body_ = true;
      if (on_attached_) on_attached_();
      if (alive.expired() || !on_end_) return;
      bytes = rest;
    }
    auto output = decoder_.Feed(bytes);
    if (!output.broken) {
      for (const auto& problem : output.problems) spdlog::warn("{}", problem);
    }
    for (const auto& event : output.events) {
      on_event_(event);
      if (alive.expired() || !on_end_) return;
    }
    if (output.broken || output.ended) return Finish(output.broken ? output.problems.back() : "the daemon ended the event stream");
    ReadMore();
  });
}

}  // namespace webvps::proxy_gen
