#!/usr/bin/env bash
# A single-machine Slurm cluster for dver's cluster-executor tests and benchmark: munged,
# slurmctld and N `slurmd -N nX` nodes, all on 127.0.0.1, no systemd, no cgroups.
#
#   scripts/slurm-cluster.sh up [NODES]     # prints the SLURM_CONF to export
#   scripts/slurm-cluster.sh down
#
# Environment: D (state directory, default /tmp/dver-slurm), CPUS (slots per node, default 8;
# a node may claim more CPUs than the machine has), PORT (slurmctld port, default 6817; nodes
# use PORT+1..PORT+N). Needs root (slurmd runs tasks as the submitting user) and the packages
# slurmctld slurmd slurm-client munge (scripts/setup.sh installs them).
set -euo pipefail
D=${D:-/tmp/dver-slurm}
PORT=${PORT:-6817}
export SLURM_CONF=$D/etc/slurm.conf

# Daemons must not keep descriptors they inherited: a caller that waits for this script by
# watching a pipe or socket (Foundation's Process does) would otherwise wait for as long as
# the daemons run. Call in a subshell just before exec'ing the daemon.
close_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}

up() {
    local nodes=${1:-3}
    mkdir -p "$D"/{etc,state,spool,run,log}
    chmod 755 "$D" "$D/etc"
    chmod 1777 "$D/run"
    # munged refuses to run as root; Debian's package created /etc/munge/munge.key.
    if ! munge -n >/dev/null 2>&1; then
        mkdir -p /run/munge /var/log/munge /var/lib/munge
        chown munge:munge /run/munge /var/log/munge /var/lib/munge
        chmod 755 /run/munge
        (close_inherited_fds; exec runuser -u munge -- /usr/sbin/munged)
    fi
    {
        cat <<CONF
ClusterName=dvertest
SlurmctldHost=$(hostname)(127.0.0.1)
SlurmctldPort=$PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool/%n
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd-%n.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
MinJobAge=3600
MaxArraySize=100001
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,default_queue_depth=1000,sched_min_interval=100000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=10
SlurmctldTimeout=10
MessageTimeout=5
MpiDefault=none
SwitchType=switch/none
CONF
        for i in $(seq 1 "$nodes"); do
            echo "NodeName=n$i NodeHostname=$(hostname) NodeAddr=127.0.0.1 Port=$((PORT + i)) CPUs=${CPUS:-8} RealMemory=1000 State=UNKNOWN"
        done
        echo "PartitionName=debug Nodes=n[1-$nodes] Default=YES MaxTime=INFINITE State=UP"
    } > "$SLURM_CONF"
    chmod 644 "$SLURM_CONF"
    (close_inherited_fds; exec setsid slurmctld -D -i >>"$D/log/slurmctld.stdout" 2>&1 < /dev/null) &
    echo $! > "$D/run/slurmctld.launcher"
    for i in $(seq 1 "$nodes"); do
        mkdir -p "$D/spool/n$i"
        (close_inherited_fds; exec setsid slurmd -D -N "n$i" >>"$D/log/slurmd-n$i.stdout" 2>&1 < /dev/null) &
    done
    for _ in $(seq 1 150); do
        [[ $(sinfo -h -N -t idle -o %N 2>/dev/null | wc -l) == "$nodes" ]] && { echo "$SLURM_CONF"; return; }
        sleep 0.2
    done
    echo "slurm-cluster: nodes did not come up; see $D/log" >&2
    exit 1
}

down() {
    [[ -f $SLURM_CONF ]] || { rm -rf "$D"; return; }
    # Cancel first: killing slurmd leaves its tasks (slurmstepd and the job's processes) running.
    scancel --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 1 50); do [[ -z $(squeue -h -t R,CG 2>/dev/null) ]] && break; sleep 0.2; done
    for pidfile in "$D"/run/slurmctld.pid "$D"/run/slurmd-*.pid; do
        [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        pgrep -f "slurmd -D -N n[0-9]+" >/dev/null || pgrep -x slurmctld >/dev/null || break
        sleep 0.1
    done
    rm -rf "$D"
}

case ${1:-up} in
    up) up "${2:-3}" ;;
    down) down ;;
    *) echo "usage: $0 up [NODES] | down" >&2; exit 64 ;;
esac
