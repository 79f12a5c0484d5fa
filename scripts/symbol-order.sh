#!/usr/bin/env bash
# Regenerates Sources/mptcp-exporter/symbol-order.txt: the functions the
# exporter runs when it starts and serves its first scrape, in the order they
# were found, for `ld.lld --symbol-ordering-file` (see Package.swift).
#
# Why: a page of the binary's code is counted in the RSS once touched, and
# the kernel maps 64 KiB around every page fault in a mapped file. The code of
# a start is a few thousand functions spread over 10 MiB of text; placed
# together they cost far fewer pages (BENCHMARKS.md, idle RSS).
#
# How: a release build with one section per function (a separate scratch
# path, so .build is untouched), then rounds of: run the binary under perf,
# start it and scrape it once; take every function of the binary found on a
# sampled stack or at an instruction-fetch page fault; relink with the list so
# far. Functions already placed stop faulting, which exposes the next ones;
# the rounds end when a round finds nothing new or after --rounds.
#
#   ./scripts/symbol-order.sh [--rounds N]     (root: perf; about 10 minutes)
# Needs linux-perf (installed if missing). Not part of the build or the tests:
# a stale list only places fewer functions, it never breaks the link.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
rounds=20
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        *) echo "usage: $0 [--rounds N]" >&2; exit 2 ;;
    esac
done
command -v perf >/dev/null || { apt-get update -qq; apt-get install -y -qq --no-install-recommends linux-perf >/dev/null; }
./scripts/install-deps.sh >/dev/null

ROOT=$(pwd)
SCRATCH="$ROOT/.build-order"
OUT="$ROOT/Sources/mptcp-exporter/symbol-order.txt"
WORK=$(mktemp -d)
PORT=19299
cleanup() { pkill -f "mptcp-exporter-order --web.listen-address 127.0.0.1:$PORT" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "building with one section per function in $SCRATCH" >&2
swift build -c release --product mptcp-exporter --scratch-path "$SCRATCH" \
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections >/dev/null

# The link command SwiftPM ran, to relink with each round's list.
python3 - "$SCRATCH/release.yaml" "$WORK/link.json" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
start = text.index('"C.mptcp-exporter-x86_64-unknown-linux-gnu-release.exe":')
args = json.loads(re.search(r'args: (\[.*?\])\n', text[start:]).group(1))
json.dump(args, open(sys.argv[2], "w"))
EOF

relink() { # relink OUTPUT ORDERFILE
    python3 - "$WORK/link.json" "$1" "$2" <<'EOF'
import json, subprocess, sys
args = json.load(open(sys.argv[1]))
args[args.index("-o") + 1] = sys.argv[2]
# The manifest's own ordering file is replaced by this round's list (lld takes the last one).
args += ["-Xlinker", "--symbol-ordering-file=" + sys.argv[3], "-Xlinker", "--no-warn-symbol-ordering"]
result = subprocess.run(args, capture_output=True, text=True)
if result.returncode != 0:
    sys.stderr.write(result.stderr); sys.exit(1)
EOF
}

# observe BINARY: prints the binary's functions seen during a start and one scrape.
observe() {
    local binary=$1 name; name=$(basename "$1")
    for mode in samples faults; do
        local events=(-F 30000 -g -e cpu-clock)
        [ "$mode" = faults ] && events=(-e page-faults -c 1 -d)
        perf record -q "${events[@]}" -o "$WORK/perf.data" "$binary" \
            --web.listen-address "127.0.0.1:$PORT" --log.level error 2>/dev/null &
        local pid=$!
        for _ in $(seq 1 50); do curl -s -o /dev/null "127.0.0.1:$PORT/metrics" && break; sleep 0.1; done
        sleep 0.3
        kill -INT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        if [ "$mode" = samples ]; then
            perf script -i "$WORK/perf.data" --no-demangle -F ip,sym,dso 2>/dev/null \
                | awk -v b="($binary)" 'index($0, b) {print $2}'
        else
            # Lines read "addr sym (dso) ip sym (dso)"; an instruction fetch
            # faults at its own address: addr == ip, in the binary.
            perf script -i "$WORK/perf.data" --no-demangle -F addr,ip,sym,dso 2>/dev/null \
                | awk -v b="($binary)" '$1 == $4 && $6 == b {print $5}'
        fi
    done | sed 's/+0x[0-9a-f]*$//' | grep -v '^\[unknown\]$' || true
}

: > "$WORK/order.txt"
binary="$SCRATCH/release/mptcp-exporter"
cp "$binary" "$WORK/mptcp-exporter-order"
binary="$WORK/mptcp-exporter-order"
for round in $(seq 1 "$rounds"); do
    observe "$binary" | awk '!seen[$0]++' > "$WORK/seen.txt"
    new=$(grep -vxF -f "$WORK/order.txt" "$WORK/seen.txt" || true)
    count=$(printf '%s' "$new" | grep -c . || true)
    echo "round $round: $(wc -l < "$WORK/seen.txt") functions seen, $count new" >&2
    [ "$count" -eq 0 ] && break
    printf '%s\n' "$new" >> "$WORK/order.txt"
    relink "$binary" "$WORK/order.txt"
done
cp "$WORK/order.txt" "$OUT"
# SwiftPM does not see the list as an input of the link: make the next release build relink.
rm -f .build/release/mptcp-exporter
echo "wrote $OUT: $(wc -l < "$OUT") functions" >&2
