#include "queue_glob.h"

#include <algorithm>

#include "names.h"

namespace webvps::mailer {

Result<QueueGlob> QueueGlob::Parse(std::string_view pattern) {
  auto fail = [](const std::string& why) { return Error(why); };
  if (pattern.empty() || pattern.front() != '/') return fail("must be an absolute path");
  if (std::count(pattern.begin(), pattern.end(), '*') != 1) {
    return fail("must hold exactly one '*', standing for the site name");
  }
  size_t star = pattern.find('*');
  if (pattern[star - 1] != '/' || star + 1 >= pattern.size() || pattern[star + 1] != '/') {
    return fail("the '*' must be a whole directory name between two '/', followed by the queue's path");
  }
  for (std::string_view bad : {"//", "/./", "/../"}) {
    if (pattern.find(bad) != std::string_view::npos) return fail("must not contain " + std::string(bad));
  }
  QueueGlob glob;
  glob.prefix_ = std::string(pattern.substr(0, star - 1));
  if (glob.prefix_.empty()) glob.prefix_ = "/";
  glob.suffix_ = std::string(pattern.substr(star + 2));
  while (!glob.suffix_.empty() && glob.suffix_.back() == '/') glob.suffix_.pop_back();
  if (glob.suffix_.empty() || glob.suffix_.ends_with("/..") || glob.suffix_ == "..") {
    return fail("needs the queue's path after the site name");
  }
  return glob;
}

std::string QueueGlob::QueueOf(std::string_view site) const {
  return (prefix_ == "/" ? "" : prefix_) + "/" + std::string(site) + "/" + suffix_;
}

std::string QueueGlob::MailDirOf(std::string_view site) const {
  std::string queue = QueueOf(site);
  return queue.substr(0, queue.rfind('/'));
}

std::optional<std::string> QueueGlob::SiteOf(std::string_view queue_dir) const {
  while (queue_dir.size() > 1 && queue_dir.back() == '/') queue_dir.remove_suffix(1);
  std::string head = prefix_ == "/" ? "/" : prefix_ + "/";
  std::string tail = "/" + suffix_;
  if (queue_dir.size() <= head.size() + tail.size()) return std::nullopt;
  if (!queue_dir.starts_with(head) || !queue_dir.ends_with(tail)) return std::nullopt;
  std::string_view site = queue_dir.substr(head.size(), queue_dir.size() - head.size() - tail.size());
  if (!IsValidSiteName(site)) return std::nullopt;
  return std::string(site);
}

}  // namespace webvps::mailer
