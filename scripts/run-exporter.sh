#!/usr/bin/env bash
# The first command of README.md: installs what is missing, builds the
# exporter and mptcp-top in release mode (.build/release/) and runs the
# exporter in the foreground (default :9262). Arguments are passed to
# `mptcp-exporter serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh
swift build -c release --product mptcp-exporter
swift build -c release --product mptcp-top
exec .build/release/mptcp-exporter serve "$@"
