#pragma once
// dynalite (npm, the DynamoDB API on LevelDB in memory) started on a free loopback port for one
// test fixture and stopped with it.
#include <cstdint>
#include <memory>
#include <string>

#include "support/process.hpp"

namespace agm::test {

class Dynalite {
 public:
  Dynalite();  // starts node_modules/dynalite; throws std::runtime_error if it does not answer in
               // 15 s
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string endpoint() const;  // "http://127.0.0.1:PORT"

 private:
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace agm::test
