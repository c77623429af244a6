// What every webvps program does the same way before its own work starts: --help, --version,
// --check, --health, the config file with environment overrides, logging, and a service loop
// with the status endpoint that stops cleanly on SIGTERM or SIGINT.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>
#include <vector>

#include "command_line.h"
#include "config.h"
#include "logging.h"
#include "metrics.h"
#include "status_server.h"

namespace webvps {

struct ProgramSpec {
  std::string name;                      ///< "mailer": logs, --version and the env prefix
  std::string summary;                   ///< one line for --help
  std::string synopsis;                  ///< "mailer [OPTIONS] [status | resume SITE]"
  std::string env_prefix;                ///< "WEBVPS_MAILER_": variables that override config keys
  std::string default_config_path;       ///< read when it exists and no --config is given
  std::vector<OptionSpec> extra_options;  ///< the program's own options
  std::string details;                   ///< further --help text: commands, config keys
};

/// Settings every program reads from its config (keys `status.address`, `log.level`, `log.format`).
struct CommonConfig {
  std::string status_address;  ///< empty: no status endpoint
  LogOptions log;
};

/// Handed to a program's hooks once the common start-up is done.
struct ProgramContext {
  const ProgramSpec& spec;
  const ParsedCommandLine& command_line;
  const CommonConfig& common;
};

/// What a program plugs into RunProgram.
class ProgramHooks {
 public:
  virtual ~ProgramHooks() = default;
  /// Reads the program's own keys; problems go into the reader.
  virtual void Configure(ConfigReader& config) = 0;
  /// Further problems for --check (the registry, files the config names); empty when fine.
  virtual std::vector<std::string> Check() { return {}; }
  /// The program's work; returns the exit code.
  virtual int Run(const ProgramContext& context) = 0;
};

/// The whole main(): parses the command line, loads the config, then --help, --version,
/// --check, --health or hooks.Run(). Exit codes: 0 fine, 1 check or health failed, 2 usage or
/// configuration error.
int RunProgram(const ProgramSpec& spec, int argc, char** argv, ProgramHooks& hooks);

/// Runs `io` until SIGTERM or SIGINT, with the status endpoint on `common.status_address`
/// (when set). `on_stop` runs on the loop when the signal arrives; it should finish the work in
/// flight and let io run out. Returns 0, or 1 if the status endpoint could not start.
int RunServiceLoop(boost::asio::io_context& io, const CommonConfig& common, StatusServer& status,
                   const std::function<void(int signal)>& on_stop);

}  // namespace webvps

namespace webvps {

/// For --check: the problems of the registry at `path`, one per entry; empty when it is valid.
std::vector<std::string> CheckRegistryFile(const std::string& path);

}  // namespace webvps
