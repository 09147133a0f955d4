#pragma once
// Whole-file reads and atomic writes: state files of the emulators, keys and certificates of
// mtlsctl. A write never leaves a partial file: the data goes to a temporary file in the same
// directory (created 0600 by mkstemp, so a key is never readable by others, not even briefly),
// is fsync()ed, then renamed over the target, or link()ed to it when the target must not exist
// (the no-overwrite check and the write are then one atomic step).
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace agm::core {

enum class FileErrc { kUnreadable, kUnwritable, kExists };

// code(): "file_unreadable", "file_unwritable", "file_exists"; what() names the path.
class FileError : public Error {
 public:
  FileError(FileErrc errc, const std::string& message);
  [[nodiscard]] FileErrc errc() const noexcept { return errc_; }

 private:
  FileErrc errc_;
};

std::string read_file(const std::string& path);  // throws FileError(kUnreadable)

enum class Overwrite { kNo, kYes };
// `mode` is the file's final mode. Throws FileError(kExists) for an existing target with
// Overwrite::kNo, FileError(kUnwritable) otherwise.
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       Overwrite overwrite = Overwrite::kYes);

}  // namespace agm::core
