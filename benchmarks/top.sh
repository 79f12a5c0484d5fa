#!/usr/bin/env bash
# mptcp-top benchmark: the cost of one refresh (read the kernel, compute
# rates, render a frame) with N MPTCP connections of 2 subflows each, in
# batch mode so that the terminal does not count. Root only.
#   ./benchmarks/top.sh [connections]       (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh
trap lab_down EXIT
bench_prepare mptcp-top mptcp-loadgen
TOP="$ROOT/.build/release/mptcp-top"
n=${1:-1000}
lab_up
hold_connections "$n"
# 21 frames 0.1 s apart minus 1 frame: the difference is 20 refreshes plus 2 s of sleeping.
read -r one _ _ < <(run_timed "$BENCH_CLI" 10 "$TOP" --once --events off)
read -r many cpu rss < <(run_timed "$BENCH_CLI" 5 "$TOP" --iterations 21 --interval 0.1 --events off)
per=$(awk -v a="$one" -v b="$many" 'BEGIN {printf "%.2f", (b - a - 2000) / 20}')
printf '| connections | subflows | one refresh (ms) | mptcp-top --once, whole process (ms) | CPU of 21 frames (ms) | peak RSS (MiB) |\n'
printf '|---:|---:|---:|---:|---:|---:|\n'
printf '| %d | %d | %s | %s | %s | %s |\n' "$n" "$((2 * n))" "$per" "$one" "$cpu" "$rss"
release_connections
