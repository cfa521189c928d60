# The `scale` case of scripts/bench.sh (sourced by it; off by default, run by hand with
# BENCH_CASES=scale): millions of small files. For each count in BENCH_SCALE_COUNTS it
# generates files of 1-8 KiB (64-512 bytes at 5M and above), warms them into the page cache
# and times, on the same tree in the same run:
#   dver: add, commit, no-op status, re-add after touching 1% of the files, diff of the two
#         commits, push to a directory remote, clone from it (fetch + full checkout);
#   floors: cp -r, git add -A, git status, git add -A of the same 1% change.
# Each dver command's peak anonymous memory (RssAnon, mapped pack pages left out) is sampled
# by scripts/peak-anon.py. The curve at the end is time per file against the file count,
# as a ratio to the smallest count's: flat means linear.
#
# Needs about 30 GB of free disk at 1M files (source, git objects, store, remote, clone).

readonly SCALE_COUNTS=${BENCH_SCALE_COUNTS:-100000 300000 1000000 5000000}
readonly SCALE_OPERATIONS="add commit status re-add diff push clone"
declare -A SCALE_SECONDS=() SCALE_PEAK=()

# scale_touch DIR: rewrites every 100th file (sorted order) with a line appended, through a
# new file and a rename, so hard links to the old contents keep them.
scale_touch() {
    python3 - "$1" <<'PY'
import os, sys
root = sys.argv[1]
paths = sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files)
for path in paths[::100]:
    with open(path, "rb") as old:
        data = old.read()
    with open(path + ".touch", "wb") as new:
        new.write(data + b"touched by bench scale\n")
    os.rename(path + ".touch", path)
print(len(paths[::100]))
PY
}

# scale_dver KEY COUNT DIR CMD...: times one dver command in DIR with its peak anonymous memory.
scale_dver() {
    local key=$1 count=$2 dir=$3 seconds kib
    shift 3
    local peak="$BENCH_DIR/logs/scale-$key-$count.peak"
    # The sampler times the command itself (its own Python start-up left out).
    time_cmd seconds quiet "scale-$key-$count" in_dir "$dir" python3 "$REPO_ROOT/scripts/peak-anon.py" "$peak" "$@"
    read -r kib seconds <"$peak"
    SCALE_SECONDS[$key,$count]=$seconds
    SCALE_PEAK[$key,$count]=$kib
    log "dver $key, $count files: $seconds s, $(calc "$count / $seconds" 0) files/s, peak anon $(calc "$kib / 1024" 0) MiB ($(calc "$kib * 1024 / $count" 0) B/file)"
}

