#pragma once
// What an operator reads about a refusal: the rule of docs/contract.md section 6 a reason belongs
// to, its cause and its fix, as docs/troubleshooting.md gives them. For `mtlsctl diagnose`; the
// functions never link it (a refused client learns nothing about why).
#include <string_view>

#include "mtls/reason.hpp"

namespace agm::mtls {

struct Advice {
  std::string_view rule;   // "rule 2: registered, ACTIVE, ..."
  std::string_view cause;  // Markdown, as in the troubleshooting table
  std::string_view fix;
};

Advice advice(Reason reason);

}  // namespace agm::mtls
