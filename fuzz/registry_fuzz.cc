// The site registry (common/registry.cc, yaml-cpp underneath): any text parses or is refused
// with a message; what parses renders to YAML that parses back to the same registry.
#include "common/registry.h"
#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  auto registry = ParseRegistry(fuzz::Text(data, size), "webvps.yaml");
  if (!registry.ok()) {
    if (registry.error().message().empty()) fuzz::Finding("a refused registry without a message");
    return 0;
  }
  std::string rendered = RenderRegistry(*registry);
  auto again = ParseRegistry(rendered, "rendered");
  if (!again.ok()) fuzz::Finding("the rendered registry is refused: " + again.error().message() + "\n" + rendered);
  if (!(*again == *registry)) fuzz::Finding("the rendered registry reads back different:\n" + rendered);
  return 0;
}
