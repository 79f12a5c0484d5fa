#!/usr/bin/env bash
# Fuzzes the parsers and decoders that read what others wrote, with libFuzzer
# (swiftc -sanitize=fuzzer) and AddressSanitizer, each target for a bounded time.
#   scripts/fuzz.sh [--seconds N] [--jobs N] [TARGET...]
# Targets: netstat (/proc/net/netstat, snmp, sysctl values), sockdiag
# (sock_diag datagrams and the connection join), genl (mptcp_pm and
# controller replies and events, route replies), archive (snapshot tar files
# given to report --from), report (an archive through the report builder and
# every renderer), topframe (snapshot JSON through mptcp-top's state and
# frames), http (client bytes through the server's own
# pipeline), webconfig (--web.config.file: the YAML reader and the checks),
# probe (getsockopt(SOL_MPTCP) answers through the probe's verdict and every
# output; probe configuration, targets and query strings).
# Default: all, 60 s each.
#
# The committed seed corpus is Tests/FuzzCorpus/TARGET; inputs libFuzzer
# finds interesting go to .build-fuzz/corpus/TARGET (not committed). A crash,
# an out-of-range access, a leak or a hang (10 s) stops the run: the input is
# saved under .build-fuzz/findings/, and the script exits 1 naming it. Fix
# the code, then copy the input into Tests/FuzzCorpus/TARGET: the test suite
# replays that folder on every run (FuzzCorpusTests), so it stays fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

seconds=60
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=(netstat sockdiag genl archive report topframe http webconfig probe)

scripts/install-deps.sh >/dev/null
mkdir -p .build-fuzz
echo "fuzz: building mptcp-fuzz with -sanitize=fuzzer,address (.build-fuzz)" >&2
SECONDS=0
swift build --product mptcp-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >.build-fuzz/build.log 2>&1 \
    || { tail -n 30 .build-fuzz/build.log >&2; exit 1; }
echo "fuzz: build ${SECONDS} s" >&2
binary=.build-fuzz/debug/mptcp-fuzz

status=0
for target in "${targets[@]}"; do
    corpus=".build-fuzz/corpus/$target"
    findings=".build-fuzz/findings"
    mkdir -p "$corpus" "$findings"
    log=".build-fuzz/$target.log"
    set +e
    # The Swift runtime's backtracer would make a finding take minutes to report.
    MPTCP_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1 \
        timeout $((seconds + 120)) "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/$target-" \
        "$corpus" "Tests/FuzzCorpus/$target" >"$log" 2>&1
    result=$?
    set -e
    # Each lookup may find nothing (a run killed by a signal leaves no stats
    # and no artifact): never let that end the script without a verdict.
    runs=$(awk '/number_of_executed_units/ {print $NF}' "$log" || true)
    coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 || true)
    if ((result == 0)); then
        printf 'fuzz: %-9s %ss, %s inputs, %s, nothing found\n' "$target" "$seconds" "${runs:-?}" "${coverage:-cov: ?}"
    else
        status=1
        artifact=$(grep -oE "$findings/$target-[a-z]+-[0-9a-f]+" "$log" | tail -n 1 || true)
        printf 'fuzz: %-9s FOUND a problem or was stopped (exit %s): %s\n' "$target" "$result" "${artifact:-see $log}"
        grep -E 'ERROR|SUMMARY|Fatal error' "$log" | head -n 5 >&2 || true
    fi
done
exit $status
