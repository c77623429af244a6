#include "status_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>

#include <charconv>
#include <cstring>

namespace webvps {
namespace {

MHD_Result HandleRequest(void* context, MHD_Connection* connection, const char* url, const char* method,
                         const char* /*version*/, const char* /*upload_data*/, size_t* upload_data_size,
                         void** request_state) {
  // libmicrohttpd calls twice per request: first with headers only. Answer on the second call.
  static int headers_seen;
  if (*request_state == nullptr) {
    *request_state = &headers_seen;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;  // status requests carry no body; ignore one
    return MHD_YES;
  }
  const auto* server = static_cast<const StatusServer*>(context);
  HttpResponse answer = server->Respond(method, url);
  MHD_Response* response =
      MHD_create_response_from_buffer(answer.body.size(), answer.body.data(), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", answer.content_type.c_str());
  MHD_add_response_header(response, "Cache-Control", "no-store");
  MHD_Result result = MHD_queue_response(connection, static_cast<unsigned int>(answer.status), response);
  MHD_destroy_response(response);
  return result;
}

}  // namespace

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  ListenAddress address;
  address.text = text;
  std::string host;
  std::string port_text;
  if (text.starts_with("[")) {
    size_t close = text.find("]:");
    if (close == std::string::npos) return Error("listen address " + text + ": expected [ipv6]:port");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    address.family = AF_INET6;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return Error("listen address " + text + ": expected host:port");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.empty()) host = "0.0.0.0";
  }
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), address.port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() || address.port < 0 ||
      address.port > 65535) {
    return Error("listen address " + text + ": bad port \"" + port_text + "\"");
  }
  if (address.family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(address.port));
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) != 1) {
      return Error("listen address " + text + ": bad IPv6 address \"" + host + "\"");
    }
    address.length = sizeof(sockaddr_in6);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(address.port));
    if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1) {
      return Error("listen address " + text + ": bad IPv4 address \"" + host + "\" (use an IP, not a name)");
    }
    address.length = sizeof(sockaddr_in);
  }
  return address;
}

StatusServer::StatusServer(const Metrics& metrics, HealthCheck health) : metrics_(metrics), health_(std::move(health)) {}

StatusServer::~StatusServer() { Stop(); }

void StatusServer::AddRoute(const std::string& path, Handler handler) { routes_[path] = std::move(handler); }

HttpResponse StatusServer::Respond(const std::string& method, const std::string& path) const {
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  if (path == "/healthz") {
    HealthReport report = health_ ? health_() : HealthReport{};
    return {report.healthy ? 200 : 503, "text/plain; charset=utf-8", report.detail + "\n"};
  }
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.RenderPrometheus()};
  if (auto route = routes_.find(path); route != routes_.end()) return route->second();
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

Status StatusServer::Start(const std::string& address_text) {
  auto address = ParseListenAddress(address_text);
  if (!address.ok()) return address.error().Wrap("start status endpoint");
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  if (address->family == AF_INET6) flags |= MHD_USE_IPv6;
  daemon_ = MHD_start_daemon(flags, static_cast<uint16_t>(address->port), nullptr, nullptr, &HandleRequest, this,
                             MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address->storage),
                             MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (daemon_ == nullptr) return Error::FromErrno("start status endpoint on " + address_text);
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info != nullptr ? info->port : address->port;
  return Status::Ok();
}

void StatusServer::Stop() {
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

}  // namespace webvps
