#include "program.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "http_probe.h"
#include "registry.h"
#include "webvps/version.h"

namespace webvps {
namespace {

std::vector<OptionSpec> StandardOptions() {
  return {
      {"help", "", "show this help and exit"},
      {"version", "", "show the version and exit"},
      {"check", "", "validate the configuration (and the site registry), print what is wrong, exit 1 if anything is"},
      {"health", "", "ask the running program's /healthz (for HEALTHCHECKs); exit 0 when healthy"},
      {"config", "FILE", "configuration file (YAML)"},
      {"log-level", "LEVEL", "trace, debug, info, warn, error (default info)"},
      {"log-format", "FORMAT", "text or json (default text)"},
  };
}

std::string Usage(const ProgramSpec& spec, const std::vector<OptionSpec>& options) {
  std::string text = "Usage: " + spec.synopsis + "\n\n" + spec.summary + "\n\nOptions:\n" + FormatOptions(options);
  text += "\nConfiguration: " + spec.default_config_path +
          " when it exists, or --config FILE. Every key can be overridden by an environment variable: " +
          spec.env_prefix + "<KEY> with dots as underscores (status.address -> " + spec.env_prefix +
          "STATUS_ADDRESS); " + spec.env_prefix + "CONFIG names the file.\n";
  if (!spec.details.empty()) text += "\n" + spec.details;
  return text;
}

bool FileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

void PrintProblems(const std::string& program, const std::string& problems) {
  size_t start = 0;
  while (start < problems.size()) {
    size_t end = problems.find('\n', start);
    std::cerr << program << ": " << problems.substr(start, end - start) << "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

}  // namespace

int RunProgram(const ProgramSpec& spec, int argc, char** argv, ProgramHooks& hooks) {
  std::vector<OptionSpec> options = StandardOptions();
  options.insert(options.end(), spec.extra_options.begin(), spec.extra_options.end());
  auto parsed = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc), options);
  if (!parsed.ok()) {
    std::cerr << spec.name << ": " << parsed.error().message() << "\n";
    return 2;
  }
  const ParsedCommandLine& command_line = *parsed;
  if (command_line.Has("help")) {
    std::cout << Usage(spec, options);
    return 0;
  }
  if (command_line.Has("version")) {
    std::cout << spec.name << " " << kVersion << " (" << kRevision << ")\n";
    return 0;
  }

  EnvironmentLookup environment = ProcessEnvironment();
  std::string config_path = command_line.Value("config", environment(spec.env_prefix + "CONFIG").value_or(""));
  bool explicit_config = !config_path.empty();
  if (!explicit_config && FileExists(spec.default_config_path)) config_path = spec.default_config_path;
  Result<ConfigSource> source = config_path.empty() ? Result<ConfigSource>(ConfigSource()) : ConfigSource::FromFile(config_path);
  if (!source.ok()) {
    PrintProblems(spec.name, source.error().message());
    return 2;
  }
  ConfigReader reader(*source, spec.env_prefix, environment);
  CommonConfig common;
  common.status_address = reader.String("status.address", "");
  common.log.level = command_line.Value("log-level", reader.Choice("log.level", "info", {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  std::string format = command_line.Value("log-format", reader.Choice("log.format", "text", {"text", "json"}));
  if (!common.status_address.empty()) {
    if (auto address = ParseListenAddress(common.status_address); !address.ok()) reader.Reject("status.address", address.error().message());
  }
  hooks.Configure(reader);
  Status config_status = reader.Finish();
  auto log_format = ParseLogFormat(format);
  Status level_status = CheckLogLevel(common.log.level);

  if (command_line.Has("check")) {
    int problems = 0;
    auto report = [&](const std::string& text) {
      PrintProblems(spec.name, text);
      ++problems;
    };
    if (!config_status.ok()) report(config_status.error().message());
    if (!log_format.ok()) report(log_format.error().message());
    if (!level_status.ok()) report(level_status.error().message());
    for (const auto& problem : hooks.Check()) report(problem);
    if (problems == 0) {
      std::cout << spec.name << ": configuration " << (config_path.empty() ? "(defaults)" : config_path) << " is valid\n";
      return 0;
    }
    return 1;
  }
  if (!config_status.ok() || !log_format.ok() || !level_status.ok()) {
    if (!config_status.ok()) PrintProblems(spec.name, config_status.error().message());
    if (!log_format.ok()) PrintProblems(spec.name, log_format.error().message());
    if (!level_status.ok()) PrintProblems(spec.name, level_status.error().message());
    return 2;
  }
  common.log.format = *log_format;

  if (command_line.Has("health")) {
    if (common.status_address.empty()) {
      std::cerr << spec.name << ": --health needs status.address (" << spec.env_prefix << "STATUS_ADDRESS)\n";
      return 1;
    }
    auto answer = HttpGet(common.status_address, "/healthz", std::chrono::seconds(3));
    if (!answer.ok()) {
      std::cerr << spec.name << ": " << answer.error().message() << "\n";
      return 1;
    }
    std::cout << answer->body;
    return answer->status == 200 ? 0 : 1;
  }

  if (Status status = SetupLogging(spec.name, common.log); !status.ok()) {
    std::cerr << spec.name << ": " << status.ToString() << "\n";
    return 2;
  }
  ProgramContext context{spec, command_line, common};
  try {
    return hooks.Run(context);
  } catch (const std::exception& e) {
    // The last resort: adapters turn expected failures into values long before this.
    spdlog::critical("stopping on an unexpected error: {}", e.what());
    return 70;
  }
}

int RunServiceLoop(boost::asio::io_context& io, const CommonConfig& common, StatusServer& status,
                   const std::function<void(int signal)>& on_stop) {
  if (!common.status_address.empty()) {
    if (Status started = status.Start(common.status_address); !started.ok()) {
      spdlog::error("{}", started.ToString());
      return 1;
    }
    spdlog::info("status endpoint listening on {} (/healthz, /metrics)", common.status_address);
  }
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code error, int signal) {
    if (error) return;
    spdlog::info("received {}, stopping", strsignal(signal));
    on_stop(signal);
  });
  io.run();
  status.Stop();
  return 0;
}

}  // namespace webvps

namespace webvps {

std::vector<std::string> CheckRegistryFile(const std::string& path) {
  auto registry = LoadRegistry(path);
  if (registry.ok()) return {};
  return {registry.error().message()};
}

}  // namespace webvps
