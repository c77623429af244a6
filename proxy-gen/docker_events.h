// The Docker Engine's /events stream, decoded whatever the chunk boundaries: HTTP/1.1 chunked
// transfer coding, then one JSON object per line. Pure, so that the same input can be fed split
// at every byte boundary in tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::proxy_gen {

/// Undoes HTTP/1.1 chunked transfer coding incrementally.
class ChunkedDecoder {
 public:
  /// The payload bytes contained in `bytes`; an error when the framing is broken (the stream
  /// must then be dropped and reconnected).
  Result<std::string> Feed(std::string_view bytes);
  /// The terminating zero-length chunk was seen: the server ended the stream.
  bool finished() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kSizeLineEnd, kData, kDataCr, kDataLf, kTrailer, kDone };
  State state_ = State::kSize;
  std::string size_text_;
  uint64_t remaining_ = 0;
  std::string trailer_line_;
};

struct DockerEvent {
  std::string type;    ///< "container", "network", ...
  std::string action;  ///< "start", "die", "health_status: healthy", "connect", ...
  std::string id;      ///< Actor.ID
  std::map<std::string, std::string> attributes;  ///< Actor.Attributes: name, image, labels; never env
  int64_t time_nano = 0;
};

/// Parses one event object; tolerant of the legacy top-level fields being absent (API >= 1.52).
Result<DockerEvent> ParseDockerEvent(std::string_view json);

/// Splits decoded payload into lines and parses each as an event.
class EventStreamDecoder {
 public:
  /// Feeds raw bytes of the HTTP body (chunked); returns the complete events, in order, and the
  /// lines that were not valid events as errors (skipped, logged by the caller).
  struct Output {
    std::vector<DockerEvent> events;
    std::vector<std::string> problems;
    bool broken = false;  ///< the chunked framing is broken: reconnect
    bool ended = false;   ///< the daemon ended the stream: reconnect
  };
  Output Feed(std::string_view bytes);

 private:
  ChunkedDecoder chunked_;
  std::string line_;
};

/// What an event asks of proxy-gen: nothing, re-inspect one container, or a full resync (a
/// network change the proxy itself is part of).
enum class EventEffect { kNone, kInspect, kResync };
struct EventNeed {
  EventEffect effect = EventEffect::kNone;
  std::string container_id;  ///< for kInspect
};
EventNeed NeedOf(const DockerEvent& event, const std::string& own_container_id);

}  // namespace webvps::proxy_gen
