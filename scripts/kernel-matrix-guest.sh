#!/bin/sh
# /init of the kernel matrix's initramfs (scripts/kernel-matrix.sh builds it).
# Runs inside a QEMU guest booted from one of Debian 12's own kernels, with
# busybox, iproute2 (ip, ss, nstat), setpriv, the exporter and mptcp-loadgen.
#
# Two namespaces joined by two veth links, as the 6.18 suite's NetnsLab and the
# 6.18 fixtures were made:
#   cli  c1 10.77.1.1/24 fd00:77:1::1/64  <->  srv  s1 10.77.1.2/24 fd00:77:1::2/64
#        c2 10.77.2.1/24 fd00:77:2::1/64  <->       s2 10.77.2.2/24 fd00:77:2::2/64
# Part 1 holds 2 IPv4 connections and 1 IPv6 connection of 2 subflows each and
# one connection to a plain TCP server, and records, at the same moment, what
# the exporter serves (root and uid 65534) next to nstat, ss -M, ss -ti,
# ip mptcp and the sysctls, plus the raw netstat and sock_diag bytes.
# Part 2 is the 6.18 event scenario (a server with two signal endpoints, one
# with a port; a join; the client marks its endpoint backup; the server
# deletes an endpoint) with the raw generic-netlink bytes. `ip mptcp monitor`
# and the served event counters run over both parts.
# Everything lands in /out, sent as a base64 tar on the second serial port;
# /out/done marks a complete run. Every wait is bounded.

PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# busybox's shell runs its own applets before PATH: iproute2 by its path.
ip() { /usr/local/bin/ip "$@"; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /out/cli /out/srv /out/log
# Errors come back with the recording; the console and log/steps.txt show
# the steps with the guest's uptime.
exec 2>/out/log/init.txt
step() {
    echo "kernel-matrix guest: $(cut -d' ' -f1 /proc/uptime) s: $*" | tee -a /out/log/steps.txt >/dev/console
}

finish() {
    uname -r >/out/kernel-release
    tar -C /out -cf - . | base64 >/dev/ttyS1
    sync
    poweroff -f
}
trap finish EXIT

for module in inet_diag tcp_diag mptcp_diag veth; do
    insmod /lib/modules/$module.ko || echo "insmod $module failed" >>/out/log/missing.txt
done
ip link set lo up

# run NAMESPACE COMMAND...: a command inside a namespace.
# (nsenter, a busybox applet too, runs applets first: iproute2's ip and
# util-linux's setpriv by their paths.)
run() {
    ns=$1 command=$2
    shift 2
    case $command in ip|setpriv) command=/usr/local/bin/$command ;; esac
    nsenter --net=/run/netns/$ns "$command" "$@"
}
# start NAMESPACE COMMAND...: the same in the background; $! is its pid
# (nsenter execs the command), so kill reaches it.
start() {
    ns=$1 command=$2
    shift 2
    case $command in ip|setpriv) command=/usr/local/bin/$command ;; esac
    nsenter --net=/run/netns/$ns "$command" "$@" &
}
# wait_for SECONDS COMMAND...: retries a command every 0.2 s until it
# succeeds or SECONDS have passed.
wait_for() {
    deadline=$(( $(date +%s) + $1 )); shift
    until "$@"; do
        [ "$(date +%s)" -lt $deadline ] || return 1
        usleep 200000
    done
}

step namespaces
ip netns add cli
ip netns add srv
for link in 1 2; do
    ip link add c$link netns cli type veth peer name s$link netns srv
done
for ns in cli srv; do
    ip -n $ns link set lo up
    run $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
for link in 1 2; do
    ip -n cli addr add 10.77.$link.1/24 dev c$link
    ip -n cli addr add fd00:77:$link::1/64 dev c$link nodad
    ip -n srv addr add 10.77.$link.2/24 dev s$link
    ip -n srv addr add fd00:77:$link::2/64 dev s$link nodad
    ip -n cli link set c$link up
    ip -n srv link set s$link up
done
ip -n cli rule add from 10.77.2.1 table 102
ip -n cli route add default via 10.77.2.2 dev c2 table 102
ip -n cli -6 rule add from fd00:77:2::1 table 102
ip -n cli -6 route add default via fd00:77:2::2 dev c2 table 102
for ns in cli srv; do ip -n $ns mptcp limits set subflow 2 add_addr_accepted 2; done
ip -n cli mptcp endpoint add 10.77.2.1 dev c2 subflow
ip -n cli mptcp endpoint add fd00:77:2::1 dev c2 subflow

