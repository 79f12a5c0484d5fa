#!/usr/bin/env bash
# Cost per watched network namespace: the duration of the namespaces
# collector with 0, 10 and 50 extra (idle) named namespaces, median of 20
# scrapes each. Root only. Not part of the test suite.
#   ./benchmarks/namespaces.sh [counts...]      (default 0 10 50)
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh
bench_prepare mptcp-exporter
counts=("$@"); [ ${#counts[@]} -eq 0 ] && counts=(0 10 50)
created=()
cleanup() { for ns in "${created[@]}"; do ip netns del "$ns" 2>/dev/null || true; done; }
trap cleanup EXIT
printf '| watched namespaces | collection (ms, median of 20) | per namespace (ms) | exporter RSS (MiB) |\n|---:|---:|---:|---:|\n'
for n in "${counts[@]}"; do
    while [ ${#created[@]} -lt "$n" ]; do
        ns="bench-ns-$$-${#created[@]}"; ip netns add "$ns"; ip -n "$ns" link set lo up; created+=("$ns")
    done
    log=$(mktemp)
    "$EXPORTER" --web.listen-address 127.0.0.1:19264 --namespaces.named --collector.pm-events off 2>"$log" &
    pid=$!
    for _ in $(seq 1 100); do grep -q msg=listening "$log" && break; sleep 0.05; done
    curl -s -o /dev/null http://127.0.0.1:19264/metrics
    watched=$(curl -s http://127.0.0.1:19264/metrics | awk '/^mptcp_exporter_namespaces / {print $2}')
    ms=$(for _ in $(seq 1 20); do curl -s http://127.0.0.1:19264/metrics | awk '/duration_seconds\{collector="namespaces"\}/ {print $2*1000}'; done | median)
    rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$pid/status)
    kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
    printf '| %s | %.2f | %.2f | %s |\n' "$watched" "$ms" "$(awk -v m="$ms" -v w="$watched" 'BEGIN {print m / (w > 0 ? w : 1)}')" "$rss"
done
