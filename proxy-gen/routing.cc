#include "routing.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include <yaml-cpp/yaml.h>

#include "config.h"
#include "names.h"

namespace webvps::proxy_gen {
namespace {

// Every setting a container can give (as VIRTUAL_HOST or webvps.proxy.virtual_host).
const std::set<std::string> kSettings = {"VIRTUAL_HOST", "VIRTUAL_PORT", "VIRTUAL_PROTO", "VIRTUAL_PATH", "VIRTUAL_DEST",
                                         "HTTPS_METHOD", "HSTS", "CERT_NAME", "NETWORK_ACCESS",
                                         "ACME_HTTP_CHALLENGE_LOCATION", "ENABLE_HTTP_ON_MISSING_CERT", "NON_GET_REDIRECT",
                                         "VIRTUAL_HOST_MULTIPORTS"};
// nginx-proxy's settings that webvps does not read (yet, or by design): a container that sets
// one is served without it, and told so (docs/proxy-gen.md, "nginx-proxy compatibility").
const std::set<std::string> kUnsupportedVariables = {"SERVER_TOKENS"};
constexpr std::string_view kNginxProxyLabelPrefix = "com.github.nginx-proxy.nginx-proxy.";
const std::set<std::string> kUnsupportedLabels = {"http2.enable", "http3.enable"};
const std::set<std::string> kProtos = {"http", "https", "uwsgi", "fastcgi", "grpc", "grpcs"};
const std::set<std::string> kHttpsMethods = {"redirect", "noredirect", "nohttp", "nohttps"};

std::string UpperCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool Printable(char c) { return c > 0x20 && c < 0x7f; }

std::optional<std::string> LabelOf(const ContainerInfo& container, std::string_view name) {
  for (const auto& [key, value] : container.labels) {
    if (key.starts_with(kNginxProxyLabelPrefix) && key.substr(kNginxProxyLabelPrefix.size()) == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> PortProblem(std::string_view text) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "not a port number";
  }
  int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) return "port out of range 1..65535";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> LoadbalanceProblem(std::string_view text, std::string* directive) {
  std::vector<std::string> words = SplitList(text, ' ');
  if (!words.empty() && words.back().ends_with(';')) {
    words.back().pop_back();
    if (words.back().empty()) words.pop_back();
  }
  auto joined = [&] {
    std::string out;
    for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
    return out + ";";
  };
  auto variable = [](const std::string& word) {
    return word.size() > 1 && word.front() == '$' &&
           word.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_$", 1) == std::string::npos && word.find("$$") == std::string::npos;
  };
  bool ok = false;
  if (words.size() == 1) {
    ok = words[0] == "least_conn" || words[0] == "ip_hash" || words[0] == "random";
  } else if (!words.empty() && words[0] == "random") {
    ok = words[1] == "two" && (words.size() == 2 || (words.size() == 3 && words[2] == "least_conn"));
  } else if (!words.empty() && words[0] == "hash") {
    ok = (words.size() == 2 || (words.size() == 3 && words[2] == "consistent")) && variable(words[1]);
  }
  if (!ok) {
    return "expected least_conn, ip_hash, random [two [least_conn]] or hash $variable [consistent] (one nginx directive)";
  }
  if (directive) *directive = joined();
  return std::nullopt;
}

ContainerInfo RoutingView(ContainerInfo container) {
  std::erase_if(container.env, [](const auto& entry) {
    return !kSettings.contains(entry.first) && !kUnsupportedVariables.contains(entry.first);
  });
  std::erase_if(container.labels, [](const auto& entry) {
    return !entry.first.starts_with("webvps.proxy.") && !entry.first.starts_with(kNginxProxyLabelPrefix);
  });
  return container;
}

std::optional<std::string> SettingOf(const ContainerInfo& container, const std::string& name) {
  for (const auto& [key, value] : container.labels) {
    if (key.size() == 13 + name.size() && key.starts_with("webvps.proxy.") && UpperCase(key.substr(13)) == name) return value;
  }
  if (auto it = container.env.find(name); it != container.env.end()) return it->second;
  return std::nullopt;
}

std::optional<std::string> HostEntryProblem(std::string_view entry) {
  if (entry.empty()) return "empty host name";
  if (entry.size() > 253) return "longer than 253 characters";
  if (entry.front() == '~') {
    // A regular expression for server_name: no character that could end the directive or start
    // a block or a comment in nginx, no quote, no whitespace.
    if (entry.size() < 2) return "empty regular expression";
    for (char c : entry) {
      if (!Printable(c) || c == ';' || c == '{' || c == '}' || c == '\'' || c == '"' || c == '#' || c == '`') {
        return "character not allowed in a host regular expression";
      }
    }
    // nginx reads a backslash as escaping the next character, the directive's ';' too.
    size_t backslashes = entry.size() - 1 - entry.find_last_not_of('\\');
    if (backslashes % 2 == 1) return "a host regular expression must not end in a backslash";
    return std::nullopt;
  }
  std::string_view name = entry;
  if (name.starts_with("*.")) {
    name.remove_prefix(2);
  } else if (name.ends_with(".*")) {
    name.remove_suffix(2);
  }
  if (name.find('*') != std::string_view::npos) return "a wildcard '*' is allowed only as the whole first or last label";
  if (auto problem = HostNameProblem(name)) return *problem;
  return std::nullopt;
}

std::optional<std::string> PathProblem(std::string_view path) {
  if (path.empty() || path.front() != '/') return "must start with '/'";
  if (path.size() > 1024) return "longer than 1024 characters";
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
              c == '_' || c == '-' || c == '~' || c == '%' || c == '+' || c == ':' || c == '@' || c == '=' || c == ',';
    if (!ok) return "character not allowed in a path (letters, digits and / . _ - ~ % + : @ = ,)";
  }
  if (path.find("/../") != std::string_view::npos || path.ends_with("/..")) return "'..' is not allowed in a path";
  return std::nullopt;
}

std::optional<std::string> HstsProblem(std::string_view hsts) {
  if (hsts == "off") return std::nullopt;
  if (hsts.empty() || hsts.size() > 200) return "expected \"off\" or a header value like max-age=31536000; includeSubDomains";
  for (char c : hsts) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '=' || c == ';' || c == ' ' || c == '-';
    if (!ok) return "character not allowed in an HSTS value";
  }
  if (!hsts.starts_with("max-age=")) return "an HSTS value starts with max-age=";
  return std::nullopt;
}

std::optional<std::string> CertNameProblem(std::string_view name) {
  if (name.empty() || name.size() > 200) return "expected 1 to 200 characters";
  if (name.front() == '.' || name.front() == '-') return "must not start with '.' or '-'";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return "character not allowed in a certificate name (letters, digits, . _ -)";
  }
  return std::nullopt;
}

