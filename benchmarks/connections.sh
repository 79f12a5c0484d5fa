#!/usr/bin/env bash
# Connections benchmark: the cost of one collection of the connections
# collector at 0, 1,000 and 10,000 MPTCP connections with 2 subflows each,
# beside `ss -Mti` on the same sockets and a minimal C libmnl dump (the floor),
# all in the same run. Root only (network namespaces). Not part of the test suite.
#
#   ./benchmarks/connections.sh [sizes...]      (default: 0 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh
trap lab_down EXIT

bench_prepare mptcp-exporter mptcp-loadgen
FLOOR=$(mktemp -d)/mnl-dump
gcc -O2 -o "$FLOOR" benchmarks/floor/mnl-dump.c -lmnl

sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(0 1000 10000)
SCRAPES=20
lab_up

printf '| connections | subflows | tool | wall per collection (ms) | CPU per collection (ms) | peak RSS (MiB) |\n'
printf '|---:|---:|---|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
    hold_connections "$n"
    subflows=$(ip netns exec "$BENCH_CLI" ss -tinH | grep -c tcp-ulp-mptcp || true)

    for mode in bounded per-connection; do
        extra=()
        [ "$mode" = per-connection ] && extra=(--collector.connections.per-connection --collector.connections.max-connections 100000)
        log=$(mktemp)
        ip netns exec "$BENCH_CLI" "$EXPORTER" --web.listen-address 127.0.0.1:9262 --no-collector.netstat "${extra[@]}" 2>"$log" &
        pid=$!
        for _ in $(seq 1 100); do grep -q msg=listening "$log" && break; sleep 0.05; done
        ip netns exec "$BENCH_CLI" curl -s -o /dev/null http://127.0.0.1:9262/metrics     # warm-up
        read -r utime stime < <(awk '{print $14, $15}' /proc/$pid/stat)
        durations=()
        for _ in $(seq 1 $SCRAPES); do
            d=$(ip netns exec "$BENCH_CLI" curl -s http://127.0.0.1:9262/metrics | awk '/^mptcp_exporter_scrape_collector_duration_seconds\{collector="connections"\}/ {print $2*1000}')
            durations+=("$d")
        done
        read -r utime2 stime2 < <(awk '{print $14, $15}' /proc/$pid/stat)
        ticks=$(getconf CLK_TCK)
        cpu=$(awk -v a="$utime" -v b="$stime" -v c="$utime2" -v d="$stime2" -v t="$ticks" -v n=$SCRAPES 'BEGIN{printf "%.2f", ((c+d)-(a+b))*1000/t/n}')
        hwm=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$pid/status)
        wall=$(printf '%s\n' "${durations[@]}" | median)
        kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
        printf '| %d | %d | mptcp-exporter (%s) | %.2f | %s | %s |\n' "$n" "$subflows" "$mode" "$wall" "$cpu" "$hwm"
    done

    read -r wall cpu rss < <(run_timed "$BENCH_CLI" 20 "$FLOOR" 1)
    printf '| %d | %d | C libmnl dump (floor) | %s | %s | %s |\n' "$n" "$subflows" "$wall" "$cpu" "$rss"
    read -r wall cpu rss < <(run_timed "$BENCH_CLI" 20 ss -Mti)
    printf '| %d | %d | ss -Mti | %s | %s | %s |\n' "$n" "$subflows" "$wall" "$cpu" "$rss"
    release_connections
done