step exporters
# The event references first, then the exporters: both see every event.
for ns in cli srv; do
    start $ns ip mptcp monitor >/out/$ns/ip-mptcp-monitor.txt 2>&1
    echo $! >/run/monitor-$ns.pid
    start $ns mptcp-exporter --web.listen-address 127.0.0.1:9262 --collector.connections.per-connection \
        >/out/log/exporter-$ns.txt 2>&1
done
start cli setpriv --reuid=65534 --regid=65534 --clear-groups \
    mptcp-exporter --web.listen-address 127.0.0.1:9263 --collector.connections.per-connection --collector.pm-events on \
    >/out/log/exporter-cli-user.txt 2>&1
scrape() { run $1 curl -sSf --max-time 120 http://127.0.0.1:$2/metrics; }
for target in "cli 9262 cli" "srv 9262 srv" "cli 9263 cli-user"; do
    set -- $target
    wait_for 120 scrape $1 $2 >/dev/null || {
        echo "exporter $1:$2 never answered" >>/out/log/missing.txt
        cat /out/log/exporter-$3.txt >&2
    }
done
sleep 2

# Part 1: connections held open.
step connections
start srv mptcp-loadgen server --listen 10.77.1.2:5201 --listen '[fd00:77:1::2]:5201' --timeout 240 >/out/log/sink.txt 2>&1
start srv mptcp-loadgen server --listen 10.77.1.2:5301 --tcp --timeout 240 >/out/log/sink-tcp.txt 2>&1
wait_for 60 grep -q listening /out/log/sink.txt
wait_for 60 grep -q listening /out/log/sink-tcp.txt
start cli mptcp-loadgen client --connect 10.77.1.2:5201 --connections 2 --bytes 100000 --subflows 2 --hold 200 --timeout 230 >/out/log/client-v4.txt 2>&1
echo $! >/run/clients.pid
start cli mptcp-loadgen client --connect '[fd00:77:1::2]:5201' --bytes 100000 --subflows 2 --hold 200 --timeout 230 >/out/log/client-v6.txt 2>&1
echo $! >>/run/clients.pid
start cli mptcp-loadgen client --connect 10.77.1.2:5301 --bytes 100000 --hold 200 --timeout 230 >/out/log/client-tcp.txt 2>&1
echo $! >>/run/clients.pid
# 7 subflows on the client: 3 connections x 2, and the fallen-back one.
subflows_up() { [ "$(run cli ss -tinH | grep -c tcp-ulp-mptcp)" -ge 7 ] && [ -s /out/log/client-tcp.txt ]; }
wait_for 120 subflows_up || echo "the client never had its 7 subflows" >>/out/log/missing.txt
wait_for 60 grep -q reached_subflows /out/log/client-v4.txt
wait_for 60 grep -q reached_subflows /out/log/client-v6.txt
sleep 2

# reference NS DIR: what the standard tools say about NS, into DIR.
reference() {
    run $1 nstat -asz >$2/nstat.txt
    run $1 ss -MnH >$2/ss-M.txt
    run $1 ss -tinH >$2/ss-ti.txt
}
step recording
# Scrapes taken between two equal readings of nstat and ss.
for ns in cli srv; do
    mkdir -p /tmp/before
    attempt=0
    while [ $attempt -lt 10 ]; do
        attempt=$((attempt + 1))
        reference $ns /tmp/before
        scrape $ns 9262 >/out/$ns/metrics-root.txt
        [ $ns = cli ] && scrape cli 9263 >/out/cli/metrics-user.txt
        reference $ns /out/$ns
        # IPv6 neighbour discovery moves Ip6 counters, and ss prints timers
        # and rates that move: what is compared must not.
        if [ "$(grep ^MPTcpExt /tmp/before/nstat.txt)" = "$(grep ^MPTcpExt /out/$ns/nstat.txt)" ] \
            && cmp -s /tmp/before/ss-M.txt /out/$ns/ss-M.txt \
            && [ "$(grep -o 'token:[^ ]*' /tmp/before/ss-ti.txt)" = "$(grep -o 'token:[^ ]*' /out/$ns/ss-ti.txt)" ]; then
            echo $attempt >/out/$ns/settled-after
            break
        fi
        sleep 1
    done
    # The raw bytes for the pure tests, and their references at the same moment.
    mkdir -p /out/$ns/sockdiag
    run $ns mptcp-exporter connections --save-raw /out/$ns/sockdiag >/out/$ns/connections.txt 2>&1
    run $ns ss -MnH >/out/$ns/sockdiag.ss-M.txt
    run $ns ss -tinH >/out/$ns/sockdiag.ss-ti.txt
    run $ns ss -MinH >/out/$ns/sockdiag.ss-Mi.txt
    run $ns cat /proc/net/netstat >/out/$ns/netstat
    run $ns cat /proc/net/snmp >/out/$ns/snmp
    run $ns nstat -asz >/out/$ns/netstat.nstat.txt
    run $ns ip mptcp endpoint show >/out/$ns/ip-mptcp-endpoint.txt
    run $ns ip mptcp limits show >/out/$ns/ip-mptcp-limits.txt
    mkdir -p /out/$ns/sysctl
    for file in /proc/sys/net/mptcp/*; do run $ns cat $file >/out/$ns/sysctl/${file##*/}; done
