#!/usr/bin/env bash
# The cost of the MPTCP probe, beside its floor measured in the same run:
#  1. one `mptcp-exporter probe` process (wall, CPU, peak RSS), against the
#     smallest MPTCP connect-send-close of this project (mptcp-loadgen client,
#     one connection, one byte) as the floor;
#  2. /probe served by an exporter pinned to core 0: probes per second one at
#     a time and four at a time, the exporter's CPU per probe (so probes per
#     second on one core), and its RSS before and after, for a leak.
# Probes go to a sink server in a second namespace over veth (the lab of
# lib.sh: a subflow endpoint on the second link), with a 1-byte payload and
# subflow_wait 0s (the mechanics; a module's subflow_wait adds its own time).
#   ./benchmarks/probe.sh [PROBES]      (root; PROBES default 300; about 2 minutes)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PROBES=${1:-300}
trap 'kill ${EXPORTER_PID:-} 2>/dev/null || true; lab_down; rm -rf "${WORK:-}"' EXIT
bench_prepare mptcp-exporter mptcp-loadgen
lab_up
hold_connections 0
WORK=$(mktemp -d)
TARGET=10.88.1.2:5201

echo "| what | wall (ms) | CPU (ms) | peak RSS (MiB) |"
echo "|---|---:|---:|---:|"
read -r wall cpu rss < <(run_timed "$BENCH_CLI" 30 "$EXPORTER" probe "$TARGET" --payload x --subflow-wait 0s --format prometheus)
echo "| mptcp-exporter probe (one process: start, probe, exit) | $wall | $cpu | $rss |"
read -r wall cpu rss < <(run_timed "$BENCH_CLI" 30 "$LOADGEN" client --connect "$TARGET" --connections 1 --bytes 1 --subflows 1 --hold 0 --timeout 10)
echo "| floor: mptcp-loadgen client, one MPTCP connection, 1 byte, close | $wall | $cpu | $rss |"
read -r wall cpu rss < <(run_timed "$BENCH_CLI" 10 "$EXPORTER" probe "$TARGET" --payload x --subflow-wait 2s --min-subflows 2 --format prometheus)
echo "| mptcp-exporter probe, waiting for the second subflow (ends at 0.5 s at the earliest) | $wall | $cpu | $rss |"

cat >"$WORK/probe.yml" <<EOF
modules:
  mptcp:
    timeout: 5s
    subflow_wait: 0s
    payload: "x"
allowed_targets:
  - "$TARGET"
EOF
ip netns exec "$BENCH_CLI" taskset -c 0 "$EXPORTER" --web.listen-address 127.0.0.1:9263 \
    --probe.config.file "$WORK/probe.yml" --probe.max-concurrent 4 >/dev/null 2>"$WORK/exporter.log" &
EXPORTER_PID=$!
for _ in $(seq 1 100); do grep -q "msg=listening" "$WORK/exporter.log" && break; sleep 0.1; done
exe=$(readlink -f "$EXPORTER")
pid=$(ip netns pids "$BENCH_CLI" | while read -r p; do if [ "$(readlink "/proc/$p/exe")" = "$exe" ]; then echo "$p"; fi; done | head -n 1)
[ -n "$pid" ] || { echo "the exporter did not start: $(cat "$WORK/exporter.log")" >&2; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }
probe_loop() {   # probe_loop COUNT: COUNT sequential probes; prints the number of failures
    local failures=0
    for _ in $(seq 1 "$1"); do
        code=$(ip netns exec "$BENCH_CLI" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:9263/probe?target=$TARGET")
        [ "$code" = 200 ] || failures=$((failures + 1))
    done
    echo "$failures"
}
probe_loop 20 >/dev/null                       # warm-up
rss_before=$(rss)
echo
echo "| /probe on an exporter pinned to core 0 | probes | wall (s) | probes/s | exporter CPU per probe (ms) | probes/s on one core (1/CPU) | non-200 |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for parallel in 1 4; do
    start_ticks=$(ticks); start=$(date +%s.%N)
    per=$((PROBES / parallel))
    loops=()
    for index in $(seq 1 "$parallel"); do probe_loop "$per" >"$WORK/failures.$index" & loops+=($!); done
    wait "${loops[@]}"
    end=$(date +%s.%N); end_ticks=$(ticks)
    failures=$(cat "$WORK"/failures.* | awk '{s += $1} END {print s + 0}'); rm -f "$WORK"/failures.*
    total=$((per * parallel))
    awk -v n="$total" -v s="$start" -v e="$end" -v t0="$start_ticks" -v t1="$end_ticks" -v p="$parallel" -v f="$failures" 'BEGIN {
        wall = e - s; cpu = (t1 - t0) * 10 / n
        printf "| %d at a time | %d | %.2f | %.1f | %.2f | %.0f | %d |\n", p, n, wall, n / wall, cpu, (cpu > 0 ? 1000 / cpu : 0), f }'
done
echo
echo "exporter RSS: $rss_before MiB after the warm-up, $(rss) MiB after $((PROBES * 2)) more probes"
