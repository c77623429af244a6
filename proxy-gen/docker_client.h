// The Docker Engine API over its Unix socket: short requests (ping, version, list, inspect,
// signal a container) done synchronously with a timeout, and the endless /events stream read
// asynchronously on an Asio loop and decoded by EventStreamDecoder.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy-gen/container.h"
#include "proxy-gen/docker_events.h"
#include "result.h"

namespace webvps::proxy_gen {

/// "/var/run/docker.sock" from "unix:///var/run/docker.sock"; other schemes are refused.
Result<std::string> SocketPathOf(const std::string& docker_host);

struct DockerResponse {
  int status = 0;
  std::string body;
};

/// One HTTP/1.1 request on a fresh connection; the error names the socket and the target.
Result<DockerResponse> DockerRequest(const std::string& socket_path, const std::string& method, const std::string& target,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// The Engine API calls proxy-gen makes, on the version negotiated with the daemon. Errors name
/// the call; a container that does not exist is not an error (a 404 between an event or a
/// listing and the inspect is a normal race).
class DockerApi {
 public:
  DockerApi(std::string socket_path, std::chrono::milliseconds timeout);

  /// GET /version, then the version to use (see NegotiateApiVersion).
  Status Negotiate();
  const std::string& version() const { return version_; }
  const std::string& socket_path() const { return socket_path_; }

  Status Ping();
  /// nullopt when there is no such container.
  Result<std::optional<ContainerInfo>> Inspect(const std::string& id_or_name);
  /// The ids of the running containers; with `label` ("key=value") only those carrying it.
  Result<std::vector<std::string>> ListRunning(const std::string& label = "");
  /// GET /networks/{name}: its subnets (see ParseNetworkSubnets).
  Result<std::vector<std::string>> NetworkSubnets(const std::string& name);
  /// POST /containers/{id}/kill?signal=<signal>: nginx's reload in split mode.
  Status Signal(const std::string& id, const std::string& signal);
  /// The /events target: container and network events proxy-gen acts on.
  std::string EventsTarget() const;

 private:
  Result<DockerResponse> Call(const std::string& method, const std::string& path);

  std::string socket_path_;
  std::chrono::milliseconds timeout_;
  std::string version_;
};

/// `text` with every byte outside [A-Za-z0-9-_.~] percent-encoded, for query strings.
std::string UrlEncode(std::string_view text);

/// Follows GET <target> (an /events URL) until the daemon closes it or the framing breaks.
class DockerEventStream {
 public:
  using EventHandler = std::function<void(const DockerEvent&)>;
  using EndHandler = std::function<void(const std::string& why)>;  ///< once; reconnect is the caller's
  DockerEventStream(boost::asio::io_context& io, std::string socket_path);
  /// Connects and sends the request; `on_attached` runs when the daemon answered 200, so that
  /// the caller lists containers only once the stream is attached (no event is missed).
  void Start(const std::string& target, std::function<void()> on_attached, EventHandler on_event, EndHandler on_end);
  void Stop();

 private:
  void ReadMore();
  void Finish(const std::string& why);

  boost::asio::io_context& io_;
  std::string socket_path_;
  std::unique_ptr<boost::asio::local::stream_protocol::socket> socket_;
  std::string head_;  ///< the response head until its end is seen
  bool in_body_ = false;
  EventStreamDecoder decoder_;
  std::function<void()> on_attached_;
  EventHandler on_event_;
  EndHandler on_end_;
  /// Renewed by Start and Stop: handlers of an earlier connection hold an expired token.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  char buffer_[16384];
};

}  // namespace webvps::proxy_gen
