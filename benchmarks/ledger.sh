#!/usr/bin/env bash
# The subflow ledger's cost (issue 18's targets), each beside the same run
# without it, measured in one run of this script. Root only (namespaces).
# Not part of the test suite (about 6 minutes).
#
#  A. 1,000 MPTCP connections (2 subflows each) opened and closed per second
#     in the client namespace, the release exporter there scraped every 5 s:
#     its CPU time over SECONDS with the ledger (default) and with
#     --no-collector.connections.ledger, in alternating windows. Target: at
#     most 3 % of one core more.
#  B. 10,000 MPTCP connections held open: the RSS of two exporters scraping
#     them side by side, one with the ledger (following 10,000 connections),
#     one without. Target: at most 16 MiB more.
#  C. 10,000 plain-TCP connections per second on loopback, closed with a
#     reset (no TIME_WAIT), in a namespace of their own: the CPU time of the
#     whole machine (/proc/stat: user, system, irq, softirq; the churn
#     included, the same in every window) with no exporter, with the exporter
#     without the ledger, and with it (a listener: every freed socket is
#     reported to it and dropped). Target: the listener costs the exporter and
#     the kernel together at most 5 % of one core.
#
#     With the default --collector.connections.ledger.max-rate the listener
#     leaves the groups within 5 s at this rate: C also measures that.
#
#   ./benchmarks/ledger.sh [SECONDS]     (window length, default 30)
#   PARTS=C ./benchmarks/ledger.sh       (only some parts: A, B, C)
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh
seconds=${1:-30}
parts=${PARTS:-ABC}
work=$(mktemp -d)
LOOP="bench-$$-loop"
cleanup() {
    for pid in ${PIDS:-}; do kill "$pid" 2>/dev/null || true; done
    lab_down
    for pid in $(ip netns pids "$LOOP" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$LOOP" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
bench_prepare mptcp-exporter mptcp-loadgen
hz=$(getconf CLK_TCK)

# cpu_of PID: user+system seconds of a process.
cpu_of() { awk -v hz="$hz" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_of() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# busy: jiffies the machine spent busy (user nice system irq softirq steal), in seconds.
busy() { awk -v hz="$hz" '/^cpu / {printf "%.3f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }

# start_exporter NS PORT [ARGS...]: the release exporter in NS; prints its pid.
start_exporter() {
    local ns=$1 port=$2; shift 2
    # Its standard output is not the caller's: $(start_exporter …) returns when the pipe closes.
    ip netns exec "$ns" "$EXPORTER" --web.listen-address "127.0.0.1:$port" --log.level warn "$@" >/dev/null 2>>"$work/exporter.log" &
    for _ in $(seq 1 50); do
        ip netns exec "$ns" curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break
        sleep 0.1
    done
    pgrep -n -f "$EXPORTER --web.listen-address 127.0.0.1:$port"
}

# scrape_every NS PORT SECONDS INTERVAL: scrapes in the background; prints its pid.
scrape_every() {
    ip netns exec "$1" bash -c "end=\$((SECONDS + $3)); while [ \$SECONDS -lt \$end ]; do curl -s -o /dev/null http://127.0.0.1:$2/metrics; sleep $4; done" >/dev/null 2>&1 &
    echo $!
}

lab_up
if [[ $parts == *A* ]]; then
# 1,000 connections per second closed by the client leave 60,000 TIME_WAIT
# sockets, more than the port range: let new connections reuse them (1 s).
ip netns exec "$BENCH_CLI" sysctl -qw net.ipv4.tcp_tw_reuse=1
echo "## A. 1,000 MPTCP connections per second (2 subflows each), exporter scraped every 5 s, ${seconds} s windows"
echo
ip netns exec "$BENCH_SRV" "$LOADGEN" server --listen 10.88.1.2:5201 --timeout $((seconds * 6 + 120)) >/dev/null 2>&1 &
PIDS="$!"
sleep 0.5
ip netns exec "$BENCH_CLI" "$LOADGEN" churn --connect 10.88.1.2:5201 --rate 1000 --lifetime 1 \
    --duration $((seconds * 4 + 60)) >"$work/churn-a.json" 2>&1 &
CHURN=$!
PIDS="$PIDS $CHURN"
sleep 10
printf '| window | ledger | exporter CPU (%% of one core) | RSS (MiB) | subflow notifications kept | other TCP dropped |\n|---:|---|---:|---:|---:|---:|\n'
for window in 1 2; do
    for mode in on off; do
        args=(); [ "$mode" = off ] && args=(--no-collector.connections.ledger)
        port=$((9270 + window))
        pid=$(start_exporter "$BENCH_CLI" "$port" "${args[@]}")
        sleep 2
        scraper=$(scrape_every "$BENCH_CLI" "$port" "$seconds" 5)
        before=$(cpu_of "$pid")
        sleep "$seconds"
        after=$(cpu_of "$pid")
        metrics=$(ip netns exec "$BENCH_CLI" curl -s "http://127.0.0.1:$port/metrics")
        kept=$(echo "$metrics" | awk '/^mptcp_ledger_notifications_total\{socket="mptcp_subflow"\}/ {print $2}')
        other=$(echo "$metrics" | awk '/^mptcp_ledger_notifications_total\{socket="other"\}/ {print $2}')
        printf '| %d | %s | %.2f | %s | %s | %s |\n' "$window" "$mode" "$(awk -v a="$before" -v b="$after" -v s="$seconds" 'BEGIN {print (b - a) / s * 100}')" \
            "$(rss_of "$pid")" "${kept:-0}" "${other:-0}"
        wait "$scraper" 2>/dev/null || true
        kill "$pid"; wait "$pid" 2>/dev/null || true
    done
done
wait "$CHURN" 2>/dev/null || true
echo
echo "churn: $(cat "$work/churn-a.json")"
for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
PIDS=""
sleep 2

fi

if [[ $parts == *B* ]]; then
echo
echo "## B. 10,000 MPTCP connections held (2 subflows each): two exporters side by side, scraped 3 times"
echo
hold_connections 10000
with=$(start_exporter "$BENCH_CLI" 9281)
without=$(start_exporter "$BENCH_CLI" 9282 --no-collector.connections.ledger)
for _ in 1 2 3; do
    for port in 9281 9282; do ip netns exec "$BENCH_CLI" curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; done
    sleep 1
done
tracked=$(ip netns exec "$BENCH_CLI" curl -s http://127.0.0.1:9281/metrics | awk '/^mptcp_ledger_tracked_connections / {print $2}')
printf '| exporter | RSS (MiB) | connections the ledger follows |\n|---|---:|---:|\n'
printf '| ledger on | %s | %s |\n| ledger off | %s | - |\n' "$(rss_of "$with")" "${tracked:-?}" "$(rss_of "$without")"
kill "$with" "$without"; wait "$with" "$without" 2>/dev/null || true
release_connections
fi

[[ $parts == *C* ]] || exit 0
echo
echo "## C. 10,000 plain-TCP connections per second on loopback (reset at close), ${seconds} s windows"
echo
ip netns add "$LOOP"
ip -n "$LOOP" link set lo up
ip netns exec "$LOOP" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
ip netns exec "$LOOP" "$LOADGEN" server --tcp --listen 127.0.0.1:5301 --timeout $((seconds * 10 + 120)) >/dev/null 2>&1 &
PIDS="$!"
sleep 0.5
ip netns exec "$LOOP" "$LOADGEN" churn --tcp --reset --connect 127.0.0.1:5301 --rate 10000 --lifetime 0 \
    --duration $((seconds * 9 + 60)) >"$work/churn-c.json" 2>&1 &
CHURN=$!
PIDS="$PIDS $CHURN"
sleep 5
printf '| window | exporter | machine busy (%% of one core) | exporter CPU (%% of one core) | notifications dropped per second |\n|---:|---|---:|---:|---:|\n'
for window in 1 2; do
    for mode in none off unlimited budget; do
        pid=""
        if [ "$mode" != none ]; then
            case $mode in
                off) args=(--no-collector.connections.ledger) ;;
                unlimited) args=(--collector.connections.ledger.max-rate 0) ;;
                budget) args=() ;;
            esac
            pid=$(start_exporter "$LOOP" 9290 "${args[@]}")
            scraper=$(scrape_every "$LOOP" 9290 "$seconds" 5)
        fi
        sleep 2
        b0=$(busy); p0=0; [ -n "$pid" ] && p0=$(cpu_of "$pid")
        o0=0; [ -n "$pid" ] && o0=$(ip netns exec "$LOOP" curl -s http://127.0.0.1:9290/metrics | awk '/^mptcp_ledger_notifications_total\{socket="other"\}/ {print $2}')
        sleep "$seconds"
        b1=$(busy); p1=0; [ -n "$pid" ] && p1=$(cpu_of "$pid")
        o1=0; [ -n "$pid" ] && o1=$(ip netns exec "$LOOP" curl -s http://127.0.0.1:9290/metrics | awk '/^mptcp_ledger_notifications_total\{socket="other"\}/ {print $2}')
        case $mode in
            none) label="none" ;;
            off) label="ledger off" ;;
            unlimited) label="ledger on, no budget" ;;
            budget) label="ledger on, default budget (paused: $(ip netns exec "$LOOP" curl -s http://127.0.0.1:9290/metrics | awk '/^mptcp_ledger_paused / {print $2}'))" ;;
        esac
        printf '| %d | %s | %.1f | %.2f | %.0f |\n' "$window" "$label" "$(awk -v a="$b0" -v b="$b1" -v s="$seconds" 'BEGIN {print (b - a) / s * 100}')" \
            "$(awk -v a="$p0" -v b="$p1" -v s="$seconds" 'BEGIN {print (b - a) / s * 100}')" \
            "$(awk -v a="${o0:-0}" -v b="${o1:-0}" -v s="$seconds" 'BEGIN {print (b - a) / s}')"
        if [ -n "$pid" ]; then
            wait "$scraper" 2>/dev/null || true
            kill "$pid"; wait "$pid" 2>/dev/null || true
        fi
    done
done
kill "$CHURN" 2>/dev/null || true
wait "$CHURN" 2>/dev/null || true
echo
echo "churn: $(cat "$work/churn-c.json")"
echo "exporter log lines at warn or above: $(wc -l <"$work/exporter.log")"
