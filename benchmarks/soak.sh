#!/usr/bin/env bash
# Soak test: the release exporter, with every collector, per-connection
# series and the subflow ledger on, watching every named namespace, scraped
# every 100 ms for MINUTES minutes while 100 MPTCP connections (2 subflows
# each when they live long enough) are opened and closed per second in
# namespaces, and a namespace pair is created, used for a few connections
# and deleted every 20 s. Samples RSS, open descriptors, threads and CPU time
# every 30 s and prints them, then a verdict: RSS, descriptors and threads
# must stay flat (the last sample within 10% / 16 descriptors / 4 threads of
# the sample at the end of the first quarter, when the steady state has been
# reached), and no destroy notification may be lost.
# Root only. Not part of the test suite (it takes MINUTES minutes).
#   ./benchmarks/soak.sh [minutes]        (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh
minutes=${1:-30}
seconds=$((minutes * 60))
work=$(mktemp -d)
cleanup() {
    [ -n "${SCRAPER_PID:-}" ] && kill "$SCRAPER_PID" 2>/dev/null || true
    [ -n "${NSCHURN_PID:-}" ] && kill "$NSCHURN_PID" 2>/dev/null || true
    for ns in $(ip netns list | awk '{print $1}' | grep "^soakns-$$-"); do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    [ -n "${EXPORTER_PID:-}" ] && kill "$EXPORTER_PID" 2>/dev/null || true
    lab_down
    rm -rf "$work"
}
trap cleanup EXIT
bench_prepare mptcp-exporter mptcp-loadgen
lab_up

ip netns exec "$BENCH_SRV" "$LOADGEN" server --listen 10.88.1.2:5201 --timeout $((seconds + 120)) >/dev/null 2>&1 &
sleep 0.5
ip netns exec "$BENCH_CLI" "$EXPORTER" --web.listen-address 127.0.0.1:9262 --collector.pm-events on \
    --collector.connections.per-connection --namespaces.named --log.level warn 2>"$work/exporter.log" &
EXPORTER_PID=$!
for _ in $(seq 1 50); do
    ip netns exec "$BENCH_CLI" curl -sf -o /dev/null http://127.0.0.1:9262/metrics && break
    sleep 0.1
done
# The exporter runs under `ip netns exec`: find the exporter process itself.
pid=$(pgrep -n -f "$EXPORTER --web.listen-address 127.0.0.1:9262")

ip netns exec "$BENCH_CLI" "$LOADGEN" churn --connect 10.88.1.2:5201 --rate 100 --lifetime 1 \
    --duration "$seconds" >"$work/churn.json" 2>&1 &
CHURN_PID=$!

# A namespace pair every 20 s: created, 5 MPTCP connections over two links, deleted.
(
    n=0
    end=$((SECONDS + seconds))
    while [ $SECONDS -lt $end ]; do
        n=$((n + 1)); c="soakns-$$-$n-cli"; s="soakns-$$-$n-srv"
        ip netns add "$c"; ip netns add "$s"
        ip link add sk1 netns "$c" type veth peer name sk1 netns "$s"
        for ns in "$c" "$s"; do ip -n "$ns" link set lo up; ip -n "$ns" link set sk1 up; done
        ip -n "$c" addr add 10.89.1.1/24 dev sk1; ip -n "$s" addr add 10.89.1.2/24 dev sk1
        ip netns exec "$s" "$LOADGEN" server --listen 10.89.1.2:5201 --timeout 10 --max-connections 5 >/dev/null 2>&1 &
        sleep 0.3
        ip netns exec "$c" "$LOADGEN" client --connect 10.89.1.2:5201 --connections 5 --bytes 20000 --hold 2 --timeout 8 >/dev/null 2>&1 || true
        wait || true
        ip netns del "$c"; ip netns del "$s"
        sleep 15
    done
) &
NSCHURN_PID=$!

