#!/usr/bin/env bash
# The Debian package and the tarball of mptcp-exporter and mptcp-top, for
# hosts without a Swift toolchain: the Swift runtime is linked in
# (--static-swift-stdlib), and the package depends only on the Debian
# libraries the binaries load (found by dpkg-shlibdeps: libc6, libmnl0,
# zlib1g, libcrypt1, and the C++ runtime the Swift runtime uses).
#
# In the package: /usr/bin/mptcp-exporter and mptcp-top; the hardened
# systemd unit reading its flags from /etc/default/mptcp-exporter; man pages
# made from --help; the dashboard, rules, example Prometheus and probe
# configurations under /usr/share/mptcp-exporter. The tarball holds the same
# files under mptcp-exporter-VERSION-linux-ARCH/.
#
#   ./scripts/package.sh [DIR]    (default dist/; a release build of its own, about 5 minutes on 2 cores)
#   MPTCP_EXPORTER_MAINTAINER="Name <address>" sets the Maintainer field.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
out=$(realpath -m "${1:-dist}")
mkdir -p "$out"
./scripts/install-deps.sh >/dev/null
command -v dpkg-shlibdeps >/dev/null || apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null

# The project has no mail address of its own yet: set one for a package that leaves this machine.
maintainer=${MPTCP_EXPORTER_MAINTAINER:-mptcp-exporter authors <mptcp-exporter@localhost>}
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/MPTCPModel/BuildInfo.swift)
arch=$(dpkg --print-architecture)
scratch=.build-package
build=(swift build -c release --static-swift-stdlib --scratch-path "$scratch")
for product in mptcp-exporter mptcp-top; do "${build[@]}" --product "$product" >/dev/null; done
bin=$("${build[@]}" --show-bin-path)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name="mptcp-exporter_${version}_${arch}"
root="$work/$name"

# Binaries, stripped (the symbols stay in the build directory).
for product in mptcp-exporter mptcp-top; do
    install -D -m 0755 "$bin/$product" "$root/usr/bin/$product"
    strip --strip-unneeded "$root/usr/bin/$product"
done

# The unit of deploy/systemd, with the packaged path and the defaults file.
install -d "$root/lib/systemd/system" "$root/etc/default"
sed -e 's|/usr/local/bin/mptcp-exporter|/usr/bin/mptcp-exporter|g' \
    -e 's|^#   install .*$|#   (installed by the mptcp-exporter package)|' \
    -e 's|^ExecStart=/usr/bin/mptcp-exporter serve --web.listen-address=:9262$|EnvironmentFile=-/etc/default/mptcp-exporter\nExecStart=/usr/bin/mptcp-exporter serve $MPTCP_EXPORTER_ARGS|' \
    deploy/systemd/mptcp-exporter.service >"$root/lib/systemd/system/mptcp-exporter.service"
chmod 0644 "$root/lib/systemd/system/mptcp-exporter.service"
cat >"$root/etc/default/mptcp-exporter" <<'EOF'
# Flags of `mptcp-exporter serve` for the systemd unit (mptcp-exporter serve --help).
# Examples: --collector.connections.per-connection, --namespaces.all,
# --web.config.file=/etc/mptcp-exporter/web.yml,
# --probe.config.file=/etc/mptcp-exporter/mptcp-probe.yml
MPTCP_EXPORTER_ARGS="--web.listen-address=:9262"
EOF
chmod 0644 "$root/etc/default/mptcp-exporter"

# Dashboards, rules and example configurations.
share="$root/usr/share/mptcp-exporter"
install -D -m 0644 dashboards/mptcp-exporter.json "$share/dashboards/mptcp-exporter.json"
install -D -m 0644 dashboards/mptcp-rules.yml "$share/rules/mptcp-rules.yml"
install -D -m 0644 deploy/prometheus.yml "$share/examples/prometheus.yml"
install -D -m 0644 deploy/mptcp-probe.yml "$share/examples/mptcp-probe.yml"
sed -i 's|\.\./dashboards/mptcp-rules.yml|/usr/share/mptcp-exporter/rules/mptcp-rules.yml|' "$share/examples/prometheus.yml"

