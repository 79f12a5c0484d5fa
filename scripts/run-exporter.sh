#!/usr/bin/env bash
# The first command of README.md: installs what is missing, builds in release
# mode and runs the exporter in the foreground (default :9262). Arguments are
# passed to `mptcp-exporter serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh
swift build -c release --product mptcp-exporter
exec .build/release/mptcp-exporter serve "$@"
