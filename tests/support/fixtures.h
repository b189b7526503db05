#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ltl::testing {

// Reads tests/fixtures/<relative>; throws when missing so a test cannot pass on an empty body.
inline std::string fixture(const std::string& relative) {
  std::ifstream in(std::string(LTL_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + relative);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace ltl::testing