std::string UpstreamName(const std::string& host, const std::string& path) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a: stable across runs and machines
  for (char c : host + "\n" + path) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  std::string readable;
  for (char c : host.substr(0, 48)) {
    readable += ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '_';
  }
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(hash));
  return "up_" + readable + "_" + std::string(suffix, 8);
}

namespace {

struct Route {  // a host and path of a container, to one of its ports
  std::string host;
  Location location;
  int port = 80;
};

struct Request {  // one container's wish, validated
  const ContainerInfo* container;
  std::vector<Route> routes;  ///< sorted by host and path, one per pair
  Location location;          ///< the settings every route's location shares
  std::string https_method, hsts, cert_name;
  bool acme_challenge = true;
  bool trust_default_cert = true, http_on_missing_cert = true;
  int non_get_redirect = 301;
  std::string ssl_verify_client = "on";
  Backend backend;
  bool has_backend = false;
};

std::optional<Request> ReadRequest(const ContainerInfo& container, const RoutingOptions& options, RoutingModel& model) {
  auto reject = [&](const std::string& setting, const std::string& reason) {
    model.rejections.push_back({container.name, setting, reason});
    return std::nullopt;
  };
  // A setting that is true or false: anything else is its problem (false returned).
  auto boolean = [&](const std::optional<std::string>& value, const std::string& setting, bool& out) {
    if (!value) return true;
    if (*value != "true" && *value != "false") {
      reject(setting, QuoteForMessage(*value) + ": expected true or false");
      return false;
    }
    out = *value == "true";
    return true;
  };
  auto virtual_host = SettingOf(container, "VIRTUAL_HOST");
  auto multiports = SettingOf(container, "VIRTUAL_HOST_MULTIPORTS");
  if (!virtual_host && !multiports) return std::nullopt;
  Request request;
  request.container = &container;
  std::vector<MultiportRoute> wanted;
  if (multiports) {
    // As in nginx-proxy, it replaces VIRTUAL_HOST, VIRTUAL_PATH and VIRTUAL_DEST.
    auto parsed = ParseMultiports(*multiports);
    if (!parsed.ok()) return reject("VIRTUAL_HOST_MULTIPORTS", parsed.error().message());
    wanted = std::move(*parsed);
  } else {
    // SplitList trims each entry and drops the empty ones.
    for (std::string entry : SplitList(*virtual_host, ',')) {
      if (entry.front() != '~') entry = LowerCase(entry);
      if (auto problem = HostEntryProblem(entry)) return reject("VIRTUAL_HOST", QuoteForMessage(entry) + ": " + *problem);
      wanted.push_back({entry});
    }
  }
  if (wanted.empty()) return reject(multiports ? "VIRTUAL_HOST_MULTIPORTS" : "VIRTUAL_HOST", "no host name");
  for (const auto& [name, value] : container.env) {
    if (kUnsupportedVariables.contains(name)) model.unsupported.push_back(container.name + ": " + name);
  }
  for (const auto& [name, value] : container.labels) {
    if (name.starts_with(kNginxProxyLabelPrefix) && kUnsupportedLabels.contains(name.substr(kNginxProxyLabelPrefix.size()))) {
      model.unsupported.push_back(container.name + ": label " + name);
    }
  }

  Location& location = request.location;
  if (!multiports) {
    std::string path = "/", dest;
    if (auto virtual_path = SettingOf(container, "VIRTUAL_PATH")) {
      if (auto problem = PathProblem(*virtual_path)) return reject("VIRTUAL_PATH", QuoteForMessage(*virtual_path) + ": " + *problem);
      path = *virtual_path;
    }
    if (auto virtual_dest = SettingOf(container, "VIRTUAL_DEST")) {
      if (!virtual_dest->empty()) {
        if (auto problem = PathProblem(*virtual_dest)) return reject("VIRTUAL_DEST", QuoteForMessage(*virtual_dest) + ": " + *problem);
      }
      dest = *virtual_dest;
    }
    for (auto& route : wanted) {
      route.path = path;
      route.dest = dest;
    }
  }
  if (auto proto = SettingOf(container, "VIRTUAL_PROTO")) {
    if (!kProtos.contains(*proto)) return reject("VIRTUAL_PROTO", QuoteForMessage(*proto) + ": expected http, https, uwsgi, fastcgi, grpc or grpcs");
    location.proto = *proto;
  }
  if (auto access = SettingOf(container, "NETWORK_ACCESS")) {
    if (*access != "external" && *access != "internal") return reject("NETWORK_ACCESS", QuoteForMessage(*access) + ": expected external or internal");
    location.network_access = *access;
  }
  request.https_method = options.https_method;
  if (auto method = SettingOf(container, "HTTPS_METHOD")) {
    if (!kHttpsMethods.contains(*method)) {
      return reject("HTTPS_METHOD", QuoteForMessage(*method) + ": expected redirect, noredirect, nohttp or nohttps");
    }
    request.https_method = *method;
  }
  request.hsts = options.hsts;
  if (auto hsts = SettingOf(container, "HSTS")) {
    if (auto problem = HstsProblem(*hsts)) return reject("HSTS", QuoteForMessage(*hsts) + ": " + *problem);
    request.hsts = *hsts;
  }
  if (auto cert = SettingOf(container, "CERT_NAME")) {
    if (auto problem = CertNameProblem(*cert)) return reject("CERT_NAME", QuoteForMessage(*cert) + ": " + *problem);
    request.cert_name = *cert;
  }
  request.trust_default_cert = options.trust_default_cert;
  if (!boolean(LabelOf(container, "trust-default-cert"), "label trust-default-cert", request.trust_default_cert) ||
      !boolean(SettingOf(container, "ENABLE_HTTP_ON_MISSING_CERT"), "ENABLE_HTTP_ON_MISSING_CERT", request.http_on_missing_cert)) {
    return std::nullopt;
  }
  if (auto redirect = SettingOf(container, "NON_GET_REDIRECT")) {
    if (*redirect != "301" && *redirect != "302" && *redirect != "303" && *redirect != "307" && *redirect != "308") {
      return reject("NON_GET_REDIRECT", QuoteForMessage(*redirect) + ": expected 301, 302, 303, 307 or 308");
    }
    request.non_get_redirect = std::stoi(*redirect);
  }
  if (auto verify = LabelOf(container, "ssl_verify_client")) {
    if (*verify != "on" && *verify != "optional" && *verify != "optional_no_ca") {
      return reject("label ssl_verify_client", QuoteForMessage(*verify) + ": expected on, optional or optional_no_ca");
    }
    request.ssl_verify_client = *verify;
  }
  if (auto keepalive = LabelOf(container, "keepalive")) {
    if (*keepalive == "disabled") {
      location.keepalive = 0;
    } else if (*keepalive != "auto") {
      int value = 0;
      auto [end, error] = std::from_chars(keepalive->data(), keepalive->data() + keepalive->size(), value);
      if (error != std::errc() || end != keepalive->data() + keepalive->size() || value < 1 || value > 1024) {
        return reject("label keepalive", QuoteForMessage(*keepalive) + ": expected auto, disabled or a number from 1 to 1024");
      }
      location.keepalive = value;
    }
  }
  if (auto balance = LabelOf(container, "loadbalance")) {
    if (auto problem = LoadbalanceProblem(*balance, &location.loadbalance)) {
      return reject("label loadbalance", QuoteForMessage(*balance) + ": " + *problem);
    }
  }
  request.acme_challenge = options.acme_challenge;
  if (!boolean(SettingOf(container, "ACME_HTTP_CHALLENGE_LOCATION"), "ACME_HTTP_CHALLENGE_LOCATION", request.acme_challenge)) {
    return std::nullopt;
  }
  int port = 80;
  if (auto virtual_port = SettingOf(container, "VIRTUAL_PORT")) {
    if (auto problem = PortProblem(*virtual_port)) return reject("VIRTUAL_PORT", QuoteForMessage(*virtual_port) + ": " + *problem);
    port = std::stoi(*virtual_port);
  } else if (container.exposed_tcp_ports.size() == 1) {
    port = container.exposed_tcp_ports.front();
  }
  // A container in the host's network namespace is the host itself: routing to it would let the
  // proxy reach the host's own ports, the boundary no site may cross (docs/proxy-gen.md).
  if (container.network_mode == "host") {
    return reject("network_mode", "host networking: the proxy serves containers on its networks, never the host's own ports");
  }
  // The address: the first network, by name, that the backend shares with the proxy.
  const NetworkEndpoint* chosen = nullptr;
  for (const auto& endpoint : container.networks) {
    if (endpoint.network == "ingress") continue;
    if (!options.proxy_networks.empty() && !options.proxy_networks.contains(endpoint.network)) continue;
    if (endpoint.ipv4.empty() && endpoint.ipv6.empty()) continue;
    chosen = &endpoint;
    break;
  }
  if (!chosen) {
    if (options.proxy_networks.empty()) return reject("network", "the container has no network address");
    model.unreachable.push_back(container.name);
    return std::nullopt;
  }
  request.backend.container = container.name;
  bool ipv6 = chosen->ipv4.empty() || (options.prefer_ipv6 && !chosen->ipv6.empty());
  request.backend.address = ipv6 ? "[" + chosen->ipv6 + "]" : chosen->ipv4;
  request.backend.port = port;
  std::sort(wanted.begin(), wanted.end(), [](const MultiportRoute& a, const MultiportRoute& b) {
    return std::tie(a.host, a.path) < std::tie(b.host, b.path);
  });
  for (const auto& want : wanted) {
    if (!request.routes.empty() && request.routes.back().host == want.host && request.routes.back().location.path == want.path) continue;
    Route route{want.host, location, want.port.value_or(port)};
    route.location.path = want.path;
    route.location.dest = want.dest;
    request.routes.push_back(std::move(route));
  }
  // Routed from the start: nginx's connection is the readiness check (a port that refuses is
  // skipped, or the 503 page). Docker's `unhealthy` takes it out; proxy.require_healthy waits
  // for `healthy` instead.
  request.backend.ready = container.health.empty() || container.health == "healthy" ||
                          (container.health == "starting" && !options.require_healthy);
  request.has_backend = container.running;
  return request;
}

}  // namespace

