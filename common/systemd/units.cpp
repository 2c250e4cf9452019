#include "common/systemd/units.h"

namespace kc {

std::optional<std::string_view> embedded_unit(std::string_view name) {
  for (const EmbeddedFile& unit : embedded_units()) {
    if (unit.name == name) return unit.content;
  }
  return std::nullopt;
}

}  // namespace kc
