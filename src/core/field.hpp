#pragma once
// A member of an untrusted document (an event, a request) as read once at the edge: absent,
// present with the expected type, or present with the wrong type. Rules that fail closed need
// the third state: "not there" and "there but wrong" deny for different reasons.
#include <utility>

namespace agm::core {

template <typename T>
struct Field {
  enum class State { kAbsent, kPresent, kMalformed };
  State state = State::kAbsent;
  T value{};

  static Field present_as(T v) { return Field{State::kPresent, std::move(v)}; }
  static Field malformed_field() { return Field{State::kMalformed, T{}}; }
  [[nodiscard]] bool present() const { return state == State::kPresent; }
  [[nodiscard]] bool malformed() const { return state == State::kMalformed; }
};

}  // namespace agm::core
