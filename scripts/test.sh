#!/usr/bin/env bash
# The second command of README.md (and what CI runs): installs what the tests
# need and runs the whole suite. Tests that need network namespaces run only
# as root; unprivileged they are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh --test
swift build --build-tests
swift test --skip-build "$@"
