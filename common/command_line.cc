#include "command_line.h"

#include <algorithm>
#include <optional>

namespace webvps {

Result<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
  ParsedCommandLine parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || !arg.starts_with("--")) {
      if (!options_ended && arg.size() > 1 && arg[0] == '-') {
        if (arg == "-h") {
          parsed.flags.insert("help");
          continue;
        }
        return Error("unknown option '" + arg + "' (options are long: --name)");
      }
      parsed.arguments.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) return Error("unknown option '--" + name + "' (see --help)");
    if (spec->value_name.empty()) {
      if (inline_value) return Error("option '--" + name + "' takes no value");
      parsed.flags.insert(name);
    } else if (inline_value) {
      parsed.values[name] = *inline_value;
    } else if (i + 1 < args.size()) {
      parsed.values[name] = args[++i];
    } else {
      return Error("option '--" + name + "' needs a value (" + spec->value_name + ")");
    }
  }
  return parsed;
}

std::string FormatOptions(const std::vector<OptionSpec>& specs) {
  std::vector<std::string> heads;
  size_t width = 0;
  for (const auto& spec : specs) {
    heads.push_back("--" + spec.name + (spec.value_name.empty() ? "" : " " + spec.value_name));
    width = std::max(width, heads.back().size());
  }
  std::string text;
  for (size_t i = 0; i < specs.size(); ++i) {
    text += "  " + heads[i] + std::string(width - heads[i].size() + 2, ' ') + specs[i].help + "\n";
  }
  return text;
}

}  // namespace webvps
