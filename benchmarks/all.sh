#!/usr/bin/env bash
# Every benchmark of issue 8 in one run, on one machine, with the peers
# measured beside the exporter: the counters scrape against node_exporter
# (and the idle cost), then the connections collector at 0, 1,000 and 10,000
# MPTCP connections against `ss -Mti` and the C libmnl floor. Prints the
# machine and each table; BENCHMARKS.md quotes this output. Root only.
#   ./benchmarks/all.sh            (about 10 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(/opt/swift/usr/bin/swift --version 2>/dev/null | head -n 1 || swift --version | head -n 1)"
echo
echo "## Counters scrape (benchmarks/counters.sh 10) and idle cost"
./benchmarks/counters.sh 10
echo
echo "## Connections collector (benchmarks/connections.sh 0 1000 10000)"
./benchmarks/connections.sh 0 1000 10000
