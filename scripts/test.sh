#!/usr/bin/env bash
# The second command of README.md (and what CI runs): installs what the tests
# need and runs the whole suite, then a short bounded fuzz run of every fuzz
# target (MPTCP_FUZZ_SECONDS each, default 20; 0 skips it). Tests that need
# network namespaces run only as root; unprivileged they are skipped with a
# message. Then, as root, the Debian package is built (scripts/package.sh)
# and installed into a fresh Debian 12 root without a Swift toolchain, where
# it runs and scrapes (scripts/package-test.sh); MPTCP_PACKAGE_TEST=0 skips
# it. Then the same package's exporter runs on Debian 12's own 6.1 and 6.12
# kernels under QEMU (scripts/kernel-matrix.sh) and the "Kernel matrix" tests
# compare what it served there with nstat, ss and ip mptcp;
# MPTCP_KERNEL_MATRIX=0 skips it. Arguments go to `swift test` (e.g.
# --filter); with arguments, the fuzz run, the package test and the kernel
# matrix are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh --test
# Each part is timed (README quotes these lines). Every test is a Swift
# Testing test: XCTest's empty "Executed 0 tests" summary is switched off.
SECONDS=0
swift build --build-tests
echo "test.sh: debug build ${SECONDS} s" >&2
SECONDS=0
swift test --skip-build --disable-xctest "$@"
echo "test.sh: tests ${SECONDS} s" >&2
fuzz_seconds=${MPTCP_FUZZ_SECONDS:-20}
if (($# == 0)) && ((fuzz_seconds > 0)); then
    SECONDS=0
    ./scripts/fuzz.sh --seconds "$fuzz_seconds"
    echo "test.sh: fuzz build and fuzzing ${SECONDS} s" >&2
fi
if (($# == 0)) && [ "${MPTCP_PACKAGE_TEST:-1}" != 0 ] && [ "$(id -u)" = 0 ]; then
    SECONDS=0
    dist=$(mktemp -d)
    ./scripts/package.sh "$dist" >/dev/null
    ./scripts/package-test.sh "$dist"/mptcp-exporter_*.deb
    echo "test.sh: package build and install test ${SECONDS} s" >&2
    if [ "${MPTCP_KERNEL_MATRIX:-1}" != 0 ]; then
        SECONDS=0
        ./scripts/kernel-matrix.sh --deb "$dist"/mptcp-exporter_*.deb --out .build/kernel-matrix
        MPTCP_KERNEL_MATRIX_DIR="$PWD/.build/kernel-matrix" swift test --skip-build --disable-xctest --filter KernelMatrixTests
        echo "test.sh: kernel matrix (6.1, 6.12 under QEMU) ${SECONDS} s" >&2
    fi
    rm -rf "$dist"
fi