Result<std::vector<MultiportRoute>> ParseMultiports(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return Error("not YAML or JSON: " + error.msg);
  }
  if (!root.IsMap()) return Error("expected a map of host names");
  if (root.size() > 100) return Error("more than 100 hosts");
  std::vector<MultiportRoute> routes;
  auto scalar = [](const YAML::Node& node) -> std::optional<std::string> {
    if (!node.IsScalar()) return std::nullopt;
    return node.Scalar();
  };
  for (const auto& host_entry : root) {
    auto key = scalar(host_entry.first);
    if (!key) return Error("a host name that is not a string");
    std::string host = key->starts_with('~') ? *key : LowerCase(*key);
    if (auto problem = HostEntryProblem(host)) return Error("host " + QuoteForMessage(*key) + ": " + *problem);
    const YAML::Node& paths = host_entry.second;
    if (paths.IsNull()) {
      routes.push_back({host});
      continue;
    }
    if (!paths.IsMap()) return Error("host " + QuoteForMessage(host) + ": expected a map of paths or nothing");
    if (paths.size() > 100) return Error("host " + QuoteForMessage(host) + ": more than 100 paths");
    if (paths.size() == 0) routes.push_back({host});
    for (const auto& path_entry : paths) {
      auto path = scalar(path_entry.first);
      if (!path) return Error("host " + QuoteForMessage(host) + ": a path that is not a string");
      std::string where = "host " + QuoteForMessage(host) + ", path " + QuoteForMessage(*path);
      if (auto problem = PathProblem(*path)) return Error(where + ": " + *problem);
      MultiportRoute route{host, *path};
      const YAML::Node& settings = path_entry.second;
      if (!settings.IsNull() && !settings.IsMap()) return Error(where + ": expected port and dest, or nothing");
      if (settings.IsMap()) {
        for (const auto& setting : settings) {
          auto name = scalar(setting.first);
          auto value = scalar(setting.second);
          if (!name || (*name != "port" && *name != "dest")) return Error(where + ": only port and dest are read");
          if (!value) return Error(where + ": " + *name + " is not a single value");
          if (*name == "port") {
            if (auto problem = PortProblem(*value)) return Error(where + ": port " + QuoteForMessage(*value) + ": " + *problem);
            route.port = std::stoi(*value);
          } else if (!value->empty()) {
            if (auto problem = PathProblem(*value)) return Error(where + ": dest " + QuoteForMessage(*value) + ": " + *problem);
            route.dest = *value;
          }
        }
      }
      routes.push_back(std::move(route));
    }
  }
  return routes;
}