done
kill $(cat /run/clients.pid)
sleep 3

step events
# Part 2: the event scenario, with the raw generic-netlink bytes.
ip -n srv mptcp endpoint add 10.77.2.2 id 1 dev s2 signal
ip -n srv mptcp endpoint add 10.77.1.2 port 4660 id 9 signal
ip -n cli mptcp endpoint add fd00:77:1::1 id 7 dev c1 subflow fullmesh
for ns in cli srv; do
    mkdir -p /out/$ns/genl
    run $ns ip mptcp endpoint show >/out/$ns/genl.ip-mptcp-endpoint.txt
    start $ns ip mptcp monitor >/out/$ns/genl.ip-mptcp-monitor.txt 2>&1
    echo $! >>/run/genl-monitors.pid
    start $ns mptcp-exporter path-manager --events 30 --events-mode on --save-raw /out/$ns/genl >/out/$ns/path-manager.txt 2>&1
    echo $! >>/run/genl-watchers.pid
done
sleep 4
start srv mptcp-loadgen server --listen 0.0.0.0:5203 --timeout 60 --max-connections 1 >/out/log/sink-events.txt 2>&1
wait_for 60 grep -q listening /out/log/sink-events.txt
start cli mptcp-loadgen client --connect 10.77.1.2:5203 --bytes 100000 --subflows 2 --hold 8 --timeout 40 >/out/log/client-events.txt 2>&1
client=$!
wait_for 60 grep -q reached_subflows /out/log/client-events.txt
sleep 2
ip -n cli mptcp endpoint change id 1 backup
sleep 2
ip -n srv mptcp endpoint delete id 1
# Both end on their own deadlines (--timeout 40, --events 30).
wait $client
for pid in $(cat /run/genl-watchers.pid); do wait $pid; done
kill $(cat /run/genl-monitors.pid)
sleep 2

# The served event counters against ip mptcp monitor over both parts.
for ns in cli srv; do
    scrape $ns 9262 >/out/$ns/metrics-events.txt
done
scrape cli 9263 >/out/cli/metrics-user-events.txt
kill $(cat /run/monitor-cli.pid) $(cat /run/monitor-srv.pid)
sleep 1

step ledger
# Part 3: 20 connections (2 subflows each) that open and close between two
# scrapes: the subflow ledger of both client exporters (root and uid 65534).
start srv mptcp-loadgen server --listen 10.77.1.2:5204 --timeout 90 --max-connections 20 >/out/log/sink-ledger.txt 2>&1
wait_for 60 grep -q listening /out/log/sink-ledger.txt
scrape cli 9262 >/out/cli/metrics-ledger-before.txt
scrape cli 9263 >/out/cli/metrics-ledger-user-before.txt
run cli mptcp-loadgen client --connect 10.77.1.2:5204 --connections 20 --bytes 50000 --subflows 2 --timeout 60 \
    >/out/log/client-ledger.txt 2>&1 || echo "the ledger's client failed" >>/out/log/missing.txt
sleep 2
# The first scrape applies the notifications, the second finds every connection settled.
scrape cli 9262 >/dev/null
scrape cli 9263 >/dev/null
sleep 3
scrape cli 9262 >/out/cli/metrics-ledger.txt
scrape cli 9263 >/out/cli/metrics-ledger-user.txt
: >/out/done
step done
