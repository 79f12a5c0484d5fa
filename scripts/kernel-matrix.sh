#!/usr/bin/env bash
# The kernel matrix: boots Debian 12's own cloud kernels (6.1 and 6.12 by
# default) under QEMU with software emulation, each with an initramfs that
# holds busybox, iproute2 (ip, ss, nstat), setpriv, the exporter, mptcp-loadgen
# and the kernel's own inet_diag/tcp_diag/mptcp_diag/veth modules, and runs
# scripts/kernel-matrix-guest.sh there: real MPTCP between two namespaces, what
# the exporter serves (root and uid 65534) recorded next to nstat, ss and
# ip mptcp at the same moment, and the raw netstat, sock_diag and generic-
# netlink bytes. The kernels come as Debian packages (apt-get download, the
# newest of each series, cached in $MPTCP_KERNEL_CACHE); nothing is installed
# on the host. Each kernel's recording lands in OUT/<series>/; the
# "Kernel matrix" tests compare it (MPTCP_KERNEL_MATRIX_DIR=OUT swift test
# --filter KernelMatrix).
#
# usage: scripts/kernel-matrix.sh [--deb FILE | --exporter FILE] [--out DIR] [SERIES...]
#   --deb FILE       take mptcp-exporter from this package (what CI tests)
#   --exporter FILE  take this binary (default .build/debug/mptcp-exporter)
#   --out DIR        where recordings go (default .build/kernel-matrix)
#   SERIES           6.1, 6.12, ... (default: 6.1 6.12)
set -euo pipefail
cd "$(dirname "$0")/.."

exporter=.build/debug/mptcp-exporter
loadgen=.build/debug/mptcp-loadgen
out=.build/kernel-matrix
deb=
series=()
while (($#)); do
    case $1 in
        --deb) deb=$2; shift 2 ;;
        --exporter) exporter=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "kernel-matrix: unknown option $1" >&2; exit 2 ;;
        *) series+=("$1"); shift ;;
    esac
done
((${#series[@]})) || series=(6.1 6.12)
cache=${MPTCP_KERNEL_CACHE:-/var/cache/mptcp-exporter/kernels}
boot_timeout=${MPTCP_KERNEL_BOOT_TIMEOUT:-900}

for tool in qemu-system-x86_64 busybox ip ss nstat setpriv curl apt-get dpkg-deb xz; do
    command -v "$tool" >/dev/null || { echo "kernel-matrix: $tool not found (scripts/install-deps.sh --test installs it)" >&2; exit 1; }
done
[ -x "$loadgen" ] || { echo "kernel-matrix: $loadgen not built (swift build --build-tests)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$deb" ]; then
    dpkg-deb -x "$deb" "$work/package" || { echo "kernel-matrix: cannot unpack $deb" >&2; exit 1; }
    exporter=$work/package/usr/bin/mptcp-exporter
fi
[ -x "$exporter" ] || { echo "kernel-matrix: $exporter: no such executable" >&2; exit 1; }

# The newest Debian 12 cloud kernel package of a series (6.1 → linux-image-
# 6.1.0-N-cloud-amd64-unsigned, 6.12 → linux-image-6.12.N+deb12-cloud-...).
package_of() {
    local pattern="^linux-image-${1//./\\.}(\\.[0-9]+)*(-[0-9]+|\\+deb12)-cloud-amd64-unsigned\$"
    apt-cache pkgnames linux-image- | grep -E "$pattern" | sort -V | tail -n 1
}

# Copies a binary and every library ldd names, at the same paths.
install_with_libraries() {
    local binary=$1 root=$2 target=$3
    mkdir -p "$root/$(dirname "$target")"
    cp -L "$binary" "$root/$target"
    ldd "$binary" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }' | while read -r library; do
        [ -e "$root$library" ] && continue
        mkdir -p "$root$(dirname "$library")"
        cp -L "$library" "$root$library"
    done
}

build_initramfs() {
    local kernel_root=$1 image=$2 root=$work/root-$3
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,run,out,etc,lib/modules}
    mkdir -p "$root/var" && ln -s ../run "$root/var/run"
    cp /usr/bin/busybox "$root/bin/busybox"
    for applet in $(busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done
    for tool in ip ss nstat setpriv curl; do install_with_libraries "$(command -v $tool)" "$root" "/usr/local/bin/$tool"; done
    install_with_libraries "$exporter" "$root" /usr/local/bin/mptcp-exporter
    install_with_libraries "$loadgen" "$root" /usr/local/bin/mptcp-loadgen
    echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
    echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
    for module in inet_diag tcp_diag mptcp_diag veth; do
        local file
        file=$(find "$kernel_root/lib/modules" -name "$module.ko" -o -name "$module.ko.xz" | head -n 1)
        [ -n "$file" ] || { echo "kernel-matrix: $module not in the kernel package" >&2; exit 1; }
        case $file in
            *.xz) xz -dc "$file" >"$root/lib/modules/$module.ko" ;;
            *) cp "$file" "$root/lib/modules/$module.ko" ;;
        esac
    done
    cp scripts/kernel-matrix-guest.sh "$root/init"
    chmod +x "$root/init"
    # Uncompressed: under software emulation unpacking is cheaper than inflating.
    (cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$image"
    rm -rf "$root"
}

run_kernel() {
    local series=$1 package
    package=$(package_of "$series")
    if [ -z "$package" ]; then
        apt-get update -qq
        package=$(package_of "$series")
    fi
    [ -n "$package" ] || { echo "kernel-matrix: no Debian package for kernel series $series" >&2; return 1; }
    mkdir -p "$cache"
    local file
    file=$(ls "$cache/${package}_"*.deb 2>/dev/null | tail -n 1 || true)
    if [ -z "$file" ]; then
        (cd "$cache" && apt-get download -qq "$package" 2>/dev/null)
        file=$(ls "$cache/${package}_"*.deb | tail -n 1)
    fi
    local kernel_root=$work/kernel-$series
    dpkg-deb -x "$file" "$kernel_root"
    local vmlinuz
    vmlinuz=$(ls "$kernel_root"/boot/vmlinuz-* | head -n 1)
    build_initramfs "$kernel_root" "$work/initramfs-$series.cpio" "$series"

    local result=$out/$series
    rm -rf "$result"
    mkdir -p "$result"
    local started=$SECONDS
    timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 1 \
        -nodefaults -no-reboot -display none \
        -kernel "$vmlinuz" -initrd "$work/initramfs-$series.cpio" \
        -append "console=ttyS0 rdinit=/init panic=-1 quiet" \
        -serial "file:$result/console.txt" -serial "file:$work/data-$series.b64" || true
    base64 -di "$work/data-$series.b64" 2>/dev/null | tar -x -C "$result" 2>/dev/null || true
    echo "$package $(dpkg-deb -f "$file" Version)" >"$result/package"
    local elapsed=$((SECONDS - started))
    echo "$elapsed" >"$result/seconds"
    if [ ! -e "$result/done" ]; then
        echo "kernel-matrix: $series ($package) did not finish in $boot_timeout s; its console and log:" >&2
        tail -n 20 "$result/console.txt" >&2 || true
        tail -n 30 "$result/log/init.txt" >&2 2>/dev/null || true
        return 1
    fi
    echo "kernel-matrix: $series: $(cat "$result/kernel-release") booted and recorded in $elapsed s (QEMU, TCG) into $result" >&2
}

mkdir -p "$out"
# The kernels run side by side: one emulated CPU each.
pids=()
for one in "${series[@]}"; do
    run_kernel "$one" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