# Scrape every 100 ms; count answers that are not 200 or take more than 1 s.
ip netns exec "$BENCH_CLI" bash -c '
    ok=0; bad=0; end=$((SECONDS + '"$seconds"'))
    while [ $SECONDS -lt $end ]; do
        code=$(curl -s -o /dev/null -w "%{http_code}" --max-time 1 http://127.0.0.1:9262/metrics || true)
        if [ "$code" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
        sleep 0.1
    done
    echo "$ok $bad" >'"$work/scrapes"'
' &
SCRAPER_PID=$!

printf '| minute | RSS (MiB) | open fds | threads | CPU time (s) | MPTCP connections now |\n'
printf '|---:|---:|---:|---:|---:|---:|\n'
hz=$(getconf CLK_TCK)
samples="$work/samples"
: >"$samples"
start=$SECONDS
while kill -0 "$CHURN_PID" 2>/dev/null; do
    elapsed=$((SECONDS - start))
    rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
    fds=$(ls "/proc/$pid/fd" | wc -l)
    threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
    cpu=$(awk -v hz="$hz" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$pid/stat")
    conns=$(ip netns exec "$BENCH_CLI" ss -MHn state established | wc -l)
    printf '| %.1f | %s | %s | %s | %s | %s |\n' "$(awk -v s="$elapsed" 'BEGIN {print s / 60}')" "$rss" "$fds" "$threads" "$cpu" "$conns"
    echo "$elapsed $rss $fds $threads" >>"$samples"
    sleep 30
done
wait "$SCRAPER_PID" || true
SCRAPER_PID=""
read -r ok bad <"$work/scrapes"
echo
echo "churn: $(cat "$work/churn.json")"
echo "scrapes: $ok answered 200 within 1 s, $bad not"
echo "exporter still running: $(kill -0 "$pid" 2>/dev/null && echo yes || echo NO)"
echo "exporter log lines at warn or above: $(wc -l <"$work/exporter.log")"
# Flat: compare the last sample with the one at the end of the first quarter.
quarter=$((seconds / 4))
read -r _ rss_q fds_q threads_q < <(awk -v q="$quarter" '$1 >= q {print; exit}' "$samples")
read -r _ rss_l fds_l threads_l < <(tail -n 1 "$samples")
max_rss=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$samples")
echo "RSS: ${rss_q} MiB after a quarter, ${rss_l} MiB at the end, ${max_rss} MiB at most; fds: ${fds_q} then ${fds_l}; threads: ${threads_q} then ${threads_l}"
# The ledger of the churning namespace: every subflow closed by its notification, none lost.
final=$(ip netns exec "$BENCH_CLI" curl -s http://127.0.0.1:9262/metrics)
ledger() { echo "$final" | awk -v m="$1" -v l="$2" 'index($0, m) == 1 && index($0, l) {s += $NF} END {printf "%d", s}'; }
lost=$(ledger mptcp_ledger_notifications_lost_total "")
echo "ledger: notifications kept $(ledger 'mptcp_ledger_notifications_total{' 'socket="mptcp_subflow"'), other $(ledger 'mptcp_ledger_notifications_total{' 'socket="other"'), lost $lost;" \
     "subflows closed by notification $(ledger 'mptcp_ledger_subflows_closed_total{' 'source="notification"'), by scrape $(ledger 'mptcp_ledger_subflows_closed_total{' 'source="scrape"');" \
     "connections ended $(ledger mptcp_connections_ended_total ""), namespaces watched now $(ledger mptcp_exporter_namespaces "")"
verdict=flat
awk -v a="$rss_q" -v b="$rss_l" 'BEGIN {exit !(b > a * 1.10)}' && verdict="RSS GREW"
[ $((fds_l - fds_q)) -gt 16 ] && verdict="FDS GREW"
[ $((threads_l - threads_q)) -gt 4 ] && verdict="THREADS GREW"
[ "$lost" -gt 0 ] && verdict="NOTIFICATIONS LOST"
[ "$bad" -gt $((ok / 100)) ] && verdict="SCRAPES FAILED"
echo "verdict: $verdict"
[ "$verdict" = flat ]
