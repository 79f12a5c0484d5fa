#!/usr/bin/env bash
# Installs the Debian packages mptcp-exporter needs to build and run, and with
# --test also what its test suite needs. Runs as root on Debian 12; installs
# only what is missing, so it is quick the second time.
set -euo pipefail

build_packages=(libmnl-dev pkg-config zlib1g-dev libcrypt-dev)
# prometheus: promtool and a real server for the scrape tests; iproute2: ip,
# ss and nstat; curl: HTTP client of the tests; procps: sysctl; systemd:
# systemd-analyze verify on the unit; util-linux: setpriv for unprivileged runs;
# chromium: the HTML report's screenshot test; tmux: mptcp-top driven as a person would;
# openssl: certificates for the TLS tests; cmark-gfm: GitHub-flavoured Markdown
# renderer the Markdown report is checked with; nftables: the firewalls of the
# probe tests (SYNs with the MPTCP option dropped, a second path blocked);
# debootstrap, lintian: the package test (a fresh Debian root, then lintian);
# qemu-system-x86, busybox-static, xz-utils: the kernel matrix (Debian's own
# 6.1 and 6.12 kernels booted with an initramfs of ours).
test_packages=(prometheus iproute2 curl procps systemd util-linux chromium tmux openssl cmark-gfm nftables debootstrap lintian
               qemu-system-x86 busybox-static xz-utils)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
    packages+=("${test_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "install-deps: swift is in /opt/swift/usr/bin but not on PATH: export PATH=/opt/swift/usr/bin:\$PATH" >&2
    else
        echo "install-deps: no Swift toolchain found: install Swift 6 (https://www.swift.org/install/linux/) first" >&2
    fi
    exit 1
fi
