#include "applier.h"

#include <sstream>

#include "proxy-gen/config_errors.h"

namespace webvps::proxy_gen {
namespace {

// nginx's first error line from its level on ("[emerg] unknown directive ... in file:line"),
// without the "nginx: " or timestamp and pid prefix, for logs and /vhosts.
std::string FirstErrorLine(const std::string& output) {
  std::istringstream in(output);
  std::string line, first;
  while (std::getline(in, line)) {
    if (first.empty() && !line.empty()) first = line;
    for (const char* level : {"[emerg] ", "[alert] ", "[crit] "}) {
      size_t at = line.find(level);
      if (at == std::string::npos) continue;
      std::string message = line.substr(at + std::string_view(level).size());
      // Logged through error_log, the message starts with "<pid>#<tid>: ".
      size_t hash = message.find('#');
      size_t colon = message.find(": ");
      if (hash != std::string::npos && colon != std::string::npos && hash < colon &&
          message.find_first_not_of("0123456789#") == colon) {
        message.erase(0, colon + 2);
      }
      return std::string(level) + message;
    }
  }
  if (first.starts_with("nginx: ")) first.erase(0, 7);
  return first.empty() ? "nginx -t failed without a message" : first;
}

// Leaves a blamed file out of what the renderer may refer to.
void Forget(ProxyFiles& files, const ApplyInput& input, const BlamedFile& file) {
  if (file.directory == input.render.certs_dir) {
    for (auto [suffix, set] : {std::pair{std::string_view(".ca.crt"), &files.client_cas}, {std::string_view(".crl.pem"), &files.crls}}) {
      if (file.name.ends_with(suffix)) set->erase(file.name.substr(0, file.name.size() - suffix.size()));
    }
    if (file.name == "ca.crt") files.client_ca = false;
    if (file.name == "ca.crl.pem") files.client_crl = false;
    std::string base = file.name;
    for (const char* suffix : {".crt", ".key"}) {
      if (base.ends_with(suffix)) base.resize(base.size() - 4);
    }
    files.certs.erase(base);
  } else if (file.directory == input.render.vhost_dir) {
    files.vhost_d.erase(file.name);
  } else {
    files.htpasswd.erase(file.name);
  }
}

}  // namespace

ApplyOutcome ConfigApplier::Apply(const ApplyInput& input) {
  ApplyOutcome outcome;
  if (input.files_changed) blamed_files_.clear();
  // Whether anything changed is decided on the state as it is, before anything is left out.
  std::string unexcluded = RenderNginxConfig(BuildRoutingModel(input.containers, input.routing), input.files, input.render);
  const std::string& last = unexcluded_is_installed_ ? installed_ : last_unexcluded_;
  if (last_ok_ && unexcluded == last && !input.files_changed) {
    // The config stays, but the model may not: a container rejected for a bad value changes
    // nothing in nginx, yet it must be reported.
    RoutingOptions served = input.routing;
    served.excluded.insert(served_exclusions_.begin(), served_exclusions_.end());
    outcome.model = std::make_shared<const RoutingModel>(BuildRoutingModel(input.containers, served));
    outcome.excluded_containers = served_exclusions_;
    return outcome;
  }

  RoutingOptions routing = input.routing;
  std::map<std::string, ContainerInfo> still_blamed;
  for (const auto& container : input.containers) {
    auto blamed = blamed_containers_.find(container.id);
    if (blamed != blamed_containers_.end() && blamed->second == container) {
      routing.excluded.insert(container.id);
      still_blamed.insert(*blamed);
    }
  }
  blamed_containers_ = std::move(still_blamed);
  ProxyFiles files = input.files;
  for (const auto& key : blamed_files_) {
    size_t slash = key.rfind('/');
    Forget(files, input, BlamedFile{key.substr(0, slash), key.substr(slash + 1)});
  }
  const std::vector<std::string> directories = {input.render.certs_dir, input.render.vhost_dir, input.render.htpasswd_dir};

  RoutingModel model;
  std::string config;
  auto give_up = [&](ApplyOutcome::Kind kind, const std::string& error) {
    last_ok_ = false;
    outcome.kind = kind;
    outcome.error = error;
    outcome.excluded_containers = served_exclusions_;
    return outcome;
  };
  for (;;) {
    model = BuildRoutingModel(input.containers, routing);
    config = RenderNginxConfig(model, files, input.render);
    if (outcome.tests >= max_tests_) {
      return give_up(ApplyOutcome::Kind::kRefused, "nginx still refuses the config after " + std::to_string(outcome.tests) + " tests");
    }
    ++outcome.tests;
    auto test = nginx_.Test(config);
    if (!test.ok()) return give_up(ApplyOutcome::Kind::kFailed, test.error().message());
    if (!test->has_value()) break;
    const std::string& output = **test;
    std::string reason = FirstErrorLine(output);
    if (auto file = FindBlamedFile(output, directories)) {
      std::string key = file->directory + "/" + file->name;
      if (!blamed_files_.insert(key).second) return give_up(ApplyOutcome::Kind::kRefused, reason);
      Forget(files, input, *file);
      outcome.blamed.push_back({"file " + key, reason});
      continue;
    }
    std::optional<std::string> host;
    if (auto line = ErrorLine(output, nginx_.CandidatePath())) host = HostAtLine(config, *line);
    auto in_model = host ? model.hosts.find(*host) : model.hosts.end();
    if (in_model == model.hosts.end()) return give_up(ApplyOutcome::Kind::kRefused, reason);
    bool progress = false;
    for (const auto& name : in_model->second.containers) {
      for (const auto& container : input.containers) {
        if (container.name != name || routing.excluded.contains(container.id)) continue;
        routing.excluded.insert(container.id);
        blamed_containers_[container.id] = container;
        outcome.blamed.push_back({"container " + name, *host + ": " + reason});
        progress = true;
      }
    }
    if (!progress) return give_up(ApplyOutcome::Kind::kRefused, reason);
  }

  if (config != installed_) {
    if (Status installed = nginx_.Install(config); !installed.ok()) {
      return give_up(ApplyOutcome::Kind::kFailed, installed.error().message());
    }
    installed_ = config;
    outcome.written = true;
  }
  if (outcome.written || input.files_changed || reload_pending_) {
    if (Status reloaded = nginx_.Reload(); reloaded.ok()) {
      outcome.reloaded = true;
      reload_pending_ = false;
    } else {
      outcome.error = reloaded.error().message();
      reload_pending_ = true;
    }
  }
  outcome.kind = ApplyOutcome::Kind::kInstalled;
  outcome.model = std::make_shared<const RoutingModel>(std::move(model));
  outcome.excluded_containers = routing.excluded;
  last_ok_ = outcome.error.empty();
  unexcluded_is_installed_ = unexcluded == installed_;
  last_unexcluded_ = unexcluded_is_installed_ ? std::string() : std::move(unexcluded);
  served_exclusions_ = routing.excluded;
  return outcome;
}

}  // namespace webvps::proxy_gen
