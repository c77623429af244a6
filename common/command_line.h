// Command-line parsing for every program: long options (--name, --name=value, --name value)
// and positional arguments (sub-commands such as `mailer resume <site>`).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "result.h"

namespace webvps {

struct OptionSpec {
  std::string name;        ///< without the dashes: "config"
  std::string value_name;  ///< "FILE"; empty for a flag that takes no value
  std::string help;
};

struct ParsedCommandLine {
  std::set<std::string> flags;
  std::map<std::string, std::string> values;
  std::vector<std::string> arguments;  ///< positional, in order

  bool Has(const std::string& name) const { return flags.contains(name) || values.contains(name); }
  std::string Value(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

/// Parses args (without argv[0]). "--" ends the options.
Result<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

/// The options as an aligned help list.
std::string FormatOptions(const std::vector<OptionSpec>& specs);

}  // namespace webvps
