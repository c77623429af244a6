// ELF headers (sshd-chroot/elf.cc): the jail builder reads the programs and libraries of the
// tools image, and through a site's shell also what a webmaster could place. Any bytes parse or
// are refused; the resolver follows any graph of them and ends.
#include "fuzz/fuzz.h"
#include "sshd-chroot/elf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps::sshd_chroot;
  std::string bytes(webvps::fuzz::Text(data, size));
  (void)ParseElf(bytes);
  // Every path resolves to the same bytes: needed libraries, interpreters and runpaths loop.
  ElfFiles files{[&](const std::string&) -> std::optional<std::string> { return bytes; },
                 [](const std::string& path) { return path.size() < 200; }};
  (void)ResolveDependencies({"/bin/program"}, files, {"/lib", "/usr/lib"});
  return 0;
}
