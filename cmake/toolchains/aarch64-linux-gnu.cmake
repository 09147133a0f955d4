# Cross build for arm64 (aarch64) Linux on an x86-64 Debian 12 host: Debian's cross compiler
# (g++-aarch64-linux-gnu) and the :arm64 libraries installed beside the host's (multiarch,
# /usr/lib/aarch64-linux-gnu), both from `scripts/install-deps --arm64`. Programs and tests of
# this build run under qemu-user (qemu-aarch64-static, CMAKE_CROSSCOMPILING_EMULATOR), which
# ctest uses for every test command.
#   cmake --preset release-arm64
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Multiarch: libraries, CMake package configs and pkg-config files under the arm64 triplet only,
# never the host's x86-64 ones.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
find_program(AGM_QEMU_AARCH64 qemu-aarch64-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${AGM_QEMU_AARCH64})