scale_round() {
    local count=$1 min=1024 max=8192 dirs source seconds touched
    (( count >= 5000000 )) && min=64 max=512
    dirs=$(( count / 1000 > 100 ? count / 1000 : 100 ))
    source="$BENCH_DIR/scale-src-$count"
    local params="count=$count dirs=$dirs min=$min max=$max seed=7"
    if [[ ! -d $source || $(cat "$source.params" 2>/dev/null) != "$params" ]]; then
        rm -rf "$source" "$source.params"
        log "generating $count files of $min-$max bytes in $dirs directories"
        python3 "$GEN" small "$source" --count "$count" --dirs "$dirs" --min "$min" --max "$max" --seed 7
        printf '%s\n' "$params" >"$source.params"
    fi

    # Floors: reading every file once, in path order, with two readers and with sixteen (as
    # dver add reads small files): what any add is bound by once the tree outgrows the page
    # cache (each file of 64-512 bytes takes a 4 KiB page: 5M of them do not fit in 23 GB), and
    # a disk serves many reads at once. Then cp -r, then git on a hard-linked copy of the tree
    # (no data copied).
    local readers
    for readers in 2 16; do
        warm "$source"
        time_cmd seconds bash -c 'find "$1" -type f -print0 | sort -z | xargs -0 -r -P"$2" -n 4096 cat >/dev/null' _ "$source" "$readers"
        SCALE_SECONDS[read$readers,$count]=$seconds
    done
    SCALE_SECONDS[read,$count]=$(awk -v a="${SCALE_SECONDS[read2,$count]}" -v b="${SCALE_SECONDS[read16,$count]}" 'BEGIN { print (a < b) ? a : b }')
    rm -rf "$BENCH_DIR/scale-copy"
    warm "$source"
    time_cmd seconds cp -r "$source" "$BENCH_DIR/scale-copy"
    SCALE_SECONDS[cp,$count]=$seconds
    rm -rf "$BENCH_DIR/scale-copy"
    local git_project="$BENCH_DIR/projects/scale-git"
    rm -rf "$git_project"
    mkdir -p "$git_project/data"
    cp -al "$source" "$git_project/data/t"
    quiet scale-git-init in_dir "$git_project" git init -q
    warm "$git_project/data"
    time_cmd seconds quiet "scale-git-add-$count" in_dir "$git_project" "${GIT_AS_BENCH[@]}" add -A
    SCALE_SECONDS[git-add,$count]=$seconds
    quiet scale-git-commit in_dir "$git_project" "${GIT_AS_BENCH[@]}" commit -q -m one
    quiet scale-git-status-warm in_dir "$git_project" git status --porcelain
    best_of 3 seconds quiet "scale-git-status-$count" in_dir "$git_project" git status --porcelain
    SCALE_SECONDS[git-status,$count]=$seconds
    scale_touch "$git_project/data/t" >/dev/null
    time_cmd seconds quiet "scale-git-readd-$count" in_dir "$git_project" "${GIT_AS_BENCH[@]}" add -A
    SCALE_SECONDS[git-re-add,$count]=$seconds
    rm -rf "$git_project"
    floor_note "scale $count: read every file ${SCALE_SECONDS[read2,$count]} s with 2 readers, ${SCALE_SECONDS[read16,$count]} s with 16, cp -r ${SCALE_SECONDS[cp,$count]} s, git add -A ${SCALE_SECONDS[git-add,$count]} s, git status ${SCALE_SECONDS[git-status,$count]} s, git add -A of 1% ${SCALE_SECONDS[git-re-add,$count]} s"

    dver_enabled || return 0
    local project remote clone first second
    project=$(new_project scale)
    cp -al "$source" "$project/data/t"
    warm "$project/data"
    scale_dver add "$count" "$project" "$DVER" add -q data/t
    scale_dver commit "$count" "$project" "$DVER" commit -q -m one
    quiet scale-status-warm in_dir "$project" "$DVER" status
    best_of 3 seconds quiet "scale-status-$count" in_dir "$project" "$DVER" status
    scale_dver status "$count" "$project" "$DVER" status
    SCALE_SECONDS[status,$count]=$seconds  # best of 3, not the sampled run
    touched=$(scale_touch "$project/data/t")
    scale_dver re-add "$count" "$project" "$DVER" add -q data/t
    quiet scale-commit2 in_dir "$project" "$DVER" commit -q -m two
    first=$(in_dir "$project" "$DVER" log t --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
    second=$(in_dir "$project" "$DVER" log t --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
    scale_dver diff "$count" "$project" "$DVER" diff "t@$first" "t@$second"
    [[ $(grep -c . "$BENCH_DIR/logs/scale-diff-$count.log") -ge $touched ]] || die "diff lists fewer than the $touched touched files"
    remote="$BENCH_DIR/projects/scale-remote"
    rm -rf "$remote"
    quiet scale-remote-add in_dir "$project" "$DVER" remote add origin "$remote"
    scale_dver push "$count" "$project" "$DVER" push -q origin
    clone="$BENCH_DIR/projects/scale-clone"
    rm -rf "$clone"
    # Creating files after many were deleted varies tenfold on this VM's root (ext4 scanning past
    # recently freed inodes: perf shows recently_deleted and find_inode_bit), for cp -r as for
    # the clone; compare the two on a fresh file system when the ratio matters.
    scale_dver clone "$count" "$BENCH_DIR/projects" "$DVER" clone -q "$remote" "$clone"
    [[ $(find "$clone/data/t" -type f | wc -l) -eq $count ]] || die "the clone does not hold $count files"
    rm -rf "$project" "$remote" "$clone"
    [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$source" "$source.params"
}

# Rows: each operation's rate and bytes per file at the largest count, and its time per file
# at every count as a ratio to the first count's (target <= 1.3).
scale_report() {
    local counts=($SCALE_COUNTS) base=${SCALE_COUNTS%% *} operation count ratio worst curve
    for operation in $SCALE_OPERATIONS; do
        [[ -n ${SCALE_SECONDS[$operation,$base]:-} ]] || continue
        worst=0 curve=""
        for count in "${counts[@]}"; do
            [[ -n ${SCALE_SECONDS[$operation,$count]:-} ]] || continue
            ratio=$(calc "(${SCALE_SECONDS[$operation,$count]} / $count) / (${SCALE_SECONDS[$operation,$base]} / $base)" 2)
            curve+="${curve:+ }$(calc "${SCALE_SECONDS[$operation,$count]} * 1000000 / $count" 1)"
            worst=$(awk -v a="$ratio" -v b="$worst" 'BEGIN { print (a > b) ? a : b }')
        done
        row "scale: $operation, us/file per count" "$curve" "per-file x$worst of ${base}'s" "<= 1.3" "$(judge "$worst" "<=" 1.3)"
        for count in "${counts[@]}"; do
            [[ -n ${SCALE_PEAK[$operation,$count]:-} ]] || continue
            local per_file
            per_file=$(calc "(${SCALE_PEAK[$operation,$count]} - 65536) * 1024 / $count" 0)
            row "scale: $operation $count, B/file anon" "$per_file" "peak $(calc "${SCALE_PEAK[$operation,$count]} / 1024" 0) MiB - 64" "<= 250" "$(judge "$per_file" "<=" 250)"
        done
    done
    for count in "${counts[@]}"; do
        [[ -n ${SCALE_SECONDS[status,$count]:-} ]] || continue
        row "scale: no-op status $count (s)" "${SCALE_SECONDS[status,$count]}" "git status ${SCALE_SECONDS[git-status,$count]}" "<= git" \
            "$(judge "${SCALE_SECONDS[status,$count]}" "<=" "${SCALE_SECONDS[git-status,$count]}" "${SCALE_SECONDS[git-status,$count]}")"
        row "scale: add $count (files/s)" "$(calc "$count / ${SCALE_SECONDS[add,$count]}" 0)" \
            "read with 2/16 readers $(calc "$count / ${SCALE_SECONDS[read2,$count]}" 0)/$(calc "$count / ${SCALE_SECONDS[read16,$count]}" 0), git add $(calc "$count / ${SCALE_SECONDS[git-add,$count]}" 0), cp $(calc "$count / ${SCALE_SECONDS[cp,$count]}" 0)" "-" \
            "$(calc "${SCALE_SECONDS[add,$count]} / ${SCALE_SECONDS[read,$count]}" 2)x faster read"
        [[ -n ${SCALE_SECONDS[clone,$count]:-} ]] && row "scale: clone $count (s)" "${SCALE_SECONDS[clone,$count]}" \
            "cp -r ${SCALE_SECONDS[cp,$count]}" "-" "$(calc "${SCALE_SECONDS[clone,$count]} / ${SCALE_SECONDS[cp,$count]}" 2)x"
        local limit
        limit=$(calc "${SCALE_SECONDS[git-re-add,$count]} * 0.5" 4)
        row "scale: re-add 1% of $count (s)" "${SCALE_SECONDS[re-add,$count]}" "git add ${SCALE_SECONDS[git-re-add,$count]}" "<= 0.5x" \
            "$(judge "${SCALE_SECONDS[re-add,$count]}" "<=" "$limit" "${SCALE_SECONDS[git-re-add,$count]}")"
    done
}

case_scale() {
    local count
    for count in $SCALE_COUNTS; do scale_round "$count"; done
    scale_report
}
