#include "support/dynalite.hpp"

#include <stdexcept>

namespace agm::test {

Dynalite::Dynalite() : port_(free_port()) {
  const std::string cli = project_root() + "/node_modules/dynalite/cli.js";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"node", cli, "--host", "127.0.0.1", "--port", std::to_string(port_)},
      std::map<std::string, std::string>{}, true, "/dev/null");
  if (!wait_for_port(port_, std::chrono::seconds(15))) {
    throw std::runtime_error("dynalite did not start on port " + std::to_string(port_) +
                             " (run scripts/install-deps)");
  }
}

std::string Dynalite::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

}  // namespace agm::test
