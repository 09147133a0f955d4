#include "core/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace agm::core {
namespace {

std::string_view code_of(FileErrc errc) {
  switch (errc) {
    case FileErrc::kUnreadable:
      return "file_unreadable";
    case FileErrc::kUnwritable:
      return "file_unwritable";
    case FileErrc::kExists:
      return "file_exists";
  }
  return "file_unwritable";
}

std::string errno_text() {
  return std::strerror(errno);
}

// Closes on every path out of write_file_atomic.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

FileError::FileError(FileErrc errc, const std::string& message)
    : Error(std::string(code_of(errc)), message), errc_(errc) {}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FileError(FileErrc::kUnreadable, "cannot read " + path + ": " + errno_text());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad())
    throw FileError(FileErrc::kUnreadable, "cannot read " + path);
  return out.str();
}

void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       Overwrite overwrite) {
  const std::filesystem::path target(path);
  const std::string dir =
      target.has_parent_path() ? target.parent_path().string() : std::string(".");
  std::string tmpl = dir + "/.agm-XXXXXX";
  Fd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0)
    throw FileError(FileErrc::kUnwritable, "cannot create a file in " + dir + ": " + errno_text());
  const std::string tmp = tmpl;
  const auto fail = [&](const std::string& what) {
    const std::string reason = errno_text();
    ::unlink(tmp.c_str());
    throw FileError(FileErrc::kUnwritable, what + ": " + reason);
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0)
    fail("cannot set the mode of " + path);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      fail("cannot write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0)
    fail("cannot write " + path);
  if (overwrite == Overwrite::kYes) {
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      fail("cannot write " + path);
    return;
  }
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) {
      ::unlink(tmp.c_str());
      throw FileError(FileErrc::kExists, path + " exists");
    }
    fail("cannot write " + path);
  }
  ::unlink(tmp.c_str());
}

}  // namespace agm::core
