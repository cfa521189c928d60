#!/usr/bin/env bash
# The end-to-end demo: two drops of a dataset, history, diff, and checkouts
# verified byte for byte with sha256sum; then a pipeline (bubblewrap over a busybox
# rootfs) that reacts to a commit by re-running only the changed datum; then git hooks
# pinning data in git commits, and a push to a directory remote and a clone from it.
#
# Usage: scripts/demo.sh
# Environment:
#   DVER=PATH           binary to run (default: .build/release/dver, built first)
#   DEMO_SKIP_BUILD=1   do not run `swift build -c release --static-swift-stdlib --product dver`
#   DEMO_KEEP=1         keep the temporary project after a successful run
#                       (after a failure it is always kept, for inspection)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly GEN="$REPO_ROOT/scripts/gen-data.py"
DVER=${DVER:-$REPO_ROOT/.build/release/dver}
WORK="" PROJECT="" CHECKS="" DELETED=""

# ---------------------------------------------------------------- helpers

note() { printf '\n--- %s\n' "$*"; }
fail() {
    printf '\nDEMO FAILED: %s\n' "$*" >&2
    [[ -n $WORK ]] && printf 'project kept for inspection: %s\n' "$PROJECT" >&2
    exit 1
}

# Shows a command the way a user would type it.
show() {
    local word line="==>"
    for word in "$@"; do
        if [[ $word =~ ^[][A-Za-z0-9_./@~:=+,-]+$ ]]; then
            line+=" $word"
        else
            line+=" \"$word\""
        fi
    done
    printf '\n%s\n' "$line"
}

# dver ARGS...: shows the command, then runs the binary under test.
dver() {
    show dver "$@"
    "$DVER" "$@" || fail "'dver $*' exited with status $?"
}

gen() { python3 "$GEN" "$@"; }

# snapshot NAME: records the path and SHA-256 of every file under data/raw.
snapshot() {
    (cd "$PROJECT/data/raw" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) \
        >"$CHECKS/$1.sha256"
    printf '(recorded sha256 of %s files as "%s")\n' "$(wc -l <"$CHECKS/$1.sha256")" "$1"
}

# verify NAME: data/raw holds exactly the files of snapshot NAME, byte for byte.
verify() {
    local expected="$CHECKS/$1.sha256" actual="$CHECKS/$1.files-now"
    (cd "$PROJECT/data/raw" && find . -type f | sort) >"$actual"
    if ! diff <(cut -c 67- "$expected") "$actual" >"$CHECKS/$1.diff"; then
        cat "$CHECKS/$1.diff" >&2
        fail "data/raw does not hold the file set of \"$1\" (< expected, > found)"
    fi
    if ! (cd "$PROJECT/data/raw" && sha256sum --check --quiet --strict "$expected"); then
        fail "file contents differ from \"$1\""
    fi
    printf 'verified: %s files byte-identical to "%s", no extra files\n' \
        "$(wc -l <"$expected")" "$1"
}

# ---------------------------------------------------------------- steps

build() {
    # bubblewrap + busybox-static: the pipeline's sandbox and the tools inside it.
    local -a extra=(bubblewrap busybox-static)
    command -v python3 >/dev/null 2>&1 || extra+=(python3)
    show scripts/setup.sh "${extra[@]}"
    bash "$REPO_ROOT/scripts/setup.sh" "${extra[@]}"
    if [[ ${DEMO_SKIP_BUILD:-0} != 1 ]]; then
        show swift build -c release --static-swift-stdlib --product dver
        (cd "$REPO_ROOT" && swift build -c release --static-swift-stdlib --product dver)
    fi
    [[ -x $DVER ]] || fail "no dver binary at $DVER"
}

make_first_drop() {
    note "generating data/raw: three CSVs, 200 small files, a 20 MiB random file"
    mkdir -p data/raw
    gen csv data/raw/sensors-north.csv --size 4M --seed 1
    gen csv data/raw/sensors-south.csv --size 2M --seed 2
    gen csv data/raw/sensors-east.csv --size 1M --seed 3
    gen small data/raw/docs --count 200 --dirs 4 --min 1K --max 8K --seed 4
    gen random data/raw/images.bin --size 20M --seed 5
    du -sh data/raw
}

# Changes one CSV, deletes one file, adds a new one.
make_second_drop() {
    note "second drop: 5% more rows in sensors-north.csv, one doc deleted, one new CSV"
    gen csv-append data/raw/sensors-north.csv --fraction 0.05 --seed 6
    DELETED=$(cd data/raw && find docs -type f | sort | sed -n 1p)
    rm "data/raw/$DELETED"
    echo "deleted data/raw/$DELETED"
    mkdir -p data/raw/new
    gen csv data/raw/new/sensors-west.csv --size 512K --seed 7
    echo "added data/raw/new/sensors-west.csv"
}

