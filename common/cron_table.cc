#include "cron_table.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "config.h"

namespace webvps {
namespace {

struct FieldSpec {
  const char* name;
  int low, high;
  const char* const* names;  ///< names for low, low+1, ... (months, weekdays), or null
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr FieldSpec kFields[] = {
    {"minute", 0, 59, nullptr}, {"hour", 0, 23, nullptr}, {"day of month", 1, 31, nullptr},
    {"month", 1, 12, kMonthNames}, {"day of week", 0, 7, kDayNames},
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ParseNumber(std::string_view text, int& value) {
  if (text.empty() || text.size() > 4) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// One value of a field: a number, or (months, weekdays) a three-letter name.
bool ParseValue(std::string_view text, const FieldSpec& spec, int& value) {
  if (ParseNumber(text, value)) return value >= spec.low && value <= spec.high;
  if (spec.names == nullptr || text.size() != 3) return false;
  std::string name = Lower(text);
  for (int i = 0; i <= spec.high - spec.low; ++i) {
    if (name == spec.names[i]) {
      value = spec.low + i;
      return true;
    }
  }
  return false;
}

// A field: comma list of `*`, `*/step`, `a`, `a-b`, `a-b/step`; sets the bits low..high.
std::optional<std::string> ParseField(std::string_view text, const FieldSpec& spec, std::vector<bool>& bits) {
  bits.assign(static_cast<size_t>(spec.high) + 1, false);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    int step = 1;
    bool stepped = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      if (!ParseNumber(item.substr(slash + 1), step) || step < 1 || step > spec.high - spec.low + 1) {
        return std::string(spec.name) + ": bad step in \"" + std::string(item) + "\"";
      }
      item = item.substr(0, slash);
      stepped = true;
    }
    int low = spec.low, high = spec.high;
    if (item != "*") {
      size_t dash = item.find('-');
      if (dash == std::string_view::npos) {
        if (!ParseValue(item, spec, low)) {
          return std::string(spec.name) + ": \"" + std::string(item) + "\" is not a value from " + std::to_string(spec.low) +
                 " to " + std::to_string(spec.high);
        }
        high = stepped ? spec.high : low;  // "5/10": from 5 to the end, every 10
      } else if (!ParseValue(item.substr(0, dash), spec, low) || !ParseValue(item.substr(dash + 1), spec, high) || low > high) {
        return std::string(spec.name) + ": \"" + std::string(item) + "\" is not a range from " + std::to_string(spec.low) +
               " to " + std::to_string(spec.high);
      }
    }
    for (int value = low; value <= high; value += step) bits[static_cast<size_t>(value)] = true;
  }
  return std::nullopt;
}

struct Keyword {
  const char* name;
  const char* fields;  ///< the five fields it stands for, or null for @reboot
};
constexpr Keyword kKeywords[] = {
    {"@reboot", nullptr},          {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},      {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
};

// Splits off the next blank-separated word.
std::string_view NextWord(std::string_view& rest) {
  size_t begin = rest.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(begin);
  size_t end = rest.find_first_of(" \t");
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return word;
}

// `NAME = value` (value optionally quoted): an environment setting, else nullopt.
std::optional<std::pair<std::string, std::string>> ParseSetting(std::string_view line) {
  size_t begin = line.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return std::nullopt;
  line.remove_prefix(begin);
  size_t end = 0;
  while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_')) ++end;
  if (end == 0 || std::isdigit(static_cast<unsigned char>(line[0]))) return std::nullopt;
  std::string name(line.substr(0, end));
  std::string_view rest = line.substr(end);
  size_t equals = rest.find_first_not_of(" \t");
  if (equals == std::string_view::npos || rest[equals] != '=') return std::nullopt;
  rest.remove_prefix(equals + 1);
  size_t value_begin = rest.find_first_not_of(" \t");
  std::string_view value = value_begin == std::string_view::npos ? std::string_view{} : rest.substr(value_begin);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return std::pair{name, std::string(value)};
}

// The command and its input: the first unescaped % ends the command; later ones are newlines.
void SplitCommand(std::string_view text, CronJob& job) {
  std::string* target = &job.command;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '%') {
      *target += '%';
      ++i;
    } else if (text[i] == '%') {
      if (target == &job.command) target = &job.input;
      else *target += '\n';
    } else {
      *target += text[i];
    }
  }
  if (!job.input.empty()) job.input += '\n';
}

}  // namespace

bool CronJob::Matches(const CivilMinute& when) const {
  if (at_reboot) return false;
  if (!minutes[static_cast<size_t>(when.minute)] || !hours[static_cast<size_t>(when.hour)] ||
      !months[static_cast<size_t>(when.month)]) {
    return false;
  }
  bool day = days[static_cast<size_t>(when.day)];
  bool weekday = weekdays[static_cast<size_t>(when.weekday)];
  if (days_restricted && weekdays_restricted) return day || weekday;
  return day && weekday;
}

std::string CronTable::Variable(std::string_view name) const {
  std::string value;
  for (const auto& [key, setting] : variables) {
    if (key == name) value = setting;
  }
  return value;
}

Result<CronTable> ParseCronTable(std::string_view text, const std::string& source) {
  CronTable table;
  std::vector<std::string> problems;
  std::vector<std::pair<std::string, std::string>> environment;
  int number = 0;
  for (std::string_view line : SplitLines(text)) {
    ++number;
    auto problem = [&](const std::string& what) { problems.push_back(source + ":" + std::to_string(number) + ": " + what); };
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxCronLine) {
      problem("longer than " + std::to_string(kMaxCronLine) + " characters");
      continue;
    }
    if (line.find('\0') != std::string_view::npos) {
      problem("holds a NUL character");
      continue;
    }
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (auto setting = ParseSetting(line)) {
      environment.push_back(*setting);
      table.variables.push_back(*setting);
      continue;
    }
    CronJob job;
    job.line = number;
    std::string_view rest = line;
    std::string_view word = NextWord(rest);
    std::string fields_text;
    if (word.front() == '@') {
      const Keyword* keyword = nullptr;
      std::string lower = Lower(word);
      for (const auto& candidate : kKeywords) {
        if (lower == candidate.name) keyword = &candidate;
      }
      if (keyword == nullptr) {
        problem("unknown keyword \"" + std::string(word) + "\" (@reboot, @yearly, @monthly, @weekly, @daily, @hourly)");
        continue;
      }
      job.at_reboot = keyword->fields == nullptr;
      fields_text = keyword->fields ? keyword->fields : "* * * * *";
    } else {
      fields_text = std::string(word);
      for (int i = 1; i < 5; ++i) {
        std::string_view next = NextWord(rest);
        if (next.empty()) break;
        fields_text += " " + std::string(next);
      }
    }
    std::vector<std::string_view> words;
    for (std::string_view scan = fields_text; words.size() < 5;) {
      std::string_view field = NextWord(scan);
      if (field.empty()) break;
      words.push_back(field);
    }
    if (words.size() < 5) {
      problem("expected five time fields (minute hour day month weekday) or an @keyword, then the command");
      continue;
    }
    std::vector<bool> bits[5];
    bool bad = false;
    for (size_t i = 0; i < 5; ++i) {
      if (auto error = ParseField(words[i], kFields[i], bits[i])) {
        problem(*error);
        bad = true;
      }
    }
    if (bad) continue;
    size_t command_begin = rest.find_first_not_of(" \t");
    if (command_begin == std::string_view::npos) {
      problem("no command after the time fields");
      continue;
    }
    for (size_t v = 0; v < 60; ++v) job.minutes[v] = bits[0][v];
    for (size_t v = 0; v < 24; ++v) job.hours[v] = bits[1][v];
    for (size_t v = 1; v < 32; ++v) job.days[v] = bits[2][v];
    for (size_t v = 1; v < 13; ++v) job.months[v] = bits[3][v];
    for (size_t v = 0; v < 8; ++v) {
      if (bits[4][v]) job.weekdays[v % 7] = true;
    }
    job.days_restricted = !words[2].starts_with("*");
    job.weekdays_restricted = !words[4].starts_with("*");
    SplitCommand(rest.substr(command_begin), job);
    if (job.command.find_first_not_of(" \t") == std::string::npos) {
      problem("no command before the first %");
      continue;
    }
    job.environment = environment;
    if (table.jobs.size() == kMaxCronJobs) {
      problem("more than " + std::to_string(kMaxCronJobs) + " jobs");
      continue;
    }
    table.jobs.push_back(std::move(job));
  }
  if (!problems.empty()) return Error(JoinList(problems, "\n"));
  return table;
}

std::vector<size_t> DueJobs(const CronTable& table, const CivilMinute& when) {
  std::vector<size_t> due;
  for (size_t i = 0; i < table.jobs.size(); ++i) {
    if (table.jobs[i].Matches(when)) due.push_back(i);
  }
  return due;
}

}  // namespace webvps
