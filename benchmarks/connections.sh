#!/usr/bin/env bash
# Connections benchmark: the cost of one collection of the connections
# collector at 0, 1,000 and 10,000 MPTCP connections with 2 subflows each,
# beside `ss -Mti` on the same sockets and a minimal C libmnl dump (the floor),
# all in the same run. Root only (network namespaces). Not part of the test suite.
#
# The exporter's collection is timed inside the running process (the
# collector's own duration), so the floor is timed the same way too (its four
# dumps, inside one process) beside the whole-process runs of the floor and
# of ss; the exporter's whole scrape over HTTP (curl's time_total) is shown
# beside its collection.
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

printf '| connections | subflows | tool | wall per collection (ms) | whole scrape over HTTP (ms) | CPU per collection (ms) | peak RSS (MiB) |\n'
printf '|---:|---:|---|---:|---:|---:|---:|\n'
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
        durations=(); scrapes=(); body=$(mktemp)
        for _ in $(seq 1 $SCRAPES); do
            t=$(ip netns exec "$BENCH_CLI" curl -s -o "$body" -w '%{time_total}' http://127.0.0.1:9262/metrics)
            scrapes+=("$(awk -v t="$t" 'BEGIN {print t*1000}')")
            durations+=("$(awk '/^mptcp_exporter_scrape_collector_duration_seconds\{collector="connections"\}/ {print $2*1000}' "$body")")
        done
        rm -f "$body"
        read -r utime2 stime2 < <(awk '{print $14, $15}' /proc/$pid/stat)
        ticks=$(getconf CLK_TCK)
        cpu=$(awk -v a="$utime" -v b="$stime" -v c="$utime2" -v d="$stime2" -v t="$ticks" -v n=$SCRAPES 'BEGIN{printf "%.2f", ((c+d)-(a+b))*1000/t/n}')
        hwm=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$pid/status)
        wall=$(printf '%s\n' "${durations[@]}" | median)
        scrape=$(printf '%s\n' "${scrapes[@]}" | median)
        kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
        printf '| %d | %d | mptcp-exporter (%s) | %.2f | %.2f | %s | %s |\n' "$n" "$subflows" "$mode" "$wall" "$scrape" "$cpu" "$hwm"
    done

    # The floor inside one process, as the exporter's collection is: 3
    # iterations of warm-up, then the median of 20 (each one the four dumps).
    # One run gives the times and, through GNU time, the peak RSS.
    rss_file=$(mktemp)
    iterations=$(ip netns exec "$BENCH_CLI" /usr/bin/time -f "%M" -o "$rss_file" "$FLOOR" 23 --per-iteration 2>/dev/null | tail -n 20)
    wall=$(awk '{printf "%.2f\n", $1}' <<<"$iterations" | median)
    cpu=$(awk '{c += $2} END {printf "%.2f", c / NR}' <<<"$iterations")
    rss=$(awk '{printf "%.1f", $1/1024}' "$rss_file"); rm -f "$rss_file"
    printf '| %d | %d | C libmnl dump, in-process (floor) | %s | – | %s | %s |\n' "$n" "$subflows" "$wall" "$cpu" "$rss"
    read -r wall cpu rss < <(run_timed "$BENCH_CLI" 20 "$FLOOR" 1)
    printf '| %d | %d | C libmnl dump, whole process | %s | – | %s | %s |\n' "$n" "$subflows" "$wall" "$cpu" "$rss"
    read -r wall cpu rss < <(run_timed "$BENCH_CLI" 20 ss -Mti)
    printf '| %d | %d | ss -Mti, whole process | %s | – | %s | %s |\n' "$n" "$subflows" "$wall" "$cpu" "$rss"
    release_connections
done
