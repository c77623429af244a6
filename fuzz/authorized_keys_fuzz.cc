// A webmaster's own .ssh/authorized_keys (hostile): every line kept is a plain key that the
// registry's checker accepts too, without options; the file sshd reads has one key per line.
#include "common/registry.h"
#include "fuzz/fuzz.h"
#include "sshd-chroot/authorized_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  auto file = sshd_chroot::ParseAuthorizedKeys(fuzz::Text(data, size), "authorized_keys");
  for (const auto& key : file.keys) {
    if (auto problem = PublicKeyProblem(key)) fuzz::Finding("a kept key the registry refuses: " + *problem);
    if (key.find('\n') != std::string::npos || key.find('\r') != std::string::npos) fuzz::Finding("a kept key with a line end");
  }
  std::string rendered = sshd_chroot::RenderAuthorizedKeys("site", sshd_chroot::MergeKeys(file.keys, file.keys));
  auto again = sshd_chroot::ParseAuthorizedKeys(rendered, "rendered");
  if (again.keys != file.keys) fuzz::Finding("the rendered file reads back different keys");
  return 0;
}
