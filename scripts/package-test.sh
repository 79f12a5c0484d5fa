#!/usr/bin/env bash
# Installs the Debian package made by scripts/package.sh into a fresh Debian 12
# root that has no Swift toolchain (debootstrap, minbase), then runs it there:
# `mptcp-exporter --version`, and a scrape of its counters from inside a
# network namespace of the test's own, compared with the kernel's own
# /proc/net/netstat of that namespace. Then lintian on the package.
#   ./scripts/package-test.sh PACKAGE.deb     (root; about 3 minutes, most of it debootstrap)
# Everything it makes (the root, the namespace) is its own and removed on exit.
set -euo pipefail
deb=$(realpath "$1")
[ -f "$deb" ] || { echo "package-test: no package at $1" >&2; exit 2; }
for tool in debootstrap lintian; do
    command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null
done

work=$(mktemp -d /var/tmp/mptcp-package-test.XXXXXX)
netns="mpx-pkg-$$"
cleanup() {
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$netns" 2>/dev/null || true
    for mount in "$work/root/proc" "$work/root/sys" "$work/root/dev"; do umount -l "$mount" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "package-test: debootstrap bookworm (minbase) into $work/root"
start=$(date +%s)
debootstrap --variant=minbase bookworm "$work/root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
echo "package-test: debootstrap $(( $(date +%s) - start )) s"
if chroot "$work/root" sh -c 'command -v swift || ls /usr/lib/swift /opt/swift' >/dev/null 2>&1; then
    echo "package-test: the fresh root has a Swift toolchain; it must not" >&2; exit 1
fi

cp "$deb" "$work/root/tmp/"
mount -t proc proc "$work/root/proc"
mount --rbind /sys "$work/root/sys"
mount --rbind /dev "$work/root/dev"
cp /etc/resolv.conf "$work/root/etc/resolv.conf"
chroot "$work/root" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/$(basename "$deb")" \
    >"$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; exit 1; }
echo "package-test: installed; dependencies pulled in: $(grep -c '^Unpacking' "$work/install.log" || true) packages"

version=$(chroot "$work/root" /usr/bin/mptcp-exporter --version)
echo "package-test: mptcp-exporter --version in the fresh root: $version"
chroot "$work/root" /usr/bin/mptcp-top --help >/dev/null
man_pages=$(chroot "$work/root" sh -c 'ls /usr/share/man/man1/mptcp-*.1.gz' | wc -l)
[ "$man_pages" -eq 2 ] || { echo "package-test: expected 2 man pages, found $man_pages" >&2; exit 1; }

# A scrape from inside a namespace of our own: the counters served equal the namespace's netstat.
ip netns add "$netns"
ip -n "$netns" link set lo up
# Three MPTCP connections on the namespace's loopback, so the counters are not all 0.
ip netns exec "$netns" python3 -c '
import socket
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); server.bind(("127.0.0.1", 5201)); server.listen()
for _ in range(3):
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); client.connect(("127.0.0.1", 5201))
    peer, _ = server.accept(); client.sendall(b"x"); peer.recv(1); client.close(); peer.close()
'
# In a subshell of its own: killed at the end with the namespace's processes, without a job notice.
(ip netns exec "$netns" chroot "$work/root" /usr/bin/mptcp-exporter --web.listen-address 127.0.0.1:9262 >/dev/null 2>"$work/exporter.log" &)
for _ in $(seq 1 100); do grep -q "msg=listening" "$work/exporter.log" && break; sleep 0.1; done
scrape=$(ip netns exec "$netns" curl -sS --max-time 10 http://127.0.0.1:9262/metrics)
served=$(echo "$scrape" | awk '$1 == "mptcp_ext_mp_capable_syntx_total" {print $2}')
kernel=$(ip netns exec "$netns" awk '/^MPTcpExt:/ {if (!h) {for (i = 2; i <= NF; i++) n[i] = $i; h = 1} else {for (i = 2; i <= NF; i++) if (n[i] == "MPCapableSYNTX") print $i}}' /proc/net/netstat)
success=$(echo "$scrape" | awk '$1 ~ /^mptcp_exporter_scrape_collector_success/ {s += $2; n++} END {print s "/" n}')
echo "package-test: scrape in namespace $netns: MPCapableSYNTX served $served, kernel $kernel; collectors succeeding $success"
[ -n "$served" ] && [ "$served" = "$kernel" ] || { echo "package-test: the served counter differs from the kernel's" >&2; exit 1; }

# The packaged unit, verified by systemd with its ExecStart pointed at the packaged binary.
mkdir "$work/extracted"
dpkg-deb -x "$deb" "$work/extracted"
sed "s|/usr/bin/mptcp-exporter|$work/extracted/usr/bin/mptcp-exporter|" "$work/extracted/lib/systemd/system/mptcp-exporter.service" \
    >"$work/mptcp-exporter.service"
systemd-analyze verify "$work/mptcp-exporter.service"
echo "package-test: systemd-analyze verify on the packaged unit: clean"

echo "package-test: lintian"
lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "^running with root privileges" || true
echo "package-test: ok"
