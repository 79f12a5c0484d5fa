# Shared parts of the benchmark scripts: the two-namespace lab (the same
# topology as Tests/TestSupport/NetnsLab.swift), timing helpers, cleanup.
# Every namespace is named bench-<pid>-{cli,srv} and removed on exit.

BENCH_CLI="bench-$$-cli"
BENCH_SRV="bench-$$-srv"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXPORTER="$ROOT/.build/release/mptcp-exporter"
LOADGEN="$ROOT/.build/release/mptcp-loadgen"

lab_down() {
    for ns in "$BENCH_CLI" "$BENCH_SRV"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}

lab_up() {
    lab_down
    ip netns add "$BENCH_CLI"; ip netns add "$BENCH_SRV"
    for link in 1 2; do
        ip link add "c$link" netns "$BENCH_CLI" type veth peer name "s$link" netns "$BENCH_SRV"
    done
    for ns in "$BENCH_CLI" "$BENCH_SRV"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
            net.ipv4.ip_local_port_range="10000 65000"
    done
    for link in 1 2; do
        ip -n "$BENCH_CLI" addr add "10.88.$link.1/24" dev "c$link"; ip -n "$BENCH_CLI" link set "c$link" up
        ip -n "$BENCH_SRV" addr add "10.88.$link.2/24" dev "s$link"; ip -n "$BENCH_SRV" link set "s$link" up
    done
    ip -n "$BENCH_CLI" rule add from 10.88.2.1 table 102
    ip -n "$BENCH_CLI" route add default via 10.88.2.2 dev c2 table 102
    for ns in "$BENCH_CLI" "$BENCH_SRV"; do ip -n "$ns" mptcp limits set subflow 2 add_addr_accepted 2; done
    ip -n "$BENCH_CLI" mptcp endpoint add 10.88.2.1 dev c2 subflow
}

# hold_connections N: N MPTCP connections with 2 subflows from the client
# namespace, held until release_connections. Waits until they are all up.
hold_connections() {
    local n=$1
    ip netns exec "$BENCH_SRV" "$LOADGEN" server --listen 10.88.1.2:5201 --timeout 3600 >/dev/null 2>&1 &
    SINK_PID=$!
    sleep 0.5
    if [ "$n" -eq 0 ]; then CLIENT_PID=""; return; fi
    local out; out=$(mktemp)
    ip netns exec "$BENCH_CLI" "$LOADGEN" client --connect 10.88.1.2:5201 --connections "$n" \
        --bytes 2048 --subflows 2 --hold 3600 --timeout 3000 >"$out" 2>&1 &
    CLIENT_PID=$!
    for _ in $(seq 1 1200); do
        grep -q reached_subflows "$out" && break
        kill -0 "$CLIENT_PID" 2>/dev/null || { cat "$out" >&2; return 1; }
        sleep 0.25
    done
    grep reached_subflows "$out" >&2
    rm -f "$out"
}

release_connections() {
    [ -n "${CLIENT_PID:-}" ] && kill "$CLIENT_PID" 2>/dev/null || true
    kill "$SINK_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    # Let the sockets close before the next size.
    for _ in $(seq 1 100); do
        [ "$(ip netns exec "$BENCH_CLI" ss -MHn | wc -l)" -eq 0 ] && break
        sleep 0.2
    done
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# run_timed NS RUNS CMD...: prints "wall_ms cpu_ms maxrss_mib": mean wall and
# CPU time (user+system) from hyperfine over RUNS runs, peak RSS from GNU time.
run_timed() {
    local ns=$1 runs=$2; shift 2
    local json; json=$(mktemp)
    ip netns exec "$ns" hyperfine -N -w 3 -r "$runs" --export-json "$json" -- "$*" >/dev/null 2>&1
    local wall cpu
    wall=$(awk -F: '/"mean"/ {gsub(/[ ,]/, "", $2); print $2; exit}' "$json")
    cpu=$(awk -F: '/"user"|"system"/ {gsub(/[ ,]/, "", $2); s += $2} END {print s}' "$json")
    rm -f "$json"
    local rss
    rss=$(ip netns exec "$ns" /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -n 1)
    awk -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN {printf "%.2f %.2f %.1f\n", w*1000, c*1000, r/1024}'
}

# run_timed_time NS RUNS CMD...: the same with GNU time only (10 ms resolution).
run_timed_time() {
    local ns=$1 runs=$2; shift 2
    local walls=() cpus=() rss=()
    for _ in $(seq 1 "$runs"); do
        local line
        line=$(ip netns exec "$ns" /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -n 1)
        read -r e u s m <<<"$line"
        walls+=("$(awk -v e="$e" 'BEGIN{print e*1000}')")
        cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print (u+s)*1000}')")
        rss+=("$m")
    done
    echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median) $(printf '%s\n' "${rss[@]}" | median)"
}

# bench_prepare PRODUCT...: what every benchmark needs first: the Debian
# packages (and hyperfine and GNU time), and release builds of the products.
bench_prepare() {
    export PATH="$PATH:/opt/swift/usr/bin"
    "$ROOT/scripts/install-deps.sh" --test >/dev/null
    for tool in time hyperfine; do
        dpkg-query -W -f='${Status}' "$tool" 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq "$tool" >/dev/null
    done
    for product in "$@"; do (cd "$ROOT" && swift build -c release --product "$product" >/dev/null); done
}
