#include "docker_events.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "proxy-gen/container.h"
#include "proxy-gen/json_fields.h"

namespace webvps::proxy_gen {

namespace {

constexpr size_t kMaxLine = 1 << 20;  // an event is a few KB; a longer "line" is garbage

bool HexDigit(char c, uint64_t& value) {
  if (c >= '0' && c <= '9') value = value * 16 + static_cast<uint64_t>(c - '0');
  else if (c >= 'a' && c <= 'f') value = value * 16 + static_cast<uint64_t>(c - 'a' + 10);
  else if (c >= 'A' && c <= 'F') value = value * 16 + static_cast<uint64_t>(c - 'A' + 10);
  else return false;
  return true;
}

}  // namespace

Result<std::string> ChunkedDecoder::Feed(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    switch (state_) {
      case State::kSize:
        if (c == '\r') {
          state_ = State::kSizeLineEnd;
        } else if (c == ';') {
          size_text_ += ';';  // chunk extension: ignored up to the line end
        } else if (size_text_.find(';') == std::string::npos) {
          if (size_text_.size() >= 16) return Error("chunk size too long");
          size_text_ += c;
        }
        break;
      case State::kSizeLineEnd: {
        if (c != '\n') return Error("chunk size line not ended by CRLF");
        std::string digits = size_text_.substr(0, size_text_.find(';'));
        uint64_t size = 0;
        if (digits.empty()) return Error("empty chunk size");
        for (char d : digits) {
          if (!HexDigit(d, size)) return Error("bad chunk size \"" + digits + "\"");
        }
        size_text_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - i));
        out.append(bytes.substr(i, take));
        i += take - 1;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return Error("chunk data not followed by CRLF");
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return Error("chunk data not followed by CRLF");
        state_ = State::kSize;
        break;
      case State::kTrailer:
        // Trailer lines until an empty one; Docker sends none.
        if (c == '\n') {
          if (trailer_line_.empty() || trailer_line_ == "\r") state_ = State::kDone;
          trailer_line_.clear();
        } else {
          trailer_line_ += c;
        }
        break;
      case State::kDone:
        return out;
    }
  }
  return out;
}

Result<DockerEvent> ParseDockerEvent(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Error("not a JSON object");
  DockerEvent event;
  event.type = StringAt(json, "Type");
  event.action = StringAt(json, "Action");
  if (const nlohmann::json* actor = ObjectAt(json, "Actor")) {
    event.id = StringAt(*actor, "ID");
    if (const nlohmann::json* attributes = ObjectAt(*actor, "Attributes")) {
      for (const auto& [key, value] : attributes->items()) {
        if (value.is_string()) event.attributes[key] = value.get<std::string>();
      }
    }
  }
  // Engines before API 1.22 had only the legacy fields; current ones dropped them.
  if (event.type.empty()) event.type = "container";
  if (event.action.empty()) event.action = StringAt(json, "status");
  if (event.id.empty()) event.id = StringAt(json, "id");
  if (auto time = json.find("timeNano"); time != json.end() && time->is_number_integer() && !time->is_number_unsigned()) {
    event.time_nano = time->get<int64_t>();
  } else if (time != json.end() && time->is_number_unsigned() && time->get<uint64_t>() <= uint64_t{INT64_MAX}) {
    event.time_nano = static_cast<int64_t>(time->get<uint64_t>());
  }
  if (event.action.empty()) return Error("event without Action");
  return event;
}

EventStreamDecoder::Output EventStreamDecoder::Feed(std::string_view bytes) {
  Output output;
  auto payload = chunked_.Feed(bytes);
  if (!payload.ok()) {
    output.broken = true;
    output.problems.push_back("event stream: " + payload.error().message());
    return output;
  }
  for (char c : *payload) {
    if (c != '\n') {
      if (line_.size() < kMaxLine) line_ += c;
      continue;
    }
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto event = ParseDockerEvent(line);
    if (event.ok()) {
      output.events.push_back(std::move(*event));
    } else {
      output.problems.push_back("event stream: " + event.error().message() + ": " + line.substr(0, 200));
    }
  }
  output.ended = chunked_.finished();
  return output;
}

EventNeed NeedOf(const DockerEvent& event, const std::string& own_container_id) {
  if (event.type == "network") {
    // Connecting a backend to a network (or from it) changes its address; the proxy's own
    // network changes change which networks count, so everything is looked at again.
    if (event.action != "connect" && event.action != "disconnect") return {};
    auto container = event.attributes.find("container");
    if (container == event.attributes.end() || container->second.empty()) return {EventEffect::kResync, ""};
    if (!own_container_id.empty() && container->second == own_container_id) return {EventEffect::kResync, ""};
    if (!IsContainerId(container->second)) return {EventEffect::kResync, ""};  // it goes into a request path
    return {EventEffect::kInspect, container->second};
  }
  if (event.type != "container" || !IsContainerId(event.id)) return {};
  static const char* kRelevant[] = {"start", "restart", "die", "stop", "kill", "destroy", "pause", "unpause", "rename", "update"};
  for (const char* action : kRelevant) {
    if (event.action == action) return {EventEffect::kInspect, event.id};
  }
  if (event.action.starts_with("health_status")) return {EventEffect::kInspect, event.id};
  return {};
}

}  // namespace webvps::proxy_gen
