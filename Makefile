# Front door. The README's two commands are `make local` and `make test`; the rest are parts of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
JOBS ?= $(shell nproc)
CMAKE_BUILD := cmake --build --parallel $(JOBS)
# What `make local` and `make package` need of the release build (not its tests and benchmarks).
FUNCTION_TARGETS := token authorizer health pre-token watcher bundle_launcher
LOCAL_TARGETS := $(FUNCTION_TARGETS) agm-gateway agm-cognito agm-ssm mtlsctl
# `make package ARCH=arm64` on an x86-64 machine cross-builds the bundles for arm64 (preset
# release-arm64: Debian's aarch64 cross compiler and :arm64 libraries, scripts/install-deps --arm64).
# Unset, or this machine's own architecture: a native build.
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null || uname -m)
ARCH ?= $(HOST_ARCH)
ARM64_TEST_TARGETS := $(FUNCTION_TARGETS) functions_unit_tests oauth_unit_tests fuzz_replay_all
# make test runs the arm64 smoke (test-arm64, about 5 min here: docs/deploy.md section 4.1);
# `make test ARM64_TEST=0` leaves it out, for a machine that cannot install Debian's :arm64 packages.
ARM64_TEST ?= 1

.PHONY: help deps configure build build-e2e test test-unit test-asan lint format tidy check-static \
        check-infra check-workflows local package test-arm64 bench soak fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

deps: ## install missing apt and npm packages (as root; otherwise print the command)
	@scripts/install-deps

configure: deps
	cmake --preset debug >/dev/null

build: configure ## build everything (debug preset)
	$(CMAKE_BUILD) --preset debug

# Tests that time real servers on a loaded 2-core machine can miss a bound once; ctest runs a failed
# test a second time (its first failure stays in the log) rather than sink the whole run.
CTEST_RETRY := --repeat until-pass:2

# Each test is built and run once: in the debug build what the asan preset does not build (the
# end-to-end tests, awscli's outside check of the emulators, the bench harness's cost model), the
# unit and integration tests and the fuzz corpora under the sanitizers, the arm64 bundles under qemu. Fuzzing proper (scripts/fuzz) is `make fuzz` and ci.yml's fuzz job.
test: build-e2e lint check-static ## install, build and run every test and check (CI runs this)
	ctest --preset debug -L 'e2e|outside|harness' --parallel $(JOBS) $(CTEST_RETRY)
	$(MAKE) --no-print-directory test-asan
	@if [ "$(ARM64_TEST)" = 1 ]; then $(MAKE) --no-print-directory test-arm64; fi
	@echo "make test: all checks passed"

# What make test needs of the debug build: the end-to-end tests and the programs of the local stack.
build-e2e: configure
	$(CMAKE_BUILD) --preset debug --target e2e_all

test-unit: build ## unit tests only
	ctest --preset debug -L unit --parallel $(JOBS)

# The asan preset builds at -O0 -g1: line tables are all a sanitizer report needs, and together they
# take the sanitized build from 18 to about 8 minutes here; e2e tests are not built for it.
test-asan: deps ## unit and integration tests, and the fuzz corpora, under AddressSanitizer and UBSan
	cmake --preset asan >/dev/null
	$(CMAKE_BUILD) --preset asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --preset asan -L 'unit|integration|replay' --parallel $(JOBS) $(CTEST_RETRY)

lint: deps ## clang-format check, clang-tidy on the sources, shellcheck
	@scripts/lint

format: ## rewrite C++ sources with clang-format
	@git ls-files -z -- '*.cpp' '*.hpp' | xargs -0 -r clang-format -i

check-static: check-infra check-workflows ## static checks of Terraform and workflows

check-infra: deps ## Terraform checked against the AWS provider schema
	@if [ -x scripts/check-infra ]; then scripts/check-infra; else echo "check-infra: no infra yet"; fi

check-workflows: deps ## actionlint on the GitHub workflows
	@if [ -x scripts/check-workflows ]; then scripts/check-workflows; else echo "check-workflows: no workflows yet"; fi

local: deps ## build and run the whole local stack in the foreground
	cmake --preset release >/dev/null
	$(CMAKE_BUILD) --preset release --target $(LOCAL_TARGETS)
	@scripts/local

package: deps ## self-contained function bundles in dist/<name>/ (ARCH=arm64: cross-built for arm64)
ifneq ($(filter $(ARCH),$(HOST_ARCH) $(if $(filter amd64,$(HOST_ARCH)),x86_64,aarch64)),)
	cmake --preset release >/dev/null
	$(CMAKE_BUILD) --preset release --target $(FUNCTION_TARGETS)
	@scripts/package
else ifeq ($(ARCH),arm64)
	@scripts/install-deps --arm64
	cmake --preset release-arm64 >/dev/null
	$(CMAKE_BUILD) --preset release-arm64 --target $(FUNCTION_TARGETS)
	@scripts/package --build-dir build/release-arm64
else
	@echo "make package: ARCH is arm64 or this machine's $(HOST_ARCH), not '$(ARCH)'" >&2; exit 2
endif

# The arm64 smoke of `make test`: the cross-built functions' unit tests and fuzz corpora under
# qemu-user (ctest runs them through CMAKE_CROSSCOMPILING_EMULATOR), then the bundles made from that
# build, each started under qemu on an empty root's worth of nothing but itself (scripts/arm64-smoke).
test-arm64: deps ## arm64 cross build: function unit tests, fuzz corpora and bundles under qemu-user
	@scripts/install-deps --arm64
	cmake --preset release-arm64 >/dev/null
	$(CMAKE_BUILD) --preset release-arm64 --target $(ARM64_TEST_TARGETS)
	ctest --preset release-arm64 --parallel $(JOBS) -R '^(functions_unit_tests|oauth_unit_tests|fuzz_replay_.*)$$'
	@scripts/package --build-dir build/release-arm64 --out build/release-arm64/dist
	@scripts/arm64-smoke build/release-arm64/dist

bench: deps ## benchmarks (Google Benchmark and the peers); results in bench/results/
	@scripts/install-deps --bench
	cmake --preset release >/dev/null
	$(CMAKE_BUILD) --preset release
	@scripts/bench

soak: deps ## 10-minute soak of the local stack (SOAK_SECONDS); writes docs/reliability.md
	@scripts/install-deps --bench
	cmake --preset release >/dev/null
	$(CMAKE_BUILD) --preset release
	@scripts/soak

fuzz: deps ## run each fuzz target (FUZZ_SECONDS per target)
	@scripts/fuzz

clean: ## remove build output
	rm -rf build dist