# Man pages from --help: one page per program, every subcommand's help in it.
man_page() {   # man_page PROGRAM SECTION-TITLE SUBCOMMAND...
    local program=$1 title=$2; shift 2
    {
        echo ".TH ${program^^} 1 \"\" \"$program $version\" \"$title\""
        echo ".SH NAME"
        echo "$program \\- $("$root/usr/bin/$program" --help | awk 'NR == 1, /^$/' | tr '\n' ' ' | sed -e 's/^OVERVIEW: //' -e 's/ *$//' -e 's/\\/\\\\/g')"
        for sub in "" "$@"; do
            echo ".SH ${sub:+${sub^^} }USAGE AND OPTIONS"
            echo ".nf"
            # shellcheck disable=SC2086
            "$root/usr/bin/$program" $sub --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
            echo ".fi"
        done
        echo ".SH SEE ALSO"
        echo "ip-mptcp(8), ss(8), nstat(8); /usr/share/doc/mptcp-exporter/README.md"
    } | gzip -9n >"$root/usr/share/man/man1/$program.1.gz"
}
install -d "$root/usr/share/man/man1"
man_page mptcp-exporter "Multipath TCP exporter" serve report snapshot probe connections path-manager diagrams dashboard hash-password
man_page mptcp-top "Multipath TCP live view"

# Documentation, copyright, changelog.
doc="$root/usr/share/doc/mptcp-exporter"
install -D -m 0644 README.md "$doc/README.md"
for file in BENCHMARKS.md RELIABILITY.md; do [ -f "$file" ] && install -m 0644 "$file" "$doc/$file"; done
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: mptcp-exporter
Comment: The repository states no licence yet. Settle the terms before
 publishing this package anywhere.

Files: *
Copyright: 2025-2026 the mptcp-exporter authors
License: not-stated
 The authors have not stated a licence.
EOF
{
    echo "mptcp-exporter ($version) unstable; urgency=medium"
    echo
    echo "  * Built from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo
    echo " -- $maintainer  $(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")"
} | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/copyright" "$doc/changelog.gz"

# Control: the dependencies as dpkg-shlibdeps finds them in the binaries.
mkdir -p "$work/shlibs/debian" "$root/DEBIAN"
printf 'Source: mptcp-exporter\n\nPackage: mptcp-exporter\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O --warnings=0 -e "$root/usr/bin/mptcp-exporter" -e "$root/usr/bin/mptcp-top" \
          | sed -n 's/^shlibs:Depends=//p')
installed=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: mptcp-exporter
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed
Depends: $depends
Section: net
Priority: optional
Homepage: https://www.mptcp.dev/
Description: Prometheus exporter and live view for Multipath TCP
 mptcp-exporter serves every MPTcpExt counter of the kernel, typed and
 grouped into the protocol's Case diagrams, every MPTCP connection and its
 subflows, the path manager's endpoints, limits, sysctls and events, in
 every network namespace, to Prometheus; it probes whether MPTCP works to a
 target and writes diagnostic reports. mptcp-top is the live terminal view.
EOF
echo "/etc/default/mptcp-exporter" >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = "configure" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
fi
EOF
cat >"$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
fi
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"

dpkg-deb --root-owner-group -Zxz --build "$root" "$out/$name.deb" >/dev/null

# The tarball: the same files, relative.
tarball="mptcp-exporter-$version-linux-$arch"
mkdir -p "$work/$tarball"
cp -a "$root/usr/bin" "$root/usr/share" "$work/$tarball/"
install -D -m 0644 "$root/lib/systemd/system/mptcp-exporter.service" "$work/$tarball/systemd/mptcp-exporter.service"
install -D -m 0644 "$root/etc/default/mptcp-exporter" "$work/$tarball/default/mptcp-exporter"
tar -C "$work" --owner=0 --group=0 --sort=name -czf "$out/$tarball.tar.gz" "$tarball"

echo "$out/$name.deb"
echo "$out/$tarball.tar.gz"
