#include "nginx_control.h"

#include <glob.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "atomic_file.h"
#include "process.h"
#include "proxy-gen/candidate_config.h"

namespace webvps::proxy_gen {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> files;
  glob_t matches{};
  if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  return files;
}

}  // namespace

NginxControl::NginxControl(NginxControlOptions options, std::function<Status()> reload)
    : options_(std::move(options)), reload_(std::move(reload)) {}

Status NginxControl::Prepare() {
  for (const fs::path& dir : {fs::path(options_.work_dir), fs::path(options_.live_config).parent_path()}) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) return Error("create " + dir.string() + ": " + error.message());
  }
  return {};
}

Result<std::optional<std::string>> NginxControl::Test(const std::string& config) {
  if (auto written = WriteFileAtomically(CandidatePath(), config); !written.ok()) return written.error().Wrap("test the config");
  auto main_text = ReadFile(options_.main_config);
  if (!main_text.ok()) return main_text.error().Wrap("test the config");
  std::string main_dir = fs::path(options_.main_config).parent_path().string();
  auto main = CandidateMainConfig(*main_text, main_dir, options_.live_config, CandidatePath(), Glob);
  if (!main) {
    if (!warned_minimal_) {
      spdlog::warn("{} does not include {}: the candidate is tested on its own, not with the rest of the main config",
                   options_.main_config, options_.live_config);
      warned_minimal_ = true;
    }
    main = MinimalMainConfig(main_dir, CandidatePath());
  }
  std::string test_main = options_.work_dir + "/test-main.conf";
  if (auto written = WriteFileAtomically(test_main, *main); !written.ok()) return written.error().Wrap("test the config");
  auto run = RunAndCapture({.argv = {options_.binary, "-t", "-q", "-c", test_main}});
  if (!run.ok()) return run.error().Wrap("test the config: " + options_.binary + " -t");
  if (run->status.Succeeded()) return std::optional<std::string>();
  return std::optional<std::string>(run->output.empty() ? "nginx -t " + run->status.ToString() : run->output);
}

Status NginxControl::Install(const std::string& config) {
  auto written = WriteFileAtomically(options_.live_config, config);
  if (!written.ok()) return written.error();
  if (*written == WriteMethod::kInPlace) spdlog::debug("{} is a bind-mounted file: written in place", options_.live_config);
  return {};
}

}  // namespace webvps::proxy_gen
