// A main() for a fuzz target without libFuzzer: every input file named on the command line, or
// found in a directory named there, goes once through LLVMFuzzerTestOneInput, in name order.
//
// Why not libFuzzer's own replay mode: libFuzzer is clang's, and the arm64 build is Debian's GCC
// cross compiler (make test-arm64), which has none. LLVM's StandaloneFuzzTargetMain.c does this
// job but is not packaged for Debian. A target's properties abort() when they fail, so a seed that
// breaks one ends the process with SIGABRT, which ctest reports as a failure.
//   fuzz_replay_token tests/fuzz/token/corpus
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

// The entry point every target defines (the name libFuzzer calls).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file())
          files.push_back(entry.path());
    } else {
      files.push_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  const auto files = inputs(argc, argv);
  if (files.empty()) {
    std::cerr << "replay: no input files (usage: " << (argc > 0 ? argv[0] : "replay")
              << " FILE|DIR...)\n";
    return 2;
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "replay: cannot read " << file << "\n";
      return 1;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Each input in its own heap copy of exactly its size, as libFuzzer passes it, so that a read
    // past the end is a read past an allocation.
    const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    std::cout << "replay: " << file.filename().string() << " (" << data.size() << " bytes)\n";
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::cout << "replay: " << files.size() << " inputs, no property failed\n";
  return 0;
}
