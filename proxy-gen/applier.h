// Applying a routing state to nginx without ever breaking it: render, skip when nothing
// changed, test the candidate with nginx, and when nginx refuses it find who is to blame (the
// containers of the host whose block holds the error, or a certificate / vhost.d / htpasswd file
// it could not load), leave them out and test again; only a config nginx accepted is installed,
// and nginx is reloaded only when the installed bytes changed (or a file they load did).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proxy-gen/container.h"
#include "proxy-gen/render.h"
#include "proxy-gen/routing.h"
#include "result.h"

namespace webvps::proxy_gen {

/// What the applier needs of nginx; NginxControl is the real one, tests use a fake.
class NginxInterface {
 public:
  virtual ~NginxInterface() = default;
  /// Tests `config` as the generated file: nullopt when nginx accepts it, else nginx's output.
  /// An error when the test could not be run at all.
  virtual Result<std::optional<std::string>> Test(const std::string& config) = 0;
  /// The path under which nginx's messages name the candidate being tested.
  virtual std::string CandidatePath() const = 0;
  /// Replaces the live generated file.
  virtual Status Install(const std::string& config) = 0;
  /// Makes nginx load the live file.
  virtual Status Reload() = 0;
};

/// A container or file left out because nginx refused the config with it.
struct NginxBlame {
  std::string what;    ///< "container shop-web" or "file /etc/nginx/certs/a.test.crt"
  std::string reason;  ///< nginx's first error line
};

struct ApplyOutcome {
  enum class Kind {
    kUnchanged,  ///< the same config as last time: nothing tested, written or reloaded
    kInstalled,  ///< a new config passed the test and is live (reloaded unless reload_error is set)
    kRefused,    ///< nginx refused the config and no container or file could be blamed: the last good one stays
    kFailed,     ///< the test or the install could not be done: the last good one stays
  };
  Kind kind = Kind::kUnchanged;
  /// The model now served (without what was left out); null for kRefused and kFailed, where
  /// the last good one stays.
  std::shared_ptr<const RoutingModel> model;
  std::vector<NginxBlame> blamed;   ///< left out by this apply, beyond the model's own rejections
  std::set<std::string> excluded_containers;  ///< ids left out because of nginx
  int tests = 0;                    ///< nginx -t runs
  bool written = false;             ///< the live file was replaced
  bool reloaded = false;
  std::string error;                ///< for kRefused and kFailed, and a failed reload
};

struct ApplyInput {
  std::vector<ContainerInfo> containers;
  RoutingOptions routing;
  ProxyFiles files;
  RenderOptions render;
  /// A certificate or vhost.d file changed on disk: nginx must reload even if the bytes are the
  /// same, and files blamed before get another chance.
  bool files_changed = false;
};

class ConfigApplier {
 public:
  /// `max_tests`: nginx -t runs per apply at most (each leaves out at least one culprit).
  explicit ConfigApplier(NginxInterface& nginx, int max_tests = 10) : nginx_(nginx), max_tests_(max_tests) {}

  ApplyOutcome Apply(const ApplyInput& input);

  /// The bytes nginx serves now (empty before the first install).
  const std::string& installed() const { return installed_; }
  /// The live file already holds `config` (found on disk at start): not written again if equal.
  void AssumeInstalled(std::string config) { installed_ = std::move(config); }

 private:
  NginxInterface& nginx_;
  int max_tests_;
  std::string installed_;
  /// The render of the last applied input before anything was left out; kept only when it
  /// differs from installed_ (at 1000 sites each is a megabyte).
  std::string last_unexcluded_;
  bool unexcluded_is_installed_ = false;
  bool last_ok_ = false;
  bool reload_pending_ = false;  ///< a reload failed: the next apply reloads whatever it finds
  std::set<std::string> served_exclusions_;
  /// Containers blamed before, with their state then: left out again while unchanged.
  std::map<std::string, ContainerInfo> blamed_containers_;
  std::set<std::string> blamed_files_;  ///< "<dir>/<name>", until the files change
};

}  // namespace webvps::proxy_gen
