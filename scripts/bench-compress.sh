# The `compress` case of scripts/bench.sh (sourced by it): compressible data beside its peers
# in the same run, on the same $CSV_SIZE CSV (warm cache):
#   dver:  first add (store compresses with zstd level 1, decision 0004), stored bytes, and
#          restore of the file into the workspace (decompress + write);
#   DVC:   `dvc add` (md5 + copy into its cache, no compression) and `dvc checkout`, from a
#          venv under $BENCH_DIR (pip install dvc; the rows say "-" when that fails);
#   floors: `zstd -3 -T2` (the stored-size reference: dver may store at most 1.1x its bytes),
#          `zstd -d`, and cp of the file.

# compress_dvc_ready: a venv with DVC under $BENCH_DIR, made once; false when pip fails.
compress_dvc_ready() {
    local venv="$BENCH_DIR/dvc-venv"
    [[ -x $venv/bin/dvc ]] && return 0
    log "installing DVC into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >/dev/null 2>&1 && "$venv/bin/pip" install -q dvc >"$BENCH_DIR/logs/dvc-install.log" 2>&1
}

case_compress() {
    command -v zstd >/dev/null 2>&1 || bash "$REPO_ROOT/scripts/setup.sh" zstd
    local csv="$BENCH_DIR/compress.csv" size seconds
    python3 "$GEN" csv "$csv" --size "$CSV_SIZE" --seed 2
    size=$(bytes_of "$csv")

    # Floors: zstd -3 on both cores, its decompression, a copy.
    local zstd_seconds zstd_bytes unzstd_seconds cp_seconds sha_seconds
    warm "$csv"
    best_of 3 zstd_seconds zstd -q -f -3 -T2 "$csv" -o "$csv.zst"
    zstd_bytes=$(bytes_of "$csv.zst")
    warm "$csv.zst"
    best_of 3 unzstd_seconds zstd -q -f -d "$csv.zst" -o "$csv.out"
    copy_floor cp_seconds "$csv" "$BENCH_DIR/compress.copy"
    rm -f "$csv.zst" "$csv.out"
    best_of 3 sha_seconds openssl dgst -sha256 "$csv"
    floor_note "CSV $CSV_SIZE: zstd -3 -T2 $zstd_seconds s to $zstd_bytes bytes; zstd -d $unzstd_seconds s; cp $cp_seconds s; sha256 $sha_seconds s"

    # DVC, the peer that does not compress.
    local dvc_add=- dvc_checkout=-
    if compress_dvc_ready; then
        local dvc_project="$BENCH_DIR/projects/compress-dvc"
        rm -rf "$dvc_project"
        mkdir -p "$dvc_project"
        quiet dvc-init in_dir "$dvc_project" "$BENCH_DIR/dvc-venv/bin/dvc" init --no-scm -q
        cp "$csv" "$dvc_project/data.csv"
        warm "$dvc_project/data.csv"
        time_cmd dvc_add quiet dvc-add in_dir "$dvc_project" "$BENCH_DIR/dvc-venv/bin/dvc" add -q data.csv
        rm -f "$dvc_project/data.csv"
        warm "$dvc_project/.dvc/cache"
        time_cmd dvc_checkout quiet dvc-checkout in_dir "$dvc_project" "$BENCH_DIR/dvc-venv/bin/dvc" checkout -q data.csv
        cmp -s "$csv" "$dvc_project/data.csv" || die "dvc checkout did not restore the CSV byte for byte"
        rm -rf "$dvc_project"
        floor_note "DVC $("$BENCH_DIR/dvc-venv/bin/dvc" --version): add $dvc_add s, checkout $dvc_checkout s"
    else
        log "DVC could not be installed (log: $BENCH_DIR/logs/dvc-install.log): its rows are '-'"
    fi

    local add=- stored=- restore=-
    if dver_enabled; then
        local project
        project=$(new_project compress)
        mkdir -p "$project/data/sensors"
        cp "$csv" "$project/data/sensors/sensors.csv"
        warm "$project/data/sensors/sensors.csv"
        time_cmd add quiet compress-add in_dir "$project" "$DVER" add -q data/sensors
        stored=$(stored_bytes "$project")
        quiet compress-commit in_dir "$project" "$DVER" commit -q -m csv
        rm -f "$project/data/sensors/sensors.csv"
        warm "$project/.dver"
        time_cmd restore quiet compress-restore in_dir "$project" "$DVER" restore data/sensors/sensors.csv
        cmp -s "$csv" "$project/data/sensors/sensors.csv" || die "dver restore did not restore the CSV byte for byte"
        rm -rf "$project"
    fi
    rm -f "$csv"
    local restore_floor
    restore_floor=$(calc "$cp_seconds + $unzstd_seconds / 2" 4)
    row "CSV $CSV_SIZE first add (s)" "$add" "DVC $dvc_add" "<= DVC" \
        "$( [[ $dvc_add == - ]] && echo - || judge "$add" "<=" "$dvc_add" "$dvc_add")"
    row "CSV stored bytes (MB)" "$(calc "${stored/-/0} / 1000000" 1)" "zstd -3: $(calc "$zstd_bytes / 1000000" 1)" "<= 1.1x" \
        "$( [[ $stored == - ]] && echo - || judge "$stored" "<=" "$(calc "$zstd_bytes * 1.1" 0)" "$zstd_bytes")"
    row "CSV restore into the workspace (s)" "$restore" "cp + zstd -d/2: $restore_floor; DVC $dvc_checkout" "<= 1.2x" \
        "$( [[ $restore == - ]] && echo - || judge "$restore" "<=" "$(calc "$restore_floor * 1.2" 4)" "$restore_floor")"
    # dver checks every chunk's SHA-256 as it restores it (decision 0005): the same floor with
    # that check spread over the two cores too.
    local verified_floor
    verified_floor=$(calc "$cp_seconds + ($unzstd_seconds + $sha_seconds) / 2" 4)
    row "CSV restore, floor with sha256 (s)" "$restore" "cp + (zstd -d + sha256)/2: $verified_floor" "<= 1.2x" \
        "$( [[ $restore == - ]] && echo - || judge "$restore" "<=" "$(calc "$verified_floor * 1.2" 4)" "$verified_floor")"
}
