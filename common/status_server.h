// The status endpoint every program exposes through libmicrohttpd: GET /healthz and
// GET /metrics (Prometheus text), plus routes a program adds (proxy-gen's /vhosts). Off when no
// address is configured. Handlers run on libmicrohttpd's own thread: they must be thread-safe.
#pragma once

#include <netinet/in.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "metrics.h"
#include "result.h"

struct MHD_Daemon;

namespace webvps {

/// An address to listen on: "127.0.0.1:9100", "[::1]:9100", ":9100" (every IPv4 address).
struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  int port = 0;
  std::string text;
};
Result<ListenAddress> ParseListenAddress(const std::string& text);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// What /healthz reports: 200 and "ok" when healthy, else 503 and the reason.
struct HealthReport {
  bool healthy = true;
  std::string detail = "ok";
};

class StatusServer {
 public:
  using HealthCheck = std::function<HealthReport()>;
  using Handler = std::function<HttpResponse()>;

  /// `metrics` must outlive the server.
  StatusServer(const Metrics& metrics, HealthCheck health);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  /// Adds a GET route; call before Start().
  void AddRoute(const std::string& path, Handler handler);

  /// Starts listening; port 0 picks a free port (see port()).
  Status Start(const std::string& address);
  void Stop();
  /// The bound port, once started.
  int port() const { return port_; }

  /// The response for GET `path` (used by the server thread; pure enough to test directly).
  HttpResponse Respond(const std::string& method, const std::string& path) const;

 private:
  const Metrics& metrics_;
  HealthCheck health_;
  std::map<std::string, Handler> routes_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace webvps
