// Where the site queues are: a pattern such as /home/*/volumes/home/mail/queue in which `*` is
// a whole path component standing for the site name. The owning site of a message is decided by
// the queue directory it sits in, through this pattern, never by the message's content.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "result.h"

namespace webvps::mailer {

class QueueGlob {
 public:
  /// Parses a pattern: absolute, exactly one `*`, and the `*` a whole component. The error says
  /// what is wrong, without the pattern (the caller names it).
  static Result<QueueGlob> Parse(std::string_view pattern);

  /// The directory holding the site directories ("/home").
  const std::string& sites_root() const { return prefix_; }
  /// The queue directory of `site`.
  std::string QueueOf(std::string_view site) const;
  /// The site's mail directory, the queue's parent (".../mail"), where sent/ and failed/ live.
  std::string MailDirOf(std::string_view site) const;
  /// The path below the site directory ("volumes/home/mail/queue").
  const std::string& suffix() const { return suffix_; }
  /// The site whose queue `queue_dir` is, when it matches the pattern with a valid site name.
  std::optional<std::string> SiteOf(std::string_view queue_dir) const;

 private:
  std::string prefix_;  ///< without the trailing '/'
  std::string suffix_;  ///< without the leading '/'
};

}  // namespace webvps::mailer