# expect_rows: data/rows/<csv>.rows holds `wc -l` of each top-level CSV of data/raw.
expect_rows() {
    local csv name count=0
    for csv in data/raw/*.csv; do
        name=$(basename "$csv")
        [[ $(cat "data/rows/$name.rows") == "$(wc -l <"$csv")" ]] \
            || fail "data/rows/$name.rows is '$(cat "data/rows/$name.rows")', wc -l says $(wc -l <"$csv")"
        count=$((count + 1))
    done
    [[ $(find data/rows -type f | wc -l) == "$count" ]] || fail "data/rows has files for CSVs that do not exist"
    printf 'verified: data/rows holds the row count of each of the %d CSVs\n' "$count"
}

# job_field FIELD: a field of the newest job (`dver job list --json`).
job_field() {
    "$DVER" job list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"
}

pipeline_demo() {
    note "a pipeline: row counts of each CSV, one datum per file, in a bubblewrap sandbox"
    local rootfs="$WORK/rootfs" applet
    mkdir -p "$rootfs/bin"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in sh ls wc cat; do ln -s busybox "$rootfs/bin/$applet"; done
    echo "busybox rootfs for the sandbox: $rootfs"
    mkdir -p pipelines
    cat >pipelines/rows.yaml <<YAML
pipeline: {name: rows}
description: Row count of each CSV
input:
  pfs: {repo: raw, glob: "/*.csv"}
transform:
  image: $rootfs
  cmd: ["sh", "-c", "f=\$(ls /pfs/raw); wc -l < /pfs/raw/\$f > /pfs/out/\$f.rows"]
runtime: bwrap
parallelism: 2
YAML
    cat pipelines/rows.yaml
    dver pipeline create pipelines/rows.yaml --run
    expect_rows
    [[ $(job_field ran) == 3 ]] || fail "the first job should run 3 datums"

    note "change one CSV and commit: the pipeline re-runs only that datum"
    gen csv-append data/raw/sensors-south.csv --fraction 0.1 --seed 8
    dver add data/raw
    dver commit -m "more rows in the south"
    [[ $(job_field ran) == 1 && $(job_field skipped) == 2 ]] \
        || fail "expected 1 datum run and 2 reused, got $(job_field ran) and $(job_field skipped)"
    echo "the job ran 1 datum and reused 2"
    expect_rows
    dver job inspect "$(job_field id)"
    dver log rows
    dver dag
}

# git COMMAND...: shows and runs git with a fixed identity (the hooks call dver from PATH).
git_run() {
    show git "$@"
    GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.org \
        GIT_COMMITTER_NAME=Demo GIT_COMMITTER_EMAIL=demo@example.org \
        PATH="$(dirname "$DVER"):$PATH" git "$@" || fail "'git $*' exited with status $?"
}

git_and_remote_demo() {
    note "git beside dver: hooks pin each git commit's data in dver.lock and restore it on git checkout"
    git_run init -q -b main
    dver hooks install
    git_run add -A
    git_run commit -q -m "analysis v1"
    snapshot pinned-v1
    gen csv-append data/raw/sensors-east.csv --fraction 0.2 --seed 9
    dver add data/raw
    dver commit -m "more rows in the east"
    git_run commit -q -a -m "analysis v2"
    snapshot pinned-v2
    git_run checkout -q HEAD~1
    verify pinned-v1
    git_run checkout -q main
    verify pinned-v2
    dver log --git

    note "a directory remote: push sends only what it lacks; a clone is a working project"
    dver remote add origin "$WORK/remote"
    dver push
    dver push
    dver clone "$WORK/remote" "$WORK/clone"
    (cd "$WORK/clone/data/raw" && sha256sum --check --quiet --strict "$CHECKS/pinned-v2.sha256") \
        || fail "the clone's data/raw differs from the pushed data"
    echo "verified: the clone holds data/raw byte for byte"
}

main() {
    trap 'fail "command failed at line $LINENO of scripts/demo.sh"' ERR
    build
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/dver-demo.XXXXXX")
    PROJECT="$WORK/project" CHECKS="$WORK/checks"
    mkdir -p "$PROJECT" "$CHECKS"
    cd "$PROJECT"
    show cd "$PROJECT"

    dver init
    make_first_drop
    dver add data/raw
    dver status
    dver commit -m "first drop"
    snapshot first

    make_second_drop
    dver add data/raw
    dver commit -m "second drop"
    snapshot second

    dver log raw
    dver diff raw@main~1 raw@main
    dver du

    dver checkout raw@main~1
    verify first
    [[ -f data/raw/$DELETED ]] || fail "deleted file $DELETED did not come back"
    [[ ! -e data/raw/new/sensors-west.csv ]] || fail "new file still present at main~1"

    dver checkout raw@main
    verify second
    [[ ! -e data/raw/$DELETED ]] || fail "$DELETED is back at main"

    pipeline_demo
    git_and_remote_demo

    dver fsck

    if [[ ${DEMO_KEEP:-0} == 1 ]]; then
        printf '\nproject kept: %s\n' "$PROJECT"
    else
        rm -rf "$WORK"
    fi
    printf '\ndemo OK\n'
}

main "$@"
