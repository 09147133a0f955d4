// dist/<name>/bootstrap: a statically linked launcher (no shared library, no shell needed), so a
// bundle runs on any x86-64 (or, built for arm64, any arm64) Linux, even in an empty root
// directory. It execs
//   <dir>/lib/<loader> --library-path <dir>/lib --argv0 <argv0> <dir>/bin/<program>
// where <dir> is the directory holding this launcher (from /proc/self/exe, else from argv[0]
// when /proc is not mounted) and <program> is the one file in <dir>/bin. The bundled loader and
// libraries are the ones the program was built against, so the host's glibc does not matter.
// <loader> is glibc's name for the architecture (scripts/package copies it under that name).
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

#if defined(__aarch64__)
constexpr const char* kLoader = "ld-linux-aarch64.so.1";
#elif defined(__x86_64__)
constexpr const char* kLoader = "ld-linux-x86-64.so.2";
#else
#error "bundles are built for x86-64 or arm64"
#endif

int fail(const std::string& message) {
  std::fprintf(stderr, "bootstrap: %s\n", message.c_str());
  return 127;
}

std::string own_directory(const char* argv0) {
  std::vector<char> buf(PATH_MAX + 1, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), PATH_MAX);
  std::string path;
  if (n > 0) {
    path.assign(buf.data(), static_cast<std::size_t>(n));
  } else if (argv0 != nullptr && std::strchr(argv0, '/') != nullptr) {
    path = argv0;
    if (path[0] != '/') {
      if (::getcwd(buf.data(), PATH_MAX) == nullptr)
        return {};
      path = std::string(buf.data()) + "/" + path;
    }
  } else {
    return {};
  }
  const auto slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = own_directory(argc > 0 ? argv[0] : nullptr);
  if (dir.empty())
    return fail("cannot find my own directory (no /proc and no path in argv[0])");
  const std::string bin_dir = dir + "/bin";
  DIR* d = ::opendir(bin_dir.c_str());
  if (d == nullptr)
    return fail("cannot open " + bin_dir + ": " + std::strerror(errno));
  std::string program;
  int count = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..")
      continue;
    ++count;
    program = bin_dir;
    program += '/';
    program += name;
  }
  ::closedir(d);
  if (count != 1)
    return fail(bin_dir + " must hold exactly one program");
  const std::string lib_dir = dir + "/lib";
  const std::string loader = lib_dir + "/" + kLoader;

  std::vector<std::string> args = {
      loader, "--library-path", lib_dir, "--argv0", argc > 0 ? argv[0] : program, program};
  for (int i = 1; i < argc; ++i)
    args.emplace_back(argv[i]);
  std::vector<char*> cargs;
  cargs.reserve(args.size() + 1);
  for (auto& a : args)
    cargs.push_back(a.data());
  cargs.push_back(nullptr);
  ::execv(loader.c_str(), cargs.data());
  return fail("cannot exec " + loader + ": " + std::strerror(errno));
}
