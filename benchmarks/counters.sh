#!/usr/bin/env bash
# Counters benchmark: requests per second and latency of /metrics with only
# the counters collector, beside node_exporter serving the same MPTcpExt
# counters, both pinned to the same single core, load from wrk on loopback
# (on the other core). Not part of the test suite.
#   ./benchmarks/counters.sh [seconds]        (default 10 per run)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh >/dev/null
for package in wrk prometheus-node-exporter; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || { apt-get update -qq; apt-get install -y -qq --no-install-recommends "$package" >/dev/null; }
done
swift build -c release --product mptcp-exporter >/dev/null
seconds=${1:-10}
EXPORTER=.build/release/mptcp-exporter
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

taskset -c 0 "$EXPORTER" --web.listen-address 127.0.0.1:19262 --no-collector.connections --no-collector.path-manager \
    --no-collector.sysctl --collector.pm-events off --log.level error &
pids+=($!)
taskset -c 0 prometheus-node-exporter --web.listen-address=127.0.0.1:19100 --collector.disable-defaults --collector.netstat \
    --collector.netstat.fields='^MPTcpExt_.*' --log.level=error 2>/dev/null &
pids+=($!)
sleep 1.5
echo "mptcp-exporter: $(curl -s 127.0.0.1:19262/metrics | grep -c '^mptcp_ext_') MPTcpExt series; node_exporter: $(curl -s 127.0.0.1:19100/metrics | grep -c '^node_netstat_MPTcpExt_') MPTcpExt series"

run() { # name url
    local out; out=$(taskset -c 1 wrk -t1 -c8 -d"${seconds}s" --latency "$2" 2>&1)
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    printf '| %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99"
}
printf '| exporter (pinned to core 0) | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n'
run "mptcp-exporter (netstat collector)" http://127.0.0.1:19262/metrics
run "node_exporter (netstat, ^MPTcpExt_.*)" http://127.0.0.1:19100/metrics

# Idle cost: CPU time and context switches of the exporter over 60 s without scrapes.
if [ "${IDLE:-1}" = 1 ]; then
    "$EXPORTER" --web.listen-address 127.0.0.1:19263 --log.level error &
    idle=$!; pids+=($idle)
    sleep 2
    read -r u1 s1 < <(awk '{print $14, $15}' /proc/$idle/stat)
    w1=$(awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print s}' /proc/$idle/task/*/status)
    sleep 60
    read -r u2 s2 < <(awk '{print $14, $15}' /proc/$idle/stat)
    w2=$(awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print s}' /proc/$idle/task/*/status)
    rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$idle/status)
    printf '\nidle 60 s, all collectors: CPU %s ticks (1 tick = %s ms), %s context switches, RSS %s MiB\n' \
        "$(( (u2 + s2) - (u1 + s1) ))" "$(( 1000 / $(getconf CLK_TCK) ))" "$(( w2 - w1 ))" "$rss"
fi