RoutingModel BuildRoutingModel(const std::vector<ContainerInfo>& containers, const RoutingOptions& options) {
  RoutingModel model;
  std::vector<const ContainerInfo*> sorted;
  for (const auto& container : containers) {
    if (!container.running || options.excluded.contains(container.id)) continue;
    sorted.push_back(&container);
  }
  std::sort(sorted.begin(), sorted.end(), [](const ContainerInfo* a, const ContainerInfo* b) {
    return a->name != b->name ? a->name < b->name : a->id < b->id;
  });
  for (const ContainerInfo* container : sorted) {
    auto request = ReadRequest(*container, options, model);
    if (!request) continue;
    for (const auto& route : request->routes) {
      const std::string& host_name = route.host;
      auto [host_it, new_host] = model.hosts.try_emplace(host_name);
      VirtualHost& host = host_it->second;
      if (new_host) {
        host.host = host_name;
        host.https_method = request->https_method;
        host.hsts = request->hsts;
        host.cert_name = request->cert_name;
        host.acme_challenge = request->acme_challenge;
        host.trust_default_cert = request->trust_default_cert;
        host.http_on_missing_cert = request->http_on_missing_cert;
        host.non_get_redirect = request->non_get_redirect;
        host.ssl_verify_client = request->ssl_verify_client;
      } else {
        auto note = [&](const char* setting, const std::string& kept, const std::string& theirs) {
          if (kept != theirs) {
            model.conflicts.push_back(host_name + ": " + setting + " " + QuoteForMessage(theirs) + " of " + container->name +
                                      " ignored; " + QuoteForMessage(kept) + " of " + host.containers.front() + " applies");
          }
        };
        note("HTTPS_METHOD", host.https_method, request->https_method);
        note("HSTS", host.hsts, request->hsts);
        note("CERT_NAME", host.cert_name, request->cert_name);
        note("ACME_HTTP_CHALLENGE_LOCATION", host.acme_challenge ? "true" : "false", request->acme_challenge ? "true" : "false");
        note("trust-default-cert", host.trust_default_cert ? "true" : "false", request->trust_default_cert ? "true" : "false");
        note("ENABLE_HTTP_ON_MISSING_CERT", host.http_on_missing_cert ? "true" : "false", request->http_on_missing_cert ? "true" : "false");
        note("NON_GET_REDIRECT", std::to_string(host.non_get_redirect), std::to_string(request->non_get_redirect));
        note("label ssl_verify_client", host.ssl_verify_client, request->ssl_verify_client);
      }
      if (host.containers.empty() || host.containers.back() != container->name) host.containers.push_back(container->name);
      auto [location_it, new_location] = host.locations.try_emplace(route.location.path, route.location);
      Location& location = location_it->second;
      if (new_location) {
        location.upstream = UpstreamName(host_name, location.path);
      } else {
        auto note = [&](const char* setting, const std::string& kept, const std::string& theirs) {
          if (kept != theirs) {
            model.conflicts.push_back(host_name + location.path + ": " + setting + " " + QuoteForMessage(theirs) + " of " +
                                      container->name + " ignored");
          }
        };
        note("VIRTUAL_PROTO", location.proto, route.location.proto);
        note("VIRTUAL_DEST", location.dest, route.location.dest);
        note("NETWORK_ACCESS", location.network_access, route.location.network_access);
        note("label keepalive", std::to_string(location.keepalive), std::to_string(route.location.keepalive));
        note("label loadbalance", location.loadbalance, route.location.loadbalance);
      }
      if (request->has_backend) {
        Backend backend = request->backend;
        backend.port = route.port;
        location.backends.push_back(std::move(backend));
      }
    }
  }
  for (auto& [name, host] : model.hosts) {
    for (auto& [path, location] : host.locations) {
      std::sort(location.backends.begin(), location.backends.end(), [](const Backend& a, const Backend& b) {
        return std::tie(a.address, a.port, a.container) < std::tie(b.address, b.port, b.container);
      });
    }
  }
  std::sort(model.unreachable.begin(), model.unreachable.end());
  std::sort(model.unsupported.begin(), model.unsupported.end());
  std::sort(model.rejections.begin(), model.rejections.end(), [](const Rejection& a, const Rejection& b) {
    return std::tie(a.container, a.setting, a.reason) < std::tie(b.container, b.setting, b.reason);
  });
  return model;
}

}  // namespace webvps::proxy_gen
