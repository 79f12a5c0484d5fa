#!/usr/bin/env bash
# README's Layout, made from what is there: the folder lines of
# Package.swift's Layout comment (what each folder is for) and the types each
# folder's Swift files declare at top level (public, package or internal).
#   scripts/layout.sh           prints the table
#   scripts/layout.sh --check   exits 1, with a diff, when README's Layout differs (run by the tests)
#   scripts/layout.sh --write   replaces README's Layout with the table
# Fails, naming it, on a source folder without a line in Package.swift and on
# a line naming a folder that does not exist.
set -euo pipefail
cd "$(dirname "$0")/.."

begin='<!-- layout:begin (made by scripts/layout.sh from Package.swift and the sources: edit those, then run scripts/layout.sh --write) -->'
end='<!-- layout:end -->'

# "folder<TAB>what" for every Layout line of Package.swift.
lines=$(awk '
    /^\/\/ Layout:/ { inside = 1; next }
    /^import PackageDescription/ { inside = 0 }
    inside && /^\/\/   [^ ]/ {
        line = substr($0, 6)
        folder = line; sub(/ .*/, "", folder)
        what = substr(line, length(folder) + 1); sub(/^ +/, "", what)
        print folder "\t" what
    }' Package.swift)

path_of() { case "$1" in Tests/*) echo "$1" ;; *) echo "Sources/$1" ;; esac; }

status=0
declare -A described=()
while IFS=$'\t' read -r folder what; do
    path=$(path_of "$folder")
    described[$path]=1
    if [ ! -d "$path" ]; then
        echo "scripts/layout.sh: Package.swift's Layout names $path, which does not exist" >&2
        status=1
    fi
done <<<"$lines"
while read -r directory; do
    if [ -z "${described[$directory]:-}" ]; then
        echo "scripts/layout.sh: $directory has no line in Package.swift's Layout comment: add one saying what it is" >&2
        status=1
    fi
done < <(find Sources Tests/MPTCPKernelTesting Tests/TestSupport -mindepth 1 -type d \
            -exec sh -c 'ls "$1" | grep -q "\.\(swift\|h\|modulemap\)$"' _ {} \; -print | sort)
[ "$status" -eq 0 ] || exit "$status"

# The types declared at top level in the folder's own files, sorted.
types_of() {
    local files=("$1"/*.swift)
    [ -e "${files[0]}" ] || return 0
    awk '
        /^(public |package |internal )?(final )?(indirect )?(struct|enum|class|protocol|actor|typealias) [A-Za-z_][A-Za-z0-9_]*/ {
            line = $0
            sub(/^(public |package |internal )?(final )?(indirect )?(struct|enum|class|protocol|actor|typealias) /, "", line)
            match(line, /^[A-Za-z_][A-Za-z0-9_]*/)
            print substr(line, RSTART, RLENGTH)
        }' "${files[@]}" | sort -u | awk '{ printf "%s`%s`", (NR > 1 ? ", " : ""), $0 }'
}

table() {
    echo "$begin"
    echo
    echo "| folder | what | types declared there |"
    echo "|---|---|---|"
    while IFS=$'\t' read -r folder what; do
        path=$(path_of "$folder")
        echo "| \`$path\` | $what | $(types_of "$path") |"
    done <<<"$lines"
    echo
    echo "$end"
}

current() {
    awk -v begin="$begin" -v end="$end" '
        $0 == begin { inside = 1 }
        inside { print }
        $0 == end { inside = 0 }' README.md
}

case "${1:-}" in
    "")
        table ;;
    --check)
        if ! difference=$(diff <(current) <(table)); then
            echo "README's Layout is not what scripts/layout.sh makes from Package.swift and the sources; run scripts/layout.sh --write:" >&2
            echo "$difference" >&2
            exit 1
        fi ;;
    --write)
        grep -qxF "$begin" README.md || { echo "scripts/layout.sh: README.md has no line '$begin'" >&2; exit 1; }
        generated=$(table)
        awk -v begin="$begin" -v end="$end" -v file=/dev/stdin '
            BEGIN { while ((getline line < file) > 0) table = table line "\n" }
            $0 == begin { printf "%s", table; skipping = 1; next }
            skipping && $0 == end { skipping = 0; next }
            !skipping { print }' README.md <<<"$generated" >README.md.layout-new
        cat README.md.layout-new >README.md
        rm -f README.md.layout-new ;;
    *)
        echo "usage: scripts/layout.sh [--check | --write]" >&2; exit 2 ;;
esac
